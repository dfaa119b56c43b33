"""The worker's reminder to move: once per still spell, not in quiet hours, not without
recent data, and carrying no health data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from clotwatch.core.activity import Sample
from clotwatch.service import activity
from clotwatch.service.activity_planner import plan_move_reminders
from clotwatch.store.outbox import OutboxMessage
from clotwatch.worker.planners import default_planners

from .conftest import World


def _day(world: World, active: tuple[int, int], still_until: datetime) -> None:
    """Alice walks from hour active[0] to active[1] (UTC, 2026-11-24), then her phone counts
    0 steps in 10-minute samples until ``still_until``."""
    day = datetime(2026, 11, 24, tzinfo=UTC)
    samples = [Sample("Alice's phone", "phone", day + timedelta(hours=active[0]),
                      day + timedelta(hours=active[1]), 3000)]
    start = day + timedelta(hours=active[1])
    while start < still_until:
        end = min(start + timedelta(minutes=10), still_until)
        samples.append(Sample("Alice's phone", "phone", start, end, 0))
        start = end
    activity.store_samples(world.store, world.principal("alice"), samples, world.clock())


def _plan(world: World, now: datetime) -> list[OutboxMessage]:
    with world.store.session() as session:
        plan_move_reminders(session, now)
    with world.store.session() as session:
        return list(session.scalars(select(OutboxMessage)))


def test_a_long_spell_gets_one_nudge(world: World) -> None:
    assert plan_move_reminders in default_planners()
    now = datetime(2026, 11, 24, 10, 31, tzinfo=UTC)
    _day(world, (7, 8), datetime(2026, 11, 24, 9, 50, tzinfo=UTC))
    assert _plan(world, now) == []  # 110 minutes: not yet
    _day(world, (7, 8), datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
    rows = _plan(world, now)  # 150 minutes still, data synced a minute ago
    assert len(rows) == 1 and rows[0].recipient == "alice@example.org"
    assert rows[0].payload["subject"] == "clotwatch: time to move"
    assert "minutes" not in rows[0].payload["body"]  # no health data in the notification
    _day(world, (7, 8), datetime(2026, 11, 24, 10, 50, tzinfo=UTC))
    assert len(_plan(world, now + timedelta(minutes=20))) == 1  # the same spell: once


def test_no_nudge_in_quiet_hours_or_without_recent_data(world: World) -> None:
    _day(world, (19, 20), datetime(2026, 11, 24, 22, 40, tzinfo=UTC))
    assert _plan(world, datetime(2026, 11, 24, 22, 41, tzinfo=UTC)) == []  # quiet 22:00-08:00
    # the same spell seen with data two hours old: not recent, no nudge
    assert _plan(world, datetime(2026, 11, 25, 0, 40, tzinfo=UTC)) == []


def test_no_data_no_nudge(world: World) -> None:
    assert _plan(world, datetime(2026, 11, 24, 15, 0, tzinfo=UTC)) == []


def test_the_same_spell_before_the_quiet_hours_gets_its_nudge(world: World) -> None:
    # the control of the quiet-hours case: 18:00-19:00 walking, still until 21:50
    _day(world, (18, 19), datetime(2026, 11, 24, 21, 50, tzinfo=UTC))
    assert len(_plan(world, datetime(2026, 11, 24, 21, 51, tzinfo=UTC))) == 1
