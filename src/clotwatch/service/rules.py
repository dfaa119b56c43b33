"""The seam between the follow-up service and the pure core's programmes and alert rules.

Programmes (NG89, NG158, RCOG 37a, WHO WRIGHT), their schedules and the cited alert rules are
declared once in ``clotwatch.core.followup`` (issue #12, second half). This module is the only
place the service layer touches them: it turns a stored check-in into the core's input and the
core's findings into ``Hit``s the store keeps as alerts.

Until ``clotwatch.core.followup`` is merged, an INTERIM set (below) keeps the service usable and
testable: the triage engine's own emergency stop, the calf difference of 3 cm (Wells 2003's
criterion), any missed anticoagulant dose, and stale data. It is deliberately small, is not the
programmes' declaration, and is replaced by the core the moment that module imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

from clotwatch.errors import InputError


@dataclass(frozen=True)
class Hit:
    """An alert rule that fired: its id, severity (emergency | same_day | soon | routine) and
    the facts that made it fire (ids and numbers only, shown to the clinician)."""

    rule_id: str
    severity: str
    reason: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleInfo:
    """How an alert is shown: its title, what to do, and its source."""

    title: str
    action: str
    citation: str


@dataclass(frozen=True)
class ProgrammeInfo:
    """A programme as the service needs it."""

    id: str
    name: str
    length_days: int
    interval_days: int
    citation: str


def _core() -> ModuleType | None:
    try:
        return importlib.import_module("clotwatch.core.followup")
    except ModuleNotFoundError:
        return None


# --- INTERIM (until clotwatch.core.followup lands) -------------------------------------------

_WELLS = "Wells PS et al. N Engl J Med 2003;349:1227-35. doi:10.1056/NEJMoa023153"
_NG158 = "NICE NG158 (2020, updated 2023): venous thromboembolic diseases"
_TRIAGE = "clotwatch triage warning signs (docs/triage.md)"
_INTERIM_PROGRAMMES = {
    p.id: p for p in (
        ProgrammeInfo("after-surgery", "After surgery or a hospital stay", 35, 2,
                      "NICE NG89 (2018, updated 2019)"),
        ProgrammeInfo("after-dvt-pe", "After a DVT or PE", 730, 7, _NG158),
        ProgrammeInfo("pregnancy-postpartum", "Pregnancy and after birth", 300, 7,
                      "RCOG Green-top Guideline 37a (2015)"),
        ProgrammeInfo("after-long-journey", "After a long journey", 56, 7,
                      "WHO Research Into Global Hazards of Travel (WRIGHT) 2007"),
    )
}
_INTERIM_RULES = {
    "warning-sign": RuleInfo("Warning sign reported",
                             "The patient was told to call the emergency number now. Contact "
                             "them at once.", _TRIAGE),
    "calf-difference": RuleInfo("Calf circumference difference of 3 cm or more",
                                "Same-day assessment for DVT.", _WELLS),
    "missed-doses": RuleInfo("Missed anticoagulant doses",
                             "Contact the patient about their anticoagulant.", _NG158),
    "stale-data": RuleInfo("No check-in for the programme's interval",
                           "Contact the patient.", "clotwatch follow-up schedule"),
}


def _interim_checkin(current: Mapping[str, Any]) -> list[Hit]:
    hits = []
    if current.get("warning_sign"):
        hits.append(Hit("warning-sign", "emergency", {"checkin": current.get("id")}))
    left, right = current.get("calf_left_cm"), current.get("calf_right_cm")
    if left is not None and right is not None and abs(left - right) >= 3:
        hits.append(Hit("calf-difference", "same_day",
                        {"left_cm": left, "right_cm": right,
                         "difference_cm": round(abs(left - right), 1)}))
    if (current.get("doses_missed") or 0) > 0:
        hits.append(Hit("missed-doses", "soon", {"missed": current["doses_missed"]}))
    return hits


# --- the seam ---------------------------------------------------------------------------------

def programmes() -> list[ProgrammeInfo]:
    """Every programme, in the order they are offered."""
    core = _core()
    if core is not None and hasattr(core, "PROGRAMMES"):
        return [_programme_info(p) for p in _values(core.PROGRAMMES)]
    return list(_INTERIM_PROGRAMMES.values())


def programme(programme_id: str) -> ProgrammeInfo:
    """One programme; InputError (field ``programme``) if unknown."""
    for item in programmes():
        if item.id == programme_id:
            return item
    raise InputError("programme", f"unknown programme {programme_id!r}; choose one of "
                                  + ", ".join(p.id for p in programmes()))


def rule_info(rule_id: str) -> RuleInfo:
    """How to show an alert of ``rule_id`` (unknown ids are shown by their id)."""
    core = _core()
    if core is not None and hasattr(core, "RULES"):
        for rule in _values(core.RULES):
            if getattr(rule, "id", None) == rule_id:
                return RuleInfo(str(getattr(rule, "title", rule_id)),
                                str(getattr(rule, "action", "")),
                                str(getattr(rule, "citation", "")))
    return _INTERIM_RULES.get(rule_id, RuleInfo(rule_id, "", ""))


def evaluate_checkin(programme_id: str, current: Mapping[str, Any],
                     previous: Sequence[Mapping[str, Any]], *, start: date) -> list[Hit]:
    """The alert rules that fire on this check-in (``previous``: newest first)."""
    core = _core()
    if core is not None and hasattr(core, "evaluate_checkin"):
        found = core.evaluate_checkin(programme_id, current, previous, start=start)
        return [_hit(h) for h in found]
    return _interim_checkin(current)


def evaluate_elapsed(programme_id: str, *, last_checkin: datetime | None, start: date,
                     now: datetime, interval_days: int | None) -> list[Hit]:
    """The rules that fire with time alone (stale data)."""
    core = _core()
    if core is not None and hasattr(core, "evaluate_elapsed"):
        found = core.evaluate_elapsed(programme_id, last_checkin=last_checkin, start=start,
                                      now=now, interval_days=interval_days)
        return [_hit(h) for h in found]
    info = programme(programme_id)
    interval = timedelta(days=interval_days or info.interval_days)
    if now.date() > start + timedelta(days=info.length_days):
        return []
    since = last_checkin or datetime.combine(start, datetime.min.time(), tzinfo=now.tzinfo)
    # A day of grace past the interval before the data counts as stale.
    if now - since > interval + timedelta(days=1):
        return [Hit("stale-data", "routine",
                    {"days_since": (now - since).days, "interval_days": interval.days})]
    return []


def _values(collection: Any) -> list[Any]:
    return list(collection.values()) if isinstance(collection, Mapping) else list(collection)


def _programme_info(p: Any) -> ProgrammeInfo:
    return ProgrammeInfo(str(p.id), str(getattr(p, "name", p.id)),
                         int(getattr(p, "length_days", 0)),
                         int(getattr(p, "interval_days", 7)), str(getattr(p, "citation", "")))


def _hit(h: Any) -> Hit:
    if isinstance(h, Hit):
        return h
    return Hit(str(h.rule_id), str(h.severity), dict(getattr(h, "reason", {}) or {}))
