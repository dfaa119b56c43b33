"""The outbox on SQLite and PostgreSQL: idempotent enqueue, claims that never overlap, leases
that recover a dead worker's rows, fencing, retries with backoff, content dropped once sent."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from clotwatch.errors import InputError
from clotwatch.store import OutboxMessage, Store, downgrade, upgrade
from clotwatch.store.db import make_engine
from clotwatch.worker import outbox

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def _enqueue(store: Store, n: int, due: datetime = NOW, **kw: object) -> None:
    with store.session() as s:
        for i in range(n):
            outbox.enqueue(s, "email", f"p{i}@example.org", "notify.reminder",
                           {"link": "https://clinic.example/c"}, due, f"k{i}", now=NOW,
                           **kw)  # type: ignore[arg-type]


def _rows(store: Store) -> list[OutboxMessage]:
    with store.session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_enqueue_is_idempotent_on_its_key(store: Store) -> None:
    with store.session() as s:
        assert outbox.enqueue(s, "email", "a@example.org", "notify.alert",
                              {"link": "x", "level": "urgent"}, NOW, "alert:1:open", now=NOW)
        assert not outbox.enqueue(s, "email", "a@example.org", "notify.alert",
                                  {"link": "y", "level": "urgent"}, NOW, "alert:1:open", now=NOW)
    rows = _rows(store)
    assert len(rows) == 1 and rows[0].payload["link"] == "x" and rows[0].status == "pending"


@pytest.mark.parametrize("kw, field", [
    ({"channel": "sms"}, "channel"),
    ({"recipient": "a@b@c"}, "recipient"),
    ({"recipient": "a@example.org\r\nBcc: x@y"}, "recipient"),
    ({"channel": "webhook", "recipient": "ftp://x"}, "recipient"),
    ({"channel": "webpush", "recipient": '{"endpoint": "http://x"}'}, "recipient"),
    ({"template": "notify.secret"}, "template"),
    ({"template": "", "payload": {"link": "x"}}, "payload"),
    ({"payload": {"nested": {"a": 1}}}, "payload.nested"),
    ({"payload": {"big": "x" * 9000}}, "payload"),
    ({"due_at": datetime(2026, 11, 30, 9)}, "due_at"),
    ({"idempotency_key": ""}, "idempotency_key"),
    ({"lang": "de"}, "lang"),
])
def test_bad_enqueue_names_the_field_and_writes_nothing(store: Store, kw: dict,
                                                        field: str) -> None:
    args: dict = {"channel": "email", "recipient": "a@example.org", "template": "notify.alert",
                  "payload": {"link": "x"}, "due_at": NOW, "idempotency_key": "k"}
    args.update(kw)
    with pytest.raises(InputError) as err, store.session() as s:
        outbox.enqueue(s, **args, now=NOW)
    assert err.value.field == field
    assert _rows(store) == []


def test_claims_take_only_due_rows_oldest_first_and_never_twice(store: Store) -> None:
    _enqueue(store, 5)
    with store.session() as s:
        outbox.enqueue(s, "email", "later@example.org", "notify.reminder", {"link": "x"},
                       NOW + timedelta(hours=1), "later", now=NOW)
    with store.session() as s:
        first = outbox.claim(s, NOW, 3, LEASE)
    with store.session() as s:
        second = outbox.claim(s, NOW, 10, LEASE)
    assert [c.idempotency_key for c in first] == ["k0", "k1", "k2"]
    assert [c.idempotency_key for c in second] == ["k3", "k4"]
    assert first[0].claim_token != second[0].claim_token and first[0].attempts == 1
    with store.session() as s:
        assert outbox.claim(s, NOW, 10, LEASE) == []


def test_concurrent_claims_share_out_the_rows(store: Store) -> None:
    _enqueue(store, 40)
    got: list[list[str]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        mine: list[str] = []
        try:
            for _ in range(20):
                with store.session() as s:
                    mine += [c.idempotency_key for c in outbox.claim(s, NOW, 3, LEASE)]
        except Exception as exc:  # noqa: BLE001 - reported below; SQLite may say "locked"
            errors.append(exc)
        got.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [k for mine in got for k in mine]
    assert len(claimed) == len(set(claimed)), "a row was claimed twice"
    if not errors:
        assert sorted(claimed) == sorted(f"k{i}" for i in range(40))


def test_a_dead_workers_rows_are_taken_over_after_the_lease_and_fenced(store: Store) -> None:
    _enqueue(store, 2)
    with store.session() as s:
        dead = outbox.claim(s, NOW, 10, LEASE)
    with store.session() as s:
        assert outbox.claim(s, NOW + LEASE - timedelta(seconds=1), 10, LEASE) == []
    with store.session() as s:
        alive = outbox.claim(s, NOW + LEASE + timedelta(seconds=1), 10, LEASE)
    assert [c.id for c in alive] == [c.id for c in dead] and alive[0].attempts == 2
    later = NOW + LEASE + timedelta(seconds=2)
    with store.session() as s:
        assert not outbox.mark_sent(s, dead[0], later)      # the old claim may not mark it
        assert not outbox.renew(s, dead[0], later, LEASE)
        assert outbox.mark_sent(s, alive[0], later)
    rows = _rows(store)
    assert rows[0].status == "sent" and rows[0].payload == {} and rows[0].sent_at == later


def test_failures_retry_with_exponential_backoff_then_give_up(store: Store) -> None:
    _enqueue(store, 1, max_attempts=3)
    now = NOW
    for attempt, expected in ((1, "pending"), (2, "pending"), (3, "failed")):
        with store.session() as s:
            [c] = outbox.claim(s, now, 1, LEASE)
            assert c.attempts == attempt
            assert outbox.mark_failed(s, c, now, "TemporaryError HTTP 503") == expected
        row = _rows(store)[0]
        if expected == "pending":
            assert row.due_at == now + outbox.backoff(attempt)
            now = row.due_at
    row = _rows(store)[0]
    assert row.status == "failed" and row.payload == {} and row.last_error.endswith("503")
    assert outbox.backoff(1) == timedelta(seconds=30) and outbox.backoff(2) == timedelta(
        seconds=60) and outbox.backoff(20) == timedelta(hours=1)


def test_a_worker_dying_on_the_last_attempt_leaves_a_failed_row(store: Store) -> None:
    _enqueue(store, 1, max_attempts=1)
    with store.session() as s:
        assert len(outbox.claim(s, NOW, 1, LEASE)) == 1
    with store.session() as s:
        assert outbox.claim(s, NOW + 2 * LEASE, 1, LEASE) == []
        assert outbox.fail_exhausted(s, NOW + 2 * LEASE) == 1
    assert _rows(store)[0].status == "failed"
    with store.session() as s:
        assert outbox.counts(s) == {"failed": 1}


def test_the_outbox_migration_goes_up_and_down(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        assert "outbox" in inspect(engine).get_table_names()
        downgrade(empty_db_url, "0002")
        assert "outbox" not in inspect(engine).get_table_names()
        assert "cds_feedback" in inspect(engine).get_table_names()
        upgrade(empty_db_url)
        assert "outbox" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
