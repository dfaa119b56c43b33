"""The EHR's access token never leaves its FHIR server: paging through a hostile server.

Two real HTTP servers on free ports: the EHR's FHIR server, whose pages link (or redirect) to a
second server that records every Authorization header it receives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from clotwatch.service import cds

TOKEN = "ehr-secret-token"


@dataclass
class Server:
    """A FHIR-ish server: ``routes`` maps a path to (status, headers, body)."""

    routes: dict[str, tuple[int, dict[str, str], Any]] = field(default_factory=dict)
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    base: str = ""
    port: int = 0


def _serve(server: Server) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            server.seen.append((self.path, self.headers.get("Authorization")))
            status, headers, body = server.routes.get(self.path, (404, {}, {}))
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.port = int(httpd.server_address[1])
    server.base = f"http://127.0.0.1:{server.port}"
    # A short poll: shutdown() waits for the loop to notice (up to 0.5 s by default).
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    return httpd, thread


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    ehr, attacker = Server(), Server()
    running = [_serve(ehr), _serve(attacker)]
    try:
        yield ehr, attacker
    finally:
        for httpd, _thread in running:
            httpd.shutdown()
            httpd.server_close()


def searchset(ids: list[str], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Condition", "id": i,
                      "subject": {"reference": "Patient/p1"}}} for i in ids]}
    if next_url is not None:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def hostile_links(ehr: Server, attacker: Server) -> list[str]:
    """Next links that a string-prefix test would let through, and plain ones elsewhere."""
    return [
        # startswith("http://127.0.0.1:<ehr port>") holds, but the host is the attacker's.
        f"{ehr.base}@127.0.0.1:{attacker.port}/fhir/steal",
        f"{ehr.base}:{attacker.port}@127.0.0.1:{attacker.port}/fhir/steal",
        f"{attacker.base}/fhir/steal",
        f"http://localhost:{attacker.port}/fhir/steal",
        f"//127.0.0.1:{attacker.port}/fhir/steal",
    ]


def test_a_next_link_to_another_server_never_gets_the_token(
        servers: tuple[Server, Server]) -> None:
    ehr, attacker = servers
    attacker.routes["/fhir/steal"] = (200, {}, searchset(["stolen"]))
    for i, link in enumerate(hostile_links(ehr, attacker)):
        ehr.routes[f"/fhir/Condition?patient=p{i}"] = (200, {}, searchset(["a"], link))
        result = cds.fetch_fhir(f"{ehr.base}/fhir", f"Condition?patient=p{i}", TOKEN)
        assert [e["resource"]["id"] for e in result["entry"]] == ["a"], link
    assert attacker.seen == []
    assert all(auth == f"Bearer {TOKEN}" for _path, auth in ehr.seen)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_server_is_not_followed(servers: tuple[Server, Server],
                                                      status: int) -> None:
    ehr, attacker = servers
    attacker.routes["/fhir/Patient/p1"] = (200, {}, {"resourceType": "Patient", "id": "p1"})
    ehr.routes["/fhir/Patient/p1"] = (status, {"Location": f"{attacker.base}/fhir/Patient/p1"},
                                      {})
    with pytest.raises(cds.FetchFailed, match=str(status)):
        cds.fetch_fhir(f"{ehr.base}/fhir", "Patient/p1", TOKEN)
    assert attacker.seen == []


def test_a_next_link_outside_the_base_path_is_not_followed(
        servers: tuple[Server, Server]) -> None:
    ehr, _attacker = servers
    ehr.routes["/fhir/Condition?patient=p1"] = (
        200, {}, searchset(["a"], f"{ehr.base}/fhir/../admin/export"))
    ehr.routes["/fhir/Condition?patient=p2"] = (
        200, {}, searchset(["b"], f"{ehr.base}/fhir-other/Condition?page=2"))
    ehr.routes["/fhir/Condition?patient=p3"] = (
        200, {}, searchset(["c"], f"{ehr.base}/fhir/Condition?page=2"))
    ehr.routes["/fhir/Condition?page=2"] = (200, {}, searchset(["d"]))
    assert [e["resource"]["id"] for e in cds.fetch_fhir(
        f"{ehr.base}/fhir/", "Condition?patient=p1", TOKEN)["entry"]] == ["a"]
    assert [e["resource"]["id"] for e in cds.fetch_fhir(
        f"{ehr.base}/fhir", "Condition?patient=p2", TOKEN)["entry"]] == ["b"]
    assert [e["resource"]["id"] for e in cds.fetch_fhir(
        f"{ehr.base}/fhir", "Condition?patient=p3", TOKEN)["entry"]] == ["c", "d"]
    assert [path for path, _ in ehr.seen] == ["/fhir/Condition?patient=p1",
                                              "/fhir/Condition?patient=p2",
                                              "/fhir/Condition?patient=p3",
                                              "/fhir/Condition?page=2"]


@pytest.mark.parametrize(("server", "url", "same"), [
    ("http://127.0.0.1:810", "http://127.0.0.1:8106/Condition", False),
    ("https://ehr.example.org", "https://ehr.example.org.attacker.net/Condition", False),
    ("https://ehr.example.org/fhir", "https://ehr.example.org/fhirx/Condition", False),
    ("https://ehr.example.org/fhir", "http://ehr.example.org/fhir/Condition", False),
    ("https://ehr.example.org/fhir", "https://ehr.example.org@evil.net/fhir/Condition", False),
    ("https://ehr.example.org/fhir", "https://evil.net#@ehr.example.org/fhir/x", False),
    ("https://ehr.example.org/fhir", "https://ehr.example.org/fhir/%2e%2e/x", False),
    ("https://ehr.example.org/fhir", "https://ehr.example.org:444/fhir/x", False),
    ("https://ehr.example.org/fhir", "/fhir/Condition", False),
    ("https://ehr.example.org/fhir", "javascript:alert(1)", False),
    ("https://ehr.example.org/fhir", "https://EHR.example.org:443/fhir/Condition?p=2", True),
    ("https://ehr.example.org/fhir/", "https://ehr.example.org/fhir/Condition", True),
    ("http://127.0.0.1:810", "http://127.0.0.1:810/Condition?page=2", True),
])
def test_on_server_compares_scheme_host_port_and_path_segments(server: str, url: str,
                                                                same: bool) -> None:
    assert cds.on_server(server, url) is same
