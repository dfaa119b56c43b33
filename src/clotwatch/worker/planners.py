"""What ``clotwatch worker`` plans on every pass, before it claims what is due.

A planner is ``planner(session, now) -> int`` (rows planned) and runs in its own transaction.
The follow-up service registers its planners here: check-in reminders (``plan_reminders`` over
the active enrolments) and the periodic alert sweep (``clotwatch.core.followup.evaluate`` with
no check-in: stale data and escalations). None is registered by the worker itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from clotwatch.worker.runner import Planner

PLANNERS: list[Planner] = []


def register_planner(planner: Planner) -> Planner:
    """Add ``planner`` to the worker's passes (usable as a decorator)."""
    if planner not in PLANNERS:
        PLANNERS.append(planner)
    return planner


def default_planners() -> Sequence[Planner]:
    """The registered planners, in registration order."""
    return tuple(PLANNERS)
