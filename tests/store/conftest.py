"""Store fixtures: every store test runs on SQLite and on the local PostgreSQL server.

PostgreSQL: one throwaway database per test session (``clotwatch_test_<random>``), created on
127.0.0.1:5432 as user ``postgres`` and dropped at the end, for the tests of the migrations
(``empty_db_url``); the other tests each get a database copied (``CREATE DATABASE ...
TEMPLATE``, about 0.2 s) from one migrated once per session (``store_url``), instead of
migrating down and up around every test (about 1.1 s).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clotwatch.store import Store, downgrade, open_store, upgrade

PG_ADMIN_URL = os.environ.get("CLOTWATCH_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _admin() -> Any:
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"the PostgreSQL server on 127.0.0.1:5432 is needed (./test starts it): {exc}")


@contextlib.contextmanager
def _database(prefix: str = "clotwatch_test", template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of ``template`` if given), its name, dropped after."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with _database() as name:
        yield _url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a temporary SQLite file, or the session's PostgreSQL one
    with every migration undone."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    downgrade(url, "base")
    yield url
    downgrade(url, "base")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head once per session (per xdist worker), the
    template of ``store_url``'s databases; dropped afterwards."""
    with _database("clotwatch_template") as name:
        upgrade(_url(name))  # disposes its engine
        yield name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path,
              migrated_sqlite: Path) -> Iterator[str]:
    """The URL of a migrated, empty database of this test's own: a copy of the SQLite database
    migrated once per session (tests/conftest.py), or a PostgreSQL database copied from
    ``postgres_template`` and dropped after the test."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"
        shutil.copyfile(migrated_sqlite, path)
        yield f"sqlite:///{path}"
        return
    template: str = request.getfixturevalue("postgres_template")
    with _database(template=template) as name:
        yield _url(name)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty store on each backend (``store_url``); upgrade() finds it at head.

    The migrations themselves are tested here from an empty database on both backends
    (test_store_migrations and the per-migration tests take ``empty_db_url``).
    """
    upgrade(store_url)
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.dispose()
