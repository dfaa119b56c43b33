"""Reminders to move as the person sets them (issue #9), with a fixed clock: their threshold
(or their clinician's), their channel (email, Web Push, in the app, off), their gap and quiet
hours, and a journey whose plan's cadence the nudges follow while it lasts. Each rule: fires
once, not in quiet hours, not for a day without data."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from sqlalchemy import select

from clotwatch.core.activity import Sample
from clotwatch.service import activity, followup, movement
from clotwatch.service.activity_planner import plan_move_reminders
from clotwatch.service.movement import plan_movement_alerts
from clotwatch.store.outbox import OutboxMessage
from clotwatch.worker.planners import default_planners

from .conftest import World

DAY = datetime(2026, 11, 24, tzinfo=UTC)


def _still(world: World, walk_until: datetime, still_until: datetime) -> None:
    """Alice walks 07:00 to ``walk_until``, then her phone counts 0 steps in 10-minute samples
    until ``still_until`` (UTC; her zone is UTC)."""
    samples = [Sample("Alice's phone", "phone", DAY + timedelta(hours=7), walk_until, 3000)]
    start = walk_until
    while start < still_until:
        end = min(start + timedelta(minutes=10), still_until)
        samples.append(Sample("Alice's phone", "phone", start, end, 0))
        start = end
    activity.store_samples(world.store, world.principal("alice"), samples, world.clock())


def _plan(world: World, now: datetime) -> int:
    with world.store.session() as session:
        return plan_move_reminders(session, now)


def _rows(world: World) -> list[OutboxMessage]:
    with world.store.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _set(world: World, who: str = "alice", **kwargs: object) -> None:
    movement.set_movement(world.store, world.principal(who), world.users["alice"],
                          world.clock(), **kwargs)


def _notice(world: World, now: datetime) -> datetime | None:
    return movement.current_notice(world.store, world.principal("alice"), now)


def test_both_planners_are_registered() -> None:
    assert plan_move_reminders in default_planners()
    assert plan_movement_alerts in default_planners()


def test_the_persons_threshold_fires_once_and_the_default_not_sooner(world: World) -> None:
    h = DAY + timedelta(hours=9)
    _still(world, h, h + timedelta(minutes=70))
    now = h + timedelta(minutes=71)
    assert _plan(world, now) == 0                       # 70 minutes: under the default 120
    _set(world, threshold=60)
    assert _plan(world, now) == 1                       # over the person's 60
    assert [r.channel for r in _rows(world)] == ["email"]
    assert _notice(world, now) == now                   # every nudge leaves the in-app notice
    assert _plan(world, now + timedelta(minutes=5)) == 0   # the same spell: once
    assert len(_rows(world)) == 1


def test_the_clinicians_threshold_applies_too(world: World) -> None:
    h = DAY + timedelta(hours=9)
    _still(world, h, h + timedelta(minutes=95))
    _set(world, who="clin_a", threshold=90)
    assert _plan(world, h + timedelta(minutes=96)) == 1
    with pytest.raises(followup.NotFound):           # another clinic's clinician
        _set(world, who="clin_b", threshold=90)


def test_in_app_only_sends_nothing_and_off_does_nothing(world: World) -> None:
    h = DAY + timedelta(hours=9)
    _still(world, h, h + timedelta(minutes=130))
    now = h + timedelta(minutes=131)
    _set(world, channel="off")
    assert _plan(world, now) == 0 and _notice(world, now) is None
    _set(world, channel="app")
    assert _plan(world, now) == 1
    assert _rows(world) == [] and _notice(world, now) == now
    assert _notice(world, now + timedelta(minutes=31)) is None   # a stale notice is not shown
    assert _plan(world, now + timedelta(minutes=10)) == 0        # once per spell


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_web_push_goes_to_each_subscribed_browser_and_never_falls_back_to_email(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    h = DAY + timedelta(hours=9)
    _still(world, h, h + timedelta(minutes=130))
    now = h + timedelta(minutes=131)
    _set(world, channel="webpush")
    # no push on this server: the in-app notice only (no email the person did not choose)
    assert _plan(world, now) == 1
    assert _rows(world) == [] and _notice(world, now) == now
    vapid = Vapid02()
    vapid.generate_keys()
    monkeypatch.setenv("CLOTWATCH_VAPID_PRIVATE_KEY", vapid.private_pem().decode())
    monkeypatch.setenv("CLOTWATCH_VAPID_SUBJECT", "mailto:team@clinic.example")
    monkeypatch.setenv("CLOTWATCH_PUBLIC_URL", "https://clinic.example")
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    followup.save_push_subscription(world.store, world.principal("alice"),
                                    endpoint="https://push.example/send/alice",
                                    p256dh=_b64(key), auth=_b64(b"0123456789abcdef"),
                                    now=now)
    later = h + timedelta(hours=4, minutes=40)
    _still(world, h + timedelta(hours=2, minutes=30), later)   # a new spell from 11:30
    assert _plan(world, later + timedelta(minutes=1)) == 1
    [row] = _rows(world)
    assert row.channel == "webpush" and "push.example/send/alice" in row.recipient
    assert row.payload["link"] == "https://clinic.example/en/me"
    assert "minutes" not in row.payload["body"]           # no health data in the notification


def test_the_persons_gap_and_quiet_hours(world: World) -> None:
    h = DAY + timedelta(hours=8)
    _set(world, gap=240)
    _still(world, h, h + timedelta(minutes=125))
    assert _plan(world, h + timedelta(minutes=126)) == 1
    # a second spell 2.5 hours later: within the person's 4-hour gap, no nudge
    _still(world, h + timedelta(hours=2, minutes=10), h + timedelta(hours=4, minutes=30))
    assert _plan(world, h + timedelta(hours=4, minutes=31)) == 0
    # her own quiet hours 20:00-09:00: a spell ending 21:50 gets none (the default 22:00
    # would have allowed it; tests/followup/test_followup_activity_planner.py)
    followup.set_preferences(world.store, world.principal("alice"), time_zone="UTC",
                             reminder_time="", lang="en", now=world.clock(),
                             quiet_start="20:00", quiet_end="09:00")
    _still(world, DAY + timedelta(hours=19), DAY + timedelta(hours=21, minutes=50))
    assert _plan(world, DAY + timedelta(hours=21, minutes=51)) == 0


def test_a_journey_follows_the_plans_cadence_then_the_usual_rules(world: World) -> None:
    depart = DAY + timedelta(hours=9)
    journey = movement.check_journey(depart, depart + timedelta(hours=6), 60, world.clock())
    movement.add_journey(world.store, world.principal("alice"), journey, world.clock())
    _still(world, depart, depart + timedelta(minutes=65))
    assert _plan(world, depart + timedelta(minutes=66)) == 1      # every 60 minutes
    # after the journey, the same 65-minute spell is under the usual 120: no nudge
    after = depart + timedelta(hours=7)
    _still(world, depart + timedelta(hours=6), after + timedelta(minutes=5))
    assert _plan(world, after + timedelta(minutes=6)) == 0
    settings = movement.movement_settings(world.store, world.principal("alice"),
                                          world.users["alice"], after)
    assert settings["journey"] is None


def test_a_journey_without_data_never_nudges(world: World) -> None:
    depart = DAY + timedelta(hours=9)
    movement.add_journey(world.store, world.principal("alice"),
                         movement.check_journey(depart, depart + timedelta(hours=6), 60,
                                                world.clock()), world.clock())
    assert _plan(world, depart + timedelta(hours=3)) == 0
    assert _rows(world) == [] and _notice(world, depart + timedelta(hours=3)) is None


def test_a_journey_is_checked_naming_the_field(world: World) -> None:
    now = world.clock()
    for args, field in (((now, now - timedelta(hours=1), 60), "arrive"),
                        ((now - timedelta(hours=5), now - timedelta(hours=1), 60), "arrive"),
                        ((now, now + timedelta(hours=73), 60), "hours"),
                        ((now, now + timedelta(hours=3), 10), "move_every"),
                        ((now, now + timedelta(hours=3), "often"), "move_every"),
                        ((now.replace(tzinfo=None), now + timedelta(hours=3), 60), "depart")):
        with pytest.raises(followup.InputError) as err:
            movement.check_journey(*args, now=now)  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(followup.AccessDenied):       # a clinician has no journeys of theirs
        movement.add_journey(world.store, world.principal("clin_a"),
                             movement.check_journey(now, now + timedelta(hours=3), 60, now), now)


def test_the_export_holds_the_settings_and_the_journey(world: World) -> None:
    now = world.clock()
    assert followup.export(world.store, world.principal("alice"), now)["movement_settings"] \
        is None
    _set(world, threshold=90, channel="app")
    movement.add_journey(world.store, world.principal("alice"),
                         movement.check_journey(now, now + timedelta(hours=5), 45, now), now)
    data = followup.export(world.store, world.principal("alice"), now)["movement_settings"]
    assert (data["threshold_minutes"], data["channel"], data["journey_every_minutes"]) == \
        (90, "app", 45)
    assert data["journey_arrive"] == (now + timedelta(hours=5)).isoformat()
