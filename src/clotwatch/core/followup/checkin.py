"""A check-in as data, and its validation (a clear error naming the field, never a crash).

The triage answers use the triage vocabulary (``clotwatch.core.triage.keys``) unchanged: the
warning signs and the leg signs of a check-in are triage answers, and ``None`` means "don't
know", never "no". The Villalta items use the instrument's own input ids
(``clotwatch.core.instruments`` ``villalta``): the patient rates the five symptoms, a clinician
rates the signs at a visit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.instruments import get as get_instrument
from clotwatch.core.instruments import validate as validate_instrument
from clotwatch.core.triage.keys import validate_answers

VILLALTA = get_instrument("villalta")
# The five symptoms the patient rates (Villalta 1994; Kahn 2009); the other items are the
# clinician's signs and the venous ulcer.
VILLALTA_SYMPTOMS = ("pain", "cramps", "heaviness", "paresthesia", "pruritus")
# Plausible adult calf circumference, in cm: outside this it is a typing error, not a finding.
CALF_CM_RANGE = (15.0, 90.0)
LEG_PAIN_RANGE = (0, 10)
MAX_MISSED_DOSES = 100
KNOWN_FIELDS = ("answers", "calf_cm", "leg_pain", "doses_missed", "villalta", "kind")
# The triage questions a check-in asks (the triage's vocabulary): its warning-signs screen, in
# its order, then which leg, then the leg findings the triage reads before it can say that
# nothing needs a doctor (its self-care check), and the calf measurements (``calf_cm``, as the
# triage's ``calf_difference_cm``). ``clotwatch check`` asks the same questions first.
WARNING_KEYS = ("short_of_breath", "chest_pain", "coughing_blood", "fainting",
                "cold_pale_numb_leg", "fast_heartbeat")
LEG_SIGNS = ("leg_pain", "cramp", "swelling", "warmth", "redness", "pain_on_toes_up",
             "getting_worse", "worse_walking_standing", "hard_tender_vein", "new_visible_veins",
             "fever", "leg_ulcer", "chronic_skin_changes", "recurrent_cramps")
TRIAGE_QUESTIONS = (*WARNING_KEYS, "leg_side", *LEG_SIGNS, "calf_difference_cm")

@dataclass(frozen=True)
class CheckIn:
    """What a patient (or a clinician at a visit) reported at ``at`` (an aware datetime)."""

    at: datetime
    answers: Mapping[str, Any] = field(default_factory=dict)   # triage vocabulary
    calf_left_cm: float | None = None
    calf_right_cm: float | None = None
    leg_pain: int | None = None                  # 0-10
    doses_missed: int | None = None              # since the previous check-in
    villalta: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "patient"                        # "patient" | "visit"

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InputError("at", "a check-in time must be timezone-aware")

    @property
    def calf_difference_cm(self) -> float | None:
        """The absolute difference between the calves, or None unless both were measured."""
        if self.calf_left_cm is None or self.calf_right_cm is None:
            return None
        return round(abs(self.calf_left_cm - self.calf_right_cm), 2)


def _number(name: str, value: Any, lo: float, hi: float, *, integer: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(name, f"expected a number or null, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(name, f"expected a finite number, got {value!r}")
    if integer and not float(value).is_integer():
        raise InputError(name, f"expected a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise InputError(name, f"must be between {lo:g} and {hi:g}, got {value!r}")
    return int(value) if integer else float(value)


def validate_checkin(raw: Mapping[str, Any], at: datetime) -> CheckIn:
    """Check a check-in object and return a ``CheckIn``; ``InputError(field, reason)`` if bad.

    ``raw`` is ``{"answers": {triage keys}, "calf_cm": {"left": cm, "right": cm},
    "leg_pain": 0-10, "doses_missed": n, "villalta": {item: grade}, "kind": "patient"|"visit"}``,
    every part optional; ``raw`` is not modified.
    """
    if not isinstance(raw, Mapping):
        raise InputError(None, f"a check-in must be an object, got {type(raw).__name__}")
    for key in raw:
        if key not in KNOWN_FIELDS:
            raise InputError(str(key), f"unknown field; expected one of {', '.join(KNOWN_FIELDS)}")
    answers_raw = raw.get("answers") or {}
    try:
        answers = validate_answers(answers_raw)
    except InputError as exc:
        raise InputError(f"answers.{exc.field}" if exc.field else "answers", exc.reason) from None
    calf = raw.get("calf_cm") or {}
    if not isinstance(calf, Mapping):
        raise InputError("calf_cm", "expected an object with left and right")
    for key in calf:
        if key not in ("left", "right"):
            raise InputError(f"calf_cm.{key}", "unknown leg; expected left or right")
    left = _number("calf_cm.left", calf.get("left"), *CALF_CM_RANGE)
    right = _number("calf_cm.right", calf.get("right"), *CALF_CM_RANGE)
    pain = _number("leg_pain", raw.get("leg_pain"), *LEG_PAIN_RANGE, integer=True)
    missed = _number("doses_missed", raw.get("doses_missed"), 0, MAX_MISSED_DOSES, integer=True)
    kind = raw.get("kind", "patient")
    if kind not in ("patient", "visit"):
        raise InputError("kind", f"expected patient or visit, got {kind!r}")
    villalta_raw = raw.get("villalta") or {}
    if not isinstance(villalta_raw, Mapping):
        raise InputError("villalta", "expected an object of Villalta items")
    if kind == "patient":
        for key in villalta_raw:
            if key not in VILLALTA_SYMPTOMS and key != "venous_ulcer":
                raise InputError(f"villalta.{key}", "a patient rates only the symptoms "
                                 f"({', '.join(VILLALTA_SYMPTOMS)}) and venous_ulcer; the "
                                 "signs are rated by a clinician at a visit")
    try:
        values = validate_instrument(VILLALTA, villalta_raw)
    except InputError as exc:
        raise InputError(f"villalta.{exc.field}" if exc.field else "villalta",
                         exc.reason) from None
    villalta = {k: v for k, v in values.items() if v is not None}
    return CheckIn(at=at, answers=MappingProxyType(answers), calf_left_cm=left,
                   calf_right_cm=right, leg_pain=pain, doses_missed=missed,
                   villalta=MappingProxyType(villalta), kind=kind)
