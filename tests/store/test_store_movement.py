"""The care team's movement alerts and the reminder settings, on SQLite and PostgreSQL
(migration 0008_h9care_movement): the worker's planner opens an immobility alert once (one open
per patient and rule, with its history, on the worklist and the patient page) when three
complete days are below half the patient's first-week median, never when a day between them has
no data; a stale-wearable alert opens after 48 hours without data and resolves itself when data
arrives; the settings are validated before anything is stored; the table goes with its
migration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from clotwatch.core.activity import Sample
from clotwatch.errors import InputError
from clotwatch.service import accounts, activity, followup, movement
from clotwatch.service.accounts import Principal
from clotwatch.store import Store, current_revision, downgrade, upgrade
from clotwatch.store.db import make_engine
from clotwatch.store.followup_models import Alert, AlertEvent, User
from clotwatch.store.movement_models import MovementSettings

from .followup_world import Enrolled, cheap_hashing, enrol_patient  # noqa: F401 (autouse)

INDEX = date(2026, 11, 2)                      # the operation
START = datetime(2026, 11, 2, 12, tzinfo=UTC)  # enrolled
BASELINE = [2000, 2200, 1800, 2500, 2100, 1900, 2300]   # days 0-6, median 2100


def _day(n: int, steps: int) -> list[Sample]:
    """Day ``n`` after the operation: two samples, 09:00-10:00 and 15:00-16:00 UTC."""
    day = datetime.combine(INDEX + timedelta(days=n), datetime.min.time(), UTC)
    half = steps // 2
    return [Sample("Pat's watch", "watch", day + timedelta(hours=9), day + timedelta(hours=10),
                   half),
            Sample("Pat's watch", "watch", day + timedelta(hours=15), day + timedelta(hours=16),
                   steps - half)]


def _send(store: Store, who: Principal, days: dict[int, int], now: datetime) -> None:
    samples = [s for n, steps in sorted(days.items()) for s in _day(n, steps)]
    activity.store_samples(store, who, samples, now)


def _plan(store: Store, now: datetime) -> int:
    with store.session() as session:
        return movement.plan_movement_alerts(session, now)


def _alerts(store: Store, rule: str) -> list[Alert]:
    with store.session() as session:
        return list(session.scalars(select(Alert).where(Alert.rule_id == rule)))


def _nurse(store: Store) -> Principal:
    with store.session() as session:
        nurse = session.scalars(select(User).where(User.email == "n@example.org")).one()
        return accounts.principal_for(session, nurse)


@pytest.fixture
def pat(store: Store) -> Enrolled:
    return enrol_patient(store, START, "after_surgery", INDEX)


def test_three_low_days_open_one_immobility_alert_on_the_worklist(store: Store,
                                                                   pat: Enrolled) -> None:
    days = dict(enumerate(BASELINE)) | {7: 2400, 8: 900, 9: 800, 10: 1000, 11: 2000}
    now = datetime(2026, 11, 13, 17, tzinfo=UTC)            # day 11, data until 16:00
    _send(store, pat.patient, days, now)
    assert _plan(store, now) == 1
    [alert] = _alerts(store, "immobile")
    assert (alert.severity, alert.status) == ("soon", "open")
    assert alert.reason["steps"] == [900, 800, 1000] and alert.reason["baseline_steps"] == 2100
    # a second pass (new data, an hour later) keeps the one alert, with its one "opened" event
    _send(store, pat.patient, {11: 2100}, now + timedelta(hours=2))
    _plan(store, now + timedelta(hours=2))
    [again] = _alerts(store, "immobile")
    with store.session() as session:
        kinds = list(session.scalars(select(AlertEvent.kind).where(
            AlertEvent.alert_id == again.id)))
    assert again.id == alert.id and kinds == ["opened"]
    nurse = _nurse(store)
    [row] = followup.worklist(store, nurse, now)
    assert row.top_alert is not None and row.top_alert["rule_id"] == "immobile"
    assert followup.worklist(store, nurse, now, lang="ru")[0].top_alert["title"] == \
        "Двигается намного меньше обычного"
    record = followup.patient_record(store, nurse, pat.patient_id, now)
    [shown] = [a for a in record["alerts"] if a["rule_id"] == "immobile"]
    assert "10.1016/j.bjpt.2019.12.002" in shown["citation"]
    assert shown["reason_text"].startswith("Several days in a row below half")


def test_the_daily_figures_wait_for_a_pass_with_budget(store: Store, pat: Enrolled,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    days = dict(enumerate(BASELINE)) | {7: 2400, 8: 900, 9: 800, 10: 1000, 11: 2000}
    now = datetime(2026, 11, 13, 17, tzinfo=UTC)
    _send(store, pat.patient, days, now)
    monkeypatch.setattr(movement, "DAYS_PER_PASS", 0)
    assert _plan(store, now) == 0 and _alerts(store, "immobile") == []
    monkeypatch.setattr(movement, "DAYS_PER_PASS", 1)
    assert _plan(store, now + timedelta(minutes=1)) == 1


def test_a_day_without_data_between_low_days_opens_nothing(store: Store,
                                                           pat: Enrolled) -> None:
    days = dict(enumerate(BASELINE)) | {7: 2400, 8: 900, 10: 800, 11: 1000, 12: 2000}
    now = datetime(2026, 11, 14, 17, tzinfo=UTC)            # day 9 has no sample at all
    _send(store, pat.patient, days, now)
    _plan(store, now)
    assert _alerts(store, "immobile") == []
    # the control: the same days with day 9 low too
    _send(store, pat.patient, {9: 700}, now)
    _plan(store, now + timedelta(hours=1))
    assert len(_alerts(store, "immobile")) == 1


def test_stale_wearable_opens_after_48_hours_and_resolves_when_data_arrives(
        store: Store, pat: Enrolled) -> None:
    _send(store, pat.patient, {0: 2000, 1: 2100}, START)
    last = datetime(2026, 11, 3, 16, tzinfo=UTC)            # the end of the last sample
    assert _plan(store, last + timedelta(hours=47)) == 0
    assert _plan(store, last + timedelta(hours=48)) == 1
    assert _plan(store, last + timedelta(hours=49)) == 0    # one open alert, not a second
    [alert] = _alerts(store, "wearable_stale")
    assert alert.severity == "soon" and alert.resolved_at is None
    # the check-in sweep (no step figures) neither resolves nor reopens it
    with store.session() as session:
        followup.sweep(session, last + timedelta(hours=50))
    assert _alerts(store, "wearable_stale")[0].resolved_at is None
    _send(store, pat.patient, {4: 1500}, last + timedelta(days=3))
    _plan(store, datetime(2026, 11, 6, 17, tzinfo=UTC))
    [alert] = _alerts(store, "wearable_stale")
    assert alert.resolved_at is not None


def test_no_data_ever_no_movement_alert(store: Store, pat: Enrolled) -> None:
    assert _plan(store, START + timedelta(days=10)) == 0
    assert _alerts(store, "wearable_stale") == [] and _alerts(store, "immobile") == []


def test_settings_are_validated_naming_the_field_and_stored_whole(store: Store,
                                                                   pat: Enrolled) -> None:
    for kwargs, field in (({"threshold": 29}, "move_threshold"),
                          ({"threshold": "241"}, "move_threshold"),
                          ({"threshold": "two hours"}, "move_threshold"),
                          ({"threshold": True}, "move_threshold"),
                          ({"gap": 10}, "move_gap"), ({"channel": "sms"}, "move_channel"),
                          ({"threshold": 90, "gap": 721}, "move_gap")):
        with pytest.raises(InputError) as err:
            movement.set_movement(store, pat.patient, pat.patient_id, START, **kwargs)
        assert err.value.field == field
    with store.session() as session:
        assert session.get(MovementSettings, pat.patient_id) is None   # nothing stored
    view = movement.set_movement(store, pat.patient, pat.patient_id, START, threshold="90",
                                 gap=45, channel="app")
    assert (view["threshold_minutes"], view["gap_minutes"], view["channel"]) == (90, 45, "app")
    nurse = _nurse(store)
    view = movement.set_movement(store, nurse, pat.patient_id, START, threshold=60)
    assert view["threshold_minutes"] == 60 and view["channel"] == "app"
    with pytest.raises(followup.AccessDenied):
        movement.set_movement(store, nurse, pat.patient_id, START, channel="email")
    view = movement.set_movement(store, pat.patient, pat.patient_id, START, threshold="")
    assert view["threshold_minutes"] is None and view["default_threshold"] == 120


def test_0008_goes_down_and_up(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        assert "movement_settings" in inspect(engine).get_table_names()
        downgrade(empty_db_url, "0007_followup_settings")
        assert current_revision(empty_db_url) == "0007_followup_settings"
        names = inspect(engine).get_table_names()
        assert "movement_settings" not in names and "activity_samples" in names
        upgrade(empty_db_url)
        assert "movement_settings" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
