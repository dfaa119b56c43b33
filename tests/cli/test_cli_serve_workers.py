"""`clotwatch serve --workers N`: N processes on one port, with one share-code limit.

One real server (two uvicorn worker processes, SQLite in a temporary data directory) on a free
port: it starts and answers; the share-code lookup limit and the CDS Hooks token replay cache
are kept in the store, so a client's lookups are limited to the configured number and a token
is good for one call, whichever process answers each one.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from clotwatch.cli import main

LIMIT = 4
EHR = "https://ehr.example.org"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _worker_pids(log: Path) -> set[str]:
    return set(re.findall(r"Started server process \[(\d+)\]", log.read_text(errors="replace")))


def test_two_workers_share_one_lookup_limit_and_one_replay_cache(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CLOTWATCH_") and k not in ("DATABASE_URL",)}
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1"}
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"issuers": [{"iss": EHR, "jwks": {"keys": [jwk]}}]}))
    env.update(CLOTWATCH_DATA_DIR=str(tmp_path / "data"), CLOTWATCH_PORT=str(port),
               CLOTWATCH_SHARE_LOOKUPS_PER_MINUTE=str(LIMIT), CLOTWATCH_LOG_LEVEL="info",
               CLOTWATCH_CDS_TRUST_FILE=str(trust),
               CLOTWATCH_CDS_BASE_URL=f"http://127.0.0.1:{port}")
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
        # were answered in. One that straddles a boundary is not counted, and the window it
        # ended in is not checked: the server counted it in one of the two windows, and on a
        # loaded machine that was the new one (3 404s, then a 429, seen in two of three runs).
        by_window: dict[int, list[int]] = {}
        unsure: set[int] = set()
        for _ in range(6 * LIMIT):
            before = int(time.time() // 60)
            with httpx.Client(timeout=30) as client:
                status = client.get(f"{url}/api/v1/assessments/ABCDE-12345-FGHJK-67890"
                                    ).status_code
            after = int(time.time() // 60)
            if after == before:
                by_window.setdefault(before, []).append(status)
            else:
                unsure.add(after)
            if status == 429 and before not in unsure \
                    and len(by_window.get(before, [])) > LIMIT + 1:
                break
        checked = {w: statuses for w, statuses in by_window.items() if w not in unsure}
        for statuses in checked.values():
            assert statuses[:LIMIT] == [404] * min(LIMIT, len(statuses)), by_window
            assert set(statuses[LIMIT:]) <= {429}, by_window
        assert any(len(statuses) > LIMIT for statuses in checked.values()), by_window
        # A CDS Hooks token is good for one call: replayed on other connections (so, as the
        # kernel hands them out, to either worker), it is refused every time.
        service = f"{url}/cds-services/clotwatch-vte-risk"
        now = int(time.time())
        token = jwt.encode({"iss": EHR, "aud": service, "iat": now, "exp": now + 60,
                            "jti": str(uuid.uuid4())}, key, algorithm="ES384",
                           headers={"kid": "k1", "typ": "JWT"})
        call = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/1", "patientId": "p1"},
                "prefetch": {"patient": {"resourceType": "Patient", "id": "p1"}}}
        answers = []
        for _ in range(6):
            with httpx.Client(timeout=30) as client:
                answers.append(client.post(service, json=call,
                                           headers={"Authorization": f"Bearer {token}"}))
        assert answers[0].status_code == 200, answers[0].text
        assert [a.status_code for a in answers[1:]] == [401] * 5
        assert all("used before" in a.text for a in answers[1:]), answers[1].text
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


def _uvicorn_settings_of_serve_workers_2(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """What ``clotwatch serve --workers 2`` hands ``uvicorn.run`` (not called), with a fresh
    data directory and none of the caller's CLOTWATCH_ settings."""
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    for key in [k for k in os.environ if k.startswith("CLOTWATCH_") or k == "DATABASE_URL"]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CLOTWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLOTWATCH_PORT", str(_free_port()))
    assert main(["serve", "--workers", "2"]) == 0
    return seen


def test_workers_are_given_30_s_to_answer_the_supervisor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn's default (5 s) restarted workers that were still importing or busy on a loaded
    # machine, so two workers never came up (docs/benchmarks.md, the CDS section of 2026-11-30).
    from clotwatch.cli import serve

    seen = _uvicorn_settings_of_serve_workers_2(tmp_path, monkeypatch)
    assert seen["workers"] == 2
    assert seen["timeout_worker_healthcheck"] == serve.WORKER_HEALTHCHECK_S == 30
    # and uvicorn's supervisor passes that timeout to each worker's ping
    from uvicorn.config import Config
    from uvicorn.supervisors.multiprocess import Multiprocess

    pinged: list[float] = []

    class Worker:
        pid = 1
        exitcode = None

        def is_alive(self, timeout: float = 5) -> bool:
            pinged.append(timeout)
            return True

    supervisor = object.__new__(Multiprocess)
    supervisor.config = Config("x:y", timeout_worker_healthcheck=serve.WORKER_HEALTHCHECK_S)
    supervisor.processes = [Worker(), Worker()]  # type: ignore[list-item]
    import threading
    supervisor.should_exit = threading.Event()
    supervisor.keep_subprocess_alive()
    assert pinged == [30, 30]


def test_a_worker_takes_one_waiting_connection_per_wake_up() -> None:
    # asyncio takes up to 100 waiting connections per wake-up, so with --workers 2 the worker
    # that woke first took a whole burst of keep-alive connections and the other idled
    # (measured 20/0 in 7 of 8 bursts of 20; docs/benchmarks.md, issue 13).
    import asyncio

    from clotwatch.api.server import OneAcceptLoop

    loop = OneAcceptLoop()
    made: list[asyncio.BaseTransport] = []

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            made.append(transport)

    try:
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(8)
            listener.setblocking(False)
            clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]
            try:
                time.sleep(0.05)  # the three handshakes are complete and queued
                loop._accept_connection(Protocol, listener, None, None, 100)  # as on wake-up
                loop.run_until_complete(asyncio.sleep(0.05))
                assert len(made) == 1
                left = [listener.accept()[0] for _ in range(2)]  # the others still wait
                for conn in left:
                    conn.close()
            finally:
                for client in clients:
                    client.close()
                for transport in made:
                    transport.close()
    finally:
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()


def test_serve_gives_workers_the_one_accept_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from uvicorn.config import Config

    from clotwatch.api.server import OneAcceptLoop

    seen = _uvicorn_settings_of_serve_workers_2(tmp_path, monkeypatch)
    assert Config("x:y", loop=str(seen["loop"])).get_loop_factory() is OneAcceptLoop
