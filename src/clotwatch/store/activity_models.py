"""Step samples per follow-up patient (issue #9; ``../shared/contracts/activity.md``).

One row is one sample as the importers and ``POST /api/v1/activity`` give it: a source's step
count over ``[start, end)``. Times are stored as UTC instants plus the UTC offset the sample
carried (``utc_offset_minutes``), because the contract counts days and waking hours in the
sample's own local wall time. The same sample stored twice is one row: the unique key is
(patient, source, start, end), so a re-sent batch or a re-imported file adds nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clotwatch.store.models import Base, UTCDateTime

KINDS = ("watch", "band", "phone", "other")  # as clotwatch.core.activity.KINDS
MAX_SOURCE = 200


class ActivitySample(Base):
    """One source's step count for one patient over ``[start_at, end_at)``."""

    __tablename__ = "activity_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(MAX_SOURCE))
    kind: Mapped[str] = mapped_column(String(8))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The sample's own UTC offset in minutes (+60 for +01:00): its local day and waking hours.
    utc_offset_minutes: Mapped[int] = mapped_column(Integer)
    steps: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("patient_id", "source", "start_at", "end_at",
                         name="uq_activity_samples_patient_source_start_end"),
        Index("ix_activity_samples_patient_id_start_at", "patient_id", "start_at"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint("steps >= 0", name="steps"),
        CheckConstraint("end_at > start_at", name="span"),
    )
