"""Web Push end to end without the internet: a real VAPID key signs the request, a local HTTP
server stands in for the push service (the ``push_service`` fixture, tests/conftest.py), and the
test decrypts the payload with the subscription's private key (RFC 8291 aes128gcm) as the
browser would. A push service answering 404 or 410 (the subscription is gone) fails the message
at once and calls the worker's gone handlers with the channel and the subscription."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from clotwatch.store import OutboxMessage, Store
from clotwatch.worker import outbox
from clotwatch.worker.channels import WebPushChannel
from clotwatch.worker.runner import Worker


def _queue(store: Store, recipient: dict[str, Any], now: datetime, key: str) -> None:
    with store.session() as s:
        # enqueue refuses a plain-http endpoint; the row is written directly for this test.
        s.add(OutboxMessage(channel="webpush", recipient=json.dumps(recipient),
                            template="notify.reminder", lang="ru",
                            payload={"link": "https://clinic.example/checkin"},
                            idempotency_key=key, status="pending", due_at=now,
                            attempts=0, max_attempts=3, created_at=now))


def test_web_push_is_vapid_signed_and_decryptable_by_the_subscriber(
        store: Store, push_service: Any, push_browser: Any, vapid_pem: str) -> None:
    browser = push_browser()
    now = datetime.now(UTC)
    _queue(store, browser.subscription(push_service.endpoint), now, "reminder:9")
    channel = WebPushChannel(vapid_pem, "mailto:team@clinic.example")
    assert Worker(store, {"webpush": channel}, clock=lambda: now).run_once().sent == 1
    [(headers, body)] = push_service.received
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["topic"] == outbox.stable_id("reminder:9")
    assert headers["authorization"].startswith("vapid t=")
    message = browser.decrypt(body)
    assert message["title"] == "Пора отметиться"
    assert message["url"] == "https://clinic.example/checkin"


@pytest.mark.parametrize(("status", "gone"), [(410, True), (404, True), (400, False),
                                              (503, False)])
def test_a_gone_subscription_fails_at_once_and_is_handed_to_the_gone_handlers(
        store: Store, push_service: Any, push_browser: Any, vapid_pem: str, status: int,
        gone: bool) -> None:
    push_service.status = status
    subscription = push_browser().subscription(push_service.endpoint)
    now = datetime.now(UTC)
    _queue(store, subscription, now, "reminder:gone")
    told: list[tuple[str, dict[str, Any]]] = []

    def handler(session: Any, channel: str, recipient: str) -> int:
        told.append((channel, json.loads(recipient)))
        return 1

    channel = WebPushChannel(vapid_pem, "mailto:team@clinic.example")
    stats = Worker(store, {"webpush": channel}, clock=lambda: now,
                   gone_handlers=[handler]).run_once()
    assert len(push_service.received) == 1
    assert told == ([("webpush", subscription)] if gone else [])
    with store.session() as s:
        [row] = s.query(OutboxMessage).all()
        assert row.status == ("pending" if status == 503 else "failed")
    assert (stats.failed, stats.retried) == ((0, 1) if status == 503 else (1, 0))
