"""Fixtures for every test area: an app's data directory with the database already migrated.

Applying every Alembic migration to a new SQLite file takes about 0.2 s; the web and API tests
make an app per test, so they copy one database migrated once per session (per xdist worker)
instead (about 0.01 s). The app still runs its migrations at start, which then find nothing to
do: what the tests exercise is unchanged. The migrations themselves are tested in tests/store.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DB_FILE = "clotwatch.sqlite3"  # config.Settings.effective_database_url's file name


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked the browser group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``./test`` (``--dist loadgroup``): the tests of each xdist group first.

    The scheduler hands out work units in collection order (groups with more tests first,
    ties in collection order), one unit to each worker to begin with. A group is one unit
    that runs on one worker from start to end, so the long ones (the browser tests, the Spark
    tests) must start at once and on different workers; one that came up late in the order
    (tests/population sorts after almost everything) would run alone at the end while the
    other worker idles. Only the order changes, and only under loadgroup.
    """
    if not getattr(config.option, "loadgroup", False):
        return

    def group(item: pytest.Item) -> int:
        return 0 if item.get_closest_marker("xdist_group") else 1

    items.sort(key=group)  # stable: the order within and outside the groups is kept


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database with every migration applied, made once per session."""
    from clotwatch.store import upgrade

    path = tmp_path_factory.mktemp("migrated") / DB_FILE
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def data_dir(tmp_path: Path, migrated_sqlite: Path) -> Path:
    """A fresh data directory holding a copy of the migrated database (no secret key yet)."""
    directory = tmp_path / "data"
    directory.mkdir(mode=0o700)
    shutil.copyfile(migrated_sqlite, directory / DB_FILE)
    return directory
