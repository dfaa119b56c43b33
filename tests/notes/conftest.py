"""A web app on a temporary SQLite database for the note box tests (as tests/web does)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.notes.test_notes_llm import FakeModel

from clotwatch.api import create_app
from clotwatch.config import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path / "data"), migrate=True)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def token(client: TestClient) -> str:
    """A valid CSRF token for this client's cookie."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/en/shared").text)
    assert match
    return match.group(1)


@pytest.fixture
def fake() -> Iterator[FakeModel]:
    """A fake OpenAI-compatible model server (tests/notes/test_notes_llm.py), closed after."""
    server = FakeModel()
    try:
        yield server
    finally:
        server.close()
