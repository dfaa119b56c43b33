"""Shared limits: seen CDS Hooks token ids (replay) and rate-limit windows, in the store so
that every worker process and instance enforces them together.

Revision ID: 0003_shared_limits
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_shared_limits"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_seen_tokens",
        sa.Column("iss", sa.String(length=255), nullable=False),
        sa.Column("jti", sa.String(length=256), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("iss", "jti", name=op.f("pk_cds_seen_tokens")),
    )
    op.create_index("ix_cds_seen_tokens_expires_at", "cds_seen_tokens", ["expires_at"],
                    unique=False)
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window", name=op.f("pk_rate_windows")),
    )
    op.create_index("ix_rate_windows_window", "rate_windows", ["window"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rate_windows_window", table_name="rate_windows")
    op.drop_table("rate_windows")
    op.drop_index("ix_cds_seen_tokens_expires_at", table_name="cds_seen_tokens")
    op.drop_table("cds_seen_tokens")
