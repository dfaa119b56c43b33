"""Step samples on SQLite and PostgreSQL (migration 0006_activity): the unique key keeps a
re-sent batch from being stored twice, a batch is stored whole or not at all, the figures come
back in each sample's own local time, and the table goes with its migration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from clotwatch.core.activity import Sample
from clotwatch.errors import InputError, StoreError
from clotwatch.service import activity, followup
from clotwatch.service.accounts import Principal
from clotwatch.store import Store, current_revision, downgrade, upgrade
from clotwatch.store.activity_models import ActivitySample
from clotwatch.store.db import make_engine

from .followup_world import cheap_hashing, enrol_patient  # noqa: F401 (an autouse fixture)

NOW = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
PLUS1 = timezone(timedelta(hours=1))


def _patient(store: Store) -> Principal:
    return enrol_patient(store, NOW, "after_surgery", date(2026, 11, 20)).patient


def _hourly(day: int, steps: int, source: str = "Pat's watch") -> list[Sample]:
    """One sample an hour, 08:00-20:00 local (+01:00), on 2026-11-<day>."""
    return [Sample(source, "watch", datetime(2026, 11, day, h, tzinfo=PLUS1),
                   datetime(2026, 11, day, h + 1, tzinfo=PLUS1), steps)
            for h in range(8, 20)]


def _count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(ActivitySample)) or 0


def test_the_same_batch_twice_is_stored_once(store: Store) -> None:
    pat = _patient(store)
    batch = _hourly(21, 100)
    first = activity.store_samples(store, pat, batch + batch[:2], NOW)
    assert (first.received, first.stored, first.duplicates) == (14, 12, 2)
    again = activity.store_samples(store, pat, batch, NOW)
    assert (again.stored, again.duplicates) == (0, 12)
    assert _count(store) == 12
    # the same instant written with another offset is the same sample
    shifted = [s._replace(start=s.start.astimezone(UTC), end=s.end.astimezone(UTC))
               for s in batch]
    assert activity.store_samples(store, pat, shifted, NOW).stored == 0


def test_a_refused_sample_stores_nothing_of_its_batch(store: Store) -> None:
    pat = _patient(store)
    batch = _hourly(21, 100)
    bad = batch[5]._replace(end=batch[5].start - timedelta(minutes=1))
    with pytest.raises(activity.BatchError) as caught:
        activity.store_samples(store, pat, [*batch[:5], bad, *batch[6:]], NOW)
    assert (caught.value.index, caught.value.field) == (5, "end")
    with pytest.raises(InputError):
        activity.store_samples(store, pat, [batch[0]._replace(steps=-1)], NOW)
    assert _count(store) == 0


def test_the_unique_key_holds_in_the_database(store: Store) -> None:
    pat = _patient(store)
    row = {"patient_id": pat.user_id, "source": "w", "kind": "watch",
           "start_at": NOW - timedelta(hours=1), "end_at": NOW, "utc_offset_minutes": 0,
           "steps": 5, "received_at": NOW}
    with store.session() as session:
        session.add(ActivitySample(**row))
    with pytest.raises(StoreError), store.session() as session:
        session.add(ActivitySample(**{**row, "steps": 6}))
    with pytest.raises(StoreError), store.session() as session:
        session.add(ActivitySample(**{**row, "start_at": NOW + timedelta(hours=1)}))
    assert _count(store) == 1


def test_figures_in_the_samples_own_local_time(store: Store) -> None:
    pat = _patient(store)
    for day in range(14, 22):
        activity.store_samples(store, pat, _hourly(day, 100 * (day - 13)), NOW)
    view = activity.activity_view(store, pat, pat.user_id, NOW, days=7)
    assert [d["date"] for d in view["days"]][-1] == "2026-11-24"
    by_date = {d["date"]: d for d in view["days"]}
    assert by_date["2026-11-21"]["steps"] == 12 * 800
    # waking 07:00-23:00 local; steps 08:00-20:00 local: the longest still run is 20:00-23:00
    assert by_date["2026-11-21"]["longest_still_minutes"] == 180
    assert by_date["2026-11-22"]["steps"] is None  # no data is never 0
    # the goal: the median of the first week (14th-20th: 100..700 an hour, 12 hours)
    assert view["goal"] == {"steps": 400 * 12, "from": "2026-11-14", "to": "2026-11-20",
                            "days_with_data": 7, "complete": True}


def test_deleting_the_account_deletes_its_samples(store: Store) -> None:
    pat = _patient(store)
    activity.store_samples(store, pat, _hourly(21, 10), NOW)
    followup.delete_account(store, pat, "y" * 12, NOW)
    assert _count(store) == 0


def test_0006_goes_down_and_up(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        assert "activity_samples" in inspect(engine).get_table_names()
        downgrade(empty_db_url, "0005_outbox")
        assert current_revision(empty_db_url) == "0005_outbox"
        names = inspect(engine).get_table_names()
        assert "activity_samples" not in names and "outbox" in names
        upgrade(empty_db_url)
        assert "activity_samples" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_an_upload_is_stored_in_chunks_with_repeats_and_offsets_kept(
        store: Store, tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # The upload path: rows go in chunks (PostgreSQL: one JSON parameter per statement); a
    # sample repeated in the file, even inside one chunk, is stored once; the offset and the
    # instants come back as given; and the figures are those of the samples.
    from pathlib import Path

    monkeypatch.setattr(activity, "INSERT_CHUNK", 5)
    monkeypatch.setattr(activity, "PG_INSERT_CHUNK", 5)
    pat = _patient(store)
    lines = ["start,end,steps,source"]
    for sample in _hourly(21, 100) + _hourly(21, 100)[:3] + _hourly(22, 50):
        lines.append(f"{sample.start.isoformat()},{sample.end.isoformat()},{sample.steps},"
                     "Pat's watch")
    path = Path(str(tmp_path)) / "steps.csv"
    path.write_text("\n".join(lines) + "\n")
    result = activity.import_file(store, pat, str(path), "steps.csv", NOW)
    assert (result.received, result.stored, result.duplicates) == (27, 24, 3)
    assert _count(store) == 24
    with store.session() as session:
        first = session.scalars(select(ActivitySample).order_by(ActivitySample.start_at)
                                .limit(1)).one()
        assert first.start_at == datetime(2026, 11, 21, 7, tzinfo=UTC)
        assert first.utc_offset_minutes == 60 and first.kind == "watch"
    again = activity.import_file(store, pat, str(path), "steps.csv", NOW)
    assert (again.stored, again.duplicates) == (0, 27)
