"""Validated clinical instruments: each declared once as data, scored by one ``evaluate``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.instruments import engine
from clotwatch.core.instruments.catalogue import ALL
from clotwatch.core.instruments.engine import Contribution, Result, validate
from clotwatch.core.instruments.model import (
    Band,
    Citation,
    Input,
    Instrument,
    Interpretation,
    Option,
    Tier,
)

INSTRUMENTS: Mapping[str, Instrument] = {inst.id: inst for inst in ALL}


def get(instrument_id: str) -> Instrument:
    """The instrument with this id; ``InputError`` naming the known ids if there is none."""
    try:
        return INSTRUMENTS[instrument_id]
    except (KeyError, TypeError):
        raise InputError(
            "instrument",
            f"unknown instrument {instrument_id!r}; known: {', '.join(INSTRUMENTS)}",
        ) from None


def evaluate(instrument: Instrument | str, answers: Mapping[str, Any]) -> Result:
    """Score ``answers`` (input id -> value; missing or None = unanswered) with an instrument."""
    inst = get(instrument) if isinstance(instrument, str) else instrument
    return engine.evaluate(inst, answers)


__all__ = [
    "INSTRUMENTS",
    "Band",
    "Citation",
    "Contribution",
    "Input",
    "Instrument",
    "Interpretation",
    "Option",
    "Result",
    "Tier",
    "evaluate",
    "get",
    "validate",
]
