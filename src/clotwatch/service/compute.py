"""Triage and instrument evaluation for the outer layers (thin: the logic lives in core)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clotwatch.errors import InputError

LANGUAGES = ("en", "ru")


def check_lang(lang: str) -> str:
    """``lang`` if supported, else InputError naming the field."""
    if lang not in LANGUAGES:
        raise InputError("lang", f"unsupported language {lang!r}; "
                                 f"use one of {', '.join(LANGUAGES)}")
    return lang


def triage(answers: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """The triage result (contract clotwatch.triage-result/1) for ``answers``."""
    from clotwatch import triage as engine

    if not isinstance(answers, Mapping):
        raise InputError(None, "answers must be a JSON object")
    return engine.assess(dict(answers), lang=check_lang(lang))


def list_instruments() -> list[dict[str, Any]]:
    """A summary of every instrument: id, name, version, citation."""
    from clotwatch import instruments

    return [instrument_summary(inst) for inst in instruments.INSTRUMENTS.values()]


def instrument_summary(inst: Any) -> dict[str, Any]:
    """id, name, version and citation of an instrument."""
    return {"id": inst.id, "name": inst.name, "version": inst.version,
            "citation": str(inst.citation)}


def describe_instrument(instrument_id: str) -> dict[str, Any]:
    """An instrument's declaration: its inputs and the JSON Schema of its answers."""
    from clotwatch import instruments

    inst = instruments.get(instrument_id)
    inputs = []
    for item in inst.inputs:
        inputs.append({
            "id": item.id,
            "meaning": item.meaning,
            "kind": item.kind,
            "options": [{"value": o.value, "label": o.label} for o in item.options] or None,
            "minimum": getattr(item, "minimum", None),
            "maximum": getattr(item, "maximum", None),
            "unit": getattr(item, "unit", None),
        })
    return {**instrument_summary(inst), "purpose": getattr(inst, "purpose", ""),
            "primary": inst.primary,
            "schemes": _schemes(inst), "inputs": inputs,
            "input_schema": inst.input_schema()}


def _schemes(inst: Any) -> list[str]:
    schemes = inst.schemes
    if isinstance(schemes, Mapping):
        return [str(k) for k in schemes]
    return [str(getattr(s, "id", s)) for s in schemes]


def evaluate(instrument_id: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate an instrument; the result dict of ``Result.to_dict()``."""
    result: dict[str, Any] = evaluate_result(instrument_id, answers).to_dict()
    return result


def evaluate_result(instrument_id: str, answers: Mapping[str, Any]) -> Any:
    """Evaluate an instrument; the ``Result`` itself (the web layer words it per language)."""
    from clotwatch import instruments

    if not isinstance(answers, Mapping):
        raise InputError(None, "answers must be a JSON object")
    inst = instruments.get(instrument_id)
    return instruments.evaluate(inst, dict(answers))
