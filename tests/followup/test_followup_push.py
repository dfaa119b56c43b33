"""Web Push from the patient's phone: the /{lang}/me button's route stores the browser's
subscription, and the reminder planner then sends the check-in reminder by Web Push, which
the subscriber decrypts (RFC 8291 aes128gcm, as tests/worker/test_worker_webpush.py does)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
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


def _app(tmp_path: Path, clock: Clock, template: Path, **settings: Any) -> Any:
    return create_app(Settings(data_dir=tmp_path / "data",
                               database_url=fresh_db(template, tmp_path), **settings),
                      clock=clock, migrate=True)


def test_the_button_and_route_store_the_subscription(
        tmp_path: Path, clock: Clock, migrated_template: Path, vapid_pem: str,
        push_browser: Any) -> None:
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
        browser = push_browser()
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
        tmp_path: Path, clock: Clock, migrated_template: Path, push_browser: Any) -> None:
    app = _app(tmp_path, clock, migrated_template)
    with TestClient(app) as client:
        make_world(app.state.store, clock)
        sign_in(client, "alice@example.org", PASSWORD)
        page = client.get("/en/me").text
        assert "data-push-key" not in page and "push.js" not in page
        assert "not set up on this server" in page
        browser = push_browser()
        response = post(client, "/en/me/push", {"endpoint": "https://push.example/a",
                                                "p256dh": browser.p256dh,
                                                "auth": _b64(browser.auth)}, token_from="/en/me")
        assert response.status_code == 422


def test_a_bad_subscription_names_its_field(world: World, push_browser: Any) -> None:
    browser = push_browser()
    with pytest.raises(InputError) as caught:
        followup.save_push_subscription(world.store, world.principal("alice"),
                                        endpoint="https://push.example/a",
                                        p256dh=_b64(b"\x02" + b"x" * 64),
                                        auth=_b64(browser.auth), now=world.clock())
    assert caught.value.field == "keys.p256dh"


def test_the_planned_reminder_goes_by_web_push_and_decrypts(
        world: World, vapid_pem: str, monkeypatch: pytest.MonkeyPatch, push_service: Any,
        push_browser: Any) -> None:
    received, local_endpoint = push_service.received, push_service.endpoint
    monkeypatch.setenv("CLOTWATCH_VAPID_PRIVATE_KEY", vapid_pem)
    monkeypatch.setenv("CLOTWATCH_VAPID_SUBJECT", "mailto:team@clinic.example")
    monkeypatch.setenv("CLOTWATCH_PUBLIC_URL", "https://clinic.example")
    browser = push_browser()
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
    text = browser.decrypt(body)
    assert text["url"] == "https://clinic.example/en/me/checkin"
    assert text["title"]


def _subscribe(world: World, who: str, endpoint: str, browser: Any) -> None:
    """A stored subscription (written directly: the local push service is plain http, which
    ``save_push_subscription`` refuses)."""
    with world.store.session() as session:
        session.add(PushSubscription(user_id=world.users[who], endpoint=endpoint,
                                     p256dh=browser.p256dh, auth=_b64(browser.auth),
                                     created_at=world.clock()))


@pytest.mark.parametrize("status", [410, 404])
def test_a_subscription_the_push_service_reports_gone_is_pruned(
        world: World, vapid_pem: str, push_service: Any, push_browser: Any,
        status: int) -> None:
    push_service.status = status
    browser = push_browser()
    _subscribe(world, "alice", push_service.endpoint, browser)
    _subscribe(world, "alice", "https://push.example/other-phone", push_browser())
    now = world.clock()
    with world.store.session() as session:
        session.add(OutboxMessage(
            channel="webpush", recipient=json.dumps(browser.subscription(push_service.endpoint)),
            template="notify.reminder", lang="en", payload={"link": "https://x.example/c"},
            idempotency_key="reminder:gone", status="pending", due_at=now, attempts=0,
            max_attempts=3, created_at=now))
    followup_worker.register()
    from clotwatch.worker.gone import default_gone_handlers

    assert followup_worker.prune_push_subscription in default_gone_handlers()
    channel = WebPushChannel(vapid_pem, "mailto:team@clinic.example")
    stats = Worker(world.store, {"webpush": channel}, clock=lambda: now,
                   gone_handlers=default_gone_handlers()).run_once()
    assert stats.failed == 1 and len(push_service.received) == 1
    with world.store.session() as session:
        left = [r.endpoint for r in session.scalars(select(PushSubscription))]
    assert left == ["https://push.example/other-phone"]   # only the gone one
    # Nothing else is touched by an address the handler does not know.
    with world.store.session() as session:
        assert followup_worker.prune_push_subscription(session, "webpush", "not json") == 0
        assert followup_worker.prune_push_subscription(session, "email", "a@b.example") == 0


def test_alert_notifications_reach_clinicians_by_push_in_their_language(
        world: World, vapid_pem: str, monkeypatch: pytest.MonkeyPatch,
        push_browser: Any) -> None:
    from clotwatch.store.followup_models import User

    monkeypatch.setenv("CLOTWATCH_VAPID_PRIVATE_KEY", vapid_pem)
    monkeypatch.setenv("CLOTWATCH_VAPID_SUBJECT", "mailto:team@clinic.example")
    monkeypatch.setenv("CLOTWATCH_PUBLIC_URL", "https://clinic.example")
    with world.store.session() as session:
        clinician = session.get(User, world.users["clin_a"])
        assert clinician is not None
        clinician.lang = "ru"
    followup.save_push_subscription(world.store, world.principal("clin_a"),
                                    endpoint="https://push.example/send/nurse",
                                    p256dh=push_browser().p256dh,
                                    auth=_b64(b"0123456789abcdef"), now=world.clock())
    signs = {k: False for k in ("short_of_breath", "chest_pain", "coughing_blood", "fainting",
                                "cold_pale_numb_leg", "fast_heartbeat")}
    followup.submit_checkin(world.store, world.principal("alice"),
                            followup.CheckInInput(warning_signs={**signs, "chest_pain": True}),
                            world.clock())
    with world.store.session() as session:
        sent = [(m.channel, m.recipient, m.lang, m.payload["link"]) for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "notify.alert"))]
    nurse = [row for row in sent if "nurse" in row[1] or row[1] == "clin_a@example.org"]
    assert sorted((c, lang, link) for c, _r, lang, link in nurse) == [
        ("email", "ru", "https://clinic.example/ru/care"),
        ("webpush", "ru", "https://clinic.example/ru/care")]
    admin = [row for row in sent if row[1] == "admin_a@example.org"]
    assert [(c, lang, link) for c, _r, lang, link in admin] == [
        ("email", "en", "https://clinic.example/en/care")]


def test_the_worklist_offers_alert_notifications_on_this_browser(
        tmp_path: Path, clock: Clock, migrated_template: Path, vapid_pem: str) -> None:
    app = _app(tmp_path, clock, migrated_template, vapid_private_key=vapid_pem,
               vapid_subject="mailto:team@clinic.example")
    with TestClient(app) as client:
        make_world(app.state.store, clock)
        sign_in(client, "clin_a@example.org", PASSWORD)
        page = client.get("/en/care").text
        assert 'data-action="/en/me/push"' in page and "Send alerts to this browser" in page
        ru = client.get("/ru/care").text
        assert "Присылать тревоги в этот браузер" in ru
