"""Persistence: SQLAlchemy models, repositories and the Alembic migrations shipped with them.

SQLite (the default, a file in the user's data directory) and PostgreSQL (``DATABASE_URL``)
are both supported and both tested.
"""

from clotwatch.store import (
    activity_models,  # noqa: F401  (registers the step samples table)
    followup_models,  # noqa: F401  (registers the follow-up tables)
    movement_models,  # noqa: F401  (registers the reminders-to-move settings)
)
from clotwatch.store.db import Store, open_store
from clotwatch.store.limits import StoreRateLimiter, StoreReplayCache
from clotwatch.store.migrate import current_revision, downgrade, upgrade
from clotwatch.store.models import Assessment, Base, CdsFeedback, RateWindow, SeenToken
from clotwatch.store.outbox import OutboxMessage  # registers the outbox table with Base
from clotwatch.store.repository import AssessmentRepository, CdsFeedbackRepository

__all__ = [
    "Assessment",
    "AssessmentRepository",
    "Base",
    "CdsFeedback",
    "CdsFeedbackRepository",
    "OutboxMessage",
    "RateWindow",
    "SeenToken",
    "Store",
    "StoreRateLimiter",
    "StoreReplayCache",
    "current_revision",
    "downgrade",
    "open_store",
    "upgrade",
]
