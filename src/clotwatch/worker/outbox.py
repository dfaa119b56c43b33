"""Outbox operations: enqueue a notification, claim due rows, mark them sent or failed.

Delivery is **at least once**, with duplicates kept to a narrow window:

- ``enqueue`` is idempotent on ``idempotency_key`` (``INSERT ... ON CONFLICT DO NOTHING``): the
  same reminder or alert notification planned twice is one row.
- ``claim`` takes due rows for one worker: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  a conditional ``UPDATE ... WHERE status = 'pending' AND due_at <= now`` on SQLite (one
  statement; SQLite has one writer at a time). Each claim carries a random token and a lease:
  only the token's holder may mark the row, and when the lease runs out (the worker was killed)
  another worker takes the row over and sends it. Nothing claimed is ever lost.
- The worker renews the lease just before each send and marks the row sent in its own
  transaction just after, so two workers never send one row while both hold a live lease.
- The one window left is the SMTP/HTTP boundary itself: a worker killed after the server
  accepted a message and before its ``mark_sent`` committed leaves a row that is sent again
  after the lease. Exactly-once is impossible there without the receiver's help, so every
  message carries a stable id (email ``Message-ID``, webhook ``Idempotency-Key``, Web Push
  ``Topic``) derived from the idempotency key, with which the receiver can drop the duplicate.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, aliased

from clotwatch.errors import InputError
from clotwatch.store.outbox import CHANNELS, OutboxMessage

MAX_PAYLOAD_BYTES = 8_192
DEFAULT_MAX_ATTEMPTS = 8
# Templates the worker can render (message id prefixes of the followup catalogue); "" means the
# payload carries a rendered "subject" and "body" (e.g. a password-reset email).
TEMPLATES = ("notify.reminder", "notify.alert", "notify.escalation", "")


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise InputError(name, "must be a timezone-aware datetime")


def stable_id(idempotency_key: str) -> str:
    """A 32-hex-digit id derived from the idempotency key (the same for every retry)."""
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def _check_recipient(channel: str, recipient: str) -> str:
    if not isinstance(recipient, str) or not recipient or len(recipient) > 4096:
        raise InputError("recipient", "must be a non-empty string of at most 4096 characters")
    if channel == "email":
        if any(c in recipient for c in "\r\n<>,; ") or recipient.count("@") != 1 \
                or recipient.startswith("@") or recipient.endswith("@"):
            raise InputError("recipient", "not a single email address")
    elif channel == "webhook":
        parts = urlsplit(recipient)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InputError("recipient", "a webhook must be an http(s) URL")
    elif channel == "webpush":
        try:
            sub = json.loads(recipient)
        except ValueError:
            raise InputError("recipient", "a Web Push subscription must be JSON") from None
        keys = sub.get("keys") if isinstance(sub, dict) else None
        if not (isinstance(sub, dict) and isinstance(sub.get("endpoint"), str)
                and sub["endpoint"].startswith("https://") and isinstance(keys, dict)
                and isinstance(keys.get("p256dh"), str) and isinstance(keys.get("auth"), str)):
            raise InputError("recipient", "a Web Push subscription needs an https endpoint "
                                          "and keys.p256dh and keys.auth")
    return recipient


def _check_payload(template: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise InputError("payload", "must be an object")
    clean: dict[str, Any] = {}
    for key, value in payload.items():
        if not isinstance(key, str):
            raise InputError("payload", "keys must be strings")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InputError(f"payload.{key}", "values must be strings, numbers or booleans")
        clean[key] = value
    if len(json.dumps(clean)) > MAX_PAYLOAD_BYTES:
        raise InputError("payload", f"larger than {MAX_PAYLOAD_BYTES} bytes")
    if template == "" and not (isinstance(clean.get("subject"), str)
                               and isinstance(clean.get("body"), str)):
        raise InputError("payload", "without a template the payload needs subject and body")
    return clean


def enqueue(session: Session, channel: str, recipient: str, template: str,
            payload: Mapping[str, Any], due_at: datetime, idempotency_key: str, *,
            lang: str = "en", expires_at: datetime | None = None,
            max_attempts: int = DEFAULT_MAX_ATTEMPTS, now: datetime | None = None) -> bool:
    """Add a notification to the outbox in the caller's transaction; True if it is new.

    A second call with the same ``idempotency_key`` does nothing (returns False). ``payload``
    holds the template's parameters (``link``, ``level``) and never health data: notifications
    say that something is waiting and where to sign in. ``InputError(field, reason)`` on bad
    input; nothing is written then.
    """
    from clotwatch.locales import check_language

    if channel not in CHANNELS:
        raise InputError("channel", f"expected one of {', '.join(CHANNELS)}, got {channel!r}")
    if template not in TEMPLATES:
        raise InputError("template", f"expected one of {', '.join(map(repr, TEMPLATES))}")
    if not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= 200:
        raise InputError("idempotency_key", "must be 1 to 200 characters")
    check_language(lang)
    _aware("due_at", due_at)
    _aware("expires_at", expires_at)
    _aware("now", now)
    if not 1 <= max_attempts <= 50:
        raise InputError("max_attempts", "must be between 1 and 50")
    values = {
        "channel": channel, "recipient": _check_recipient(channel, recipient),
        "template": template, "lang": lang, "payload": _check_payload(template, payload),
        "idempotency_key": idempotency_key, "status": "pending",
        "due_at": due_at.astimezone(UTC), "expires_at": expires_at, "attempts": 0,
        "max_attempts": max_attempts, "created_at": (now or datetime.now(UTC)).astimezone(UTC),
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(OutboxMessage).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(OutboxMessage).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"])
    # RETURNING says whether the row went in (rowcount is not reliable for ON CONFLICT).
    return session.execute(stmt.returning(OutboxMessage.id)).first() is not None


@dataclass(frozen=True)
class Claimed:
    """A claimed row, as plain data (the session that claimed it is already closed)."""

    id: int
    channel: str
    recipient: str
    template: str
    lang: str
    payload: Mapping[str, Any]
    idempotency_key: str
    attempts: int                # including this one
    max_attempts: int
    claim_token: str
    claimed_until: datetime
    expires_at: datetime | None

    @property
    def stable_id(self) -> str:
        return stable_id(self.idempotency_key)


def _due(now: datetime, channels: Sequence[str], t: Any = OutboxMessage) -> Any:
    return and_(
        t.channel.in_(channels),
        t.attempts < t.max_attempts,
        or_(and_(t.status == "pending", t.due_at <= now),
            and_(t.status == "sending", t.claimed_until < now)),
    )


def claim(session: Session, now: datetime, limit: int, lease: timedelta,
          channels: Sequence[str] = CHANNELS) -> list[Claimed]:
    """Claim up to ``limit`` due rows (oldest due first) for ``lease``; commit to hold them.

    Due: pending with ``due_at <= now``, or claimed by a worker whose lease has run out.
    """
    _aware("now", now)
    token = secrets.token_hex(16)
    until = now + lease
    claim_values = {"status": "sending", "claim_token": token, "claimed_until": until,
                    "attempts": OutboxMessage.attempts + 1}
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(
            select(OutboxMessage.id).where(_due(now, channels))
            .order_by(OutboxMessage.due_at, OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True)))
        if not ids:
            return []
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(**claim_values).execution_options(synchronize_session=False))
    else:
        inner = aliased(OutboxMessage)
        candidates = (select(inner.id).where(_due(now, channels, inner))
                      .order_by(inner.due_at, inner.id).limit(limit).scalar_subquery())
        # One conditional UPDATE: the due condition is checked again under SQLite's write lock.
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.id.in_(candidates), _due(now, channels))
                        .values(**claim_values).execution_options(synchronize_session=False))
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.claim_token == token)
                           .order_by(OutboxMessage.due_at, OutboxMessage.id)).all()
    return [Claimed(r.id, r.channel, r.recipient, r.template, r.lang, dict(r.payload),
                    r.idempotency_key, r.attempts, r.max_attempts, token, until, r.expires_at)
            for r in rows]


def _mine(c: Claimed) -> Any:
    return and_(OutboxMessage.id == c.id, OutboxMessage.claim_token == c.claim_token,
                OutboxMessage.status == "sending")


def renew(session: Session, c: Claimed, now: datetime, lease: timedelta) -> bool:
    """Extend the lease of a row still held by this claim; False if it was lost."""
    result = session.execute(update(OutboxMessage).where(_mine(c))
                             .values(claimed_until=now + lease)
                             .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(session: Session, c: Claimed, now: datetime) -> bool:
    """Mark the row sent and drop its content; False if this claim no longer holds it."""
    result = session.execute(update(OutboxMessage).where(_mine(c)).values(
        status="sent", sent_at=now, payload={}, claim_token=None, claimed_until=None,
        last_error=None).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_expired(session: Session, c: Claimed, now: datetime) -> bool:
    """The message is no longer worth sending (a reminder for a check-in long past)."""
    result = session.execute(update(OutboxMessage).where(_mine(c)).values(
        status="expired", payload={}, claim_token=None, claimed_until=None,
        last_error="expired before it could be sent").execution_options(
        synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def backoff(attempts: int, base: timedelta = timedelta(seconds=30),
            cap: timedelta = timedelta(hours=1)) -> timedelta:
    """Exponential backoff after ``attempts`` failed attempts: base * 2^(attempts-1), capped."""
    exponent = min(max(attempts - 1, 0), 30)
    return min(cap, base * math.pow(2, exponent))


def mark_failed(session: Session, c: Claimed, now: datetime, error: str, *,
                permanent: bool = False, retry_base: timedelta = timedelta(seconds=30)) -> str:
    """Record a failed attempt: retry later with backoff, or give up. Returns the new status.

    ``error`` is a short description without content (an exception class and status code).
    """
    give_up = permanent or c.attempts >= c.max_attempts
    values: dict[str, Any] = {"claim_token": None, "claimed_until": None,
                              "last_error": error[:300]}
    if give_up:
        values.update(status="failed", payload={})
    else:
        values.update(status="pending", due_at=now + backoff(c.attempts, retry_base))
    result = session.execute(update(OutboxMessage).where(_mine(c)).values(**values)
                             .execution_options(synchronize_session=False))
    if not result.rowcount:  # type: ignore[attr-defined]
        return "lost"
    return "failed" if give_up else "pending"


def fail_exhausted(session: Session, now: datetime) -> int:
    """Give up on rows whose worker died on their last allowed attempt (lease run out)."""
    result = session.execute(update(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.claimed_until < now,
        OutboxMessage.attempts >= OutboxMessage.max_attempts).values(
        status="failed", payload={}, claim_token=None, claimed_until=None,
        last_error="worker stopped during the last attempt").execution_options(
        synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    """Rows per status (for ``clotwatch worker --status`` and monitoring)."""
    from sqlalchemy import func

    rows = session.execute(select(OutboxMessage.status, func.count())
                           .group_by(OutboxMessage.status)).all()
    return {status: int(n) for status, n in rows}
