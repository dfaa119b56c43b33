"""A traveller plans a long journey in a real browser, in English and in Russian."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

FACTORS = ("previous_vte", "recent_surgery", "active_cancer", "pregnancy", "advanced_age",
           "limited_mobility", "severe_obesity", "thrombophilia")


def test_traveller_gets_a_plan_and_the_calendar(page: Any, server: Any, shoot: Any) -> None:
    page.goto(f"{server.url}/en/travel")
    page.get_by_label("Leaving on").fill("2026-12-20T10:00")
    page.get_by_label("Time zone where you leave").fill("Europe/Paris")
    page.get_by_label("How long it lasts, in hours").fill("9.5")
    page.locator("#in-estrogen").get_by_label("Yes", exact=True).check()
    for factor in FACTORS:
        page.locator(f"#in-{factor}").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Make my plan").click()
    expect(page.get_by_role("heading", name="Your plan for the journey")).to_be_visible()
    expect(page.locator("main")).to_contain_text("15-30 mmHg")
    expect(page.locator("li.emergency")).to_contain_text("call emergency services now")
    triage = page.get_by_role("link", name="Check my symptoms now")
    expect(triage).to_have_attribute("href", "/en/triage")
    shoot(page, "travel-plan")
    with page.expect_download() as info:
        page.get_by_role("button", name="Add the reminders to my calendar (.ics)").click()
    download = info.value
    assert download.suggested_filename == "journey-plan.ics"
    with open(download.path(), "rb") as handle:
        assert handle.read().startswith(b"BEGIN:VCALENDAR")


def test_travel_pages_have_no_serious_accessibility_violations(axe_page: Any, server: Any,
                                                               axe: Any) -> None:
    axe_page.goto(f"{server.url}/en/travel")
    assert axe(axe_page) == []
    axe_page.get_by_label("Leaving on").fill("2026-12-20T10:00")
    axe_page.get_by_label("How long it lasts, in hours").fill("5")
    axe_page.get_by_role("button", name="Make my plan").click()
    expect(axe_page.get_by_role("heading", name="Your plan for the journey")).to_be_visible()
    assert axe(axe_page) == []


def test_russian_travel_page(page: Any, server: Any, shoot: Any) -> None:
    page.goto(f"{server.url}/ru/travel")
    page.get_by_label("Дата и время отправления").fill("2026-12-20T10:00")
    page.get_by_label("Сколько длится поездка, в часах").fill("12")
    page.get_by_role("button", name="Составить мой план").click()
    expect(page.locator("main")).to_contain_text("Перед поездкой обратитесь к врачу")
    shoot(page, "travel-plan-ru")
