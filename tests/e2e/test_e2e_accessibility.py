"""axe-core (WCAG 2.1 A and AA rules) on the main pages: no serious or critical violations."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect


def _report(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> "
                     f"{[n['target'] for n in v['nodes']][:3]}" for v in violations)


@pytest.mark.parametrize("path", ["/en/", "/ru/", "/en/triage", "/ru/triage", "/en/calculators",
                                  "/en/calculators/caprini-2005", "/ru/calculators/khorana",
                                  "/ru/calculators/wells-dvt", "/ru/pathway/dvt",
                                  "/ru/pathway/pe", "/en/shared", "/api/docs"])
def test_page_has_no_serious_accessibility_violations(axe_page: Any, server: Any, axe: Any,
                                                      path: str) -> None:
    axe_page.goto(f"{server.url}{path}")
    violations = axe(axe_page)
    assert not violations, _report(violations)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_result_and_emergency_screens_are_accessible(axe_page: Any, server: Any, axe: Any,
                                                     lang: str) -> None:
    axe_page.goto(f"{server.url}/{lang}/triage")
    axe_page.locator("input[name=item][value=chest_pain]").check()
    axe_page.locator("button[value=answer]").click()
    expect(axe_page.locator(".emergency-banner")).to_be_visible()
    violations = axe(axe_page)
    assert not violations, _report(violations)


def test_calculator_result_and_saved_pages_are_accessible(axe_page: Any, server: Any,
                                                          axe: Any, shoot: Any) -> None:
    axe_page.goto(f"{server.url}/en/calculators/wells-dvt")
    axe_page.locator("#in-active_cancer input[value=true]").check()
    axe_page.get_by_role("button", name="Calculate").click()
    expect(axe_page.locator("section.result")).to_be_visible()
    violations = axe(axe_page)
    assert not violations, _report(violations)
    axe_page.locator("input[name=consent]").check()
    axe_page.locator("form.save button").click()
    expect(axe_page.locator("#share-code")).to_be_visible()
    violations = axe(axe_page)
    assert not violations, _report(violations)


def test_home_page_on_a_phone_and_a_desktop(browser: Any, server: Any, shoot: Any) -> None:
    for name, viewport in (("phone", {"width": 390, "height": 844}),
                           ("desktop", {"width": 1280, "height": 900})):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            page.goto(f"{server.url}/en/")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"horizontal scrolling on a {name}"
            shoot(page, f"home-{name}")
        finally:
            context.close()


def _answer_everything_no_or_unknown(page: Any) -> None:
    """Go through the questionnaire answering "no" / "none of these" (or "don't know" where
    there is no "no")."""
    for _ in range(80):
        screen = page.locator("input[name=screen]")
        if not screen.count():
            return
        before = screen.get_attribute("value")
        if page.locator("button[value=none]").count():
            page.locator("button[value=none]").click()
        elif page.locator("input[name=answer][value=false]").count():
            page.locator("input[name=answer][value=false]").check()
            page.locator("button[value=answer]").click()
        elif page.locator("input[name=answer][value=unknown]").count():
            page.locator("input[name=answer][value=unknown]").check()
            page.locator("button[value=answer]").click()
        else:
            page.locator("button[value=unknown]").click()
        page.wait_for_function(
            """before => { const q = document.querySelector('input[name=screen]');
                           return !q || q.value !== before; }""", arg=before)
    raise AssertionError("the questionnaire did not end")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_result_summary_saved_and_shared_pages_are_accessible(axe_page: Any, server: Any,
                                                              axe: Any, lang: str) -> None:
    axe_page.goto(f"{server.url}/{lang}/triage")
    _answer_everything_no_or_unknown(axe_page)
    expect(axe_page.locator(".disposition")).to_be_visible()
    assert not (v := axe(axe_page)), _report(v)
    axe_page.locator("button[formaction$='/triage/summary']").click()
    expect(axe_page.locator("main table")).to_be_visible()
    assert not (v := axe(axe_page)), _report(v)
    axe_page.go_back()
    expect(axe_page.locator("form.save")).to_be_visible()
    axe_page.locator("input[name=consent]").check()
    axe_page.locator("form.save button").click()
    expect(axe_page.locator("#share-code")).to_be_visible()
    code = axe_page.locator("#share-code").inner_text()
    assert not (v := axe(axe_page)), _report(v)
    axe_page.goto(f"{server.url}/{lang}/shared")
    axe_page.locator("#code").fill(code)
    axe_page.locator("#code").press("Enter")
    expect(axe_page.locator(".disposition")).to_be_visible()
    assert not (v := axe(axe_page)), _report(v)
