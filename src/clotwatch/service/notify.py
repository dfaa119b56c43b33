"""The seam to the worker's outbox: what the follow-up service asks to be sent.

The worker (``clotwatch.worker``) owns the outbox table, the channels (email over SMTP, signed
webhooks, Web Push) and the claiming. The service only enqueues, in the same transaction as the
change that causes the message, so a message exists if and only if the change was committed.
Messages carry a link and a level, never health data: the recipient signs in to see the alert.
Each has an idempotency key (the alert, the event, the recipient), so planning it twice is one
message.

Links need the public address of the service: ``CLOTWATCH_PUBLIC_URL`` (e.g.
``https://clotwatch.example.org``); without it the link is the path alone.

Until ``clotwatch.worker.outbox`` is merged there is no outbox table: ``enqueue`` then keeps the
message in ``PENDING`` (this process's memory, read by the tests) and logs that nothing was sent.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clotwatch.store.followup_models import User

LOG = logging.getLogger("clotwatch.notify")
PENDING: list[dict[str, Any]] = []


def public_url() -> str:
    """The service's public address without a trailing slash ('' if not configured)."""
    return os.environ.get("CLOTWATCH_PUBLIC_URL", "").rstrip("/")


def enqueue(session: Session, *, user: User, template: str, payload: dict[str, Any],
            key: str, now: datetime) -> None:
    """Queue one email to ``user`` (the worker renders ``template`` in the user's language)."""
    try:
        outbox = importlib.import_module("clotwatch.worker.outbox")
    except ModuleNotFoundError:
        outbox = None
    if outbox is not None:
        outbox.enqueue(session, "email", user.email, template, payload, now, key,
                       lang=user.lang if user.lang in ("en", "ru") else "en", now=now)
        return
    PENDING.append({"template": template, "user_id": user.id, "payload": payload, "key": key})
    LOG.warning("no outbox installed (clotwatch.worker.outbox): %s not sent", template)


def _users(session: Session, ids: Iterable[int]) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    return list(session.scalars(select(User).where(User.id.in_(wanted)))) if wanted else []


def alert_opened(session: Session, *, alert_id: int, level: str, recipients: Iterable[int],
                 now: datetime) -> None:
    """Tell the clinic's staff an alert opened (or was raised to ``level``)."""
    for user in _users(session, recipients):
        enqueue(session, user=user, template="notify.alert",
                payload={"level": level, "link": f"{public_url()}/{user.lang}/care"},
                key=f"alert:{alert_id}:{level}:{now.isoformat()}:{user.id}", now=now)


def alert_escalated(session: Session, *, alert_id: int, level: str,
                    recipients: Iterable[int], now: datetime) -> None:
    """Tell the clinic's admins an urgent alert was not acknowledged in time."""
    for user in _users(session, recipients):
        enqueue(session, user=user, template="notify.escalation",
                payload={"level": level, "link": f"{public_url()}/{user.lang}/care"},
                key=f"escalation:{alert_id}:{user.id}", now=now)


def password_reset(session: Session, *, user: User, link: str, subject: str, body: str,
                   now: datetime) -> None:
    """Email a password reset link (the link is the user's own secret; it expires in an hour)."""
    enqueue(session, user=user, template="",
            payload={"subject": subject, "body": body, "link": link},
            key=f"reset:{link.rsplit('/', 1)[-1][:16]}:{user.id}", now=now)
