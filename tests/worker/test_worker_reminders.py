"""Check-in reminders at the patient's chosen local time, out of quiet hours, planned once;
the worker CLI; Web Push error mapping."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clotwatch.core.followup import QuietHours, Schedule, get_programme
from clotwatch.errors import ConfigError
from clotwatch.store import OutboxMessage, Store
from clotwatch.worker import outbox
from clotwatch.worker.channels import Message, PermanentError, TemporaryError, WebPushChannel
from clotwatch.worker.reminders import ReminderTarget, plan_reminders


def _target(last: datetime | None = None, **kw: Any) -> ReminderTarget:
    schedule = Schedule(get_programme("after_journey"), date(2026, 6, 1), "America/New_York",
                        checkin_time=kw.pop("checkin_time", time(7, 0)),
                        quiet_hours=QuietHours(time(22), time(8)))
    return ReminderTarget("enrolment-17", schedule, last, "email", "p@example.org", "ru",
                          "https://clinic.example/checkin")


def _rows(store: Store) -> list[OutboxMessage]:
    with store.session() as s:
        return list(s.scalars(select(OutboxMessage)))


def test_reminder_is_planned_once_at_the_local_time_moved_out_of_quiet_hours(
        store: Store) -> None:
    now = datetime(2026, 6, 2, 3, tzinfo=UTC)        # 23:00 on 1 June in New York
    with store.session() as s:
        assert plan_reminders(s, [_target()], now) == 1
        assert plan_reminders(s, [_target()], now) == 0        # idempotent
    [row] = _rows(store)
    # Chosen 07:00 falls in the quiet hours (22:00-08:00): sent at 08:00 EDT = 12:00 UTC.
    assert row.due_at == datetime(2026, 6, 2, 12, tzinfo=UTC)
    assert row.expires_at == row.due_at + timedelta(hours=12)
    assert (row.template, row.lang, row.payload) == ("notify.reminder", "ru",
                                                     {"link": "https://clinic.example/checkin"})


def test_no_reminder_when_already_checked_in_or_beyond_the_horizon(store: Store) -> None:
    now = datetime(2026, 6, 2, 3, tzinfo=UTC)
    with store.session() as s:
        assert plan_reminders(s, [_target(last=datetime(2026, 6, 2, 1, tzinfo=UTC))], now) == 0
        assert plan_reminders(s, [_target()], now, horizon=timedelta(hours=2)) == 0
        after_end = datetime(2026, 8, 1, tzinfo=UTC)
        assert plan_reminders(s, [_target()], after_end) == 0
    assert _rows(store) == []


def test_an_expired_reminder_is_not_sent(store: Store) -> None:
    from clotwatch.worker.runner import Worker

    now = datetime(2026, 6, 2, 3, tzinfo=UTC)
    with store.session() as s:
        plan_reminders(s, [_target()], now)

    class Never:
        name = "email"

        def send(self, message: Message) -> None:
            raise AssertionError("an expired reminder was sent")

        def close(self) -> None:
            pass

    late = datetime(2026, 6, 3, 1, tzinfo=UTC)
    assert Worker(store, {"email": Never()}, clock=lambda: late).run_once().expired == 1
    assert _rows(store)[0].status == "expired"


def test_worker_cli_once_status_and_bad_options(
        store: Store, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    from clotwatch.cli import main

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CLOTWATCH_DATA_DIR", str(tmp_path))
    for key in ("CLOTWATCH_SMTP_HOST", "CLOTWATCH_WEBHOOK_SECRET", "CLOTWATCH_VAPID_PRIVATE_KEY"):
        monkeypatch.delenv(key, raising=False)
    now = datetime.now(UTC)
    with store.session() as s:
        outbox.enqueue(s, "email", "p@example.org", "notify.reminder", {"link": "x"}, now,
                       "k", now=now)
    assert main(["worker", "--once", "--json"]) == 0
    out, err = capfd.readouterr()
    assert "no channel is configured" in err
    assert json.loads(out)["claimed"] == 0       # email not configured: the row waits
    assert main(["worker", "--status", "--json"]) == 0
    assert json.loads(capfd.readouterr().out) == {"pending": 1}
    assert main(["worker", "--batch", "0"]) == 2
    assert "--batch" in capfd.readouterr().err
    monkeypatch.setenv("CLOTWATCH_WEBHOOK_ALLOW_HTTP", "1")
    assert main(["worker", "--once"]) == 2          # refused outside development
    assert "WEBHOOK_ALLOW_HTTP" in capfd.readouterr().err


@pytest.mark.parametrize("code, error", [(410, PermanentError), (404, PermanentError),
                                         (400, PermanentError), (429, TemporaryError),
                                         (503, TemporaryError)])
def test_web_push_maps_the_push_services_answers(monkeypatch: pytest.MonkeyPatch, code: int,
                                                 error: type[Exception]) -> None:
    import pywebpush

    sent: dict[str, Any] = {}

    class Response:
        status_code = code

    def fake(**kw: Any) -> None:
        sent.update(kw)
        raise pywebpush.WebPushException("push service said no", response=Response())

    monkeypatch.setattr(pywebpush, "webpush", fake)
    from py_vapid import Vapid02

    vapid = Vapid02()
    vapid.generate_keys()
    channel = WebPushChannel(vapid.private_pem().decode(), "mailto:team@clinic.example")
    with pytest.raises(ConfigError):
        WebPushChannel("not a key", "mailto:team@clinic.example")
    sub = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "k", "auth": "a"}}
    message = Message(1, "webpush", json.dumps(sub), "Time for your check-in", "body",
                      "notify.reminder", "en", {"link": "https://clinic.example/c"}, "k",
                      outbox.stable_id("k"))
    with pytest.raises(error):
        channel.send(message)
    assert sent["headers"]["Topic"] == outbox.stable_id("k")
    assert sent["vapid_claims"] == {"sub": "mailto:team@clinic.example"}
    assert json.loads(sent["data"])["url"] == "https://clinic.example/c"


def test_alert_decisions_notify_clinicians_and_escalations_notify_admins(store: Store) -> None:
    from clotwatch.core.followup import Decision
    from clotwatch.worker.alerts import Recipient, notify

    now = datetime(2026, 6, 2, 9, tzinfo=UTC)
    team = [Recipient("email", "nurse@clinic.example"), Recipient("email", "dr@clinic.example",
                                                                  "ru")]
    admins = [Recipient("email", "admin@clinic.example")]
    link = "https://clinic.example/alerts/42"
    with store.session() as s:
        opened = Decision("calf_difference", "open", "urgent", "alert.calf_difference.reason")
        assert notify(s, opened, 42, link, team, admins, now) == 2
        assert notify(s, opened, 42, link, team, admins, now) == 0          # idempotent
        soon = Decision("stale", "open", "soon", "alert.stale.reason")
        assert notify(s, soon, 43, link, team, admins, now) == 0            # worklist only
        raised = Decision("warning_sign", "raise", "emergency", "alert.warning_sign.reason")
        assert notify(s, raised, 44, link, team, admins, now) == 2
        escalated = Decision("warning_sign", "escalate", "emergency", "alert.escalated")
        assert notify(s, escalated, 44, link, team, admins, now) == 1
        kept = Decision("warning_sign", "keep", "emergency", "alert.warning_sign.reason")
        assert notify(s, kept, 44, link, team, admins, now) == 0
    rows = _rows(store)
    assert [(r.template, r.recipient) for r in rows][-1] == ("notify.escalation",
                                                             "admin@clinic.example")
    assert all(r.payload == {"link": link, "level": r.payload["level"]} for r in rows)
    assert {r.lang for r in rows} == {"en", "ru"}


def test_planners_run_at_most_once_per_interval(store: Store) -> None:
    from clotwatch.worker.runner import Worker

    calls: list[datetime] = []

    def planner(session: Any, now: datetime) -> int:
        calls.append(now)
        return 0

    clock = [datetime(2026, 6, 2, 9, tzinfo=UTC)]
    worker = Worker(store, {}, planners=[planner], plan_every=timedelta(minutes=1),
                    clock=lambda: clock[0])
    for seconds in (0, 30, 59, 60, 61, 125):
        clock[0] = datetime(2026, 6, 2, 9, tzinfo=UTC) + timedelta(seconds=seconds)
        worker.run_once()
    assert [c.second + 60 * c.minute for c in calls] == [0, 60, 125]
