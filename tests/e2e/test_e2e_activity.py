"""Step data in the browser (issue #9): a follow-up patient uploads an Apple Health export.zip
from their page, sees the progress of a larger upload, gets a clear refusal for a bad file,
and then sees their movement charts with data tables that give the day's figures; their
clinician sees the same charts on the patient's page; without JavaScript the plain form
works. In English and in Russian.

The export is the golden day of tests/activity/data/same_day (4,950 steps; the longest still
spell 345 minutes; 3 spells of 2 hours or more), moved to yesterday so that it falls inside
the 28 days the pages chart.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .test_e2e_followup import accessible, admin, sign_in

PASSWORD = "a long test password"
GOLDEN = Path(__file__).resolve().parents[1] / "activity" / "data" / "same_day"


def _export_for(day: date, folder: Path) -> Path:
    """The golden Apple export, moved to ``day``, zipped as the Health app shares it."""
    text = (GOLDEN / "apple_export.xml").read_text(encoding="utf-8")
    text = text.replace("2026-11-03", (day + timedelta(days=1)).isoformat()).replace(
        "2026-11-02", day.isoformat())
    path = folder / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", text)
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    return path


def _big_export(day: date, folder: Path, size: int) -> Path:
    """An uncompressed export.xml of about ``size`` bytes: the golden day's records, then
    the same walks on the days before (so every record is new and usable)."""
    text = (GOLDEN / "apple_export.xml").read_text(encoding="utf-8")
    head, rest = text.split(" <Record", 1)
    records = [line for line in (" <Record" + rest).splitlines()
               if "HKQuantityTypeIdentifierStepCount" in line]
    body = []
    written = len(head)
    back = 1
    while written < size:
        for line in records:
            moved = line.replace("2026-11-02", (day - timedelta(days=back)).isoformat())
            body.append(moved)
            written += len(moved) + 1
        back += 1
    path = folder / "export.xml"
    path.write_text(head + "\n".join(body) + "\n</HealthData>\n", encoding="utf-8")
    return path


def _row(page: Any, chart: str, day: str) -> list[str]:
    """The cells of ``day``'s row in the data table of the chart ``chart``."""
    row = page.locator(f"figure:has(#{chart}) tr:has(th[scope=row]:text-is('{day}'))")
    expect(row).to_have_count(1)
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_upload_progress_refusal_and_the_movement_charts(
        browser: Any, server: Any, axe: Any, shoot: Any, tmp_path: Path, lang: str) -> None:
    clinic = admin(server, "create-clinic", "--name", f"Steps {lang}", "--json")
    clinic_id = re.search(r'"id": (\d+)', clinic).group(1)  # type: ignore[union-attr]
    nurse = f"steps-nurse-{lang}@example.org"
    admin(server, "add-clinician", "--clinic", clinic_id, "--email", nurse, "--name",
          f"Nurse {lang}", "--password-file", "-")
    # bypass_csp: axe-core is injected into the pages (as in the follow-up test).
    staff_ctx = browser.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=True)
    patient_ctx = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        staff = staff_ctx.new_page()
        staff.set_default_timeout(20_000)
        sign_in(staff, server.url, lang, nurse)
        staff.goto(f"{server.url}/{lang}/care/enrol")
        staff.select_option("#clinic", clinic_id)
        staff.select_option("#programme", "after_vte")
        staff.locator("form button.primary").click()
        link = staff.locator("#invitation-link").get_attribute("href")

        patient = patient_ctx.new_page()
        patient.set_default_timeout(20_000)
        patient.goto(link)
        patient.fill("#name", f"Walker {lang}")
        patient.fill("#email", f"walker-{lang}@example.org")
        patient.fill("#password", PASSWORD)
        patient.fill("#timezone", "Europe/Paris")
        patient.locator("form button.primary").first.click()
        patient.wait_for_url(re.compile(r"/me$"))
        expect(patient.locator("#activity-file")).to_be_visible()
        assert patient.locator("#chart-steps-t").count() == 0  # no data yet

        # A bad file: refused whole, with the record and the reason, in the page's language.
        bad = tmp_path / "steps.csv"
        bad.write_text("start,end,steps\n"
                       "2026-11-03T08:00:00+01:00,2026-11-03T08:15:00+01:00,10\n"
                       "2026-11-03T09:00:00+01:00,2026-11-03T08:15:00+01:00,10\n")
        patient.set_input_files("#activity-file", str(bad))
        patient.locator("form[data-upload-progress] button[type=submit]").click()
        line, nothing = {"en": ("line 3", "nothing was stored"),
                         "ru": ("строка 3", "ничего не сохранено")}[lang]
        expect(patient.locator("main")).to_contain_text(line)
        expect(patient.locator("main")).to_contain_text(nothing)
        accessible(patient, axe)
        shoot(patient, f"activity-upload-refused-{lang}")

        # A larger upload, the network slowed down: the progress bar moves while it is sent.
        today = date.today()
        yesterday = today - timedelta(days=1)
        patient.goto(f"{server.url}/{lang}/me")
        big = _big_export(yesterday - timedelta(days=40), tmp_path, 800_000)
        cdp = patient_ctx.new_cdp_session(patient)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 20, "downloadThroughput": 10_000_000,
            "uploadThroughput": 160_000})
        patient.set_input_files("#activity-file", str(big))
        patient.locator("form[data-upload-progress] button[type=submit]").click()
        progress = patient.locator("#activity-progress")
        expect(progress).to_be_visible()
        status = patient.locator("#activity-progress-text")
        expect(status).to_contain_text(re.compile(r"\d+% \(0\.\d (of|из) 0\.8 (MB|МБ)\)"))
        value = float(progress.evaluate("p => p.value"))
        assert 0 < value < 100, value
        accessible(patient, axe)  # the page with the progress bar showing
        shoot(patient, f"activity-upload-progress-{lang}")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        expect(patient.locator("main")).to_contain_text(
            re.compile(r"[1-9]\d* new samples stored|Новых записей сохранено: [1-9]"),
            timeout=60_000)

        # The export.zip of yesterday: stored, then shown in both charts with their tables.
        patient.goto(f"{server.url}/{lang}/me")
        patient.set_input_files("#activity-file", str(_export_for(yesterday, tmp_path)))
        patient.locator("form[data-upload-progress] button[type=submit]").click()
        expect(patient.locator("main")).to_contain_text(
            re.compile(r"7 new samples stored|Новых записей сохранено: 7"))
        patient.goto(f"{server.url}/{lang}/me")
        expect(patient.locator("#chart-steps-t")).to_have_count(1)
        expect(patient.locator("#chart-still-t")).to_have_count(1)
        assert patient.locator("figure:has(#chart-steps-t) svg").count() == 1
        assert _row(patient, "chart-steps-t", yesterday.isoformat())[0] in ("4,950", "4 950",
                                                                           "4\u00a0950")
        assert _row(patient, "chart-still-t", yesterday.isoformat())[:2] == ["345", "3"]
        accessible(patient, axe)
        patient.locator("#activity-h").scroll_into_view_if_needed()
        shoot(patient, f"activity-charts-patient-{lang}")

        # The clinician's page of this patient: the same charts and figures.
        href = patient.locator("a[href*='/care/patients/']").first.get_attribute("href")
        staff.goto(f"{server.url}{href}")
        expect(staff.locator("#chart-steps-t")).to_have_count(1)
        assert _row(staff, "chart-steps-t", yesterday.isoformat()) == \
            _row(patient, "chart-steps-t", yesterday.isoformat())
        assert _row(staff, "chart-still-t", yesterday.isoformat()) == \
            _row(patient, "chart-still-t", yesterday.isoformat())
        accessible(staff, axe)
        staff.locator("#activity-h").scroll_into_view_if_needed()
        shoot(staff, f"activity-charts-clinician-{lang}")

        # Without JavaScript the same form posts as a plain page: the export sent again is
        # all duplicates, and the page says so.
        plain_ctx = browser.new_context(viewport={"width": 390, "height": 844},
                                        java_script_enabled=False)
        try:
            plain = plain_ctx.new_page()
            plain.set_default_timeout(20_000)
            sign_in(plain, server.url, lang, f"walker-{lang}@example.org")
            plain.goto(f"{server.url}/{lang}/me")
            plain.set_input_files("#activity-file", str(_export_for(yesterday, tmp_path)))
            with plain.expect_navigation():
                plain.locator("form[data-upload-progress] button[type=submit]").click()
            expect(plain.locator("main")).to_contain_text(re.compile(
                r"0 new samples stored, 7 already|сохранено: 0; уже были сохранены: 7"))
            assert plain.locator("#activity-progress").count() == 0
        finally:
            plain_ctx.close()
    finally:
        staff_ctx.close()
        patient_ctx.close()
