"""Fixtures for every test area: an app's data directory with the database already migrated.

Applying every Alembic migration to a new SQLite file takes about 0.2 s; the web and API tests
make an app per test, so they copy one database migrated once per session (per xdist worker)
instead (about 0.01 s). The app still runs its migrations at start, which then find nothing to
do: what the tests exercise is unchanged. The migrations themselves are tested in tests/store.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

DB_FILE = "clotwatch.sqlite3"  # config.Settings.effective_database_url's file name


LOST_GROUP = pytest.StashKey[set[str]]()  # grouped tests the scheduler cannot see as grouped


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked the browser group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``./test`` (``--dist loadgroup``): the tests of each xdist group first.

    The scheduler hands out work units in collection order (groups with more tests first,
    ties in collection order), one unit to each worker to begin with. A group is one unit
    that runs on one worker from start to end, so the long ones (the browser tests, the Spark
    tests) must start at once and on different workers; one that came up late in the order
    (tests/population sorts after almost everything) would run alone at the end while the
    other worker idles. Only the order changes, and only under loadgroup.

    The scheduler knows a test's group only from its node id: pytest-xdist's worker appends
    ``@<group>`` to it while collecting. pytest 9.2 keeps node ids where pytest-xdist 3.8 no
    longer reaches (pytest-xdist issue #1386): every test then runs wherever a worker is free,
    the browser tests on both workers and the Spark tests late. A grouped test whose id lacks
    its group (the scheduler's own test: an ``@`` after the last ``]``) therefore fails at
    set-up, saying why, instead of the grouping being lost quietly; pyproject.toml keeps pytest
    below 9.2.
    """
    if not getattr(config.option, "loadgroup", False):
        return

    def grouped(item: pytest.Item) -> bool:
        return item.get_closest_marker("xdist_group") is not None

    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its hook has run (trylast)
        config.stash[LOST_GROUP] = {item.nodeid for item in items if grouped(item)
                                    and item.nodeid.rfind("@") <= item.nodeid.rfind("]")}

    items.sort(key=lambda item: 0 if grouped(item) else 1)  # stable: the order is kept


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.nodeid in item.config.stash.get(LOST_GROUP, set()):
        pytest.fail("--dist loadgroup: this test is marked xdist_group, but pytest-xdist could "
                    "not put the group into its node id, so the scheduler spreads the group "
                    "over the workers: this pytest and pytest-xdist do not work together "
                    "(pytest-xdist issue #1386); install the versions in constraints.txt",
                    pytrace=False)


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


class PushService:
    """A local stand-in for a Web Push service: records each request (headers, body) and
    answers ``status`` (201; 404 or 410 for a subscription that is gone)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 201


@pytest.fixture
def push_service() -> Any:
    """``PushService`` on a free local port (plain http: enqueue refuses it, so tests write
    the outbox row or the subscription directly)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    holder: list[PushService] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            service = holder[0]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            service.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(service.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(PushService(f"http://127.0.0.1:{server.server_address[1]}/push/abc"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushBrowser:
    """A subscriber as a browser's PushManager makes one: a P-256 key pair and an auth secret;
    ``decrypt`` reads a push message as the browser would (RFC 8291 aes128gcm)."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"fedcba9876543210"
        self.p256dh = b64url(self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh,
                                               "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> Any:
        import json

        import http_ece

        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth,
                                           version="aes128gcm"))


@pytest.fixture(scope="session")
def vapid_pem() -> str:
    """A VAPID private key (PEM), made once per session."""
    from py_vapid import Vapid02

    vapid = Vapid02()
    vapid.generate_keys()
    return str(vapid.private_pem().decode())


@pytest.fixture
def push_browser() -> type[PushBrowser]:
    """``PushBrowser``: call it for a new subscriber (root conftest helpers are not
    importable under --import-mode=importlib, so they come as fixtures)."""
    return PushBrowser
