"""The seam between the follow-up service and the pure core's programmes and alert rules.

Programmes (NG89, NG158, RCOG 37a, WHO WRIGHT), schedules and the cited alert rules are declared
once in ``clotwatch.core.followup`` (with its ``followup`` catalogues, ``clotwatch.followup``).
This module is the only place the service layer touches them: it turns stored rows into the
core's ``Schedule``/``CheckIn``/``OpenAlert`` and the core's ``Decision``s into plain values the
service applies to the store (open, keep, raise, clear, resolve, escalate). There is no second
copy of any rule here: every decision is the core's ``evaluate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, cast

from clotwatch import followup as core
from clotwatch.core.triage.rules import LEVELS, Level
from clotwatch.errors import InputError

URGENCY = {"emergency": 0, "urgent": 1, "soon": 2}  # the worklist's order (0 first)
LEVEL_RANK: dict[str, int] = {level: n for n, level in enumerate(LEVELS)}  # self_care 0..3


@dataclass(frozen=True)
class Decision:
    """What to do with one rule's alert for one patient (the core's ``Decision``)."""

    rule_id: str
    action: str  # open | keep | raise | clear | resolve | escalate
    level: str   # soon | urgent | emergency
    reason: str  # message id
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenAlertFacts:
    """An open alert as the rules need it."""

    rule_id: str
    level: str
    opened_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None


@dataclass(frozen=True)
class EnrolmentFacts:
    """An enrolment as the rules need it."""

    programme_id: str
    index_date: date
    time_zone: str
    checkin_time: str | None
    interval_days: int | None
    enrolled_at: datetime
    # The clinician's length of the dose questions (0: no anticoagulant or prophylaxis; None:
    # the programme's) and the patient's quiet hours ("HH:MM" each; None: 22:00-08:00).
    doses_until_day: int | None = None
    quiet_hours: tuple[str, str] | None = None


@dataclass(frozen=True)
class RuleText:
    """How an alert is shown: title, what the care team does, what the patient is told, and
    its sources."""

    title: str
    care_team: str
    patient: str
    sources: str


@dataclass(frozen=True)
class ProgrammeInfo:
    """A programme as the pages show it."""

    id: str
    name: str
    length_days: int
    sources: str


# --- programmes -------------------------------------------------------------------------------

def _sources_text(ids: Sequence[str]) -> str:
    found = []
    for source_id in ids:
        source = core.SOURCES.get(source_id)
        found.append(str(getattr(source, "citation", None) or source or source_id))
    return "; ".join(found)


def programmes(lang: str = "en") -> list[ProgrammeInfo]:
    """Every programme, in the order they are offered."""
    t = core.translator(lang)
    return [ProgrammeInfo(p.id, t(p.name_id), p.length_days, _sources_text(p.sources))
            for p in core.PROGRAMMES.values()]


def programme(programme_id: str, lang: str = "en") -> ProgrammeInfo:
    """One programme; InputError (field ``programme``) if unknown."""
    for item in programmes(lang):
        if item.id == programme_id:
            return item
    raise InputError("programme", f"unknown programme {programme_id!r}; choose one of "
                                  + ", ".join(p.id for p in programmes()))


def check_time_zone(name: str) -> str:
    """The IANA time zone name if known; InputError (field ``time_zone``) if not (the core's
    ``zone``: the same check the schedules make)."""
    if not isinstance(name, str) or len(name) > 64:
        raise InputError("time_zone", f"not a time zone name: {str(name)[:64]!r}")
    core.zone(name)
    return name


def _clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def check_clock(field: str, text: str) -> str:
    """A local time of day as ``HH:MM``; InputError naming ``field`` if it is not one."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60
            and len(minutes) == 2 and len(hours) <= 2):
        raise InputError(field, "enter a time as HH:MM, e.g. 09:00")
    return f"{int(hours):02d}:{minutes}"


def programme_doses(programme_id: str) -> tuple[bool, int | None]:
    """Whether a programme asks about anticoagulant or prophylaxis doses, and until which day
    (None: throughout)."""
    item = core.get_programme(programme_id)
    return "doses" in item.questions, item.doses_until_day


def check_doses_until_day(days: int | None) -> int | None:
    """The clinician's length of the dose questions in days from day 0 (0: the patient takes
    no anticoagulant or prophylaxis; None: the programme's); InputError
    (``doses_until_day``) outside 0-3650 (the core's ``Schedule`` range)."""
    if days is not None and not 0 <= days <= 3650:
        raise InputError("doses_until_day", "enter a day from 0 (none taken) to 3650, or leave "
                                            "it empty for the programme's length")
    return days


def schedule(enrolment: EnrolmentFacts) -> core.Schedule:
    """The core's ``Schedule`` for an enrolment."""
    quiet = core.Schedule.quiet_hours if enrolment.quiet_hours is None else core.QuietHours(
        _clock(enrolment.quiet_hours[0]), _clock(enrolment.quiet_hours[1]))
    result = core.Schedule(core.get_programme(enrolment.programme_id), enrolment.index_date,
                           enrolment.time_zone,
                           checkin_time=_clock(enrolment.checkin_time or "09:00"),
                           quiet_hours=quiet, doses_until_day=enrolment.doses_until_day)
    if enrolment.interval_days:
        # The clinician's adjustment: from today to the end, every N days.
        day = int(result.day_of(enrolment.enrolled_at))
        result = result.adjust(core.Adjustment(day, enrolment.interval_days))
    return result


# --- check-ins and rules ----------------------------------------------------------------------

def core_checkin(stored: Mapping[str, Any]) -> core.CheckIn:
    """A stored check-in (``followup._checkin_dict``) as the core's ``CheckIn``."""
    answers = {k: v for k, v in (stored.get("answers") or {}).items() if k != "venous_ulcer"}
    villalta = dict(stored.get("villalta_symptoms") or {})
    ulcer = (stored.get("answers") or {}).get("venous_ulcer")
    if ulcer is not None:
        villalta["venous_ulcer"] = ulcer
    raw = {"answers": answers,
           "calf_cm": {"left": stored.get("calf_left_cm"), "right": stored.get("calf_right_cm")},
           "leg_pain": stored.get("leg_pain"), "doses_missed": stored.get("doses_missed"),
           "villalta": villalta, "kind": stored.get("kind", "patient")}
    return core.validate_checkin(raw, datetime.fromisoformat(stored["at"]))


def stored_checkin(stored: Mapping[str, Any]) -> core.CheckIn:
    """A check-in the store wrote as the core's ``CheckIn``, without validating it again.

    Every stored check-in was validated by ``core_checkin`` (``validate``) in the transaction
    that wrote it, so the history a new check-in is evaluated with is only rebuilt: re-running
    the validation on 60 earlier rows was nine tenths of a check-in's rule evaluation
    (docs/benchmarks.md). The result equals ``core_checkin``'s for any stored row (a test
    checks it); a new check-in still goes through ``core_checkin``."""
    get = stored.get
    answers = dict(get("answers") or ())
    ulcer = answers.pop("venous_ulcer", None)
    villalta = {k: v for k, v in (get("villalta_symptoms") or {}).items() if v is not None}
    if ulcer is not None:
        villalta["venous_ulcer"] = ulcer
    at = stored["at"]
    left, right, pain, missed = (get("calf_left_cm"), get("calf_right_cm"), get("leg_pain"),
                                 get("doses_missed"))
    return core.CheckIn(
        at=at if isinstance(at, datetime) else datetime.fromisoformat(at),
        answers=MappingProxyType(answers),
        calf_left_cm=None if left is None else float(left),
        calf_right_cm=None if right is None else float(right),
        leg_pain=None if pain is None else int(pain),
        doses_missed=None if missed is None else int(missed),
        villalta=MappingProxyType(villalta), kind=get("kind", "patient"))


def checkin_triage(enrolment: EnrolmentFacts,
                   checkin: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """What the person is told after this check-in in this enrolment: the triage's
    disposition on the check-in's facts (the core's ``checkin_triage``) and those facts (the
    triage answers, for ``clotwatch.triage.assess`` to word the result)."""
    found = schedule(enrolment)
    ck = core_checkin(checkin)
    level, _hits = core.checkin_triage(found, ck)
    return level, core.triage_answers(found, ck)


def validate(stored: Mapping[str, Any]) -> None:
    """InputError naming the field if the core would not accept this check-in."""
    core_checkin(stored)


def escalation_windows(emergency_minutes: int | None,
                       urgent_minutes: int | None) -> dict[str, timedelta] | None:
    """A clinic's escalation windows (the core's ``acknowledge_windows``; InputError naming
    the field), or None when the clinic keeps clotwatch's defaults."""
    if emergency_minutes is None and urgent_minutes is None:
        return None
    return {str(level): window for level, window
            in core.acknowledge_windows(emergency_minutes, urgent_minutes).items()}


def evaluate(enrolment: EnrolmentFacts, checkin: Mapping[str, Any] | None,
             history: Sequence[Mapping[str, Any]], open_alerts: Mapping[str, OpenAlertFacts],
             now: datetime, windows: Mapping[str, timedelta] | None = None, *,
             activity: core.ActivityFacts | None = None) -> list[Decision]:
    """The decisions for one enrolment: on a new check-in, or (``checkin`` None) with time
    alone (stale data, escalations). ``history``: earlier check-ins, any order; ``windows``
    the clinic's escalation windows (``escalation_windows``; None: the defaults);
    ``activity``: the patient's step figures for the movement rules (skipped without them)."""
    found = core.evaluate(
        schedule(enrolment), core_checkin(checkin) if checkin is not None else None,
        [stored_checkin(h) for h in history],
        # A stored level was written from one of the core's decisions: it is a core Level.
        {rule: core.OpenAlert(rule, cast(Level, a.level), a.opened_at, a.acknowledged_at,
                              a.escalated_at)
         for rule, a in open_alerts.items()}, now, enrolment.enrolled_at,
        None if windows is None else {cast(Level, k): v for k, v in windows.items()},
        activity=activity)
    return [Decision(d.rule, d.action, d.level, d.reason, dict(d.evidence)) for d in found]


def rule_text(rule_id: str, lang: str = "en") -> RuleText:
    """The title, care-team action, patient text and sources of a rule in ``lang``."""
    rule = core.RULES.get(rule_id)
    if rule is None:  # a rule id stored by an older version and since removed
        return RuleText(rule_id, "", "", "")
    t = core.translator(lang)
    return RuleText(t(rule.title_id), t(rule.care_team_id), t(rule.patient_id),
                    _sources_text(rule.sources))


def message(message_id: str, lang: str = "en") -> str:
    """A ``followup`` catalogue message (a reason id) in ``lang``."""
    return core.translator(lang)(message_id)
