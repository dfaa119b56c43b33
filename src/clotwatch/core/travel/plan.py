"""A plan for a long journey: before, during and after, from its length and the risk factors.

Pure: the journey and the answers in, the plan out (``now`` passed in). Every figure cites
its source (``sources.py``); the English text of each message is its catalogue id (the web
pages translate it through ``tr``, as the pathway does).

Rules (docs/activity.md, "Long journeys"):
- A journey of 4 hours or more is long (WHO WRIGHT 2007: the risk roughly doubles past 4 h).
  Moving about is advised from 3 hours (BSH 2011, 2B).
- Risk is "increased" with any of ACCP 2012's factors, and "highest" with one of BSH 2011's
  highest-risk factors or with more than one factor (BSH 2011, 1C).
- A factor answered "don't know" counts as present (an unknown answer never lowers the
  advice) and the plan says so.
- Whatever the answers, the plan says which symptoms mean an emergency and which mean care the
  same day, for the 8 weeks after the journey (BSH 2011).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from clotwatch.core.errors import InputError
from clotwatch.core.travel.sources import (
    ACCP_2012,
    BSH_2011,
    CLOTWATCH,
    HEALY_2010,
    SOURCES,
    WHO_WRIGHT,
)

SCHEMA = "clotwatch.travel-plan/1"
LONG_JOURNEY_HOURS = 4  # WHO WRIGHT 2007: risk approximately doubles after more than 4 hours
MOVE_FROM_HOURS = 3  # BSH 2011 (2B): keep mobile on journeys over 3 hours
AFTER_WEEKS = 8  # BSH 2011: a thrombosis up to 8 weeks after may be travel-related
LONGEST_SITTING_MINUTES = 120  # Healy 2010: 2 hours or more at a time without getting up
DEFAULT_MOVE_EVERY_MINUTES = 60  # clotwatch's own: well inside Healy's 2 hours
MAX_JOURNEY_HOURS = 72

Translate = Callable[..., str]


def same(text: str, context: str | None = None) -> str:
    """The identity translation (English)."""
    return text


class RiskFactor(NamedTuple):
    """A risk factor the person is asked about."""

    id: str
    text: str
    highest: bool  # one of BSH 2011's highest-risk factors on its own


#: ACCP 2012's list of long-distance travellers at increased risk; ``highest`` marks the ones
#: BSH 2011 names as highest risk on their own.
RISK_FACTORS: tuple[RiskFactor, ...] = (
    RiskFactor("previous_vte", "A clot in a vein before (deep vein thrombosis or pulmonary "
               "embolism)", True),
    RiskFactor("recent_surgery", "An operation or a serious injury in the last 4 weeks", True),
    RiskFactor("active_cancer", "Cancer that is active or being treated", True),
    RiskFactor("pregnancy", "Pregnant", False),
    RiskFactor("estrogen", "Taking estrogen: a combined contraceptive pill, patch or ring, or "
               "hormone replacement therapy", False),
    RiskFactor("advanced_age", "Older age (the guideline names it without an age)", False),
    RiskFactor("limited_mobility", "Limited mobility: hard to walk or move about", False),
    RiskFactor("severe_obesity", "Severe obesity", False),
    RiskFactor("thrombophilia", "A known clotting disorder (thrombophilia), such as factor V "
               "Leiden", False),
)
RISK_FACTORS_BY_ID = {factor.id: factor for factor in RISK_FACTORS}


class Advice(NamedTuple):
    """One piece of the plan: its id, English text (the catalogue id) and its sources."""

    id: str
    text: str
    sources: tuple[str, ...]


ADVICE: dict[str, Advice] = {a.id: a for a in (
    Advice("see_doctor", "See your doctor or practice nurse before the journey: with your risk "
           "factors the advice is decided for you personally, including whether you need a "
           "medicine to prevent clots.", (BSH_2011.key,)),
    Advice("stockings", "Wear properly fitted below-knee graduated compression stockings "
           "(15-30 mmHg at the ankle) for the journey; a pharmacist can measure you.",
           (ACCP_2012.key,)),
    Advice("no_stockings", "Compression stockings are not advised for you; moving about is "
           "what helps.", (ACCP_2012.key,)),
    Advice("no_blood_thinner", "Do not take aspirin or a blood thinner for the journey unless "
           "a doctor prescribes it for you.", (ACCP_2012.key,)),
    Advice("aisle_seat", "Choose an aisle seat if you can, so that you can get up easily.",
           (ACCP_2012.key,)),
    Advice("unknown_factors", "You did not know about: {factors}. Until you know, this plan "
           "treats them as present; ask your doctor.", (CLOTWATCH.key,)),
    Advice("short_journey", "A journey under {hours} hours: no special plan is needed; move as "
           "you usually would.", (BSH_2011.key,)),
    Advice("walk", "Get up and walk about every {minutes} minutes when you can, and never sit "
           "for 2 hours or more without getting up.",
           (ACCP_2012.key, BSH_2011.key, HEALY_2010.key, CLOTWATCH.key)),
    Advice("calf_exercises", "When you cannot get up, exercise your calves in your seat: lift "
           "your toes, then your heels, and circle your ankles, ten times each.",
           (ACCP_2012.key,)),
    Advice("water", "Drink water as you usually would. Dehydration has not been shown to cause "
           "clots, but it does no good.", (BSH_2011.key,)),
    Advice("no_alcohol_or_sleeping_pills", "Avoid alcohol and sleeping pills on the journey: "
           "they keep you still for longer.", (CLOTWATCH.key,)),
    Advice("weeks_after", "For {weeks} weeks after the journey a clot can still show up; "
           "know the signs.", (BSH_2011.key,)),
    Advice("same_day", "Swelling, pain, warmth or redness in one leg: get checked the same "
           "day. Check your symptoms now: {triage}", (CLOTWATCH.key,)),
    Advice("emergency", "Breathlessness, chest pain, coughing up blood or fainting: call "
           "emergency services now.", (CLOTWATCH.key,)),
)}

REMINDERS: dict[str, str] = {
    "see_doctor": "See your doctor or nurse about your journey",
    "stockings": "Pack your compression stockings for tomorrow's journey",
    "move": "Time to move: walk about, or calf and ankle exercises in your seat",
    "check_legs": "After your journey: any swelling, pain or redness in one leg?",
}
RISK_TEXT: dict[str, str] = {
    "not_increased": "No risk factors: the risk of a clot on a long journey is small.",
    "increased": "A risk factor for clots: take the steps below.",
    "highest": "A high risk of clots on long journeys: see your doctor before you go.",
}


def _item(advice_id: str, tr: Translate, **values: object) -> dict[str, Any]:
    advice = ADVICE[advice_id]
    text = tr(advice.text)
    return {"id": advice.id, "text": text.format(**values) if values else text,
            "sources": list(advice.sources)}


def check_answers(answers: Mapping[str, object]) -> dict[str, bool | None]:
    """Every factor's answer (True, False or None = don't know); InputError on anything else."""
    checked: dict[str, bool | None] = {}
    for key, value in answers.items():
        if key not in RISK_FACTORS_BY_ID:
            raise InputError(key, f"not a risk factor; known: {', '.join(RISK_FACTORS_BY_ID)}")
        if value is not None and not isinstance(value, bool):
            raise InputError(key, f"{value!r}: answer yes, no or don't know")
        checked[key] = value
    return {f.id: checked.get(f.id) for f in RISK_FACTORS}


def risk_level(answers: Mapping[str, bool | None]) -> str:
    """not_increased / increased / highest; a missing or unknown answer counts as present."""
    present = [f for f in RISK_FACTORS if answers.get(f.id) is not False]
    if any(f.highest for f in present) or len(present) > 1:
        return "highest"
    return "increased" if present else "not_increased"


def make_plan(
    depart: datetime,
    hours: float,
    answers: Mapping[str, object],
    *,
    now: datetime | None = None,
    move_every_minutes: int = DEFAULT_MOVE_EVERY_MINUTES,
    triage_url: str = "/en/triage",
    tr: Translate = same,
) -> dict[str, Any]:
    """The plan for a journey of ``hours`` leaving at ``depart`` (aware), for ``answers``."""
    if not isinstance(depart, datetime) or depart.utcoffset() is None:
        raise InputError("depart", "give the departure time with its time zone")
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours != hours:
        raise InputError("hours", "the journey's length in hours, a number")
    if not 0 < hours <= MAX_JOURNEY_HOURS:
        raise InputError("hours", f"must be more than 0 and at most {MAX_JOURNEY_HOURS}")
    if isinstance(move_every_minutes, bool) or not 15 <= move_every_minutes <= \
            LONGEST_SITTING_MINUTES:
        raise InputError("move_every", f"minutes between 15 and {LONGEST_SITTING_MINUTES}")
    checked = check_answers(answers)
    level = risk_level(checked)
    arrive = depart + timedelta(hours=hours)
    long_journey = hours >= LONG_JOURNEY_HOURS
    unknown = [f for f in RISK_FACTORS if checked[f.id] is None]
    present = [f.id for f in RISK_FACTORS if checked[f.id] is True]

    before: list[dict[str, Any]] = []
    if unknown:
        before.append(_item("unknown_factors", tr,
                            factors="; ".join(tr(f.text) for f in unknown)))
    if level == "highest" and long_journey:
        before.append(_item("see_doctor", tr))
    if long_journey:
        if level == "not_increased":
            before.append(_item("no_stockings", tr))
        else:
            before.append(_item("stockings", tr))
            before.append(_item("aisle_seat", tr))
        before.append(_item("no_blood_thinner", tr))

    during: list[dict[str, Any]] = []
    if hours >= MOVE_FROM_HOURS:
        during.append(_item("walk", tr, minutes=move_every_minutes))
        during.append(_item("calf_exercises", tr))
        during.append(_item("water", tr))
        during.append(_item("no_alcohol_or_sleeping_pills", tr))
    else:
        during.append(_item("short_journey", tr, hours=MOVE_FROM_HOURS))

    after = [_item("weeks_after", tr, weeks=AFTER_WEEKS),
             _item("same_day", tr, triage=triage_url),
             _item("emergency", tr)]

    reminders: list[dict[str, Any]] = []

    def remind(at: datetime, section: str, key: str, text: str) -> None:
        if now is None or at >= now:
            reminders.append({"at": at.isoformat(), "section": section,
                              "title": tr(REMINDERS[key]), "text": text})

    if level == "highest" and long_journey:
        # clotwatch's own: a week ahead leaves time for an appointment.
        remind(depart - timedelta(days=7), "before", "see_doctor",
               _item("see_doctor", tr)["text"])
    if long_journey and level != "not_increased":
        remind(depart - timedelta(days=1), "before", "stockings", _item("stockings", tr)["text"])
    if hours >= MOVE_FROM_HOURS:
        step = timedelta(minutes=move_every_minutes)
        at = depart + step
        while at < arrive:
            remind(at, "during", "move", " ".join(i["text"] for i in during[:2]))
            at += step
    signs = " ".join(i["text"] for i in after[1:])
    # clotwatch's own: the day after arrival and two weeks on, inside BSH 2011's 8 weeks.
    remind(arrive + timedelta(days=1), "after", "check_legs", signs)
    remind(arrive + timedelta(days=14), "after", "check_legs", signs)

    used = sorted(({s for section in (before, during, after) for i in section
                    for s in i["sources"]} | {WHO_WRIGHT.key}) - {CLOTWATCH.key})
    return {
        "schema": SCHEMA,
        "journey": {"depart": depart.isoformat(), "arrive": arrive.isoformat(), "hours": hours,
                    "long": long_journey},
        "risk": level,
        "risk_text": tr(RISK_TEXT[level]),
        "risk_factors": {"present": present, "unknown": [f.id for f in unknown],
                         "absent": [f.id for f in RISK_FACTORS if checked[f.id] is False]},
        "before": before,
        "during": during,
        "after": after,
        "reminders": reminders,
        "sources": [{"key": k, "citation": SOURCES[k].citation} for k in used],
    }


def messages() -> list[str]:
    """Every English text of the plan (the catalogue ids), for the translation catalogues."""
    texts = [f.text for f in RISK_FACTORS] + [a.text for a in ADVICE.values()]
    return texts + list(REMINDERS.values()) + list(RISK_TEXT.values())
