"""Follow-up settings (issue #12): how long the dose questions apply to a patient (set by the
clinician at enrolment or on the patient page), the patient's own quiet hours and their Web
Push subscriptions.

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
    # A patient's Web Push subscriptions (one per browser; the endpoint is unique).
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_push_subscriptions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_push_subscriptions_user_id"), table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("quiet_end")
        batch.drop_column("quiet_start")
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("doses_until_day")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("doses_until_day")
