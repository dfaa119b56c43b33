"""The CDS benchmark's wrk client (``benchmarks/cds_patient_view.py --client wrk``): each
request built beforehand is sent at most once, the latencies of the answered ones come back,
and an answer other than 200 stops the run (figures are never asserted)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.benchmarks.scripts import BENCHMARKS, load


def _bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the script imports its _server helper
    return load("cds_patient_view")


class _Server:
    """Records each request's path and body; answers 200, or 401 for a body seen before
    (as the replay cache answers a token sent twice)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 401 if body in outer.bodies else 200
                outer.bodies.append(body)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    running.thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


def test_a_raw_request_is_whole_http(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench(monkeypatch)
    raw = bench.raw_request("POST", "http://127.0.0.1:8000", "/cds-services/x",
                            {"Authorization": "Bearer t"}, b'{"a":1}')
    assert raw == (b"POST /cds-services/x HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
                   b"Authorization: Bearer t\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
    assert bench.raw_request("GET", "http://h:1", "/") == b"GET / HTTP/1.1\r\nHost: h:1\r\n\r\n"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt: wrk)")
def test_wrk_sends_each_request_once_and_times_the_answers(
        server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench(monkeypatch)
    built = [bench.raw_request("POST", server.base, "/p", {}, f"call {i}".encode())
             for i in range(30)]
    latencies, client_cpu, sent = bench._wrk_calls(server.base, built, 20, 4, str(tmp_path))
    assert len(latencies) >= 20 and all(ms > 0 for ms in latencies)
    assert client_cpu >= 0
    assert 20 <= sent <= 24 and len(server.bodies) <= sent
    assert len(set(server.bodies)) == len(server.bodies)  # none sent twice


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt: wrk)")
def test_an_answer_other_than_200_stops_the_run(
        server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench(monkeypatch)
    built = [bench.raw_request("POST", server.base, "/p", {}, b"the same token")] * 12
    with pytest.raises(SystemExit, match="other than 200"):
        bench._wrk_calls(server.base, built, 10, 2, str(tmp_path))


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt: wrk)")
def test_with_a_rate_each_call_waits_a_random_pause_of_the_mean_asked(
        server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--rate``: before each call a connection draws an exponential pause with mean
    connections / rate (here 4 / 100 s = 40 ms); wrk's script counts them. Of about 30 draws
    the mean lies within a factor of 3 of 40 ms unless something is wrong (its spread is about
    a fifth of the mean), and no pause is drawn without a rate."""
    bench = _bench(monkeypatch)
    built = [bench.raw_request("POST", server.base, "/p", {}, f"call {i}".encode())
             for i in range(40)]
    latencies, _, sent = bench._wrk_calls(server.base, built, 30, 4, str(tmp_path), rate=100)
    drawn, total_ms = bench.last_pauses
    assert len(latencies) >= 30 and len(set(server.bodies)) == len(server.bodies)
    # one per call sent (wrk also calls request() once at start to check it; a connection
    # may have drawn one more when the run stopped)
    assert sent - 1 <= drawn <= sent + 4
    assert 40 / 3 < total_ms / drawn < 40 * 3
    again = [bench.raw_request("POST", server.base, "/p", {}, f"again {i}".encode())
             for i in range(30)]
    bench._wrk_calls(server.base, again, 20, 4, str(tmp_path))
    assert bench.last_pauses == (0, 0)
