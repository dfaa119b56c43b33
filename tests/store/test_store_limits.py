"""Limits shared through the store (CDS jti replay, share-code lookups): two Store objects and
two worker processes on one database enforce them together, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from clotwatch.store import Store, StoreRateLimiter, StoreReplayCache, open_store, upgrade
from clotwatch.store.limits import WriterFileLock

NOW = 1_800_000_000.0  # a fixed instant, mid-minute


def test_a_token_seen_through_one_store_is_a_replay_through_another(store: Store,
                                                                    store_url: str) -> None:
    other = open_store(store_url)
    try:
        assert StoreReplayCache(store).check_and_remember("iss", "j1", NOW + 300, NOW)
        assert not StoreReplayCache(other).check_and_remember("iss", "j1", NOW + 300, NOW + 1)
        assert StoreReplayCache(other).check_and_remember("other-iss", "j1", NOW + 300, NOW)
    finally:
        other.dispose()


def test_a_seen_token_is_forgotten_after_it_expires(store: Store) -> None:
    cache = StoreReplayCache(store, skew_seconds=60)
    assert cache.check_and_remember("iss", "j1", NOW + 300, NOW)
    assert not cache.check_and_remember("iss", "j1", NOW + 300, NOW + 300 + 59)
    assert cache.check_and_remember("iss", "j1", NOW + 1000, NOW + 300 + 61)
    assert len(cache) >= 1


def test_the_rate_limit_counts_per_key_per_minute(store: Store) -> None:
    clock = [NOW]
    limiter = StoreRateLimiter(store, 3, clock=lambda: clock[0])
    assert [limiter.acquire("10.0.0.1") for _ in range(3)] == [0.0] * 3
    wait = limiter.acquire("10.0.0.1")
    assert 0 < wait <= 60
    assert limiter.acquire("10.0.0.2") == 0.0
    clock[0] += wait
    assert limiter.acquire("10.0.0.1") == 0.0


WORKER = textwrap.dedent("""
    import json, sys
    from clotwatch.store import StoreRateLimiter, StoreReplayCache, open_store
    url, now = sys.argv[1], float(sys.argv[2])
    store = open_store(url)
    replay = StoreReplayCache(store)
    limiter = StoreRateLimiter(store, 20, clock=lambda: now)
    sys.stdin.readline()  # start together
    accepted = [j for j in range(40) if replay.check_and_remember("iss", f"j{j}", now + 300, now)]
    allowed = sum(limiter.acquire("203.0.113.9") == 0.0 for _ in range(20))
    store.dispose()
    print(json.dumps({"accepted": accepted, "allowed": allowed}))
""")


def test_two_worker_processes_share_the_replay_cache_and_the_rate_limit(
        empty_db_url: str) -> None:
    upgrade(empty_db_url)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, empty_db_url, str(NOW)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0
        results.append(json.loads(out))
    first, second = (set(r["accepted"]) for r in results)
    assert first | second == set(range(40))  # every token accepted once...
    assert first & second == set()            # ...and by one process only
    assert sum(r["allowed"] for r in results) == 20  # 20 a minute between them, not 40


def test_sqlite_replay_writes_queue_on_a_file_lock_beside_the_database(tmp_path: Path) -> None:
    """Two processes' writers wait for each other in the kernel (``flock`` on a file beside
    the database), not in SQLite's sleeping busy handler: a write waits while another holder
    (here a second open of the same file, as another process would) has the lock, and goes
    on once it lets go."""
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    upgrade(url)
    store = open_store(url)
    try:
        cache = StoreReplayCache(store)
        other = WriterFileLock.beside(store.engine)
        assert other.path == str(tmp_path / "limits.db") + "-writer.lock"
        done: list[bool] = []
        with other:
            writer = threading.Thread(target=lambda: done.append(
                cache.check_and_remember("iss", "j1", NOW + 300, NOW)))
            writer.start()
            writer.join(timeout=0.5)
            assert writer.is_alive() and done == []  # held back by the other holder
        writer.join(timeout=30)
        assert done == [True]
        assert not cache.check_and_remember("iss", "j1", NOW + 300, NOW + 1)
    finally:
        store.dispose()


def test_no_writer_lock_file_for_a_database_in_memory_or_on_postgresql(store: Store) -> None:
    memory = open_store("sqlite://")
    try:
        assert WriterFileLock.beside(memory.engine).path is None
    finally:
        memory.dispose()
    if store.engine.dialect.name == "postgresql":
        assert WriterFileLock.beside(store.engine).path is None


def test_a_writer_lock_that_cannot_be_made_leaves_the_write_to_sqlite(tmp_path: Path) -> None:
    lock = WriterFileLock(str(tmp_path / "no-such-dir" / "db-writer.lock"))
    with lock:  # the directory is missing: no lock, and no error
        pass
    assert lock.path is None
