"""Reminders to move in a real browser (issue #9): an enrolled patient chooses how and when she
is reminded on her page, then follows a journey from the travel plan; axe-core finds no serious
or critical violation on the page with the new section."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from clotwatch.config import Settings
from clotwatch.service import accounts, followup
from clotwatch.store import open_store

PASSWORD = "a long test password"


def _enrolled_patient(server: Any) -> str:
    """A clinic, its clinician and a patient enrolled after an operation, written to the
    server's own database; the patient's email."""
    store = open_store(Settings(data_dir=server.log_path.parent).effective_database_url)
    now = datetime.now(UTC)
    try:
        clinic = followup.create_clinic(store, "Ward movement", now)
        with store.session() as session:
            nurse = accounts.create_user(session, email="nurse-move@example.org",
                                         password=PASSWORD, name="Nurse", now=now)
            followup.add_staff(session, clinic.id, nurse, "clinician")
            nurse_p = accounts.principal_for(session, nurse)
        issued = followup.invite_patient(store, nurse_p, clinic.id, "after_surgery",
                                         date.today(), now)
        followup.accept_invitation(store, issued.code, now, new_account={
            "email": "ann-move@example.org", "password": PASSWORD, "name": "Ann"})
    finally:
        store.dispose()
    return "ann-move@example.org"


def test_the_patient_sets_her_reminders_and_follows_a_journey(
        axe_page: Any, server: Any, axe: Any) -> None:
    page = axe_page
    email = _enrolled_patient(server)
    page.goto(f"{server.url}/en/account/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/en/me")
    section = page.locator("section[aria-labelledby=movement-settings-h]")
    expect(section.get_by_role("heading", name="Reminders to move")).to_be_visible()
    section.get_by_label("Remind after a still spell of").fill("90")
    section.get_by_label("Send reminders to move").select_option("app")
    section.get_by_role("button", name="Save").click()
    page.wait_for_url("**/en/me*")
    expect(section.get_by_label("Remind after a still spell of")).to_have_value("90")
    expect(section.get_by_label("Send reminders to move")).to_have_value("app")
    assert axe(page) == []
    leave = datetime.now(UTC) + timedelta(hours=1)
    page.goto(f"{server.url}/en/travel")
    page.get_by_label("Leaving on").fill(leave.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone where you leave").fill("UTC")
    page.get_by_label("How long it lasts, in hours").fill("6")
    page.get_by_role("button", name="Make my plan").click()
    page.get_by_role("button", name="Follow this journey with my reminders to move").click()
    page.wait_for_url("**/en/me*")
    expect(section).to_contain_text("During your journey")
    expect(section).to_contain_text("a reminder after 60 minutes still")
