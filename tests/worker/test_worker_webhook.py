"""Signed webhooks against a local HTTP server: HMAC-SHA256 signature, retry with exponential
backoff on 5xx, give up after the row's attempts and mark it failed, 4xx fails at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from clotwatch.store import OutboxMessage, Store
from clotwatch.worker import outbox
from clotwatch.worker.channels import WebhookChannel, sign, verify
from clotwatch.worker.runner import Worker

SECRET = b"0123456789abcdef-webhook-secret"


class Hook:
    """Answers with the next status of ``script`` (the last one repeats); records requests."""

    def __init__(self) -> None:
        self.script: list[int] = [200]
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with hook.lock:
                    hook.requests.append((dict(self.headers), body))
                    status = hook.script.pop(0) if len(hook.script) > 1 else hook.script[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def hook() -> Iterator[tuple[Hook, str]]:
    h = Hook()
    server = ThreadingHTTPServer(("127.0.0.1", 0), h.handler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield h, f"http://127.0.0.1:{server.server_address[1]}/clotwatch"
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _setup(store: Store, url: str, max_attempts: int = 4) -> tuple[Worker, Clock, WebhookChannel]:
    clock = Clock()
    with store.session() as s:
        outbox.enqueue(s, "webhook", url, "notify.alert",
                       {"link": "https://clinic.example/alerts/7", "level": "urgent"},
                       clock.now, "alert:7:open", max_attempts=max_attempts, now=clock.now)
    channel = WebhookChannel(SECRET, timeout=5, allow_http=True,
                             clock=lambda: clock.now.timestamp())
    return Worker(store, {"webhook": channel}, clock=clock), clock, channel


def _row(store: Store) -> OutboxMessage:
    with store.session() as s:
        return s.scalars(select(OutboxMessage)).one()


def test_webhook_is_signed_and_retried_with_backoff_until_it_succeeds(
        store: Store, hook: tuple[Hook, str]) -> None:
    h, url = hook
    h.script = [503, 500, 200]
    worker, clock, channel = _setup(store, url)
    try:
        assert worker.run_once().retried == 1
        assert _row(store).due_at == clock.now + timedelta(seconds=30)
        clock.now += timedelta(seconds=29)
        assert worker.run_once().claimed == 0                 # not due yet
        clock.now += timedelta(seconds=1)
        assert worker.run_once().retried == 1
        assert _row(store).due_at == clock.now + timedelta(seconds=60)   # doubled
        clock.now += timedelta(seconds=60)
        assert worker.run_once().sent == 1
    finally:
        channel.shutdown()
    row = _row(store)
    assert (row.status, row.attempts, row.payload) == ("sent", 3, {})
    headers, body = h.requests[-1]
    assert len(h.requests) == 3
    assert verify(SECRET, headers["X-Clotwatch-Signature"], body, clock.now.timestamp())
    assert not verify(b"another-secret-of-16", headers["X-Clotwatch-Signature"], body,
                      clock.now.timestamp())
    assert not verify(SECRET, headers["X-Clotwatch-Signature"], body + b" ",
                      clock.now.timestamp())
    assert headers["Idempotency-Key"] == outbox.stable_id("alert:7:open")
    assert {h_["Idempotency-Key"] for h_, _ in h.requests} == {headers["Idempotency-Key"]}
    event = json.loads(body)
    assert event["event"] == "notify.alert" and event["data"]["level"] == "urgent"


def test_webhook_gives_up_after_its_attempts_and_marks_the_row_failed(
        store: Store, hook: tuple[Hook, str]) -> None:
    h, url = hook
    h.script = [502]
    worker, clock, channel = _setup(store, url, max_attempts=3)
    try:
        for _ in range(5):
            worker.run_once()
            clock.now += timedelta(hours=1)
    finally:
        channel.shutdown()
    row = _row(store)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 502")
    assert len(h.requests) == 3


@pytest.mark.parametrize("status, outcome", [(404, "failed"), (410, "failed"), (429, "pending"),
                                             (408, "pending")])
def test_client_errors_fail_at_once_except_the_retryable_ones(
        store: Store, hook: tuple[Hook, str], status: int, outcome: str) -> None:
    h, url = hook
    h.script = [status]
    worker, _, channel = _setup(store, url)
    try:
        worker.run_once()
    finally:
        channel.shutdown()
    assert _row(store).status == outcome


def test_plain_http_is_refused_unless_allowed_and_short_secrets_are_refused(
        store: Store, hook: tuple[Hook, str]) -> None:
    _, url = hook
    worker, _, channel = _setup(store, url)
    channel.allow_http = False
    try:
        assert worker.run_once().failed == 1
    finally:
        channel.shutdown()
    assert "plain http" in (_row(store).last_error or "")
    with pytest.raises(ValueError):
        WebhookChannel(b"short")


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    assert sign(SECRET, 1700000000, body) == hmac.new(
        SECRET, b"1700000000." + body, hashlib.sha256).hexdigest()
    header = f"t=1700000000,v1={sign(SECRET, 1700000000, body)}"
    assert verify(SECRET, header, body, 1700000100)
    assert not verify(SECRET, header, body, 1700000000 + 301)      # replayed too late
    assert not verify(SECRET, "garbage", body, 1700000000)
