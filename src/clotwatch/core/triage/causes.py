"""Possible causes of the symptoms, with the answers that point towards and away from each.

This is an explanation for the person and the clinician, not a diagnosis and not a ranking by
probability: causes are listed in a fixed order, the most dangerous first, and only when at
least one answer points to them. The findings come from the same sources as the rules
(NHS condition pages, the Wells items, the ISTH definition of post-thrombotic syndrome).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clotwatch.core.triage.rules import (
    BEDRIDDEN_DAYS,
    LONG_TRAVEL_HOURS,
    WARNING_SIGNS,
    WELLS_CALF_CM,
    Facts,
)


@dataclass(frozen=True)
class Evidence:
    """One answer that points towards (``supports``) or away from a cause."""

    key: str
    value: object
    supports: bool


@dataclass(frozen=True)
class Cause:
    """A possible cause: id, source, and how to read the answers for and against it."""

    id: str
    source: str
    find: Callable[[Facts], tuple[list[Evidence], list[Evidence], bool]]

    @property
    def name_id(self) -> str:
        return f"cause.{self.id}"


def _yes(f: Facts, *keys: str) -> list[Evidence]:
    return [Evidence(k, True, True) for k in keys if f.yes(k)]


def _no(f: Facts, *keys: str, supports: bool = False) -> list[Evidence]:
    return [Evidence(k, False, supports) for k in keys if f.no(k)]


def _against_yes(f: Facts, *keys: str) -> list[Evidence]:
    return [Evidence(k, True, False) for k in keys if f.yes(k)]


def _risks(f: Facts) -> list[Evidence]:
    ev = _yes(f, "recent_surgery", "leg_cast_or_immobilised", "active_cancer", "previous_clot",
              "clotting_disorder", "hormones", "recent_covid", "family_history_clots")
    for key, threshold in (("bedridden_days", BEDRIDDEN_DAYS),
                           ("long_travel_hours", LONG_TRAVEL_HOURS)):
        value = f.num(key)
        if value is not None and value >= threshold:
            ev.append(Evidence(key, f.a[key], True))
    if f.pregnant_or_postpartum:
        ev.append(Evidence("pregnancy_status", f.a["pregnancy_status"], True))
    bmi = f.num("bmi")
    if bmi is not None and bmi >= 30:
        ev.append(Evidence("bmi", f.a["bmi"], True))
    return ev


def _pe(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    keys = (*WARNING_SIGNS, "fast_heartbeat")
    for_ = _yes(f, *keys)
    return for_, _no(f, *keys), bool(for_)


def _arterial(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    primary = _yes(f, "cold_pale_numb_leg")
    claudication = f.yes("worse_walking_standing") and f.yes("smoker")
    for_ = primary + (_yes(f, "worse_walking_standing", "smoker") if claudication else [])
    return for_, _no(f, "cold_pale_numb_leg"), bool(primary) or claudication


def _dvt(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    primary = _yes(f, "swelling", "warmth", "redness", "pain_on_toes_up", "getting_worse",
                   "hard_tender_vein", "new_visible_veins")
    cm = f.num("calf_difference_cm")
    if cm is not None and cm >= WELLS_CALF_CM:
        primary.append(Evidence("calf_difference_cm", f.a["calf_difference_cm"], True))
    if f.yes("cramp") and f.no("relieved_by_stretching"):
        primary.append(Evidence("relieved_by_stretching", False, True))
    if f.long_cramp:
        primary.append(Evidence("duration_hours", f.a["duration_hours"], True))
    if f.a.get("leg_side") in ("left", "right"):
        primary.append(Evidence("leg_side", f.a["leg_side"], True))
    risks = _risks(f)
    against = _no(f, "swelling", "warmth", "redness", "pain_on_toes_up", "getting_worse")
    if f.yes("relieved_by_stretching"):
        against.append(Evidence("relieved_by_stretching", True, False))
    if f.both_legs:
        against.append(Evidence("leg_side", "both", False))
    listed = f.leg_symptoms and (len(primary) > ("leg_side" in [e.key for e in primary])
                                 or bool(risks) or not f.ordinary_cramp)
    return primary + risks, against, listed


def _cellulitis(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    for_ = _yes(f, "fever", "redness", "warmth", "swelling", "leg_ulcer")
    listed = f.leg_symptoms and (f.yes("redness") or f.yes("fever"))
    return for_, _no(f, "fever", "redness"), listed


def _superficial(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    for_ = _yes(f, "hard_tender_vein", "redness", "warmth", "varicose_veins")
    return for_, _no(f, "hard_tender_vein"), f.yes("hard_tender_vein")


def _pts(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    for_ = _yes(f, "previous_clot", "chronic_skin_changes", "leg_ulcer", "swelling",
                "worse_walking_standing")
    return for_, _no(f, "previous_clot"), f.yes("previous_clot") and f.leg_symptoms


def _venous(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    for_ = _yes(f, "varicose_veins", "chronic_skin_changes", "leg_ulcer",
                "worse_walking_standing", "swelling")
    listed = any(f.yes(k) for k in ("varicose_veins", "chronic_skin_changes", "leg_ulcer"))
    return for_, _no(f, "varicose_veins", "chronic_skin_changes"), listed


def _strain(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    for_ = _yes(f, "recent_leg_injury", "after_exercise")
    listed = f.leg_symptoms and bool(for_) and not f.yes("cramp")
    return for_, _no(f, "recent_leg_injury"), listed


def _cramp(f: Facts) -> tuple[list[Evidence], list[Evidence], bool]:
    for_ = _yes(f, "cramp", "relieved_by_stretching", "at_night", "after_exercise",
                "recurrent_cramps")
    minutes = f.cramp_minutes
    if f.yes("cramp") and minutes is not None and not f.long_cramp:
        for_.append(Evidence("duration_hours", f.a["duration_hours"], True))
    against = _no(f, "cramp", "relieved_by_stretching")
    against += _against_yes(f, "swelling", "warmth", "redness", "pain_on_toes_up",
                            "getting_worse")
    if f.long_cramp:
        against.append(Evidence("duration_hours", f.a["duration_hours"], False))
    return for_, against, f.yes("cramp")


# The most dangerous first.
CAUSES: tuple[Cause, ...] = (
    Cause("pulmonary_embolism", "nhs_pe", _pe),
    Cause("arterial_blockage", "nhs_pad", _arterial),
    Cause("deep_vein_thrombosis", "nhs_dvt", _dvt),
    Cause("cellulitis", "nhs_cellulitis", _cellulitis),
    Cause("superficial_thrombophlebitis", "nhs_phlebitis", _superficial),
    Cause("post_thrombotic_syndrome", "kahn_2009_pts", _pts),
    Cause("chronic_venous_disease", "nhs_leg_ulcer", _venous),
    Cause("muscle_strain", "nhs_sprains", _strain),
    Cause("muscle_cramp", "nhs_leg_cramps", _cramp),
)


def possible_causes(f: Facts) -> list[tuple[Cause, list[Evidence], list[Evidence]]]:
    """The causes at least one answer points to, with the evidence for and against each."""
    found = []
    for cause in CAUSES:
        for_, against, listed = cause.find(f)
        if listed:
            found.append((cause, for_, against))
    return found
