"""The follow-up service's planners for ``clotwatch worker`` (``clotwatch.worker.planners``).

Each pass of the worker runs, in its own transaction:

- ``plan_checkin_reminders``: the next due check-in of every active enrolment becomes one
  outbox row, at the patient's chosen local time outside quiet hours (the core's ``Schedule``);
- ``sweep_alerts``: the rules that need no check-in (stale data) and the escalation of urgent
  alerts nobody acknowledged in time (``clotwatch.service.followup.sweep``).

``register()`` adds both to the worker; ``clotwatch worker`` calls it before its first pass.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clotwatch.config import load_settings
from clotwatch.service import followup, notify, rules
from clotwatch.store.followup_models import CheckIn, Enrolment, PushSubscription, User
from clotwatch.worker.gone import register_gone_handler
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
    settings = load_settings()
    push = settings.vapid_private_key is not None and bool(settings.vapid_subject)
    subscriptions: dict[int, list[PushSubscription]] = {}
    if push:
        for sub in session.scalars(select(PushSubscription).order_by(PushSubscription.id)):
            subscriptions.setdefault(sub.user_id, []).append(sub)
    targets = []
    for enrolment, user, last_at in session.execute(
            select(Enrolment, User, latest.c.last_at)
            .join(User, User.id == Enrolment.patient_id)
            .outerjoin(latest, latest.c.patient_id == Enrolment.patient_id)
            .where(Enrolment.withdrawn_at.is_(None))):
        schedule = rules.schedule(followup._enrolment_facts(session, enrolment))
        lang = user.lang if user.lang in ("en", "ru") else "en"
        link = f"{base}/{lang}/me/checkin"
        # A patient who turned on push on a phone gets the reminder there (each subscribed
        # browser) instead of by email; email when push is not set up on this server.
        for sub in subscriptions.get(user.id, []):
            targets.append(ReminderTarget(
                enrolment_key=f"enrolment-{enrolment.id}-push-{sub.id}", schedule=schedule,
                last_checkin_at=last_at, channel="webpush",
                recipient=json.dumps(sub.subscription_info()), lang=lang, link=link))
        if not subscriptions.get(user.id):
            targets.append(ReminderTarget(
                enrolment_key=f"enrolment-{enrolment.id}", schedule=schedule,
                last_checkin_at=last_at, channel="email", recipient=user.email, lang=lang,
                link=link))
    return int(plan_reminders(session, targets, now))


def prune_push_subscription(session: Session, channel: str, recipient: str) -> int:
    """A Web Push subscription the push service reported gone (404/410): delete it, so that
    reminders go by email again and alerts stop going to it (``clotwatch.worker.gone``)."""
    if channel != "webpush":
        return 0
    try:
        endpoint = json.loads(recipient).get("endpoint")
    except (ValueError, AttributeError):
        return 0
    if not isinstance(endpoint, str):
        return 0
    rows = list(session.scalars(select(PushSubscription).where(
        PushSubscription.endpoint == endpoint)))
    for row in rows:
        session.delete(row)
    return len(rows)


def register() -> None:
    """Add the follow-up planners and the gone-subscription handler to ``clotwatch worker``
    (idempotent)."""
    register_planner(plan_checkin_reminders)
    register_planner(sweep_alerts)
    register_gone_handler(prune_push_subscription)
