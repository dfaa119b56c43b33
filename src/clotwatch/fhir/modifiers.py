"""Modifier extensions: a resource clotwatch cannot safely read is not used (issue 13).

FHIR R4, Extensibility (https://hl7.org/fhir/R4/extensibility.html#modifierExtension): a
``modifierExtension`` changes the meaning of the element that holds it (it may negate or
qualify it), and a system that reads an element or resource carrying one it does not
understand must not process it as if the extension were absent: it refuses it, or treats
the element or resource as not safely processable.

clotwatch understands no modifier extension today (``UNDERSTOOD``). A resource carrying one
that is not understood -- on the resource itself or on any element inside it (a dosage, an
Observation component, a contained Medication) -- is not used for findings at all: the whole
resource is scanned, not only the elements ``derive`` reads, since a modifier on an element
clotwatch does not read can still change what the resource says (the conservative side: it
can only turn an answer into "unknown", never into "no"). ``derive`` names each such resource
and the extension URLs in the reasons of the items it could have answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

UNDERSTOOD: frozenset[str] = frozenset()
"""Modifier extension URLs clotwatch understands, and so may read through: none yet.

A URL goes here only together with the code that reads what that extension means (and a test
from its definition); an extension merely listed here would be processed as if it were
absent, which is exactly what FHIR forbids."""

NO_URL = "(no url)"
_KEY = b'"modifierExtension"'


def not_understood(resource: Any) -> tuple[str, ...]:
    """The URLs (sorted, each once) of the modifier extensions in a resource's JSON that
    clotwatch does not understand, found anywhere inside it; ``()`` when there are none."""
    try:  # the common case, none at all, told from the serialised JSON (C speed)
        if _KEY not in orjson.dumps(resource):
            return ()
    except (TypeError, orjson.JSONEncodeError):
        pass  # not serialisable as given (a lone surrogate, a huge integer): walk it
    found: set[str] = set()
    _scan(resource, found)
    return tuple(sorted(found))


def none_in(value: Any) -> bool:
    """Whether a JSON value (a whole Bundle) holds no modifier extension at all, told from
    its serialised JSON in one pass (False when it cannot be serialised as given: then each
    resource is looked at with ``not_understood``)."""
    try:
        return _KEY not in orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return False


def _scan(value: Any, found: set[str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "modifierExtension" and isinstance(item, list):
                for ext in item:
                    url = ext.get("url") if isinstance(ext, Mapping) else None
                    url = url if isinstance(url, str) and url else NO_URL
                    if url not in UNDERSTOOD:
                        found.add(url)
            if isinstance(item, (Mapping, list)):
                _scan(item, found)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (Mapping, list)):
                _scan(item, found)


def of_model(model: Any) -> tuple[str, ...]:
    """``not_understood`` of an R4B model (its JSON form); ``()`` for anything else."""
    dump = getattr(model, "model_dump", None)
    if dump is None:
        return ()
    return not_understood(dump(mode="json", by_alias=True, exclude_none=True))


def unused_reason(ref: str, urls: tuple[str, ...], via: str | None = None) -> str:
    """Why a resource was not used: it names the resource and the extension URLs (``via``:
    the Medication it refers to, which carries them)."""
    many = len(urls) > 1
    what = f"{'modifier extensions' if many else 'a modifier extension'} clotwatch does not " \
           f"understand ({', '.join(urls)})"
    if via is not None:
        return f"{ref} refers to {via}, which carries {what}; it was not used"
    return f"{ref} carries {what}; it was not used"
