"""`clotwatch serve --workers N`: N processes on one port, with one share-code limit.

One real server (two uvicorn worker processes, SQLite in a temporary data directory) on a free
port: it starts, answers, and the share-code lookup limit is counted in the store, so a
client's lookups are limited to the configured number whichever process answers each one.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from clotwatch.cli import main

LIMIT = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _worker_pids(log: Path) -> set[str]:
    return set(re.findall(r"Started server process \[(\d+)\]", log.read_text(errors="replace")))


def test_two_workers_serve_one_port_with_one_share_lookup_limit(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CLOTWATCH_") and k not in ("DATABASE_URL",)}
    env.update(CLOTWATCH_DATA_DIR=str(tmp_path / "data"), CLOTWATCH_PORT=str(port),
               CLOTWATCH_SHARE_LOOKUPS_PER_MINUTE=str(LIMIT), CLOTWATCH_LOG_LEVEL="info")
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "clotwatch.cli", "serve", "--workers", "2"], env=env,
            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while len(_worker_pids(log_path)) < 2 or not _healthy(url):
            if process.poll() is not None:
                pytest.fail(f"clotwatch serve exited: {log_path.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"two workers did not start: {log_path.read_text()}")
            time.sleep(0.2)
        assert "2 worker processes" in log_path.read_text()
        assert str(process.pid) not in _worker_pids(log_path)  # the parent serves nothing
        # A fresh connection per lookup, so the kernel hands them to either worker. The limit
        # counts in fixed clock-minute windows: the lookups are grouped by the window they
        # were answered in (one that straddles a boundary is not counted).
        by_window: dict[int, list[int]] = {}
        for _ in range(3 * LIMIT):
            before = int(time.time() // 60)
            with httpx.Client(timeout=30) as client:
                status = client.get(f"{url}/api/v1/assessments/ABCDE-12345-FGHJK-67890"
                                    ).status_code
            if int(time.time() // 60) == before:
                by_window.setdefault(before, []).append(status)
            if status == 429 and len(by_window.get(before, [])) > LIMIT + 1:
                break
        for statuses in by_window.values():
            assert statuses[:LIMIT] == [404] * min(LIMIT, len(statuses)), by_window
            assert set(statuses[LIMIT:]) <= {429}, by_window
        assert any(len(statuses) > LIMIT for statuses in by_window.values()), by_window
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log_path.read_text()
    assert "Traceback" not in text, text[-3000:]


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize("value", ["0", "65", "two"])
def test_workers_out_of_range_is_a_usage_error_naming_the_option(
        value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--workers", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "Traceback" not in err


def test_worker_connections_get_tcp_nodelay(monkeypatch: pytest.MonkeyPatch) -> None:
    # As uvicorn binds for --workers: socket.socket(family) has proto 0, so asyncio leaves
    # Nagle on and every response waited ~40 ms for the client's delayed ACK.
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    from clotwatch.api.server import NoDelayHTTPProtocol

    monkeypatch.setattr(AutoHTTPProtocol, "connection_made", lambda self, transport: None)
    with socket.socket(socket.AF_INET) as listener:
        assert listener.proto == 0
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with socket.create_connection(listener.getsockname()) as _client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

                class Transport:
                    def get_extra_info(self, name: str) -> object:
                        return accepted if name == "socket" else None

                protocol = object.__new__(NoDelayHTTPProtocol)
                protocol.connection_made(Transport())
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
