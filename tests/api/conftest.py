"""An app on a temporary SQLite database with a clock the tests can move."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clotwatch.api import create_app
from clotwatch.config import Settings


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, share_lookups_per_minute=30)


@pytest.fixture
def app(settings: Settings, clock: Clock) -> FastAPI:
    return create_app(settings, clock=clock, migrate=True)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def module_app(tmp_path_factory: pytest.TempPathFactory,
               migrated_sqlite: Path) -> Iterator[TestClient]:
    """One app (settings and a clock of its own, as ``app``) and its test client for a whole
    module, on its own copy of the migrated database. Only for modules whose tests neither move
    the clock nor depend on what another test stored: making an app and its first request
    (FastAPI builds each route's handler then) is most of such a test's time."""
    directory = tmp_path_factory.mktemp("module-data")
    shutil.copyfile(migrated_sqlite, directory / migrated_sqlite.name)  # as data_dir does
    app = create_app(Settings(data_dir=directory, share_lookups_per_minute=30), clock=Clock(),
                     migrate=True)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def shared_client(module_app: TestClient) -> TestClient:
    """``module_app`` with no cookies left from the test before. A module opts in by
    overriding ``client``: ``def client(shared_client): return shared_client``."""
    module_app.cookies.clear()
    return module_app
