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
from datetime import datetime
from types import ModuleType
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


NOTIFY_LEVELS = ("urgent", "emergency")  # "soon" alerts wait on the worklist, unpushed


def alert_decision(session: Session, *, alert_id: int, rule_id: str, action: str, level: str,
                   clinic_id: int, now: datetime) -> None:
    """Tell the clinic what an alert decision calls for: an alert opened or raised to urgent
    or emergency goes to its clinicians and admins, an escalation to its admins. The worker's
    ``clotwatch.worker.alerts.notify`` decides and keys the messages when it is installed."""
    from clotwatch.store.followup_models import Membership

    staff = list(session.execute(select(User, Membership.role).join(
        Membership, Membership.user_id == User.id).where(Membership.clinic_id == clinic_id)))
    alerts: ModuleType | None
    core: ModuleType | None
    try:
        alerts = importlib.import_module("clotwatch.worker.alerts")
        core = importlib.import_module("clotwatch.followup")
    except ModuleNotFoundError:
        alerts = core = None
    if alerts is not None and core is not None:
        def recipient(user: User) -> Any:
            return alerts.Recipient("email", user.email,
                                    user.lang if user.lang in ("en", "ru") else "en")

        alerts.notify(session, core.Decision(rule_id, action, level, ""), alert_id,
                      f"{public_url()}/en/care", [recipient(u) for u, _r in staff],
                      [recipient(u) for u, role in staff if role == "admin"], now)
        return
    if action in ("open", "raise") and level in NOTIFY_LEVELS:
        template, people = "notify.alert", [u for u, _r in staff]
    elif action == "escalate":
        template, people = "notify.escalation", [u for u, role in staff if role == "admin"]
    else:
        return
    for user in people:
        enqueue(session, user=user, template=template,
                payload={"level": level, "link": f"{public_url()}/{user.lang}/care"},
                key=f"alert:{alert_id}:{action}:{level}:{user.id}", now=now)


def password_reset(session: Session, *, user: User, link: str, subject: str, body: str,
                   now: datetime) -> None:
    """Email a password reset link (the link is the user's own secret; it expires in an hour)."""
    enqueue(session, user=user, template="",
            payload={"subject": subject, "body": body, "link": link},
            key=f"reset:{link.rsplit('/', 1)[-1][:16]}:{user.id}", now=now)
