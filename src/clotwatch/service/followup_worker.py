"""The follow-up service's planners for ``clotwatch worker`` (``clotwatch.worker.planners``).

Each pass of the worker runs, in its own transaction:

- ``plan_checkin_reminders``: the next due check-in of every active enrolment becomes one
  outbox row, at the patient's chosen local time outside quiet hours (the core's ``Schedule``);
- ``sweep_alerts``: the rules that need no check-in (stale data) and the escalation of urgent
  alerts nobody acknowledged in time (``clotwatch.service.followup.sweep``).

``register()`` adds both to the worker; ``clotwatch worker`` calls it before its first pass.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clotwatch.service import followup, notify, rules
from clotwatch.store.followup_models import CheckIn, Enrolment, User
from clotwatch.worker.planners import register_planner
from clotwatch.worker.reminders import ReminderTarget, plan_reminders


def sweep_alerts(session: Session, now: datetime) -> int:
    """Open stale-data alerts, resolve them when data came back, escalate overdue ones."""
    counts = followup.sweep(session, now)
    return sum(counts.values())


def plan_checkin_reminders(session: Session, now: datetime) -> int:
    """Enqueue each active enrolment's next reminder due within a day (idempotent)."""
    latest = (select(CheckIn.patient_id, func.max(CheckIn.at).label("last_at"))
              .group_by(CheckIn.patient_id).subquery())
    base = notify.public_url()
    targets = []
    for enrolment, user, last_at in session.execute(
            select(Enrolment, User, latest.c.last_at)
            .join(User, User.id == Enrolment.patient_id)
            .outerjoin(latest, latest.c.patient_id == Enrolment.patient_id)
            .where(Enrolment.withdrawn_at.is_(None))):
        schedule = rules.schedule(followup._enrolment_facts(session, enrolment))
        lang = user.lang if user.lang in ("en", "ru") else "en"
        targets.append(ReminderTarget(
            enrolment_key=f"enrolment-{enrolment.id}", schedule=schedule,
            last_checkin_at=last_at, channel="email", recipient=user.email, lang=lang,
            link=f"{base}/{lang}/me/checkin"))
    return int(plan_reminders(session, targets, now))


def register() -> None:
    """Add the follow-up planners to ``clotwatch worker`` (idempotent)."""
    register_planner(plan_checkin_reminders)
    register_planner(sweep_alerts)
