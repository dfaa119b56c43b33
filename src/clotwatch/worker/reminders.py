"""Check-in reminders: the next due check-in of each enrolment becomes one outbox row.

The follow-up service calls ``plan_reminders`` from a worker planner with its active
enrolments; the reminder is sent at the patient's chosen local time, moved out of their quiet
hours (``Schedule.due_time``), and expires half an interval later (a reminder for a check-in
long past is not sent). Planning twice is harmless: the idempotency key is the enrolment and the
due time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from clotwatch.core.followup import Schedule
from clotwatch.worker.outbox import enqueue


@dataclass(frozen=True)
class ReminderTarget:
    """One enrolment to remind: its schedule, where to send, in which language."""

    enrolment_key: str            # stable and not identifying (e.g. the enrolment's row id)
    schedule: Schedule
    last_checkin_at: datetime | None
    channel: str                  # "email" | "webpush"
    recipient: str
    lang: str
    link: str                     # where the patient checks in


def plan_reminders(session: Session, targets: Iterable[ReminderTarget], now: datetime,
                   horizon: timedelta = timedelta(hours=24)) -> int:
    """Enqueue the next reminder of each target due within ``horizon``; return how many new."""
    created = 0
    for target in targets:
        due = target.schedule.next_due(now - timedelta(minutes=1))
        if due is None or due > now + horizon:
            continue
        every = target.schedule.interval_on(target.schedule.day_of(due)) or 1
        half = timedelta(days=every) / 2
        if target.last_checkin_at is not None and target.last_checkin_at >= due - half:
            continue  # already checked in for this one
        created += enqueue(
            session, target.channel, target.recipient, "notify.reminder",
            {"link": target.link}, due, f"reminder:{target.enrolment_key}:{due.isoformat()}",
            lang=target.lang, expires_at=due + half, now=now)
    return created
