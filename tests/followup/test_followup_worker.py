"""The follow-up planners the worker runs: reminders for due check-ins, the alert sweep."""

from __future__ import annotations

import functools
import json
import socket
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clotwatch.service import followup, followup_worker
from clotwatch.store.outbox import OutboxMessage
from clotwatch.worker import planners as worker

from .conftest import World


def test_planners_are_registered_and_plan_once(world: World) -> None:
    followup_worker.register()
    followup_worker.register()  # idempotent: each planner once
    assert len(worker.default_planners()) == len(set(worker.default_planners()))
    assert followup_worker.plan_checkin_reminders in worker.default_planners()
    assert followup_worker.sweep_alerts in worker.default_planners()
    issued = followup.invite_patient(world.store, world.principal("clin_a"), world.clinic_a,
                                     "after_surgery", date(2026, 11, 23), world.clock())
    followup.accept_invitation(world.store, issued.code, world.clock(),
                               user_id=world.users["dave"])
    with world.store.session() as session:
        first = followup_worker.plan_checkin_reminders(session, world.clock())
        again = followup_worker.plan_checkin_reminders(session, world.clock())
        reminders = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "notify.reminder")))
    assert first >= 1 and again == 0
    assert {m.recipient for m in reminders} >= {"dave@example.org"}
    assert all("/me/checkin" in m.payload["link"] for m in reminders)


class _Mailbox:
    """aiosmtpd handler: keeps every message the local SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def test_clotwatch_worker_sends_a_due_reminder_by_email_outside_quiet_hours(
        world: World, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    """``clotwatch worker --once`` as a clinic runs it (settings from the environment, SMTP to
    a local aiosmtpd server): the follow-up planners put the enrolled patient's due reminder in
    the outbox and the same pass sends it; a reminder whose chosen time falls in the quiet
    hours (22:00-08:00 local) waits until they end."""
    from aiosmtpd.controller import Controller

    from clotwatch.cli import main
    from clotwatch.worker import runner

    # alice (after a DVT, day 0 = 1 Nov): 09:15 in Moscow (06:15 UTC); bob: 06:30 in London,
    # inside the quiet hours, so 08:00 London (08:00 UTC in November). Both are due on day 26
    # (27 Nov: the programme asks every 3 days from day 14).
    for who, zone, at in (("alice", "Europe/Moscow", "09:15"), ("bob", "Europe/London", "06:30")):
        followup.set_preferences(world.store, world.principal(who), time_zone=zone,
                                 reminder_time=at, lang="en", now=world.clock())
    mailbox = _Mailbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    for key, value in {"DATABASE_URL": db_url, "CLOTWATCH_DATA_DIR": str(tmp_path),
                       "CLOTWATCH_SMTP_HOST": "127.0.0.1", "CLOTWATCH_SMTP_PORT": str(port),
                       "CLOTWATCH_SMTP_SECURITY": "none",
                       "CLOTWATCH_PUBLIC_URL": "https://clotwatch.clinic.example/"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CLOTWATCH_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("CLOTWATCH_VAPID_PRIVATE_KEY", raising=False)

    def worker_pass(at: datetime) -> dict[str, int]:
        monkeypatch.setattr(runner, "Worker", functools.partial(runner.Worker,
                                                                clock=lambda: at))
        assert main(["worker", "--once", "--json"]) == 0
        return dict(json.loads(capfd.readouterr().out))

    try:
        first = worker_pass(datetime(2026, 11, 27, 6, 15, 30, tzinfo=UTC))
        assert (first["planned"], first["sent"]) == (2, 1)   # bob's is planned for 08:00
        [mail] = mailbox.messages
        assert mail["To"] == "alice@example.org"
        assert mail["Subject"] == "Time for your check-in"
        body = mail.get_payload(decode=True).decode()
        assert "https://clotwatch.clinic.example/en/me/checkin" in body
        # bob's chosen 06:30 is in his quiet hours: nothing is sent to him then.
        assert worker_pass(datetime(2026, 11, 27, 6, 30, 30, tzinfo=UTC))["sent"] == 0
        assert len(mailbox.messages) == 1
        assert worker_pass(datetime(2026, 11, 27, 8, 0, 30, tzinfo=UTC))["sent"] == 1
        assert [m["To"] for m in mailbox.messages] == ["alice@example.org", "bob@example.org"]
        # Planned once: a later pass finds nothing new to send.
        assert worker_pass(datetime(2026, 11, 27, 8, 5, tzinfo=UTC))["sent"] == 0
    finally:
        smtp.stop()
