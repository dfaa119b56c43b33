"""The seam to the worker's outbox: what the follow-up service asks to be sent.

The worker (``clotwatch.worker``, issue #12's second half) owns the outbox table, the channels
(email over SMTP, signed webhooks, Web Push) and the claiming. The service only enqueues, in the
same transaction as the change that causes the message, so a message exists if and only if the
change was committed. Messages carry ids and kinds, never health data: the recipient opens
clotwatch to see the alert.

Until ``clotwatch.worker.outbox`` is merged there is no outbox table; ``enqueue`` then keeps the
messages in ``PENDING`` (this process's memory, for tests and for ``clotwatch admin`` to show a
reset link on the console) and logs that no worker is installed.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

LOG = logging.getLogger("clotwatch.notify")
PENDING: list[dict[str, Any]] = []


def enqueue(session: Session, *, kind: str, user_id: int, payload: dict[str, Any],
            now: datetime) -> None:
    """Queue one message of ``kind`` for ``user_id`` (the worker picks the channels)."""
    try:
        outbox = importlib.import_module("clotwatch.worker.outbox")
    except ModuleNotFoundError:
        outbox = None
    if outbox is not None and hasattr(outbox, "enqueue"):
        outbox.enqueue(session, kind=kind, user_id=user_id, payload=payload, now=now)
        return
    PENDING.append({"kind": kind, "user_id": user_id, "payload": payload,
                    "at": now.isoformat()})
    LOG.warning("no outbox installed (clotwatch.worker.outbox): %s for user %s not sent",
                kind, user_id)


def alert_opened(session: Session, *, alert_id: int, rule_id: str, severity: str,
                 recipients: Iterable[int], now: datetime) -> None:
    """Tell the clinic's staff an alert opened."""
    for user_id in recipients:
        enqueue(session, kind="alert_opened", user_id=user_id,
                payload={"alert_id": alert_id, "rule_id": rule_id, "severity": severity},
                now=now)


def alert_escalated(session: Session, *, alert_id: int, rule_id: str,
                    recipients: Iterable[int], now: datetime) -> None:
    """Tell the clinic's admins an urgent alert was not acknowledged in time."""
    for user_id in recipients:
        enqueue(session, kind="alert_escalated", user_id=user_id,
                payload={"alert_id": alert_id, "rule_id": rule_id}, now=now)


def password_reset(session: Session, *, user_id: int, link: str, now: datetime) -> None:
    """Email a password reset link (the link is the message: it is the user's own secret)."""
    enqueue(session, kind="password_reset", user_id=user_id, payload={"link": link}, now=now)
