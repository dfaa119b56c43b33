"""Two workers and a killed one against one queue: every email sent exactly once to a local SMTP
server; the one duplicate window (after the server accepted, before the row is marked) keeps
the same Message-ID; no health data in the logs."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from clotwatch.store import OutboxMessage, Store, open_store
from clotwatch.worker import outbox
from clotwatch.worker.channels import EmailChannel, Message
from clotwatch.worker.runner import Worker

from .conftest import Recorder

N = 30


def _enqueue_all(store: Store, n: int = N) -> None:
    now = datetime.now(UTC)
    with store.session() as s:
        for i in range(n):
            outbox.enqueue(s, "email", f"patient{i}@example.org", "notify.reminder",
                           {"link": f"https://clinic.example/checkin/{i}"},
                           now - timedelta(seconds=1), f"reminder:{i}", now=now)


def _worker(url: str, port: int, tmp: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "CLOTWATCH_SMTP_HOST": "127.0.0.1",
           "CLOTWATCH_SMTP_PORT": str(port), "CLOTWATCH_SMTP_SECURITY": "none",
           "CLOTWATCH_DATA_DIR": str(tmp), "CLOTWATCH_LOG_LEVEL": "warning"}
    log = (tmp / f"worker-{time.monotonic_ns()}.log").open("wb")
    try:
        return subprocess.Popen([sys.executable, "-m", "clotwatch.cli", "worker", "--poll",
                                 "0.05", "--lease", "2", *extra], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
    finally:
        log.close()


def _wait(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_two_workers_and_a_killed_one_send_every_email_exactly_once(
        smtp: tuple[Recorder, int], queue_url: str, tmp_path: Path) -> None:
    recorder, port = smtp
    store = open_store(queue_url)
    try:
        _two_workers_and_a_killed_one(recorder, port, queue_url, store, tmp_path)
    finally:
        store.dispose()


def _two_workers_and_a_killed_one(recorder: Recorder, port: int, url: str, store: Store,
                                  tmp_path: Path) -> None:
    _enqueue_all(store)
    # Worker A claims a batch, sends 3, and is killed while the server holds its 4th MAIL FROM:
    # the rest of its batch is claimed by a dead worker.
    recorder.hold_after = 3
    a = _worker(url, port, tmp_path, "--batch", "10")
    assert _wait(recorder.holding.is_set, 20), [p.read_text() for p in tmp_path.glob("*.log")]
    a.send_signal(signal.SIGKILL)
    a.wait(5)
    recorder.release.set()
    with store.session() as s:
        held = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "sending")).all()
        assert len(held) == 7            # claimed by A and not sent: waiting for the lease
    # B and C: two independent workers (threads with their own engine, connections and SMTP
    # connection) sharing the queue with each other and with the dead A's claims.
    workers = [Worker(open_store(url), {"email": EmailChannel("127.0.0.1", port,
                                                             "clotwatch@clinic.example",
                                                             security="none")},
                      batch=4, lease=timedelta(seconds=2)) for _ in range(2)]
    threads = [threading.Thread(target=w.run, kwargs={"poll": 0.05}) for w in workers]
    for t in threads:
        t.start()
    try:
        assert _wait(lambda: len(recorder.ids()) >= N, 30)
        time.sleep(0.3)                  # room for a duplicate to show up, if there were one
    finally:
        for w in workers:
            w.stop()
        for t in threads:
            t.join(10)
        for w in workers:
            w.store.dispose()
    counts = Counter(recorder.ids())
    assert len(counts) == N and set(counts.values()) == {1}, counts
    with store.session() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {"sent"}
        assert sum(r.attempts == 2 for r in rows) == 7   # A's rows, taken over after the lease
        assert all(r.payload == {} for r in rows)
    to = sorted(str(m["To"]) for m in recorder.messages)
    assert to == sorted(f"patient{i}@example.org" for i in range(N))
    assert all("https://clinic.example/checkin/" in _text(m) for m in recorder.messages)


def _text(message: EmailMessage) -> str:
    return bytes(message.get_payload(decode=True)).decode("utf-8")


class Killed(BaseException):
    """Stands for SIGKILL between the server's 250 and the commit of mark_sent."""


def test_the_duplicate_window_at_the_smtp_boundary_keeps_the_message_id(
        smtp: tuple[Recorder, int], store: Store) -> None:
    recorder, port = smtp
    _enqueue_all(store, 1)
    email = EmailChannel("127.0.0.1", port, "clotwatch@clinic.example", security="none")

    def die(_: Message) -> None:
        raise Killed

    start = datetime.now(UTC)
    first = Worker(store, {"email": email}, lease=timedelta(seconds=30), after_send=die,
                   clock=lambda: start)
    with pytest.raises(Killed):
        first.run_once()
    email.close()
    later = start + timedelta(seconds=31)
    stats = Worker(store, {"email": email}, clock=lambda: later).run_once()
    assert stats.sent == 1
    ids = recorder.ids()
    assert len(ids) == 2 and ids[0] == ids[1]       # at least once; the receiver can dedupe
    assert ids[0] == f"<{outbox.stable_id('reminder:0')}@clotwatch>"


def test_a_down_smtp_server_is_retried_with_backoff(store: Store) -> None:
    from .conftest import free_port

    _enqueue_all(store, 1)
    now = datetime.now(UTC)
    down = EmailChannel("127.0.0.1", free_port(), "clotwatch@clinic.example", security="none",
                        timeout=2)
    stats = Worker(store, {"email": down}, clock=lambda: now).run_once()
    assert (stats.claimed, stats.retried) == (1, 1)
    with store.session() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.status == "pending" and row.due_at == now + timedelta(seconds=30)
        assert row.last_error == "ConnectionRefusedError"


HEALTH = "I have chest pain and my left calf is 4 cm bigger"


def test_no_health_data_or_recipient_reaches_the_logs(
        smtp: tuple[Recorder, int], store: Store, caplog: pytest.LogCaptureFixture) -> None:
    recorder, port = smtp
    now = datetime.now(UTC)
    with store.session() as s:
        outbox.enqueue(s, "email", "alice.patient@example.org", "",
                       {"subject": "Your check-in", "body": HEALTH}, now, "direct:1", now=now)
        outbox.enqueue(s, "email", "bob.patient@example.org", "notify.alert",
                       {"link": "https://x", "level": "urgent", "note": HEALTH}, now,
                       "extra-field:1", now=now)
        outbox.enqueue(s, "email", "carol.patient@example.org", "notify.alert",
                       {"level": "urgent"}, now, "missing-field:1", now=now)
    email = EmailChannel("127.0.0.1", port, "clotwatch@clinic.example", security="none")
    with caplog.at_level(logging.DEBUG):
        stats = Worker(store, {"email": email}, clock=lambda: now).run_once()
    assert (stats.sent, stats.failed) == (2, 1)
    assert HEALTH in _text(recorder.messages[0])   # the patient got it
    ours = [r for r in caplog.records if r.name.startswith("clotwatch")]   # not the test server
    assert ours
    logged = "\n".join(r.getMessage() for r in ours) + json.dumps([r.args for r in ours],
                                                                    default=str)
    for secret in (HEALTH, "chest pain", "alice.patient", "bob.patient", "carol.patient",
                   "Your check-in"):
        assert secret not in logged
    assert "template field missing: link" in logged      # the reason, without content
