"""A person's reminders to move and the care team's movement checks (issue #9).

One row per person (created when they or their clinician first change something): the still
spell after which they are nudged, the least time between two nudges, the channel, the journey
whose plan the nudges follow while it lasts, the last in-app notice, and when the movement
alerts last read their daily step figures. Every column may be NULL: the defaults then apply
(``clotwatch.service.movement``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clotwatch.store.models import Base, UTCDateTime

CHANNELS = ("email", "webpush", "app", "off")


class MovementSettings(Base):
    """One person's reminder-to-move settings and movement-alert bookkeeping."""

    __tablename__ = "movement_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    # Nudge after a still spell of this many minutes (None: 120, Healy 2010).
    threshold_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Never two nudges closer than this many minutes (None: 60).
    gap_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # email | webpush | app | off (None: Web Push where subscribed, else email).
    channel: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The last in-app notice (shown on the person's page while it is fresh).
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A journey: while it lasts, nudges follow its plan's cadence.
    journey_depart: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    journey_arrive: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    journey_every_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When the movement alerts last computed the daily figures.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(f"channel IS NULL OR channel IN ({', '.join(repr(c) for c in CHANNELS)})",
                        name="channel"),
        CheckConstraint("threshold_minutes IS NULL OR threshold_minutes BETWEEN 30 AND 240",
                        name="threshold"),
        CheckConstraint("gap_minutes IS NULL OR gap_minutes BETWEEN 30 AND 720", name="gap"),
    )
