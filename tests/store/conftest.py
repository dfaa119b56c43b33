"""Store fixtures: every store test runs on SQLite and on the local PostgreSQL server.

PostgreSQL: one throwaway database per test session (``clotwatch_test_<random>``), created on
127.0.0.1:5432 as user ``postgres`` and dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from clotwatch.store import Store, downgrade, open_store, upgrade

PG_ADMIN_URL = os.environ.get("CLOTWATCH_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    import psycopg

    name = f"clotwatch_test_{secrets.token_hex(4)}"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"the PostgreSQL server on 127.0.0.1:5432 is needed (./test starts it): {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


@pytest.fixture
def store(empty_db_url: str, migrated_sqlite: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend.

    SQLite: a copy of the database migrated once per session (tests/conftest.py), as the web
    and API tests have; upgrade() then finds it at head. The migrations themselves are tested
    here from an empty database on both backends (test_store_migrations and the per-migration
    tests take ``empty_db_url``).
    """
    if empty_db_url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite, empty_db_url.removeprefix("sqlite:///"))
    upgrade(empty_db_url)
    opened = open_store(empty_db_url)
    try:
        yield opened
    finally:
        with opened.engine.begin() as connection:
            connection.execute(text("DELETE FROM assessments"))
        opened.dispose()
