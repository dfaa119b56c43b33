"""Step samples per follow-up patient (issue #9).

Revision ID: 0006_activity
Revises: 0005_outbox
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_activity"
down_revision = "0005_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('watch', 'band', 'phone', 'other')",
                           name=op.f("ck_activity_samples_kind")),
        sa.CheckConstraint("steps >= 0", name=op.f("ck_activity_samples_steps")),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_activity_samples_span")),
        sa.ForeignKeyConstraint(["patient_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_activity_samples_patient_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_samples")),
        sa.UniqueConstraint("patient_id", "source", "start_at", "end_at",
                            name="uq_activity_samples_patient_source_start_end"),
    )
    op.create_index("ix_activity_samples_patient_id_start_at", "activity_samples",
                    ["patient_id", "start_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_activity_samples_patient_id_start_at", table_name="activity_samples")
    op.drop_table("activity_samples")
