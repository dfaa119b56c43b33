"""The seam to the worker's outbox: what the follow-up service asks to be sent.

The worker (``clotwatch.worker``) owns the outbox table, the channels (email over SMTP, signed
webhooks, Web Push) and the claiming. The service only enqueues, in the same transaction as the
change that causes the message, so a message exists if and only if the change was committed.
Messages carry a link and a level, never health data: the recipient signs in to see the alert.
Each has an idempotency key (the alert, the event, the recipient), so planning it twice is one
message.

Links start with the service's public address: the ``public_url`` setting
(``CLOTWATCH_PUBLIC_URL``, e.g. ``https://clotwatch.example.org``; ``clotwatch.config``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from clotwatch.config import load_settings
from clotwatch.store.followup_models import Membership, User
from clotwatch.worker import alerts, outbox


def public_url() -> str:
    """The service's public address without a trailing slash (``Settings.link_base``)."""
    return load_settings().link_base


def _lang(user: User) -> str:
    return user.lang if user.lang in ("en", "ru") else "en"


def enqueue(session: Session, *, user: User, template: str, payload: dict[str, Any],
            key: str, now: datetime) -> None:
    """Queue one email to ``user`` (the worker renders ``template`` in the user's language)."""
    outbox.enqueue(session, "email", user.email, template, payload, now, key,
                   lang=_lang(user), now=now)


def alert_decision(session: Session, *, alert_id: int, rule_id: str, action: str, level: str,
                   clinic_id: int, now: datetime) -> None:
    """Tell the clinic what an alert decision calls for (``clotwatch.worker.alerts.notify``
    decides and keys the messages): an alert opened or raised to urgent or emergency goes to
    its clinicians and admins, an escalation to its admins; "soon" alerts wait on the
    worklist."""
    from clotwatch.core.followup.rules import Action
    from clotwatch.core.triage.rules import Level
    from clotwatch.followup import Decision

    staff = list(session.execute(select(User, Membership.role).join(
        Membership, Membership.user_id == User.id).where(Membership.clinic_id == clinic_id)
        .order_by(User.id)))
    browsers = push_recipients(session, [u.id for u, _r in staff])

    def recipients(user: User) -> list[alerts.Recipient]:
        # Email always; Web Push too, to each browser the person turned it on in (an alert
        # that matters is not left to one channel).
        return [alerts.Recipient("email", user.email, _lang(user)),
                *(alerts.Recipient("webpush", address, _lang(user))
                  for address in browsers.get(user.id, ()))]

    # action and level come from one of the core's decisions (``rules.evaluate``).
    decision = Decision(rule_id, cast(Action, action), cast(Level, level), "")
    alerts.notify(session, decision, alert_id, f"{public_url()}/{{lang}}/care",
                  [r for u, _r in staff for r in recipients(u)],
                  [r for u, role in staff if role == "admin" for r in recipients(u)], now)


def push_recipients(session: Session, user_ids: list[int]) -> dict[int, list[str]]:
    """Each user's Web Push subscriptions (the ``webpush`` channel's recipient JSON), when the
    server has Web Push set up (VAPID key and subject); none otherwise."""
    import json

    from clotwatch.store.followup_models import PushSubscription

    settings = load_settings()
    if settings.vapid_private_key is None or not settings.vapid_subject or not user_ids:
        return {}
    found: dict[int, list[str]] = {}
    for sub in session.scalars(select(PushSubscription).where(
            PushSubscription.user_id.in_(user_ids)).order_by(PushSubscription.id)):
        found.setdefault(sub.user_id, []).append(json.dumps(sub.subscription_info()))
    return found


def password_reset(session: Session, *, user: User, link: str, subject: str, body: str,
                   now: datetime) -> None:
    """Email a password reset link (the link is the user's own secret; it expires in an hour)."""
    enqueue(session, user=user, template="",
            payload={"subject": subject, "body": body, "link": link},
            key=f"reset:{link.rsplit('/', 1)[-1][:16]}:{user.id}", now=now)
