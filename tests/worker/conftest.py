"""A local SMTP server (aiosmtpd) that records what it accepted, and a migrated SQLite store."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from clotwatch.store import Store, open_store, upgrade


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Recorder:
    """aiosmtpd handler: keeps every accepted message; can hold a MAIL FROM at a gate."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold_after: int | None = None          # hold the MAIL FROM after this many messages
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        with self.lock:
            hold = self.hold_after is not None and len(self.messages) >= self.hold_after \
                and not self.release.is_set()
        if hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "421 closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        recorder.release.set()
        controller.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A copy of the SQLite database migrated once per session (tests/conftest.py): about
    0.01 s instead of 0.2 s; upgrade() finds it at head."""
    path = tmp_path / "worker.sqlite3"
    shutil.copyfile(migrated_sqlite, path)
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


PG_ADMIN_URL = os.environ.get("CLOTWATCH_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database for the outbox: a SQLite file, or a throwaway schema on the local
    PostgreSQL server (a schema, not a database: dropping it is instant)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    import psycopg

    schema = f"clotwatch_worker_{secrets.token_hex(4)}"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"the PostgreSQL server on 127.0.0.1:5432 is needed: {exc}")
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
        try:
            upgrade(url)
            yield url
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    opened = open_store(sqlite_url)
    try:
        yield opened
    finally:
        opened.dispose()
