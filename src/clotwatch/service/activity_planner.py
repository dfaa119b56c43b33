"""The worker's reminders to move (issue #9): a planner for ``clotwatch worker``.

On every pass, for each patient with an active enrolment and step data synced in the last
hour, the still spell going on now is computed by the core (``Tally.still_spell``, from the
stored samples, ending at the last sync so missing data is never read as stillness) and
``nudge_due`` decides: at least the person's threshold (default 120 minutes, Healy 2010; during
a journey they added, the travel plan's "every N minutes"), in waking hours, not in their quiet
hours (default 22:00-08:00), once per spell, not sooner than the gap they allow after the last
one (default 60 minutes), never for a day without data.

A due nudge goes by the channel the person chose (``clotwatch.service.movement``): email, Web
Push (each subscribed browser; when the server or the person has no push, the in-app notice
alone), in the app only, or not at all. Every nudge also leaves the in-app notice on their
page. Each row is keyed by the spell's start, so a second pass or a second worker never sends it
twice.

The notification carries no health data: it says it is time to move, not how long the person
sat (the figures stay behind sign-in).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clotwatch.core.activity import DEFAULT_WAKING, LONG_BOUT_MINUTES, Tally, nudge_due
from clotwatch.service.activity import zone_or_utc
from clotwatch.service.movement import DEFAULT_GAP, samples_between
from clotwatch.service.notify import public_url
from clotwatch.store.activity_models import ActivitySample
from clotwatch.store.followup_models import Enrolment, PushSubscription, User
from clotwatch.store.movement_models import MovementSettings
from clotwatch.store.outbox import OutboxMessage

#: Data older than this is not "recent": no nudge (clotwatch's own choice).
FRESH = timedelta(hours=1)
#: Never two nudges closer than this unless the person sets another gap (clotwatch's own).
MIN_GAP = timedelta(minutes=DEFAULT_GAP)
#: The follow-up's default quiet hours, 22:00-08:00 local (``clotwatch.core.followup``
#: ``Schedule.quiet_hours``): no nudge then, unless the person set their own.
QUIET = (22 * 60, 8 * 60)
#: A nudge not sent within this is dropped (a reminder to move is only useful now).
EXPIRES = timedelta(minutes=30)
SUBJECT = {"en": "clotwatch: time to move", "ru": "clotwatch: пора подвигаться"}
MOVE = "Time to move: walk about, or calf and ankle exercises in your seat"


def _minutes(text: str | None) -> int | None:
    if not text:
        return None
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


def _quiet(user: User) -> tuple[int, int]:
    start, end = _minutes(user.quiet_start), _minutes(user.quiet_end)
    return (start, end) if start is not None and end is not None and start != end else QUIET


def threshold_at(settings: MovementSettings | None, now: datetime) -> int:
    """The still spell (minutes) that calls for a nudge at ``now``: the journey's cadence while
    a journey the person added lasts, else their threshold, else 120 (Healy 2010)."""
    if settings is None:
        return LONG_BOUT_MINUTES
    if settings.journey_depart is not None and settings.journey_arrive is not None \
            and settings.journey_every_minutes and \
            settings.journey_depart <= now < settings.journey_arrive:
        return settings.journey_every_minutes
    return settings.threshold_minutes or LONG_BOUT_MINUTES


def plan_move_reminders(session: Session, now: datetime) -> int:
    """Enqueue the reminders to move that are due at ``now``; the number of nudges made."""
    from clotwatch.config import load_settings
    from clotwatch.web.i18n import clinical
    from clotwatch.worker.outbox import enqueue

    config = load_settings()
    push_ready = config.vapid_private_key is not None and bool(config.vapid_subject)
    recent = (select(ActivitySample.patient_id, func.max(ActivitySample.end_at).label("last"))
              .group_by(ActivitySample.patient_id).subquery())
    planned = 0
    for user, last, settings in list(session.execute(
            select(User, recent.c.last, MovementSettings)
            .join(recent, recent.c.patient_id == User.id)
            .outerjoin(MovementSettings, MovementSettings.user_id == User.id)
            .where(recent.c.last > now - FRESH, User.id.in_(
                select(Enrolment.patient_id).where(Enrolment.withdrawn_at.is_(None)))))):
        channel = (settings.channel if settings is not None else None) or "default"
        if channel == "off":
            continue
        local_now = now.astimezone(zone_or_utc(user.timezone))
        day_start = datetime.combine(local_now.date(), datetime.min.time(),
                                     local_now.tzinfo).astimezone(UTC)
        tally = Tally()
        for sample in samples_between(session, user.id, day_start - timedelta(days=1), now):
            tally.add_valid(sample)
        spell = tally.still_spell(local_now, DEFAULT_WAKING, known_until=last)
        prefix = f"move:{user.id}:"
        sent = [t for t in (session.scalar(select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.idempotency_key.startswith(prefix))),
            settings.notice_at if settings is not None else None) if t is not None]
        gap = timedelta(minutes=settings.gap_minutes) \
            if settings is not None and settings.gap_minutes else MIN_GAP
        nudge = nudge_due(spell, local_now, threshold_minutes=threshold_at(settings, now),
                          quiet=_quiet(user), last_sent=max(sent) if sent else None,
                          min_gap=gap)
        if nudge is None:
            continue
        lang = user.lang if user.lang in SUBJECT else "en"
        key = f"{prefix}{nudge.spell_since.astimezone(UTC).isoformat()}"
        payload = {"subject": SUBJECT[lang], "body": clinical(lang)(MOVE),
                   "link": f"{public_url()}/{lang}/me"}
        subscriptions = list(session.scalars(select(PushSubscription).where(
            PushSubscription.user_id == user.id).order_by(PushSubscription.id))) \
            if push_ready and channel in ("webpush", "default") else []
        if channel == "email" or (channel == "default" and not subscriptions):
            enqueue(session, "email", user.email, "", dict(payload), now, key, lang=lang,
                    expires_at=now + EXPIRES, now=now)
        for sub in subscriptions:
            enqueue(session, "webpush", json.dumps(sub.subscription_info()), "",
                    dict(payload), now, f"{key}:push:{sub.id}", lang=lang,
                    expires_at=now + EXPIRES, now=now)
        mine = settings if settings is not None else MovementSettings(user_id=user.id,
                                                                      updated_at=now)
        if settings is None:
            session.add(mine)
        mine.notice_at = now   # the in-app notice: every channel leaves it on the person's page
        planned += 1
    return planned


def register() -> None:
    """Add the reminders to move and the movement alerts to ``clotwatch worker``'s passes."""
    from clotwatch.service.movement import register as register_alerts
    from clotwatch.worker.planners import register_planner

    register_planner(plan_move_reminders)
    register_alerts()


register()
