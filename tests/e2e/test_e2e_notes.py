"""The calculator page's note box in the browser: paste, check the filled answers, calculate."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

NOTE = ("72 yo man with a swollen left leg. Calf circumference 4 cm greater on the left. "
        "Denies hemoptysis. History of DVT in 2019.")


def test_note_fills_the_form_and_the_clinician_calculates(page: Any, server: Any,
                                                          shoot: Any) -> None:
    page.goto(f"{server.url}/en/calculators/wells-dvt")
    page.get_by_text("Fill from a clinical note").click()
    page.get_by_label("Paste the note").fill(NOTE)
    page.get_by_role("button", name="Fill the form from the note").click()
    expect(page.locator("#in-previous_dvt").get_by_label("Yes", exact=True)).to_be_checked()
    expect(page.locator("#in-calf_swelling_3cm").get_by_label("Yes", exact=True)).to_be_checked()
    expect(page.locator("#in-active_cancer").get_by_label("Don't know")).to_be_checked()
    assert "From the note (in the past)" in page.locator("#in-previous_dvt").inner_text()
    expect(page.locator("section.result")).to_have_count(0)  # nothing calculated yet
    shoot(page, "calculator-from-note")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("section.result")).to_be_visible()
