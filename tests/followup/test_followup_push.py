"""Web Push from the patient's phone: the /{lang}/me button's route stores the browser's
subscription, and the reminder planner then sends the check-in reminder by Web Push, which
the subscriber decrypts (RFC 8291 aes128gcm, as tests/worker/test_worker_webpush.py does)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from py_vapid import Vapid02
from sqlalchemy import select

from clotwatch.api import create_app
from clotwatch.config import Settings
from clotwatch.errors import InputError
from clotwatch.service import followup, followup_worker
from clotwatch.store.followup_models import PushSubscription
from clotwatch.store.outbox import OutboxMessage
from clotwatch.worker.channels import WebPushChannel
from clotwatch.worker.runner import Worker

from .conftest import PASSWORD, Clock, World, fresh_db, make_world
from .webflow import post, sign_in


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def vapid_pem() -> str:
    vapid = Vapid02()
    vapid.generate_keys()
    return str(vapid.private_pem().decode())


class Browser:
    """A subscriber: its P-256 key pair and auth secret, as a browser's PushManager makes."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"fedcba9876543210"
        self.p256dh = _b64(self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def _app(tmp_path: Path, clock: Clock, template: Path, **settings: Any) -> Any:
    return create_app(Settings(data_dir=tmp_path / "data",
                               database_url=fresh_db(template, tmp_path), **settings),
                      clock=clock, migrate=True)


def test_the_button_and_route_store_the_subscription(
        tmp_path: Path, clock: Clock, migrated_template: Path, vapid_pem: str) -> None:
    app = _app(tmp_path, clock, migrated_template, vapid_private_key=vapid_pem,
               vapid_subject="mailto:team@clinic.example")
    with TestClient(app) as client:
        world = make_world(app.state.store, clock)
        sign_in(client, "alice@example.org", PASSWORD)
        page = client.get("/en/me").text
        key = WebPushChannel(vapid_pem, "mailto:x@example.org").public_key()
        assert f'data-push-key="{key}"' in page and '<script src="/static/push.js"' in page
        assert len(base64.urlsafe_b64decode(key + "=")) == 65  # uncompressed P-256 point
        assert client.get("/static/push.js").status_code == 200
        assert "showNotification" in client.get("/static/push-sw.js").text
        browser = Browser()
        form = {"endpoint": "https://push.example/send/xyz", "p256dh": browser.p256dh,
                "auth": _b64(browser.auth)}
        assert client.post("/en/me/push", data=form).status_code == 403  # no CSRF token
        assert post(client, "/en/me/push", form, token_from="/en/me").status_code == 204
        assert post(client, "/en/me/push", form, token_from="/en/me").status_code == 204
        for field, bad in (("p256dh", "AAAA"), ("auth", "!!"),
                           ("endpoint", "http://push.example/x")):
            response = post(client, "/en/me/push", {**form, field: bad}, token_from="/en/me")
            assert response.status_code == 422 and field in response.text
        with world.store.session() as session:
            rows = list(session.scalars(select(PushSubscription)))
        assert [(r.user_id, r.endpoint) for r in rows] == [
            (world.users["alice"], "https://push.example/send/xyz")]
        assert "instead of by email" in client.get("/en/me").text
        exported = client.get("/en/me/export.json").json()
        assert [p["endpoint"] for p in exported["push_subscriptions"]] == [form["endpoint"]]
        assert post(client, "/en/me/push/off", {}, token_from="/en/me").status_code == 303
        with world.store.session() as session:
            assert not list(session.scalars(select(PushSubscription)))
        assert "Reminders come by email." in client.get("/en/me").text


def test_without_a_vapid_key_the_page_says_push_is_not_set_up(
        tmp_path: Path, clock: Clock, migrated_template: Path) -> None:
    app = _app(tmp_path, clock, migrated_template)
    with TestClient(app) as client:
        make_world(app.state.store, clock)
        sign_in(client, "alice@example.org", PASSWORD)
        page = client.get("/en/me").text
        assert "data-push-key" not in page and "push.js" not in page
        assert "not set up on this server" in page
        browser = Browser()
        response = post(client, "/en/me/push", {"endpoint": "https://push.example/a",
                                                "p256dh": browser.p256dh,
                                                "auth": _b64(browser.auth)}, token_from="/en/me")
        assert response.status_code == 422


def test_a_bad_subscription_names_its_field(world: World) -> None:
    browser = Browser()
    with pytest.raises(InputError) as caught:
        followup.save_push_subscription(world.store, world.principal("alice"),
                                        endpoint="https://push.example/a",
                                        p256dh=_b64(b"\x02" + b"x" * 64),
                                        auth=_b64(browser.auth), now=world.clock())
    assert caught.value.field == "keys.p256dh"


@pytest.fixture
def push_service() -> Iterator[tuple[list[tuple[dict[str, str], bytes]], str]]:
    """A local stand-in for the push service (as in tests/worker/test_worker_webpush.py)."""
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


def test_the_planned_reminder_goes_by_web_push_and_decrypts(
        world: World, vapid_pem: str, monkeypatch: pytest.MonkeyPatch,
        push_service: tuple[list[tuple[dict[str, str], bytes]], str]) -> None:
    received, local_endpoint = push_service
    monkeypatch.setenv("CLOTWATCH_VAPID_PRIVATE_KEY", vapid_pem)
    monkeypatch.setenv("CLOTWATCH_VAPID_SUBJECT", "mailto:team@clinic.example")
    monkeypatch.setenv("CLOTWATCH_PUBLIC_URL", "https://clinic.example")
    browser = Browser()
    followup.save_push_subscription(world.store, world.principal("alice"),
                                    endpoint="https://push.example/send/alice",
                                    p256dh=browser.p256dh, auth=_b64(browser.auth),
                                    now=world.clock())
    planned: list[OutboxMessage] = []
    for _ in range(15):  # the planner plans the next reminder due within a day
        with world.store.session() as session:
            followup_worker.plan_checkin_reminders(session, world.clock())
            planned = list(session.scalars(select(OutboxMessage).where(
                OutboxMessage.template == "notify.reminder")))
        if any(m.channel == "webpush" for m in planned):
            break
        world.clock.advance(days=1)
    alice = [m for m in planned if "push.example/send/alice" in m.recipient
             or m.recipient == "alice@example.org"]
    assert [m.channel for m in alice] == ["webpush"]  # push instead of email
    assert any(m.recipient == "bob@example.org" and m.channel == "email" for m in planned)
    [message] = alice
    with world.store.session() as session:
        row = session.get(OutboxMessage, message.id)
        assert row is not None
        # enqueue refuses a plain-http endpoint; the local push service is plain http.
        row.recipient = json.dumps({**json.loads(row.recipient), "endpoint": local_endpoint})
        for other in session.scalars(select(OutboxMessage).where(OutboxMessage.id != row.id)):
            session.delete(other)
    due = message.due_at + timedelta(minutes=1)
    channel = WebPushChannel(vapid_pem, "mailto:team@clinic.example")
    assert Worker(world.store, {"webpush": channel}, clock=lambda: due).run_once().sent == 1
    [(headers, body)] = received
    assert headers["content-encoding"] == "aes128gcm"
    text = json.loads(http_ece.decrypt(body, private_key=browser.key, auth_secret=browser.auth,
                                       version="aes128gcm"))
    assert text["url"] == "https://clinic.example/en/me/checkin"
    assert text["title"]
