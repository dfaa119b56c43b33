"""Web Push end to end without the internet: a real VAPID key signs the request, a local HTTP
server stands in for the push service, and the test decrypts the payload with the subscription's
private key (RFC 8291 aes128gcm) as the browser would."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from clotwatch.store import OutboxMessage, Store
from clotwatch.worker import outbox
from clotwatch.worker.channels import WebPushChannel
from clotwatch.worker.runner import Worker


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def push_service() -> Iterator[tuple[list[tuple[dict[str, str], bytes]], str]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/push/abc"
    finally:
        server.shutdown()
        server.server_close()


def test_web_push_is_vapid_signed_and_decryptable_by_the_subscriber(
        store: Store, push_service: tuple[list[tuple[dict[str, str], bytes]], str]) -> None:
    received, endpoint = push_service
    vapid = Vapid02()
    vapid.generate_keys()
    pem = vapid.private_pem().decode()
    browser_key = ec.generate_private_key(ec.SECP256R1())
    auth = b"0123456789abcdef"
    public = browser_key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
    subscription = {"endpoint": endpoint, "keys": {"p256dh": _b64(public), "auth": _b64(auth)}}
    now = datetime.now(UTC)
    with store.session() as s:
        # enqueue refuses a plain-http endpoint; the row is written directly for this test.
        s.add(OutboxMessage(channel="webpush", recipient=json.dumps(subscription),
                            template="notify.reminder", lang="ru",
                            payload={"link": "https://clinic.example/checkin"},
                            idempotency_key="reminder:9", status="pending", due_at=now,
                            attempts=0, max_attempts=3, created_at=now))
    channel = WebPushChannel(pem, "mailto:team@clinic.example")
    assert Worker(store, {"webpush": channel}, clock=lambda: now).run_once().sent == 1
    [(headers, body)] = received
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["topic"] == outbox.stable_id("reminder:9")
    assert headers["authorization"].startswith("vapid t=")
    message = json.loads(http_ece.decrypt(body, private_key=browser_key, auth_secret=auth,
                                          version="aes128gcm"))
    assert message["title"] == "Пора отметиться"
    assert message["url"] == "https://clinic.example/checkin"
