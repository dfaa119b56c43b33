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
    known = _table().get(type_name)
    if known is not None:
        hit = known.get(name)
        return None if hit is None else (bool(hit[0]), hit[1])
    return from_models(type_name, name)


def from_models(type_name: str, name: str) -> tuple[bool, str | None] | None:
    """``element`` as the models say (without the table)."""
    cls = _model(type_name)
    if cls is None:
        return None
    fields = getattr(cls, "model_fields", {})
    info = fields.get(name)
    if info is None:
        info = next((f for f in fields.values() if f.alias == name), None)
    if info is None or name == "contained":  # (resources of any type: read as JSON)
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


# The element table of the types the screening's views read, written by ``python -m
# clotwatch.population.fhirmodel`` from the models (a test checks it against them): the
# screening then starts without importing the models (about a second).
TABLE_TYPES = ("Patient", "Encounter", "Condition", "Observation", "Procedure",
               "MedicationRequest", "MedicationAdministration", "Medication", "Location",
               "ServiceRequest", "Device", "DeviceUseStatement", "DeviceRequest")
_TABLE_FILE = "fhir_elements.json"


def _table_of(types: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Every element of ``types`` and of the complex types they reach, as ``element`` says."""
    out: dict[str, dict[str, Any]] = {}
    todo = list(types)
    while todo:
        t = todo.pop()
        if t in out or _model(t) is None:
            continue
        fields = _model(t).model_fields
        names = sorted({n for n in fields} | {f.alias for f in fields.values() if f.alias})
        out[t] = {n: from_models(t, n) for n in names}
        todo.extend(v[1] for v in out[t].values() if v is not None and v[1])
    return {k: {n: list(v) if v else None for n, v in sorted(out[k].items())}
            for k in sorted(out)}


@cache
def _table() -> dict[str, dict[str, Any]]:
    import json
    from importlib import resources

    try:
        text = resources.files("clotwatch.population").joinpath(_TABLE_FILE).read_text(
            encoding="utf-8")
    except OSError:
        return {}
    data: dict[str, dict[str, Any]] = json.loads(text)
    return data


if __name__ == "__main__":
    import json
    from pathlib import Path

    Path(__file__).with_name(_TABLE_FILE).write_text(
        json.dumps(_table_of(TABLE_TYPES), indent=0, sort_keys=True) + "\n", encoding="utf-8")
