"""The disposition rules: small named functions, each citing its clinical source.

A rule looks at the (validated) answers and returns ``Hit``s: the answer key it is about, the
disposition that finding calls for, and a message id for the reason. Rules never build text;
the result's text is rendered from the message ids through the catalogues in
``clotwatch/locales``. The disposition is the most urgent level any hit calls for, so adding a
finding can only keep or raise the urgency (a property test checks this).

Urgency order: self_care < soon < urgent < emergency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

Level = Literal["self_care", "soon", "urgent", "emergency"]
LEVELS: tuple[Level, ...] = ("self_care", "soon", "urgent", "emergency")


def rank(level: Level) -> int:
    """Position of ``level`` in the urgency order (self_care = 0, emergency = 3)."""
    return LEVELS.index(level)


@dataclass(frozen=True)
class Hit:
    """One finding a rule acted on: the key it is about, the level it calls for, a message id."""

    rule: str
    key: str
    level: Level
    message: str


@dataclass(frozen=True)
class Rule:
    """A named rule, the source it is written from, and the function that applies it."""

    name: str
    source: str
    check: Callable[[Facts], list[Hit]]
    # The most urgent level the rule can call for (a property test checks its hits never
    # exceed it); the bounds search skips a rule that cannot reach above what it looks for.
    most: Level = "emergency"


RULES: list[Rule] = []


def rule(source: str, most: Level = "emergency"
         ) -> Callable[[Callable[[Facts], list[Hit]]], Callable[[Facts], list[Hit]]]:
    """Register a rule function under its own name, citing ``source`` (an id in SOURCES);
    ``most`` is the most urgent level it can call for."""

    def register(fn: Callable[[Facts], list[Hit]]) -> Callable[[Facts], list[Hit]]:
        RULES.append(Rule(fn.__name__, source, fn, most))
        return fn

    return register


# --- vocabulary -----------------------------------------------------------------------------

# Warning signs elsewhere in the body: NHS DVT and PE pages (999 / A&E).
WARNING_SIGNS = ("short_of_breath", "chest_pain", "coughing_blood", "fainting")
# Everything that must be answered "no" before a cramp can be called ordinary.
EMERGENCY_KEYS = (*WARNING_SIGNS, "fast_heartbeat", "cold_pale_numb_leg")
# Signs that point to DVT in the leg (NHS DVT page; Wells items; the contract's list).
DVT_SIGNS = ("swelling", "warmth", "redness", "hard_tender_vein", "new_visible_veins",
             "pain_on_toes_up", "getting_worse")
# Signs in both legs that the NHS oedema page sends to a GP (and, with worsening pain, the
# same day: dvt_signs_in_both_legs).
BOTH_LEG_SIGNS = ("swelling", "warmth", "redness", "hard_tender_vein")
# Anything that says the leg has symptoms.
LEG_FINDINGS = ("leg_pain", "cramp", "swelling", "warmth", "redness", "hard_tender_vein",
                "new_visible_veins", "pain_on_toes_up", "getting_worse",
                "worse_walking_standing", "cold_pale_numb_leg", "leg_ulcer")
# What an ordinary cramp needs answered, and how (NHS leg cramps; the contract).
# The contract's key findings: these must be answered (an unknown one blocks self-care).
CRAMP_MUST_BE_TRUE = ("cramp", "relieved_by_stretching")
CRAMP_MUST_BE_FALSE = ("swelling", "warmth", "redness")
# DVT features that rule out an ordinary cramp when present; unknown does not block self-care
# (the contract lists them as DVT signs, not as key findings of an ordinary cramp).
CRAMP_NOT_IF_TRUE = ("pain_on_toes_up", "getting_worse", "hard_tender_vein",
                     "new_visible_veins")
# NHS leg cramps: a cramp lasts seconds up to 10 minutes; longer needs an urgent appointment.
CRAMP_MAX_MINUTES = 10.0
# Wells DVT (2003): calf swelling of at least 3 cm against the other leg.
WELLS_CALF_CM = 3.0
# LEFt rule (Chan 2009): calf circumference difference of 2 cm or more in pregnancy.
LEFT_CALF_CM = 2.0
# Symptoms unchanged for more than 4 weeks are long-standing, not a new (suspected) DVT: the
# Wells/NICE NG158 work-up is for new symptoms; long-standing ones after a DVT are what the
# ISTH calls post-thrombotic syndrome (Kahn 2009), assessed by a GP, not the same day.
LONG_STANDING_HOURS = 4 * 7 * 24.0
# NHS leg cramps: after a cramp the muscle may be tender for up to 24 hours; leg pain that
# has lasted longer than that, with no injury to explain it, is pain that persists.
PERSISTING_HOURS = 24.0
# Wells DVT item "bedridden recently 3 days or more" (NICE wording).
BEDRIDDEN_DAYS = 3.0
# WHO WRIGHT / Kuipers 2007: risk roughly doubles after 4 hours or more of seated travel.
LONG_TRAVEL_HOURS = 4.0
# Risk factors that NICE NG158 / Wells count, or that the NHS DVT page names as raising risk
# enough that leg symptoms need same-day assessment. Long travel is from WHO WRIGHT.
MAJOR_RISK_BOOLS = ("recent_surgery", "leg_cast_or_immobilised", "active_cancer",
                    "previous_clot", "clotting_disorder")


T = TypeVar("T")


class _once(Generic[T]):  # noqa: N801 - used as a decorator, like functools.cached_property
    """A derived fact computed on first use and then kept in the instance (like
    ``functools.cached_property``, without its lock, which costs more than the facts)."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, cls: Any = None) -> T:
        value = self.fn(obj)
        obj.__dict__[self.name] = value   # later reads find the value first
        return value


class Facts:
    """Read-only view of validated answers with the derived facts the rules share (each
    derived fact is computed once per Facts, however many rules ask for it)."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.a = answers

    def yes(self, key: str) -> bool:
        return self.a.get(key) is True

    def no(self, key: str) -> bool:
        return self.a.get(key) is False

    def unknown(self, key: str) -> bool:
        return self.a.get(key) is None

    def num(self, key: str) -> float | None:
        value = self.a.get(key)
        return None if value is None else float(value)

    @_once
    def leg_symptoms(self) -> bool:
        """The person reports symptoms in a leg."""
        if self.a.get("leg_side") in ("left", "right", "both"):
            return True
        if (self.num("calf_difference_cm") or 0) >= LEFT_CALF_CM:
            return True
        return any(self.yes(k) for k in LEG_FINDINGS)

    @_once
    def legs_ruled_out(self) -> bool:
        """The person said no leg has symptoms, and reported no leg finding."""
        return self.a.get("leg_side") == "none" and not self.leg_symptoms

    @_once
    def one_leg(self) -> bool:
        """Symptoms in one leg; an unknown side is treated as one leg (never as "both")."""
        return self.leg_symptoms and self.a.get("leg_side") != "both"

    @_once
    def both_legs(self) -> bool:
        return self.a.get("leg_side") == "both"

    @_once
    def pregnancy_possible(self) -> bool:
        """Pregnancy status matters: not male and of an age when pregnancy is possible."""
        if self.a.get("sex") == "male":
            return False
        age = self.a.get("age_years")
        return age is None or 10 <= age <= 55

    @_once
    def pregnant_or_postpartum(self) -> bool:
        """Pregnant or gave birth in the last 12 weeks; read only when pregnancy is possible
        (the questionnaire does not ask a man, or someone outside 10-55, about pregnancy)."""
        return self.pregnancy_possible and \
            self.a.get("pregnancy_status") in ("pregnant", "postpartum")

    @_once
    def pregnant(self) -> bool:
        return self.pregnant_or_postpartum and self.a.get("pregnancy_status") == "pregnant"

    @_once
    def cramp_minutes(self) -> float | None:
        hours = self.num("duration_hours")
        return None if hours is None else hours * 60.0

    @_once
    def long_cramp(self) -> bool:
        minutes = self.cramp_minutes
        return self.yes("cramp") and minutes is not None and minutes > CRAMP_MAX_MINUTES + 1e-9

    @_once
    def major_risks(self) -> list[str]:
        """Keys of the major clot risk factors answered yes (or over their threshold)."""
        found = [k for k in MAJOR_RISK_BOOLS if self.yes(k)]
        if (self.num("bedridden_days") or 0) >= BEDRIDDEN_DAYS:
            found.append("bedridden_days")
        if (self.num("long_travel_hours") or 0) >= LONG_TRAVEL_HOURS:
            found.append("long_travel_hours")
        return found

    @_once
    def cramp_against(self) -> list[str]:
        """Answers that show the leg symptoms are not an ordinary cramp."""
        against = [k for k in CRAMP_MUST_BE_TRUE if self.no(k)]
        against += [k for k in (*CRAMP_MUST_BE_FALSE, *CRAMP_NOT_IF_TRUE) if self.yes(k)]
        if self.long_cramp:
            against.append("duration_hours")
        return against

    @_once
    def cramp_unknowns(self) -> list[str]:
        """Key findings of an ordinary cramp that are not answered."""
        unknown = [k for k in (*CRAMP_MUST_BE_TRUE, *CRAMP_MUST_BE_FALSE) if self.unknown(k)]
        if self.unknown("duration_hours"):
            unknown.append("duration_hours")
        return unknown

    @_once
    def long_standing_unchanged(self) -> bool:
        """Symptoms for more than 4 weeks, answered as not getting worse, no acute DVT sign."""
        hours = self.num("duration_hours")
        return (hours is not None and hours > LONG_STANDING_HOURS and self.no("getting_worse")
                and not any(self.yes(k) for k in DVT_SIGNS))

    @_once
    def post_thrombotic(self) -> bool:
        """Unchanged symptoms for more than 4 weeks after a previous DVT (Kahn 2009)."""
        return self.yes("previous_clot") and self.long_standing_unchanged

    @_once
    def ordinary_cramp(self) -> bool:
        """Brief, relieved by stretching, no swelling/warmth/redness, no DVT pain features."""
        return not self.cramp_against and not self.cramp_unknowns

    @_once
    def cramp_not_ruled_out(self) -> bool:
        """Could still be an ordinary cramp once the unknowns are answered."""
        return not self.cramp_against and not self.no("cramp")


def _hit(fn: Callable[..., Any], key: str, level: Level, message: str) -> Hit:
    return Hit(fn.__name__, key, level, message)


# --- emergency ------------------------------------------------------------------------------

@rule("nhs_dvt")
def warning_sign_elsewhere(f: Facts) -> list[Hit]:
    """Breathlessness, chest pain, coughing blood or fainting: possible pulmonary embolism.

    NHS DVT page: call 999 or go to A&E with DVT symptoms and breathlessness or chest pain; the
    NHS PE page adds coughing up blood and collapse. The contract makes any of them an
    emergency, with or without leg symptoms.
    """
    return [_hit(warning_sign_elsewhere, k, "emergency", f"reason.{k}")
            for k in WARNING_SIGNS if f.yes(k)]


@rule("nhs_pe")
def racing_heart_with_leg_symptoms(f: Facts) -> list[Hit]:
    """A racing heart at rest with leg symptoms (or leg symptoms not ruled out): possible PE."""
    if f.yes("fast_heartbeat") and not f.legs_ruled_out:
        return [_hit(racing_heart_with_leg_symptoms, "fast_heartbeat", "emergency",
                     "reason.fast_heartbeat")]
    return []


@rule("nhs_palpitations", most="urgent")
def racing_heart_alone(f: Facts) -> list[Hit]:
    """A racing heart at rest without leg symptoms still needs a same-day check."""
    if f.yes("fast_heartbeat") and f.legs_ruled_out:
        return [_hit(racing_heart_alone, "fast_heartbeat", "urgent",
                     "reason.fast_heartbeat_alone")]
    return []


@rule("nhs_pad")
def cold_pale_numb_leg(f: Facts) -> list[Hit]:
    """A cold, pale or bluish, numb or weak leg: possible blocked artery (acute limb ischaemia)."""
    if f.yes("cold_pale_numb_leg"):
        return [_hit(cold_pale_numb_leg, "cold_pale_numb_leg", "emergency",
                     "reason.cold_pale_numb_leg")]
    return []


# --- urgent ---------------------------------------------------------------------------------

@rule("nhs_dvt", most="urgent")
def dvt_signs_in_one_leg(f: Facts) -> list[Hit]:
    """Swelling, warmth, redness, hard sore veins, pain that persists or is worse on pulling the
    toes up, in one leg: possible DVT, same-day assessment (NHS DVT: urgent GP or NHS 111)."""
    if not f.one_leg:
        return []
    return [_hit(dvt_signs_in_one_leg, k, "urgent", f"reason.{k}")
            for k in DVT_SIGNS if f.yes(k)]


@rule("wells_dvt_2003", most="urgent")
def calf_swelling_3cm(f: Facts) -> list[Hit]:
    """Wells item: calf swelling at least 3 cm larger than the other side, whichever side is
    reported: when both legs have symptoms, Wells scores the more symptomatic leg."""
    cm = f.num("calf_difference_cm")
    if cm is not None and cm >= WELLS_CALF_CM:
        return [_hit(calf_swelling_3cm, "calf_difference_cm", "urgent",
                     "reason.calf_difference_cm")]
    return []


@rule("nhs_leg_cramps", most="urgent")
def cramp_not_relieved(f: Facts) -> list[Hit]:
    """A cramp that stretching does not relieve is not behaving like a cramp (contract)."""
    if f.yes("cramp") and f.no("relieved_by_stretching"):
        return [_hit(cramp_not_relieved, "relieved_by_stretching", "urgent",
                     "reason.cramp_not_relieved")]
    return []


@rule("nhs_leg_cramps", most="urgent")
def cramp_over_10_minutes(f: Facts) -> list[Hit]:
    """NHS leg cramps: ask for an urgent appointment if a cramp lasts longer than 10 minutes."""
    if f.long_cramp:
        return [_hit(cramp_over_10_minutes, "duration_hours", "urgent",
                     "reason.cramp_over_10_minutes")]
    return []


@rule("nhs_dvt", most="urgent")
def persisting_pain_in_one_leg(f: Facts) -> list[Hit]:
    """Pain in one leg, not a cramp and not explained by an injury or by exercise, that has
    lasted a day or more, or is worse when walking or standing: the NHS DVT page's "throbbing
    or cramping pain in 1 leg (rarely both legs), usually in the calf or thigh, when walking or
    standing" and the contract's "pain that persists" mean a same-day check. A day is the limit
    because a muscle may stay tender for up to 24 hours after an ordinary cramp (NHS leg
    cramps). Only symptoms of more than 4 weeks answered as not getting worse, with no DVT
    sign, are left to the GP (``long_standing_symptoms``); there is no upper limit on the
    duration otherwise (an unknown "getting worse" after 4 weeks is not read as "no"). A
    strain (injury or exercise) goes to the GP unless a DVT sign or risk factor says
    otherwise."""
    hours = f.num("duration_hours")
    if not (f.one_leg and f.yes("leg_pain") and not f.yes("cramp")
            and not f.yes("recent_leg_injury") and not f.yes("after_exercise")):
        return []
    hits = []
    if (hours is not None and hours >= PERSISTING_HOURS and not f.no("getting_worse")
            and not f.long_standing_unchanged):
        hits.append(_hit(persisting_pain_in_one_leg, "duration_hours", "urgent",
                         "reason.persisting_pain"))
    if f.yes("worse_walking_standing"):
        hits.append(_hit(persisting_pain_in_one_leg, "worse_walking_standing", "urgent",
                         "reason.worse_walking_standing"))
    return hits


@rule("rcog_gtg37", most="urgent")
def pregnancy_with_leg_symptoms(f: Facts) -> list[Hit]:
    """Pregnant or up to 12 weeks after birth, with leg symptoms that are not an ordinary
    cramp: same-day referral (RCOG GTG 37b; Wells and D-dimer are not validated in
    pregnancy, NICE NG158)."""
    if not (f.pregnant_or_postpartum and f.leg_symptoms) or f.ordinary_cramp:
        return []
    return [_hit(pregnancy_with_leg_symptoms, "pregnancy_status", "urgent",
                 f"reason.{f.a['pregnancy_status']}_leg_symptoms")]


@rule("left_rule", most="urgent")
def left_rule_items(f: Facts) -> list[Hit]:
    """LEFt (Chan 2009): left leg, calf difference >= 2 cm, in pregnancy; each item raises the
    chance of DVT, so they are named as reasons for the same-day referral."""
    if not (f.pregnant and f.leg_symptoms) or f.ordinary_cramp:
        return []
    hits = []
    if f.a.get("leg_side") == "left":
        hits.append(_hit(left_rule_items, "leg_side", "urgent", "reason.left_leg_pregnancy"))
    cm = f.num("calf_difference_cm")
    if cm is not None and cm >= LEFT_CALF_CM:
        hits.append(_hit(left_rule_items, "calf_difference_cm", "urgent",
                         "reason.calf_2cm_pregnancy"))
    return hits


@rule("nice_ng158", most="urgent")
def risk_factor_with_leg_symptoms(f: Facts) -> list[Hit]:
    """Leg symptoms in one leg that are not an ordinary cramp, in someone with a major clot risk
    factor (Wells/NICE NG158 items: recent surgery, immobilisation, bed rest >= 3 days, active
    cancer, previous DVT/PE; thrombophilia; WHO WRIGHT: >= 4 h seated travel): same day.
    Long-standing symptoms switch this off only after a DVT: Kahn 2009 defines
    post-thrombotic syndrome as chronic symptoms after a DVT ("post-thrombotic syndrome"), not
    any leg pain for more than 4 weeks, so unchanged symptoms for more than 4 weeks in someone
    with a previous clot go to the GP (``long_standing_symptoms``), while anyone else with a
    major risk factor is seen the same day."""
    if not f.one_leg or f.ordinary_cramp or f.post_thrombotic:
        return []
    return [_hit(risk_factor_with_leg_symptoms, k, "urgent", f"reason.risk.{k}")
            for k in f.major_risks]


@rule("nice_ng158", most="urgent")
def risk_factor_with_signs_in_both_legs(f: Facts) -> list[Hit]:
    """DVT is rarely in both legs (NHS), but with a major risk factor, swelling, warmth or
    redness in both legs is not put down to something else without a same-day check. Long
    travel is left out here: puffy ankles on both sides after sitting for hours are common and
    harmless (NHS oedema page; WHO WRIGHT), and are seen by a GP if they do not settle."""
    if not f.both_legs or not any(f.yes(k) for k in ("swelling", "warmth", "redness")):
        return []
    return [_hit(risk_factor_with_signs_in_both_legs, k, "urgent", f"reason.risk.{k}")
            for k in f.major_risks if k != "long_travel_hours"]


@rule("wells_dvt_2003", most="urgent")
def dvt_signs_in_both_legs(f: Facts) -> list[Hit]:
    """DVT is rarely in both legs (NHS DVT: "rarely both legs"), but when both legs are
    swollen, warm, red or have hard sore veins and the pain is worse on pulling the toes up
    or keeps getting worse, the more symptomatic leg is assessed as for one leg (Wells scores
    the more symptomatic leg): same day, not a routine appointment."""
    if not f.both_legs or not any(f.yes(k) for k in BOTH_LEG_SIGNS):
        return []
    return [_hit(dvt_signs_in_both_legs, k, "urgent", f"reason.both_worsening.{k}")
            for k in ("pain_on_toes_up", "getting_worse") if f.yes(k)]


@rule("nhs_cellulitis", most="urgent")
def fever_with_leg_symptoms(f: Facts) -> list[Hit]:
    """A fever or shivers with a painful, red or swollen leg: possible skin infection
    (cellulitis); NHS: urgent GP appointment or NHS 111."""
    if f.yes("fever") and f.leg_symptoms:
        return [_hit(fever_with_leg_symptoms, "fever", "urgent", "reason.fever")]
    return []


@rule("nhs_oedema", most="urgent")
def pregnancy_swelling_both_legs(f: Facts) -> list[Hit]:
    """Swelling in pregnancy or soon after birth can be pre-eclampsia as well as a clot; NHS:
    contact a midwife or doctor at once about sudden swelling."""
    if f.pregnant_or_postpartum and f.both_legs and f.yes("swelling"):
        return [_hit(pregnancy_swelling_both_legs, "swelling", "urgent",
                     "reason.pregnancy_swelling")]
    return []


# --- soon -----------------------------------------------------------------------------------

@rule("nhs_oedema", most="soon")
def signs_in_both_legs(f: Facts) -> list[Hit]:
    """Swelling, warmth or redness in both legs: NHS oedema page, see a GP."""
    if not f.both_legs:
        return []
    return [_hit(signs_in_both_legs, k, "soon", f"reason.both.{k}")
            for k in BOTH_LEG_SIGNS if f.yes(k)]


@rule("nice_ng158", most="soon")
def ordinary_cramp_with_risk_factor(f: Facts) -> list[Hit]:
    """An ordinary cramp in someone pregnant or postpartum, or with a major clot risk factor
    (the Wells/NICE NG158 items): probably a cramp, but worth a check by a doctor or midwife in
    the next days. No source asks for this; it is clotwatch's own margin of caution, because a
    clot is more likely in these people and the leg-cramp advice was not written for them."""
    if not (f.leg_symptoms and f.ordinary_cramp):
        return []
    hits = [_hit(ordinary_cramp_with_risk_factor, k, "soon", f"reason.cramp_risk.{k}")
            for k in f.major_risks if k != "long_travel_hours"]
    if f.pregnant_or_postpartum:
        hits.append(_hit(ordinary_cramp_with_risk_factor, "pregnancy_status", "soon",
                         f"reason.cramp_risk.{f.a['pregnancy_status']}"))
    return hits


@rule("nhs_leg_cramps", most="soon")
def frequent_cramps(f: Facts) -> list[Hit]:
    """NHS leg cramps: see a GP if cramps happen often and affect your life or sleep."""
    if f.yes("recurrent_cramps"):
        return [_hit(frequent_cramps, "recurrent_cramps", "soon", "reason.recurrent_cramps")]
    return []


@rule("nhs_leg_ulcer", most="soon")
def leg_ulcer(f: Facts) -> list[Hit]:
    """An open sore on the lower leg needs a nurse or GP to look at it (NHS venous leg ulcer)."""
    if f.yes("leg_ulcer"):
        return [_hit(leg_ulcer, "leg_ulcer", "soon", "reason.leg_ulcer")]
    return []


@rule("kahn_2009_pts", most="soon")
def long_standing_symptoms(f: Facts) -> list[Hit]:
    """Leg symptoms for more than 4 weeks that are not getting worse: a GP appointment."""
    if f.leg_symptoms and f.long_standing_unchanged:
        return [_hit(long_standing_symptoms, "duration_hours", "soon",
                     "reason.long_standing")]
    return []


@rule("kahn_2009_pts", most="soon")
def chronic_skin_changes(f: Facts) -> list[Hit]:
    """Long-standing skin changes: chronic venous disease or post-thrombotic syndrome; GP."""
    if f.yes("chronic_skin_changes"):
        return [_hit(chronic_skin_changes, "chronic_skin_changes", "soon",
                     "reason.chronic_skin_changes")]
    return []


@rule("nhs_dvt", most="soon")
def leg_symptoms_not_a_cramp(f: Facts) -> list[Hit]:
    """Leg pain or other leg symptoms that are not an ordinary cramp need a doctor's check."""
    if not f.leg_symptoms or f.cramp_not_ruled_out:
        # Either an ordinary cramp, or one with unanswered findings (unknown_key_findings).
        return []
    against = f.cramp_against
    key = against[0] if against else "cramp"
    return [_hit(leg_symptoms_not_a_cramp, key, "soon", "reason.not_ordinary_cramp")]


@rule("safety_unknown", most="soon")
def unknown_key_findings(f: Facts) -> list[Hit]:
    """"Don't know" on a finding that decides between self-care and seeing a doctor is never
    read as "no": at least ``soon``, naming the finding."""
    keys = [k for k in EMERGENCY_KEYS if f.unknown(k)]
    if f.leg_symptoms and f.cramp_not_ruled_out:
        keys += f.cramp_unknowns
    if not f.leg_symptoms and f.unknown("leg_side"):
        keys.append("leg_side")
    return [_hit(unknown_key_findings, k, "soon", "reason.unknown") for k in keys]


# --- self-care ------------------------------------------------------------------------------

@rule("nhs_leg_cramps", most="self_care")
def ordinary_leg_cramp(f: Facts) -> list[Hit]:
    """NHS leg cramps: a cramp lasting seconds to 10 minutes that stretching relieves, without
    swelling, warmth or redness, can be looked after at home."""
    if f.leg_symptoms and f.ordinary_cramp:
        return [_hit(ordinary_leg_cramp, "cramp", "self_care", "reason.ordinary_cramp")]
    return []


@rule("nhs_dvt", most="self_care")
def no_symptoms(f: Facts) -> list[Hit]:
    """No leg symptoms and no warning signs: nothing needs a doctor now; prevention advice."""
    if f.legs_ruled_out:
        return [_hit(no_symptoms, "leg_side", "self_care", "reason.no_symptoms")]
    return []


@rule("rcog_gtg37", most="soon")
def pregnancy_with_high_risk(f: Facts) -> list[Hit]:
    """Pregnant or postpartum with a previous clot, thrombophilia or cancer: RCOG GTG 37a asks
    for a risk assessment and usually preventive heparin; tell the midwife or doctor soon."""
    if not f.pregnant_or_postpartum:
        return []
    return [_hit(pregnancy_with_high_risk, k, "soon", "reason.pregnancy_high_risk")
            for k in ("previous_clot", "clotting_disorder", "active_cancer") if f.yes(k)]


def apply_rules(answers: Mapping[str, Any]) -> tuple[Level, list[Hit]]:
    """Apply every rule; return the disposition (the most urgent level) and the hits."""
    facts = Facts(answers)
    hits = [hit for r in RULES for hit in r.check(facts)]
    if not hits:
        # Nothing fired: not enough is known to reassure, so at least "soon" (never self-care).
        hits = [NOT_ENOUGH]
    return _disposition(hits), hits


NOT_ENOUGH = Hit("not_enough_information", "leg_side", "soon", "reason.not_enough")


def _disposition(hits: list[Hit]) -> Level:
    """The most urgent level the hits call for ("soon" when nothing fired)."""
    if not hits:
        return NOT_ENOUGH.level
    return max((h.level for h in hits), key=rank)


class _Reads(dict[str, Any]):
    """The answers, recording every key a rule reads (present or not)."""

    __slots__ = ("seen",)

    def __init__(self, answers: Mapping[str, Any], seen: set[str]) -> None:
        super().__init__(answers)
        self.seen = seen

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return dict.get(self, key, default)

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return dict.__contains__(self, key)

    # A rule that looks at the answers as a whole depends on every key.
    def __iter__(self) -> Any:
        self.seen.add(ALL_KEYS)
        return dict.__iter__(self)

    def __len__(self) -> int:
        self.seen.add(ALL_KEYS)
        return dict.__len__(self)

    def keys(self) -> Any:
        self.seen.add(ALL_KEYS)
        return dict.keys(self)

    def values(self) -> Any:
        self.seen.add(ALL_KEYS)
        return dict.values(self)

    def items(self) -> Any:
        self.seen.add(ALL_KEYS)
        return dict.items(self)


ALL_KEYS = "*"  # recorded when a rule reads the answers as a whole


class Probe:
    """The rules applied once to ``base``, each with the answer keys it read, so that the
    level with one key changed re-runs only the rules that read that key.

    Sound because a rule is a deterministic function of the answers it reads: a rule that did
    not read a key returns the same hits whatever that key holds. Asking "could this answer
    change the disposition?" for every open question (the questionnaire's next question, the
    result's ``unanswered``) is most of triage's work; this makes it several times cheaper. A
    property test checks ``level_with`` against ``apply_rules``.
    """

    def __init__(self, base: Mapping[str, Any]) -> None:
        self.base = dict(base)
        traced: list[tuple[Rule, int, frozenset[str]]] = []
        top = -1
        for r in RULES:
            seen: set[str] = set()
            hits = r.check(Facts(_Reads(self.base, seen)))
            rule_top = max((rank(h.level) for h in hits), default=-1)
            traced.append((r, rule_top, frozenset(seen)))
            if ALL_KEYS in seen:
                traced[-1] = (r, rule_top, _EVERY_KEY)
            top = max(top, rule_top)
        self._traced = tuple(traced)
        self.level: Level = LEVELS[top] if top >= 0 else NOT_ENOUGH.level

    def level_with(self, key: str, value: Any) -> Level:
        """The disposition of ``base`` with ``key`` answered ``value``."""
        facts: Facts | None = None
        top = -1
        for r, rule_top, reads in self._traced:
            if key in reads:
                if facts is None:
                    changed = dict(self.base)
                    changed[key] = value
                    facts = Facts(changed)
                for hit in r.check(facts):
                    level = _RANK[hit.level]
                    if level > top:
                        top = level
            elif rule_top > top:
                top = rule_top
        return LEVELS[top] if top >= 0 else NOT_ENOUGH.level


_RANK: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}


class _EveryKey(frozenset[str]):
    """The reads of a rule that looked at the answers as a whole: contains every key."""

    def __contains__(self, key: object) -> bool:
        return True


_EVERY_KEY = _EveryKey()

RULE_SOURCES: dict[str, str] = {r.name: r.source for r in RULES}
RULE_SOURCES["not_enough_information"] = "safety_unknown"
# The self-care check (bounds.decide): an unknown answer that could raise self-care.
RULE_SOURCES["unknown_can_raise"] = "safety_unknown"
