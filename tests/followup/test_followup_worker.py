"""The follow-up planners the worker runs: reminders for due check-ins, the alert sweep."""

from __future__ import annotations

from datetime import date

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
