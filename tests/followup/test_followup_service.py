"""The follow-up service: invitations, check-ins, alerts, worklist, access, audit, export."""

from __future__ import annotations

from datetime import date

import pytest

from clotwatch.errors import InputError
from clotwatch.service import followup
from clotwatch.service.followup import CheckInInput, NotFound
from clotwatch.service.policy import AccessDenied

from .conftest import World

NO_SIGNS = {"short_of_breath": False, "chest_pain": False, "coughing_blood": False,
            "fainting": False, "cold_pale_numb_leg": False,
         "fast_heartbeat": False}


def checkin(world: World, who: str = "alice", **values: object) -> followup.CheckInOutcome:
    signs = dict(NO_SIGNS)
    signs.update({k: v for k, v in values.items() if k in NO_SIGNS})  # type: ignore[misc]
    rest = {k: v for k, v in values.items() if k not in NO_SIGNS}
    return followup.submit_checkin(world.store, world.principal(who),
                                   CheckInInput(warning_signs=signs, **rest),  # type: ignore[arg-type]
                                   world.clock())


def test_an_invitation_is_single_use(world: World) -> None:
    issued = followup.invite_patient(world.store, world.principal("clin_a"), world.clinic_a,
                                     "after_vte", date(2026, 11, 1), world.clock())
    followup.accept_invitation(world.store, issued.code, world.clock(),
                               user_id=world.users["dave"])
    with pytest.raises(InputError) as caught:
        followup.accept_invitation(world.store, issued.token, world.clock(),
                                   user_id=world.users["dave"])
    assert caught.value.field == "code"


def test_an_invitation_expires_after_seven_days(world: World) -> None:
    issued = followup.invite_patient(world.store, world.principal("clin_a"), world.clinic_a,
                                     "after_vte", date(2026, 11, 1), world.clock())
    world.clock.advance(days=7, seconds=1)
    with pytest.raises(InputError):
        followup.accept_invitation(world.store, issued.code, world.clock(),
                                   user_id=world.users["dave"])


def test_a_clinician_cannot_enrol_into_another_clinic(world: World) -> None:
    with pytest.raises(AccessDenied):
        followup.invite_patient(world.store, world.principal("clin_a"), world.clinic_b,
                                "after_vte", date(2026, 11, 1), world.clock())


@pytest.mark.parametrize("sign", sorted(NO_SIGNS))
def test_every_warning_sign_means_the_emergency_screen_and_an_emergency_alert(
        world: World, sign: str) -> None:
    """Each warning sign the check-in asks: the patient's emergency screen (``emergency``) and
    the core's warning_sign rule opening an emergency alert, in the same check-in."""
    outcome = checkin(world, **{sign: True})
    assert outcome.emergency and "warning_sign" in outcome.alerts_opened
    [row] = [r for r in followup.worklist(world.store, world.principal("clin_a"),
                                          world.clock()) if r.patient_id == world.users["alice"]]
    assert row.top_alert is not None and row.top_alert["severity"] == "emergency"


def test_a_warning_sign_means_emergency_and_an_emergency_alert(world: World) -> None:
    outcome = checkin(world, chest_pain=True)
    assert outcome.emergency
    rows = followup.worklist(world.store, world.principal("clin_a"), world.clock())
    assert rows[0].patient_id == world.users["alice"]
    assert rows[0].top_alert is not None and rows[0].top_alert["severity"] == "emergency"


def test_an_unknown_warning_sign_is_not_read_as_no(world: World) -> None:
    outcome = checkin(world, chest_pain=None)
    assert not outcome.emergency
    # The core's rule: an unanswered warning sign asks the team to call (a "soon" alert).
    assert "warning_sign" in outcome.alerts_opened
    [row] = [r for r in followup.worklist(world.store, world.principal("clin_a"),
                                          world.clock()) if r.patient_id == world.users["alice"]]
    assert row.top_alert is not None and row.top_alert["severity"] == "soon"
    # ... but a stored None stays None: the record shows "don't know", not "no".
    record = followup.patient_record(world.store, world.principal("alice"),
                                     world.users["alice"], world.clock())
    assert record["checkins"][0]["answers"]["chest_pain"] is None


def test_one_open_alert_per_patient_and_rule(world: World) -> None:
    first = checkin(world, calf_left_cm=38, calf_right_cm=34)
    second = checkin(world, calf_left_cm=39, calf_right_cm=34)
    assert "calf_difference" in first.alerts_opened
    assert "calf_difference" not in second.alerts_opened
    record = followup.patient_record(world.store, world.principal("clin_a"),
                                     world.users["alice"], world.clock())
    calf = [a for a in record["alerts"] if a["rule_id"] == "calf_difference"]
    assert len(calf) == 1
    assert [e["kind"] for e in calf[0]["events"]] == ["opened", "recurred"]


def test_acknowledging_one_alert_leaves_the_other_open(world: World) -> None:
    checkin(world, calf_left_cm=38, calf_right_cm=34, doses_missed=2)
    record = followup.patient_record(world.store, world.principal("clin_a"),
                                     world.users["alice"], world.clock())
    calf = next(a for a in record["alerts"] if a["rule_id"] == "calf_difference")
    followup.act_on_alert(world.store, world.principal("clin_a"), calf["id"], "acknowledge",
                          world.clock(), note="phoned, seen today")
    record = followup.patient_record(world.store, world.principal("clin_a"),
                                     world.users["alice"], world.clock())
    statuses = {a["rule_id"]: a["status"] for a in record["alerts"]}
    assert statuses == {"calf_difference": "acknowledged", "missed_doses": "open"}
    events = next(a for a in record["alerts"] if a["rule_id"] == "calf_difference")["events"]
    assert events[-1]["by"] == "clin_a" and events[-1]["note"] == "phoned, seen today"


def test_a_clinician_of_another_clinic_cannot_act_on_the_alert(world: World) -> None:
    checkin(world, chest_pain=True)
    record = followup.patient_record(world.store, world.principal("clin_a"),
                                     world.users["alice"], world.clock())
    with pytest.raises(NotFound):
        followup.act_on_alert(world.store, world.principal("clin_b"),
                              record["alerts"][0]["id"], "acknowledge", world.clock())


def test_an_emergency_alert_cannot_be_snoozed(world: World) -> None:
    checkin(world, chest_pain=True)
    alert_id = followup.patient_record(world.store, world.principal("clin_a"),
                                       world.users["alice"], world.clock())["alerts"][0]["id"]
    with pytest.raises(InputError):
        followup.act_on_alert(world.store, world.principal("clin_a"), alert_id, "snooze",
                              world.clock(), snooze_hours=4)


def test_an_unacknowledged_urgent_alert_escalates_once(world: World) -> None:
    checkin(world, chest_pain=True)
    world.clock.advance(minutes=14)  # an emergency alert has 15 minutes to be acknowledged
    assert followup.tick(world.store, world.clock())["escalated"] == 0
    world.clock.advance(minutes=2)
    assert followup.tick(world.store, world.clock())["escalated"] == 1
    assert followup.tick(world.store, world.clock())["escalated"] == 0


def test_stale_data_opens_one_alert(world: World) -> None:
    checkin(world)
    world.clock.advance(days=9)
    assert followup.tick(world.store, world.clock())["opened"] >= 1
    assert followup.tick(world.store, world.clock())["opened"] == 0


def test_worklist_orders_by_urgency_then_oldest_data(world: World) -> None:
    second = followup.invite_patient(world.store, world.principal("clin_a"), world.clinic_a,
                                     "after_surgery", date(2026, 11, 20), world.clock())
    followup.accept_invitation(world.store, second.code, world.clock(),
                               user_id=world.users["dave"])
    checkin(world, doses_missed=1)  # alice: a "soon" alert
    rows = followup.worklist(world.store, world.principal("clin_a"), world.clock())
    assert [r.patient_id for r in rows] == [world.users["alice"], world.users["dave"]]
    rows = followup.worklist(world.store, world.principal("clin_a"), world.clock(),
                             programme="after_surgery")
    assert [r.patient_id for r in rows] == [world.users["dave"]]


def test_a_bad_value_names_its_field_and_writes_nothing(world: World) -> None:
    with pytest.raises(InputError) as caught:
        checkin(world, calf_left_cm=38, leg_pain=11)
    assert caught.value.field == "leg_pain"
    record = followup.patient_record(world.store, world.principal("alice"),
                                     world.users["alice"], world.clock())
    assert record["checkins"] == []


def test_caregiver_reads_but_never_writes(world: World) -> None:
    checkin(world)
    record = followup.patient_record(world.store, world.principal("carol"),
                                     world.users["alice"], world.clock())
    assert len(record["checkins"]) == 1
    with pytest.raises(AccessDenied):
        followup.submit_checkin(world.store, world.principal("carol"),
                                CheckInInput(warning_signs=NO_SIGNS), world.clock())


def test_withdrawal_ends_the_clinics_access_at_once(world: World) -> None:
    alice = world.principal("alice")
    clinic = next(v for v in followup.who_can_see(world.store, alice) if v.kind == "clinic")
    followup.withdraw(world.store, alice, "clinic", clinic.id, world.clock())
    with pytest.raises(NotFound):
        followup.patient_record(world.store, world.principal("clin_a"), world.users["alice"],
                                world.clock())


def test_the_patient_sees_the_clinicians_reads(world: World) -> None:
    followup.patient_record(world.store, world.principal("clin_a"), world.users["alice"],
                            world.clock())
    trail = followup.audit_trail(world.store, world.principal("alice"), world.clock())
    assert any(e["who"].startswith("clin_a") and e["action"] == "read" for e in trail)


def test_delete_account_removes_the_patients_data(world: World) -> None:
    checkin(world)
    followup.delete_account(world.store, world.principal("alice"), "correct horse battery",
                            world.clock())
    with pytest.raises(NotFound):
        followup.patient_record(world.store, world.principal("clin_a"), world.users["alice"],
                                world.clock())


def test_a_visit_rates_the_signs_and_only_staff_record_it(world: World) -> None:
    grades = dict.fromkeys(followup.VILLALTA_ITEMS, 1)  # total 11: post-thrombotic syndrome
    followup.record_visit(world.store, world.principal("clin_a"), world.users["alice"], grades,
                          False, world.clock())
    record = followup.patient_record(world.store, world.principal("alice"),
                                     world.users["alice"], world.clock())
    assert record["checkins"][0]["kind"] == "visit"
    assert record["checkins"][0]["villalta_symptom_score"] == 11
    for who in ("alice", "carol", "clin_b"):
        with pytest.raises(NotFound):
            followup.record_visit(world.store, world.principal(who), world.users["alice"],
                                  grades, False, world.clock())
    with pytest.raises(InputError) as caught:
        followup.record_visit(world.store, world.principal("clin_a"), world.users["alice"],
                              {"pain": 4}, None, world.clock())
    assert caught.value.field == "villalta.pain"


def queued(world: World) -> list[tuple[str, str]]:
    """(template, recipient email) of what was queued in the worker's outbox."""
    from sqlalchemy import select

    from clotwatch.store.outbox import OutboxMessage

    with world.store.session() as session:
        return [(m.template, m.recipient) for m in session.scalars(select(OutboxMessage))]


def test_urgent_alerts_notify_staff_soon_ones_wait_escalations_go_to_admins(
        world: World) -> None:
    checkin(world, doses_missed=2)  # a "soon" alert: on the worklist, not pushed
    assert queued(world) == []
    checkin(world, chest_pain=True)  # emergency: the clinic's staff are told
    assert {r for t, r in queued(world) if t == "notify.alert"} == {
        "clin_a@example.org", "admin_a@example.org"}
    world.clock.advance(minutes=16)
    followup.tick(world.store, world.clock())
    assert {r for t, r in queued(world) if t == "notify.escalation"} == {"admin_a@example.org"}
