"""Cardinality of FHIR R4 elements, from the fhir.resources R4B models clotwatch already uses.

The compiler asks "is ``Encounter.subject`` a single element?" to read a chain of single
elements with one JSON path (``$.subject.reference``) instead of list operations. An element
the models do not know (an extension, a typo) gets ``None``, and the general path is used.
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Any


@cache
def _model(type_name: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(type_name)
    except (KeyError, ValueError, ImportError, AttributeError):
        return None


def _leaves(annotation: Any) -> tuple[bool, list[Any]]:
    """(is a list, the non-None types inside)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, typing.List):  # noqa: UP006 - the models use typing.List
        return True, [a for a in args if a is not type(None)]
    if args and origin is not typing.Annotated:
        many = False
        out: list[Any] = []
        for a in args:
            if a is type(None):
                continue
            is_list, inner = _leaves(a)
            many = many or is_list
            out.extend(inner)
        return many, out
    return False, [annotation]


@cache
def element(type_name: str, name: str) -> tuple[bool, str | None] | None:
    """(is a list, FHIR type name or None for a primitive) of ``type_name.name``."""
    cls = _model(type_name)
    if cls is None:
        return None
    fields = getattr(cls, "model_fields", {})
    info = fields.get(name)
    if info is None:
        info = next((f for f in fields.values() if f.alias == name), None)
    if info is None or name in ("extension", "modifierExtension", "contained"):
        return None
    many, inner = _leaves(info.annotation)
    if len(inner) != 1:
        return None
    t = getattr(inner[0], "__name__", "")
    if typing.get_origin(inner[0]) is typing.Annotated or t in ("str", "bool", "int", "float",
                                                                 "Decimal"):
        return many, None
    if t.endswith("Type"):
        t = t[:-4]
    return (many, t) if _model(t) is not None else None
