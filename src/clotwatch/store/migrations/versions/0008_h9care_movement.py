"""Reminders to move set by the person or their clinician, journeys, movement-alert checks
(issue #9): the ``movement_settings`` table.

Revision ID: 0008_h9care_movement
Revises: 0007_followup_settings
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_h9care_movement"
down_revision = "0007_followup_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "movement_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("threshold_minutes", sa.Integer(), nullable=True),
        sa.Column("gap_minutes", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("notice_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("journey_depart", sa.DateTime(timezone=True), nullable=True),
        sa.Column("journey_arrive", sa.DateTime(timezone=True), nullable=True),
        sa.Column("journey_every_minutes", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IS NULL OR channel IN ('email', 'webpush', 'app', 'off')",
                           name=op.f("ck_movement_settings_channel")),
        sa.CheckConstraint("threshold_minutes IS NULL OR threshold_minutes BETWEEN 30 AND 240",
                           name=op.f("ck_movement_settings_threshold")),
        sa.CheckConstraint("gap_minutes IS NULL OR gap_minutes BETWEEN 30 AND 720",
                           name=op.f("ck_movement_settings_gap")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_movement_settings_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_movement_settings")),
    )


def downgrade() -> None:
    op.drop_table("movement_settings")
