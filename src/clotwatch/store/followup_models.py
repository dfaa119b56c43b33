"""Remote follow-up tables: clinics, accounts, enrolments, check-ins, alerts and the audit log.

Secrets are never stored: sessions, API tokens, invitations and reset links are kept as the
SHA-256 of a random token, passwords as argon2id hashes. Alerts keep their history as rows
(``alert_events``); "one open alert per patient and rule" is a unique ``open_key`` that is set
while the alert is open and cleared when it is resolved (portable: no partial index needed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clotwatch.store.models import Base, UTCDateTime


class Clinic(Base):
    """A care team's organisation: its join code and whether its clinicians need TOTP."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The clinic's escalation windows in minutes (NULL: clotwatch's defaults, 15 and 240).
    escalate_emergency_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalate_urgent_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)


class User(Base):
    """An account: email + argon2id password; TOTP optional; backoff after failed sign-ins."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    reminder_time: Mapped[str | None] = mapped_column(String(5), nullable=True)  # "HH:MM"
    # The patient's quiet hours ("HH:MM" local, may wrap midnight); None: 22:00-08:00.
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PushSubscription(Base):
    """A browser's Web Push subscription (the PushSubscription's endpoint and keys)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def subscription_info(self) -> dict[str, Any]:
        """As ``pywebpush`` and the browser's ``PushSubscription.toJSON()`` spell it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class Membership(Base):
    """A staff role in a clinic: ``clinician`` or ``admin``."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))

    __table_args__ = (UniqueConstraint("user_id", "clinic_id", name="uq_memberships_user_clinic"),)


class WebSession(Base):
    """A signed-in browser: the hash of its cookie; ``totp_ok`` once the second factor passed."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    totp_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A scoped token for an app or integration (space-separated scopes), stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Invitation(Base):
    """A single-use, expiring invitation: a patient into a programme, a caregiver to a patient,
    or a clinician/admin into a clinic. The link token and the short code are stored hashed."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # patient | caregiver | staff
    clinic_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), nullable=True)
    programme_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    doses_until_day: Mapped[int | None] = mapped_column(Integer, nullable=True)  # see Enrolment


class PasswordReset(Base):
    """A password reset link (hashed), single-use and expiring."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Enrolment(Base):
    """A patient in a clinic's programme; ``withdrawn_at`` ends the clinic's access."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"),
                                           index=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[str] = mapped_column(String(10))  # ISO date, the programme's day 0
    interval_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # clinician's
    # Days from day 0 during which the dose questions are asked (clinician's; 0: the patient
    # takes no anticoagulant or prophylaxis; None: the programme's own length).
    doses_until_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The patient's latest check-in, kept here by the service so that the worklist orders by
    # "oldest data" without scanning every check-in.
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_enrolments_clinic_id_last_checkin_at", "clinic_id",
                            "last_checkin_at"),)


class CareLink(Base):
    """A caregiver who may read (never write) a patient's follow-up, invited by the patient."""

    __tablename__ = "care_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CheckIn(Base):
    """One check-in, written in one transaction with the alerts it opens.

    ``answers`` holds the triage answers (warning signs first) as the triage contract's keys;
    the measured items have their own columns so the worklist and charts read them directly.
    ``daily_steps`` is the wearable's place (issue #9): a day's step count when one is known.
    """

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolments.id", ondelete="SET NULL"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    warning_sign: Mapped[bool] = mapped_column(Boolean, default=False)
    calf_left_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    calf_right_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    leg_pain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    doses_taken: Mapped[int | None] = mapped_column(Integer, nullable=True)
    doses_missed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # "patient": the patient's own check-in (the five Villalta symptoms and venous_ulcer);
    # "visit": a clinician's rating at a visit (every Villalta item, the signs included).
    kind: Mapped[str] = mapped_column(String(8), default="patient")
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    villalta_symptoms: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    villalta_symptom_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    daily_steps: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_checkins_patient_id_at", "patient_id", "at"),)


class Alert(Base):
    """An alert raised by a cited rule; its changes are ``AlertEvent`` rows."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))  # the level: soon | urgent | emergency
    urgency: Mapped[int] = mapped_column(Integer)  # 0 most urgent: the worklist's order
    status: Mapped[str] = mapped_column(String(16))  # open|acknowledged|snoozed|resolved
    open_key: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    reason: Mapped[dict[str, Any]] = mapped_column(JSON)
    checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="SET NULL"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_alerts_clinic_id_status", "clinic_id", "status"),
                      Index("ix_alerts_patient_id", "patient_id"))


class AlertEvent(Base):
    """One change of an alert: opened, acknowledged (by whom, with a note), snoozed (until),
    resolved, escalated."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who read or changed whose health data, when, and what (never the data itself)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    action: Mapped[str] = mapped_column(String(32))  # read | create | update | delete | export
    what: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index("ix_audit_log_patient_id_at", "patient_id", "at"),)
