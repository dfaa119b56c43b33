"""Limits shared by every process that uses the store: the CDS Hooks ``jti`` replay cache
and the share-code lookup rate limiter. Each check is one atomic statement (INSERT ... ON
CONFLICT), so two worker processes, or two instances behind a balancer, cannot both accept the
same token or both spend the last lookup of a minute.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from clotwatch.errors import StoreError
from clotwatch.store.db import Store
from clotwatch.store.models import RateWindow, SeenToken

PRUNE_EVERY_SECONDS = 30.0


def _insert(engine: Engine, table: Any) -> Any:
    """INSERT with ON CONFLICT support for this backend."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


class StoreReplayCache:
    """The ``(iss, jti)`` pairs seen, in the store, each until its token expires (plus skew).

    Same interface as ``clotwatch.cdshooks.trust.ReplayCache``.
    """

    def __init__(self, store: Store, skew_seconds: float = 60.0) -> None:
        self.store = store
        self.skew = skew_seconds
        self._next_prune = 0.0
        # SQLite has one writer at a time: threads of one process that all try to write wait
        # in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and made the
        # patient-view p99 at 20 concurrent calls 1.35 s on one worker (240 ms with this lock;
        # docs/benchmarks.md). PostgreSQL takes concurrent inserts: no lock there.
        self._lock: AbstractContextManager[Any] = (
            threading.Lock() if store.engine.dialect.name == "sqlite" else nullcontext())
        # The statements are built once (bound parameters per call): building them took about
        # a quarter of the check's CPU (issue 13: CPU per CDS call).
        table = cast(Table, SeenToken.__table__)
        column = table.c
        insert = _insert(store.engine, table).values(
            iss=bindparam("new_iss", type_=column.iss.type),
            jti=bindparam("new_jti", type_=column.jti.type),
            expires_at=bindparam("new_expires", type_=column.expires_at.type))
        cutoff = bindparam("cutoff", type_=column.expires_at.type)
        self._remember = insert.on_conflict_do_update(
            index_elements=[column.iss, column.jti],
            set_={"expires_at": insert.excluded.expires_at},
            where=column.expires_at < cutoff).returning(column.jti)
        self._prune = delete(table).where(column.expires_at < cutoff)
        # SQLite (issue 13: CPU per CDS call, and how long the database's write lock is held):
        # the statement as SQLAlchemy compiles it for this database, without RETURNING, run
        # in autocommit on a pooled DB-API connection, with the parameters converted by the
        # column types' own bind processors (the stored text is the same). The statement is
        # its own transaction, done in one call into SQLite: the write lock is not held while
        # this thread waits for the GIL between the INSERT and a COMMIT, which another worker
        # process would wait for in SQLite's busy handler (sleeps of 1, 2, 5 ... ms). Inserted
        # or taken over: one row changed (``rowcount``), as RETURNING gave one row. SQLAlchemy's
        # Core connection, its transaction and the compiled-statement lookup took 130 of the
        # 165 us of CPU a check cost; this takes about 50.
        self._sqlite: tuple[str, tuple[str, ...], Callable[[Any], Any]] | None = None
        if store.engine.dialect.name == "sqlite":
            compiled = insert.on_conflict_do_update(
                index_elements=[column.iss, column.jti],
                set_={"expires_at": insert.excluded.expires_at},
                where=column.expires_at < cutoff).compile(dialect=store.engine.dialect)
            moment = column.expires_at.type.bind_processor(store.engine.dialect)
            self._sqlite = (compiled.string, tuple(compiled.positiontup or ()),
                            moment if moment is not None else (lambda value: value))
        self._writer_lock = WriterFileLock.beside(store.engine)

    def check_and_remember(self, iss: str, jti: str, exp: float, now: float) -> bool:
        """True (and remembered) if this ``jti`` is new for ``iss``; False if a replay.

        One statement on a Core connection (no ORM unit of work): INSERT, or on a conflict
        take over the row only when its record has expired (a token whose record has expired
        may be judged again; it is refused as expired before it gets here). Expired rows are
        pruned every ``PRUNE_EVERY_SECONDS``.
        """
        expires = datetime.fromtimestamp(exp, UTC)
        cutoff = datetime.fromtimestamp(now, UTC) - timedelta(seconds=self.skew)
        values = {"new_iss": iss, "new_jti": jti, "new_expires": expires, "cutoff": cutoff}
        try:
            with self._lock:
                if now >= self._next_prune:
                    with self.store.engine.begin() as connection:
                        connection.execute(self._prune, {"cutoff": cutoff})
                    self._next_prune = now + PRUNE_EVERY_SECONDS
                if self._sqlite is not None:
                    with self._writer_lock:
                        return self._remember_sqlite(values)
                with self.store.engine.begin() as connection:
                    inserted = connection.execute(self._remember, values).first()
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {type(exc).__name__}") from exc
        return inserted is not None

    def _remember_sqlite(self, values: dict[str, Any]) -> bool:
        """The INSERT ... ON CONFLICT in autocommit on a DB-API connection of the pool, which
        goes back in the pool's own transaction mode."""
        assert self._sqlite is not None
        sql, order, moment = self._sqlite
        params = [moment(v) if isinstance(v, datetime) else v
                  for v in (values[name] for name in order)]
        pooled = self.store.engine.raw_connection()
        try:
            connection = cast(sqlite3.Connection, pooled.driver_connection)
            mode = connection.isolation_level
            connection.isolation_level = None  # autocommit: the statement is the transaction
            try:
                changed = connection.execute(sql, params).rowcount
            finally:
                connection.isolation_level = mode
        except sqlite3.Error as exc:
            raise StoreError(f"database error: {type(exc).__name__}") from exc
        finally:
            pooled.close()  # back to the pool
        return changed == 1

    def __len__(self) -> int:
        with self.store.session() as session:
            return int(session.execute(select(func.count()).select_from(SeenToken)).scalar_one())


class WriterFileLock:
    """An exclusive ``flock`` on a file beside a SQLite database, held around a write, so
    that the writers of several processes queue in the kernel instead of in SQLite's busy
    handler.

    SQLite takes one writer at a time; a connection that finds the database locked by another
    process sleeps in its busy handler in growing steps (1, 2, 5, 10 ... ms) and tries again,
    even when the other's write ended microseconds later. With this lock the waiter is woken
    as soon as the holder lets go. Measured (issue 13, docs/benchmarks.md): two processes
    each writing a ``jti`` row every 3 ms, 2,000 each, alternated, load average 6-7: writes
    over 1 ms 114-238 without the lock, 26-46 with it; p99 8.3-13.4 ms against 2.8-5.3 ms.
    Threads of one process are kept apart by the replay cache's own ``threading.Lock``
    (``flock`` locks belong to the open file, which a process's threads share). No file for
    an in-memory database or PostgreSQL, and none where ``fcntl`` is missing or the file
    cannot be made (SQLite's busy handler still serialises the writers).
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def beside(cls, engine: Engine) -> WriterFileLock:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:" \
                or database.startswith("file:") or fcntl is None:
            return cls(None)
        return cls(database + "-writer.lock")

    def __enter__(self) -> None:
        if self.path is None:
            return
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                self.path = None  # e.g. a read-only directory: the busy handler serialises
                return
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None and self.path is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


class StoreRateLimiter:
    """At most ``per_minute`` actions per key in each minute window, counted in the store.

    Fixed one-minute windows (a client may use up to twice the limit across a window boundary,
    never more); ``acquire`` answers 0.0 when allowed, else the seconds until the next window.
    """

    def __init__(self, store: Store, per_minute: int, *, name: str = "share",
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.per_minute = per_minute
        self.name = name
        self.clock = clock
        self._next_prune = 0.0

    def acquire(self, key: str) -> float:
        """Take one action for ``key``: 0.0 if allowed, else seconds to wait."""
        now = self.clock()
        window = int(now // 60)
        full_key = f"{self.name}:{key}"[:160]
        insert = _insert(self.store.engine, RateWindow).values(key=full_key, window=window,
                                                               count=1)
        statement = insert.on_conflict_do_update(
            index_elements=[RateWindow.key, RateWindow.window],
            set_={"count": RateWindow.count + 1}).returning(RateWindow.count)
        with self.store.session() as session:
            if now >= self._next_prune:
                session.execute(delete(RateWindow).where(RateWindow.window < window - 1))
                self._next_prune = now + PRUNE_EVERY_SECONDS
            count = int(session.execute(statement).scalar_one())
        if count <= self.per_minute:
            return 0.0
        return (window + 1) * 60 - now
