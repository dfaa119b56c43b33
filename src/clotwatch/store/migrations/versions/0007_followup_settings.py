"""Follow-up settings (issue #12): how long the dose questions apply to a patient (set by the
clinician at enrolment or on the patient page) and the patient's own quiet hours.

Revision ID: 0007_followup_settings
Revises: 0006_activity
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_followup_settings"
down_revision = "0006_activity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the programme's own length; 0: the patient takes no anticoagulant or prophylaxis.
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("doses_until_day", sa.Integer(), nullable=True))
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("doses_until_day", sa.Integer(), nullable=True))
    # "HH:MM" local; both NULL: the default 22:00-08:00.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("quiet_start", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("quiet_end", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("quiet_end")
        batch.drop_column("quiet_start")
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("doses_until_day")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("doses_until_day")
