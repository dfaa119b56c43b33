"""Shared builders for the follow-up tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from clotwatch.core.followup import CheckIn, Schedule, get_programme, validate_checkin

INDEX = date(2026, 1, 5)
ENROLLED = datetime(2026, 1, 5, 12, tzinfo=UTC)
NO_WARNING = {"short_of_breath": False, "chest_pain": False, "coughing_blood": False,
              "fainting": False, "fast_heartbeat": False, "cold_pale_numb_leg": False}


def schedule(pid: str = "after_vte") -> Schedule:
    return Schedule(get_programme(pid), INDEX, "Europe/London")


def at_day(day: float, hour: int = 9) -> datetime:
    return datetime(2026, 1, 5, hour, tzinfo=UTC) + timedelta(days=day)


def checkin(day: float, **raw: Any) -> CheckIn:
    raw.setdefault("answers", dict(NO_WARNING))
    raw.setdefault("doses_missed", 0)
    return validate_checkin(raw, at_day(day))
