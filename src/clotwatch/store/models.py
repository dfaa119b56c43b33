"""SQLAlchemy models. Change them only together with a new migration (a test compares them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite has no time zones: stored as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable migration names)."""

    metadata = MetaData(naming_convention=NAMING)


class Assessment(Base):
    """A triage or instrument result a person chose to save and share by code.

    Only hashes of the share code and of the revoke token are kept, so the table alone does not
    let anyone open or revoke an assessment.
    """

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoke_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # "triage" | "instrument"
    subject: Mapped[str] = mapped_column(String(64))  # "triage" or the instrument id
    lang: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_assessments_expires_at", "expires_at"),)


class CdsFeedback(Base):
    """What a clinician did with a CDS Hooks card: accepted suggestions, or overrode it (why).

    One row per feedback item the EHR posts; the same card may be reported more than once.
    """

    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(String(64))
    card_uuid: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))  # "accepted" | "overridden"
    accepted_suggestions: Mapped[list[str]] = mapped_column(JSON)
    override_system: Mapped[str | None] = mapped_column(String(255), nullable=True)
    override_code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    override_display: Mapped[str | None] = mapped_column(String(255), nullable=True)
    user_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    client_iss: Mapped[str | None] = mapped_column(String(255), nullable=True)
    tenant: Mapped[str | None] = mapped_column(String(255), nullable=True)

    __table_args__ = (Index("ix_cds_feedback_card_uuid", "card_uuid"),
                      Index("ix_cds_feedback_service_id_outcome_at", "service_id", "outcome_at"))


class SeenToken(Base):
    """A CDS Hooks token id (``jti``) seen from an issuer, kept until the token expires: one
    table for every worker process and instance, so a replay through another one is refused."""

    __tablename__ = "cds_seen_tokens"

    iss: Mapped[str] = mapped_column(String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(String(256), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_cds_seen_tokens_expires_at", "expires_at"),)


class RateWindow(Base):
    """How many times a key (a limiter and a client address) acted in one minute window."""

    __tablename__ = "rate_windows"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)  # minutes since the epoch
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_rate_windows_window", "window"),)
