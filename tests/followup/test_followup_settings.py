"""Per-patient follow-up settings: how long the dose questions apply (set by the clinician at
enrolment or on the patient page) and the patient's own quiet hours for reminders."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clotwatch.errors import InputError
from clotwatch.service import followup, followup_worker, rules
from clotwatch.store.followup_models import Enrolment
from clotwatch.store.outbox import OutboxMessage

from .conftest import PASSWORD, World
from .test_followup_service import checkin
from .test_followup_web import checkin as web_checkin
from .webflow import post, sign_in


def _enrol_dave(world: World, doses_until_day: int | None) -> None:
    issued = followup.invite_patient(world.store, world.principal("clin_a"), world.clinic_a,
                                     "after_vte", date(2026, 11, 1), world.clock(),
                                     doses_until_day=doses_until_day)
    followup.accept_invitation(world.store, issued.code, world.clock(),
                               user_id=world.users["dave"])


def _enrolment(world: World, who: str) -> Enrolment:
    with world.store.session() as session:
        return session.scalars(select(Enrolment).where(
            Enrolment.patient_id == world.users[who])).one()


def test_no_anticoagulant_means_no_dose_question_and_no_dose_alert(world: World) -> None:
    _enrol_dave(world, 0)
    assert _enrolment(world, "dave").doses_until_day == 0
    assert not followup.asks_doses(world.store, world.principal("dave"), world.clock())
    assert "missed_doses" not in checkin(world, "dave").alerts_opened
    # alice (the programme's own length: asked throughout) still gets the "soon" alert when
    # she leaves the question unanswered: unknown is never read as "none missed".
    assert followup.asks_doses(world.store, world.principal("alice"), world.clock())
    assert "missed_doses" in checkin(world, "alice").alerts_opened


def test_dose_questions_stop_on_the_clinicians_day(world: World) -> None:
    # Enrolled from 2026-11-01; the clock is 2026-11-24 (day 23).
    _enrol_dave(world, 30)
    assert followup.asks_doses(world.store, world.principal("dave"), world.clock())
    enrolment = _enrolment(world, "dave")
    followup.set_interval(world.store, world.principal("clin_a"), enrolment.id, None,
                          world.clock(), doses_until_day=20)
    assert _enrolment(world, "dave").doses_until_day == 20
    assert not followup.asks_doses(world.store, world.principal("dave"), world.clock())
    assert "missed_doses" not in checkin(world, "dave").alerts_opened
    # Changing only the interval keeps the dose setting.
    followup.set_interval(world.store, world.principal("clin_a"), enrolment.id, 7,
                          world.clock())
    assert _enrolment(world, "dave").doses_until_day == 20


@pytest.mark.parametrize("bad", [-1, 3651])
def test_a_bad_dose_length_names_its_field(world: World, bad: int) -> None:
    with pytest.raises(InputError) as caught:
        _enrol_dave(world, bad)
    assert caught.value.field == "doses_until_day"


def test_only_the_clinics_staff_change_the_dose_setting(world: World) -> None:
    enrolment = _enrolment(world, "alice")
    with pytest.raises(followup.NotFound):
        followup.set_interval(world.store, world.principal("clin_b"), enrolment.id, None,
                              world.clock(), doses_until_day=0)
    assert _enrolment(world, "alice").doses_until_day is None


def _prefs(world: World, **quiet: str) -> None:
    followup.set_preferences(world.store, world.principal("alice"), time_zone="Europe/London",
                             reminder_time="07:00", lang="en", now=world.clock(), **quiet)


def test_the_patients_quiet_hours_move_the_reminder(world: World) -> None:
    _prefs(world, quiet_start="", quiet_end="")  # the default, 22:00-08:00
    with world.store.session() as session:
        facts = followup._enrolment_facts(session, _enrolment(world, "alice"))
    schedule = rules.schedule(facts)
    assert schedule.quiet_hours is not None and schedule.quiet_hours.end == time(8, 0)
    assert schedule.due_time(30).time() == time(8, 0)  # 07:00 is quiet: moved to its end
    _prefs(world, quiet_start="00:00", quiet_end="06:30")
    with world.store.session() as session:
        facts = followup._enrolment_facts(session, _enrolment(world, "alice"))
    assert rules.schedule(facts).due_time(30).time() == time(7, 0)  # GMT: local is UTC
    _prefs(world, quiet_start="21:30", quiet_end="9:45")
    with world.store.session() as session:
        facts = followup._enrolment_facts(session, _enrolment(world, "alice"))
        assert facts.quiet_hours == ("21:30", "09:45")
    planned: list[OutboxMessage] = []
    for _ in range(15):  # the planner plans the next reminder due within a day
        with world.store.session() as session:
            followup_worker.plan_checkin_reminders(session, world.clock())
            planned = list(session.scalars(select(OutboxMessage).where(
                OutboxMessage.template == "notify.reminder",
                OutboxMessage.recipient == "alice@example.org")))
        if planned:
            break
        world.clock.advance(days=1)
    assert rules.schedule(facts).due_time(30).time() == time(9, 45)
    assert planned and all(m.due_at.time() == time(9, 45) for m in planned)


@pytest.mark.parametrize(("quiet", "field"), [
    ({"quiet_start": "25:00", "quiet_end": "08:00"}, "quiet_start"),
    ({"quiet_start": "22:00", "quiet_end": "8am"}, "quiet_end"),
    ({"quiet_start": "22:00", "quiet_end": ""}, "quiet_end"),
    ({"quiet_start": "", "quiet_end": "08:00"}, "quiet_start"),
    ({"quiet_start": "08:00", "quiet_end": "08:00"}, "quiet_end"),
])
def test_bad_quiet_hours_name_their_field_and_change_nothing(
        world: World, quiet: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        _prefs(world, **quiet)
    assert caught.value.field == field
    with world.store.session() as session:
        facts = followup._enrolment_facts(session, _enrolment(world, "alice"))
    assert facts.quiet_hours is None and facts.checkin_time is None


def test_web_enrolment_without_anticoagulant_hides_the_dose_questions(
        world_app: tuple[World, TestClient]) -> None:
    world, client = world_app
    sign_in(client, "clin_a@example.org", PASSWORD)
    page = client.get("/en/care/enrol")
    assert 'name="doses" value="none"' in page.text
    bad = post(client, "/en/care/enrol", {"clinic": str(world.clinic_a), "programme":
                                          "after_vte", "start_date": "2026-11-01",
                                          "doses": "until", "doses_until_day": ""},
               token_from="/en/care/enrol")
    assert bad.status_code == 422, bad.text
    assert "doses_until_day" in "".join(re.findall(r"<main.*?</main>", bad.text, re.S))
    issued = post(client, "/en/care/enrol", {"clinic": str(world.clinic_a), "programme":
                                             "after_vte", "start_date": "2026-11-01",
                                             "doses": "none"}, token_from="/en/care/enrol")
    assert issued.status_code == 200
    code = issued.text.split("/en/join?code=")[1].split('"')[0].split("&")[0]
    followup.accept_invitation(world.store, code, world.clock(), user_id=world.users["dave"])
    assert _enrolment(world, "dave").doses_until_day == 0
    patient = client.get(f"/en/care/patients/{world.users['dave']}")
    assert "no anticoagulant or prophylaxis" in patient.text
    client.cookies.clear()
    sign_in(client, "dave@example.org", PASSWORD)
    signs = {"short_of_breath": "false", "chest_pain": "false", "coughing_blood": "false",
             "fainting": "false", "cold_pale_numb_leg": "false", "fast_heartbeat": "false"}
    form = post(client, "/en/me/checkin/signs", signs, token_from="/en/me/checkin")
    assert "Doses missed" not in form.text and "Leg pain now" in form.text
    web_checkin(client, signs, leg_pain="2")
    assert not [a for a in followup.patient_record(
        world.store, world.principal("dave"), world.users["dave"], world.clock())["alerts"]
        if a["rule"] == "missed_doses"]
    client.cookies.clear()
    sign_in(client, "alice@example.org", PASSWORD)
    form = post(client, "/en/me/checkin/signs", signs, token_from="/en/me/checkin")
    assert "Doses missed" in form.text


def test_web_quiet_hours_are_saved_and_a_bad_one_names_its_field(
        world_app: tuple[World, TestClient]) -> None:
    world, client = world_app
    sign_in(client, "alice@example.org", PASSWORD)
    page = client.get("/en/me")
    assert 'name="quiet_start"' in page.text and 'value="22:00"' in page.text
    form = {"timezone": "Europe/Moscow", "reminder_time": "08:30", "language": "en",
            "quiet_start": "23:00", "quiet_end": "07:30"}
    assert post(client, "/en/me/settings", form, token_from="/en/me").status_code == 303
    assert 'value="23:00"' in client.get("/en/me").text
    assert "Не напоминать с" in client.get("/ru/me").text  # translated (ru web.po)
    bad = post(client, "/en/me/settings", {**form, "quiet_end": "7.30"}, token_from="/en/me")
    assert bad.status_code == 422 and "quiet_end" in bad.text
    with world.store.session() as session:
        facts = followup._enrolment_facts(session, _enrolment(world, "alice"))
    assert facts.quiet_hours == ("23:00", "07:30")


def test_a_clinic_sets_its_escalation_windows(world: World) -> None:
    from clotwatch.followup import acknowledge_windows
    from clotwatch.service.policy import AccessDenied

    with pytest.raises(AccessDenied):
        followup.set_escalation_windows(world.store, world.principal("clin_a"), world.clinic_a,
                                        30, None, world.clock())
    for values, field in (((4, None), "escalate_emergency_minutes"),
                          ((None, 721), "escalate_urgent_minutes"),
                          ((30, 20), "escalate_urgent_minutes")):
        with pytest.raises(InputError) as caught:
            followup.set_escalation_windows(world.store, world.principal("admin_a"),
                                            world.clinic_a, *values, world.clock())
        assert caught.value.field == field
    assert acknowledge_windows(None, None)["emergency"].total_seconds() == 15 * 60
    followup.set_escalation_windows(world.store, world.principal("admin_a"), world.clinic_a,
                                    30, 60, world.clock())
    checkin(world, chest_pain=True)      # an emergency alert: escalates after 30 minutes now
    world.clock.advance(minutes=16)
    assert followup.tick(world.store, world.clock())["escalated"] == 0
    world.clock.advance(minutes=15)
    assert followup.tick(world.store, world.clock())["escalated"] == 1
    # bob's clinic keeps the defaults: 15 minutes.
    checkin(world, "bob", chest_pain=True)
    world.clock.advance(minutes=16)
    assert followup.tick(world.store, world.clock())["escalated"] == 1


def test_the_clinic_page_sets_the_windows_and_names_a_bad_field(
        world_app: tuple[World, TestClient]) -> None:
    world, client = world_app
    sign_in(client, "admin_a@example.org", PASSWORD)
    page = f"/en/clinic/{world.clinic_a}"
    form = {"action": "escalation", "escalate_emergency_minutes": "20",
            "escalate_urgent_minutes": ""}
    assert post(client, page, form, token_from=page).status_code == 303
    shown = client.get(page).text
    assert 'name="escalate_emergency_minutes"' in shown and 'value="20"' in shown
    bad = post(client, page, {**form, "escalate_urgent_minutes": "9999"}, token_from=page)
    assert bad.status_code == 422 and "escalate_urgent_minutes" in bad.text
    bad = post(client, page, {**form, "escalate_emergency_minutes": "ten"}, token_from=page)
    assert bad.status_code == 422 and "escalate_emergency_minutes" in bad.text
