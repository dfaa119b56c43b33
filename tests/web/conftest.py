"""A web app on a temporary SQLite database, and a client that carries the CSRF token."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clotwatch.api import create_app
from clotwatch.config import Settings


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir), migrate=True)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def module_app(tmp_path_factory: pytest.TempPathFactory,
               migrated_sqlite: Path) -> Iterator[TestClient]:
    """One app (and its test client) for a whole module, on its own copy of the migrated
    database. Only for modules whose tests read pages and calculate, never depending on what
    another test stored: an app costs about 0.1 s to make and its first request about 0.2 s
    more (FastAPI builds each route's handler then), which is most of such a test's time."""
    directory = tmp_path_factory.mktemp("module-data")
    shutil.copyfile(migrated_sqlite, directory / migrated_sqlite.name)  # as data_dir does
    app = create_app(Settings(data_dir=directory), migrate=True)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def shared_client(module_app: TestClient) -> TestClient:
    """``module_app`` with no cookies, so that each test starts as a browser new to the site
    (its own CSRF cookie, no language chosen). A module opts in by overriding ``client``:
    ``def client(shared_client): return shared_client``."""
    module_app.cookies.clear()
    return module_app


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def token(client: TestClient) -> str:
    """A valid CSRF token for this client's cookie."""
    return csrf_token(client.get("/en/shared").text)
