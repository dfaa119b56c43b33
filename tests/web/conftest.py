"""A web app on a temporary SQLite database, and a client that carries the CSRF token."""

from __future__ import annotations

import re
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


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def token(client: TestClient) -> str:
    """A valid CSRF token for this client's cookie."""
    return csrf_token(client.get("/en/shared").text)
