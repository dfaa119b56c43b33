"""The outbox: notifications waiting to be sent, one row each, claimed by ``clotwatch worker``.

A row is written in the same transaction as the change that calls for it (an alert opened, a
reminder planned), so nothing is sent for a change that was rolled back and nothing is lost for
one that was committed. ``clotwatch.worker.outbox`` holds the operations (enqueue, claim, mark).
Sent rows keep no content: ``payload`` is emptied once the message has gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clotwatch.store.models import Base, UTCDateTime

CHANNELS = ("email", "webhook", "webpush")
STATUSES = ("pending", "sending", "sent", "failed", "expired")


class OutboxMessage(Base):
    """One notification to send: channel, recipient, template and its parameters, when."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Email address, webhook URL, or a Web Push subscription as JSON.
    recipient: Mapped[str] = mapped_column(String(4096))
    # A message id prefix of the followup catalogue (``notify.alert``) or "" for pre-rendered
    # subject/body in the payload.
    template: Mapped[str] = mapped_column(String(100))
    lang: Mapped[str] = mapped_column(String(8))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    # The claim: a random token per claim (fencing: only its holder may mark the row) and the
    # lease after which another worker may take the row over.
    claim_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_outbox_status_due_at", "status", "due_at"),
        CheckConstraint(f"channel IN ({', '.join(repr(c) for c in CHANNELS)})",
                        name="channel"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})",
                        name="status"),
    )
