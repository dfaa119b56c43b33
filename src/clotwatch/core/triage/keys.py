"""The answers vocabulary of ``clotwatch.triage/1`` as data, and its validation.

Every key of ``../shared/contracts/triage.md`` is declared once here with its type and range
(the JSON Schema ``triage-input.schema.json`` is the machine form of the same contract; a test
checks that the two agree). ``None`` (or an absent key) means "not asked / don't know" and is
never read as "no".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from clotwatch.core.errors import InputError

Kind = Literal["bool", "enum", "number", "integer"]


@dataclass(frozen=True)
class Key:
    """One answer key: its type, allowed values and the values used to probe what it changes."""

    id: str
    kind: Kind
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    # Values tried when asking "could this answer change the disposition?"; the first one is
    # the most reassuring answer (used for the other, still unanswered, keys while probing).
    probes: tuple[Any, ...] = (False, True)


MAX_DURATION_HOURS = 120 * 366 * 24   # 1,054,080 hours


def _b(key_id: str) -> Key:
    return Key(key_id, "bool")


KEYS: Mapping[str, Key] = {
    k.id: k
    for k in (
        # Who
        Key("age_years", "integer", minimum=0, maximum=120, unit="years", probes=(30, 70)),
        Key("sex", "enum", options=("female", "male", "other"), probes=("male", "female", "other")),
        Key("pregnancy_status", "enum", options=("pregnant", "postpartum", "no"),
            probes=("no", "pregnant", "postpartum")),
        # The leg
        Key("leg_side", "enum", options=("left", "right", "both", "none"),
            probes=("none", "left", "right", "both")),
        _b("leg_pain"),
        Key("cramp", "bool", probes=(True, False)),
        # The contract sets no upper limit; no symptom lasts more than a lifetime (120 years),
        # and a bound keeps every number finite and small enough to compute with.
        Key("duration_hours", "number", minimum=0, maximum=MAX_DURATION_HOURS, unit="hours",
            probes=(0.05, 1.0, 48.0, 1000.0)),
        Key("relieved_by_stretching", "bool", probes=(True, False)),
        _b("pain_on_toes_up"),
        _b("worse_walking_standing"),
        _b("getting_worse"),
        _b("swelling"),
        Key("calf_difference_cm", "number", minimum=0, maximum=30, unit="cm", probes=(0, 2.0, 3.0)),
        _b("warmth"),
        _b("redness"),
        _b("hard_tender_vein"),
        _b("new_visible_veins"),
        _b("chronic_skin_changes"),
        _b("leg_ulcer"),
        _b("cold_pale_numb_leg"),
        _b("fever"),
        _b("recent_leg_injury"),
        _b("after_exercise"),
        _b("at_night"),
        _b("recurrent_cramps"),
        # Warning signs elsewhere
        _b("short_of_breath"),
        _b("chest_pain"),
        _b("coughing_blood"),
        _b("fainting"),
        _b("fast_heartbeat"),
        # Risk factors
        _b("recent_surgery"),
        _b("leg_cast_or_immobilised"),
        Key("bedridden_days", "number", minimum=0, maximum=366, unit="days", probes=(0, 3.0)),
        Key("long_travel_hours", "number", minimum=0, maximum=100, unit="hours", probes=(0, 4.0)),
        _b("active_cancer"),
        _b("previous_clot"),
        _b("hormones"),
        _b("clotting_disorder"),
        _b("family_history_clots"),
        Key("bmi", "number", minimum=10, maximum=80, unit="kg/m2", probes=(22.0, 35.0)),
        _b("smoker"),
        _b("varicose_veins"),
        _b("recent_covid"),
        _b("on_anticoagulant"),
    )
}


def _check_value(key: Key, value: Any) -> Any:
    if key.kind == "bool":
        if not isinstance(value, bool):
            raise InputError(key.id, f"expected true, false or null, got {value!r}")
        return value
    if key.kind == "enum":
        if not isinstance(value, str) or value not in key.options:
            allowed = ", ".join(key.options)
            raise InputError(key.id, f"expected one of {allowed} or null, got {value!r}")
        return value
    # Numbers: booleans are ints in Python, but true is not an age.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(key.id, f"expected a number or null, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(key.id, f"expected a finite number, got {value!r}")
    # Range before anything converts the number: an integer of 400 digits is refused here,
    # named, instead of overflowing a float later.
    if key.minimum is not None and value < key.minimum:
        raise InputError(key.id, f"must be at least {_limit(key.minimum)}, got {_short(value)}")
    if key.maximum is not None and value > key.maximum:
        raise InputError(key.id, f"must be at most {_limit(key.maximum)}, got {_short(value)}")
    if key.kind == "integer" and not (isinstance(value, int) or float(value).is_integer()):
        raise InputError(key.id, f"expected a whole number, got {value!r}")
    return int(value) if key.kind == "integer" else value


def _limit(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text)} characters)"


def validate_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check an answers object against the contract; return a new dict (input is not modified).

    Raises ``InputError(key, reason)`` on an unknown key, a wrong type or an out-of-range value.
    ``None`` values are kept: they mean "don't know".
    """
    if not isinstance(answers, Mapping):
        raise InputError(None, f"answers must be an object, got {type(answers).__name__}")
    clean: dict[str, Any] = {}
    for name, value in answers.items():
        if not isinstance(name, str):
            raise InputError(str(name), "keys must be strings")
        key = KEYS.get(name)
        if key is None:
            raise InputError(name, "unknown key (not in clotwatch.triage/1)")
        clean[name] = None if value is None else _check_value(key, value)
    return clean
