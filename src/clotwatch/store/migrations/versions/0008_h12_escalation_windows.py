"""A clinic's own escalation windows (issue #12): how long an emergency or a same-day alert
may stay unacknowledged before the clinic's admins are told. NULL: clotwatch's defaults
(15 minutes, 4 hours; ``clotwatch.core.followup.ACKNOWLEDGE_WITHIN``).

Revision ID: 0008_h12_escalation_windows
Revises: 0008_h9care_movement (chained after main's 0008 when main was merged in)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_h12_escalation_windows"
down_revision = "0008_h9care_movement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("escalate_emergency_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("escalate_urgent_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("escalate_urgent_minutes")
        batch.drop_column("escalate_emergency_minutes")
