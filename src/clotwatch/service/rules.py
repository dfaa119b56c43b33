"""The seam between the follow-up service and the pure core's programmes and alert rules.

Programmes (NG89, NG158, RCOG 37a, WHO WRIGHT), schedules and the cited alert rules are declared
once in ``clotwatch.core.followup`` (with its ``followup`` catalogues, ``clotwatch.followup``).
This module is the only place the service layer touches them: it turns stored rows into the
core's ``Schedule``/``CheckIn``/``OpenAlert`` and the core's ``Decision``s into plain values the
service applies to the store (open, keep, raise, clear, resolve, escalate).

INTERIM: until ``clotwatch.core.followup`` is merged, a deliberately small stand-in keeps the
service usable: the same programme and rule ids, the triage engine's own emergency stop, the
calf difference of 3 cm (Wells 2003), any missed dose, stale data, and the core's escalation
windows. It is not the programmes' declaration and is never used once the core imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from types import ModuleType
from typing import Any

from clotwatch.errors import InputError

URGENCY = {"emergency": 0, "urgent": 1, "soon": 2}  # the worklist's order (0 first)


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


@cache
def _core() -> ModuleType | None:
    try:
        return importlib.import_module("clotwatch.followup")
    except ModuleNotFoundError:
        return None


# --- programmes -------------------------------------------------------------------------------

_INTERIM_PROGRAMMES = {  # id: (English name, length in days, check-in interval in days)
    "after_surgery": ("After surgery or a hospital stay", 35, 2),
    "after_vte": ("After a DVT or pulmonary embolism", 365, 7),
    "pregnancy_postpartum": ("Pregnancy and after birth", 42, 7),
    "after_journey": ("After a long journey", 56, 7),
}


def _sources_text(core: ModuleType, ids: Sequence[str]) -> str:
    found = []
    for source_id in ids:
        source = core.SOURCES.get(source_id)
        found.append(str(getattr(source, "citation", None) or source or source_id))
    return "; ".join(found)


def programmes(lang: str = "en") -> list[ProgrammeInfo]:
    """Every programme, in the order they are offered."""
    core = _core()
    if core is None:
        return [ProgrammeInfo(pid, name, length, "") for pid, (name, length, _every)
                in _INTERIM_PROGRAMMES.items()]
    t = core.translator(lang)
    return [ProgrammeInfo(p.id, t(p.name_id), p.length_days, _sources_text(core, p.sources))
            for p in core.PROGRAMMES.values()]


def programme(programme_id: str, lang: str = "en") -> ProgrammeInfo:
    """One programme; InputError (field ``programme``) if unknown."""
    for item in programmes(lang):
        if item.id == programme_id:
            return item
    raise InputError("programme", f"unknown programme {programme_id!r}; choose one of "
                                  + ", ".join(p.id for p in programmes()))


def check_time_zone(name: str) -> str:
    """The IANA time zone name if known; InputError (field ``time_zone``) if not."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or name.startswith(("/", ".")) or ".." in name or len(name) > 64:
        raise InputError("time_zone", f"not a time zone name: {name!r}")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("time_zone", f"unknown time zone {name!r} (use a name such as "
                                      "Europe/London)") from None
    return name


def schedule(enrolment: EnrolmentFacts) -> Any:
    """The core's ``Schedule`` for an enrolment (None without the core)."""
    core = _core()
    if core is None:
        return None
    hours, _, minutes = (enrolment.checkin_time or "09:00").partition(":")
    result = core.Schedule(core.get_programme(enrolment.programme_id), enrolment.index_date,
                           enrolment.time_zone, checkin_time=time(int(hours), int(minutes)))
    if enrolment.interval_days:
        # The clinician's adjustment: from today to the end, every N days.
        day = int(result.day_of(enrolment.enrolled_at))
        result = result.adjust(core.Adjustment(day, enrolment.interval_days))
    return result


# --- check-ins and rules ----------------------------------------------------------------------

def core_checkin(stored: Mapping[str, Any]) -> Any:
    """A stored check-in (``followup._checkin_dict``) as the core's ``CheckIn``."""
    core = _core()
    assert core is not None
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


def validate(stored: Mapping[str, Any]) -> None:
    """InputError naming the field if the core would not accept this check-in."""
    if _core() is not None:
        core_checkin(stored)


def evaluate(enrolment: EnrolmentFacts, checkin: Mapping[str, Any] | None,
             history: Sequence[Mapping[str, Any]], open_alerts: Mapping[str, OpenAlertFacts],
             now: datetime) -> list[Decision]:
    """The decisions for one enrolment: on a new check-in, or (``checkin`` None) with time
    alone (stale data, escalations). ``history``: earlier check-ins, any order."""
    core = _core()
    if core is None:
        return _interim(enrolment, checkin, history, open_alerts, now)
    found = core.evaluate(
        schedule(enrolment), core_checkin(checkin) if checkin is not None else None,
        [core_checkin(h) for h in history],
        {rule: core.OpenAlert(rule, a.level, a.opened_at, a.acknowledged_at, a.escalated_at)
         for rule, a in open_alerts.items()}, now, enrolment.enrolled_at)
    return [Decision(d.rule, d.action, d.level, d.reason, dict(d.evidence)) for d in found]


def rule_text(rule_id: str, lang: str = "en") -> RuleText:
    """The title, care-team action, patient text and sources of a rule in ``lang``."""
    core = _core()
    if core is None or rule_id not in core.RULES:
        return _INTERIM_TEXT.get(rule_id, RuleText(rule_id, "", "", ""))
    rule = core.RULES[rule_id]
    t = core.translator(lang)
    return RuleText(t(rule.title_id), t(rule.care_team_id), t(rule.patient_id),
                    _sources_text(core, rule.sources))


def message(message_id: str, lang: str = "en") -> str:
    """A ``followup`` catalogue message (a reason id) in ``lang``."""
    core = _core()
    return core.translator(lang)(message_id) if core is not None else message_id


# --- INTERIM (until clotwatch.core.followup lands) ---------------------------------------------

_ESCALATE = {"emergency": timedelta(minutes=15), "urgent": timedelta(hours=4)}
_INTERIM_TEXT = {
    "warning_sign": RuleText("Warning sign reported", "Contact the patient at once.",
                             "Call your emergency number now.", ""),
    "calf_difference": RuleText("Calf circumferences differ by 3 cm or more",
                                "Same-day assessment for DVT.", "Your care team will contact "
                                "you today.", "Wells PS et al. N Engl J Med 2003;349:1227-35. "
                                "doi:10.1056/NEJMoa023153"),
    "missed_doses": RuleText("Missed anticoagulant doses", "Contact the patient.",
                             "Your care team may contact you about your medicine.", ""),
    "stale": RuleText("No recent check-in", "Contact the patient.", "", ""),
}


def _interim(enrolment: EnrolmentFacts, checkin: Mapping[str, Any] | None,
             history: Sequence[Mapping[str, Any]], open_alerts: Mapping[str, OpenAlertFacts],
             now: datetime) -> list[Decision]:
    findings: dict[str, tuple[str, dict[str, Any]]] = {}
    if checkin is not None:
        if checkin.get("warning_sign"):
            findings["warning_sign"] = ("emergency", {})
        left, right = checkin.get("calf_left_cm"), checkin.get("calf_right_cm")
        if left is not None and right is not None and abs(left - right) >= 3:
            findings["calf_difference"] = ("urgent", {"difference_cm": abs(left - right)})
        if (checkin.get("doses_missed") or 0) > 0:
            findings["missed_doses"] = ("soon", {"doses_missed": checkin["doses_missed"]})
    times = [datetime.fromisoformat(h["at"]) for h in history]
    if checkin is not None:
        times.append(datetime.fromisoformat(checkin["at"]))
    every = enrolment.interval_days or _INTERIM_PROGRAMMES[enrolment.programme_id][2]
    if now - max(times, default=enrolment.enrolled_at) > timedelta(days=every, hours=12):
        findings["stale"] = ("soon", {})
    decisions = []
    for rule_id in ("warning_sign", "calf_difference", "missed_doses", "stale"):
        current = open_alerts.get(rule_id)
        if checkin is None and rule_id != "stale":
            continue
        if rule_id in findings:
            level, evidence = findings[rule_id]
            action = "keep" if current is not None else "open"
            decisions.append(Decision(rule_id, action, level, f"alert.{rule_id}.reason",
                                      evidence))
        elif current is not None:
            decisions.append(Decision(rule_id, "resolve" if rule_id == "stale" else "clear",
                                      current.level, f"alert.{rule_id}.cleared"))
    for rule_id, current in open_alerts.items():
        window = _ESCALATE.get(current.level)
        if window and current.acknowledged_at is None and current.escalated_at is None \
                and now >= current.opened_at + window:
            decisions.append(Decision(rule_id, "escalate", current.level, "alert.escalated"))
    return decisions
