"""The worker's reminders to move (issue #9): a planner for ``clotwatch worker``.

On every pass, for each patient with an active enrolment and step data synced in the last
hour, the still spell going on now is computed by the core (``Tally.still_spell``, from the
stored samples, ending at the last sync so missing data is never read as stillness) and
``nudge_due`` decides: at least the threshold (120 minutes, Healy 2010), in waking hours, not in
quiet hours, once per spell, not sooner than ``MIN_GAP`` after the last one, never for a day
without data. A due nudge is one outbox row (e-mail), keyed by the spell's start, so a second
pass or a second worker never sends it twice.

The notification carries no health data: it says it is time to move, not how long the person
sat (the figures stay behind sign-in).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clotwatch.core.activity import DEFAULT_WAKING, LONG_BOUT_MINUTES, Tally, nudge_due
from clotwatch.service.activity import stored_sample, zone_or_utc
from clotwatch.store.activity_models import ActivitySample
from clotwatch.store.followup_models import Enrolment, User
from clotwatch.store.outbox import OutboxMessage

#: Data older than this is not "recent": no nudge (clotwatch's own choice).
FRESH = timedelta(hours=1)
#: Never two nudges closer than this (clotwatch's own choice; the issue: "never more often than
#: the person allows". A per-person setting is not built yet).
MIN_GAP = timedelta(hours=1)
#: The follow-up's default quiet hours, 22:00-08:00 local (``clotwatch.core.followup``
#: ``Schedule.quiet_hours``): no nudge then.
QUIET = (22 * 60, 8 * 60)
#: A nudge not sent within this is dropped (a reminder to move is only useful now).
EXPIRES = timedelta(minutes=30)
SUBJECT = {"en": "clotwatch: time to move", "ru": "clotwatch: пора подвигаться"}
MOVE = "Time to move: walk about, or calf and ankle exercises in your seat"


def plan_move_reminders(session: Session, now: datetime) -> int:
    """Enqueue the reminders to move that are due at ``now``; the number enqueued."""
    from clotwatch.web.i18n import clinical
    from clotwatch.worker.outbox import enqueue

    recent = (select(ActivitySample.patient_id, func.max(ActivitySample.end_at).label("last"))
              .group_by(ActivitySample.patient_id).subquery())
    planned = 0
    for user, last in session.execute(
            select(User, recent.c.last).join(recent, recent.c.patient_id == User.id)
            .where(recent.c.last > now - FRESH, User.id.in_(
                select(Enrolment.patient_id).where(Enrolment.withdrawn_at.is_(None))))):
        local_now = now.astimezone(zone_or_utc(user.timezone))
        day_start = datetime.combine(local_now.date(), datetime.min.time(),
                                     local_now.tzinfo).astimezone(UTC)
        tally = Tally()
        for row in session.scalars(select(ActivitySample).where(
                ActivitySample.patient_id == user.id,
                ActivitySample.end_at > day_start - timedelta(days=1),
                ActivitySample.start_at < now)):
            tally.add_valid(stored_sample(row))
        spell = tally.still_spell(local_now, DEFAULT_WAKING, known_until=last)
        prefix = f"move:{user.id}:"
        last_sent = session.scalar(select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.idempotency_key.startswith(prefix)))
        nudge = nudge_due(spell, local_now, threshold_minutes=LONG_BOUT_MINUTES, quiet=QUIET,
                          last_sent=last_sent, min_gap=MIN_GAP)
        if nudge is None:
            continue
        lang = user.lang if user.lang in SUBJECT else "en"
        key = f"{prefix}{nudge.spell_since.astimezone(UTC).isoformat()}"
        if enqueue(session, "email", user.email, "",
                   {"subject": SUBJECT[lang], "body": clinical(lang)(MOVE)}, now, key,
                   lang=lang, expires_at=now + EXPIRES, now=now):
            planned += 1
    return planned


def register() -> None:
    """Add the planner to ``clotwatch worker``'s passes."""
    from clotwatch.worker.planners import register_planner

    register_planner(plan_move_reminders)


register()
