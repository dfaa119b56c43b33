"""Self-care, prevention and safety-net advice: which pieces fit, as message ids with sources.

Advice never lowers the disposition; it says what to do while waiting, how to look after an
ordinary cramp, and how to lower the chance of a clot on long journeys.
"""

from __future__ import annotations

from dataclasses import dataclass

from clotwatch.core.triage.rules import LONG_TRAVEL_HOURS, Facts, Level


@dataclass(frozen=True)
class Advice:
    """One piece of advice: its message id and source."""

    message: str
    source: str


def _higher_risk_traveller(f: Facts) -> bool:
    # WHO WRIGHT / NHS: stockings for travellers at higher risk of a clot.
    bmi = f.num("bmi")
    return (bool(f.major_risks) or f.pregnant_or_postpartum or f.yes("hormones")
            or (bmi is not None and bmi >= 30))


def select_advice(f: Facts, level: Level) -> list[Advice]:
    """The advice that fits these answers and this disposition, most important first."""
    out: list[Advice] = []
    if level == "emergency":
        out.append(Advice("advice.do_not_drive", "nhs_dvt"))
        out.append(Advice("advice.tell_them", "nhs_dvt"))
    elif level == "urgent":
        out.append(Advice("advice.urgent_today", "nhs_dvt"))
        out.append(Advice("advice.tell_them", "nhs_dvt"))
    elif level == "soon":
        out.append(Advice("advice.soon_book", "nhs_dvt"))
    if f.yes("on_anticoagulant"):
        out.append(Advice("advice.keep_anticoagulant", "nice_ng158"))
    if f.pregnant_or_postpartum and level != "emergency":
        out.append(Advice("advice.tell_midwife", "rcog_gtg37"))
    if f.yes("cramp") and level in ("self_care", "soon"):
        out.append(Advice("advice.cramp_stretch", "nhs_leg_cramps"))
        out.append(Advice("advice.toes_up_test", "nhs_leg_cramps"))
        out.append(Advice("advice.cramp_prevent", "nhs_leg_cramps"))
        out.append(Advice("advice.hydrate", "nhs_leg_cramps"))
    if (f.yes("recent_leg_injury") and not f.yes("cramp")
            and level in ("self_care", "soon")):
        out.append(Advice("advice.strain_care", "nhs_sprains"))
    travel = f.num("long_travel_hours")
    if level != "emergency" and ((travel is not None and travel >= LONG_TRAVEL_HOURS)
                                 or level == "self_care"):
        out.append(Advice("advice.travel_move", "who_wright"))
        out.append(Advice("advice.travel_hydrate", "who_wright"))
        if _higher_risk_traveller(f):
            out.append(Advice("advice.travel_stockings", "who_wright"))
    if level in ("self_care", "soon"):
        out.append(Advice("advice.stay_active", "nhs_dvt"))
    if f.yes("smoker") and level != "emergency":
        out.append(Advice("advice.stop_smoking", "nhs_dvt"))
    return out


def select_safety_net(f: Facts, level: Level) -> list[Advice]:
    """When to seek help, and how urgently, if things change."""
    if level == "emergency":
        return [Advice("safety.emergency_now", "nhs_dvt"),
                Advice("safety.emergency_even_if_better", "nhs_pe")]
    out = [Advice("safety.emergency_signs", "nhs_dvt")]
    if level == "urgent":
        out.append(Advice("safety.urgent_not_seen", "nhs_dvt"))
    else:
        out.append(Advice("safety.dvt_signs", "nhs_dvt"))
        if f.yes("cramp"):
            out.append(Advice("safety.cramp_long", "nhs_leg_cramps"))
        if level == "self_care" and not f.leg_symptoms:
            out.append(Advice("safety.after_travel", "who_wright"))
    out.append(Advice("safety.worried", "nhs_dvt"))
    return out


ADVICE_IDS = (
    "advice.do_not_drive", "advice.tell_them", "advice.urgent_today", "advice.soon_book",
    "advice.keep_anticoagulant", "advice.tell_midwife", "advice.cramp_stretch",
    "advice.toes_up_test", "advice.cramp_prevent", "advice.hydrate", "advice.strain_care",
    "advice.travel_move", "advice.travel_hydrate", "advice.travel_stockings",
    "advice.stay_active", "advice.stop_smoking",
    "safety.emergency_now", "safety.emergency_even_if_better", "safety.emergency_signs",
    "safety.urgent_not_seen", "safety.dvt_signs", "safety.cramp_long", "safety.after_travel",
    "safety.worried",
)
