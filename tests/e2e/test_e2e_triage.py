"""The "Leg cramp or blood clot?" questionnaire in a real browser, in English and Russian, with
and without JavaScript: grouped screens, the ordinary cramp reaching self-care, the same
disposition as the engine for the answers the pages collected."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
from playwright.sync_api import expect

from clotwatch import triage

# A person with a swollen, warm left calf that does not ease: at least "urgent" by the contract.
SWOLLEN_CALF: dict[str, Any] = {
    "leg_side": "left", "cramp": False, "leg_pain": True, "swelling": True, "warmth": True,
    "duration_hours": 24.0, "calf_difference_cm": None, "age_years": 58, "sex": "female",
    "bmi": None,
}
# An ordinary cramp in a healthy adult: every answer that could raise self-care is "no".
CRAMP: dict[str, Any] = {
    "leg_side": "right", "cramp": True, "duration_hours": 10 / 60,
    "relieved_by_stretching": True, "calf_difference_cm": None, "age_years": 34,
    "sex": "female", "pregnancy_status": "no", "at_night": True,
}
NEXT = {"en": "Next", "ru": "Далее"}


def screen_id(page: Any) -> str | None:
    """The id of the screen on show, or None on a result page."""
    field = page.locator("input[name=screen]")
    return field.get_attribute("value") if field.count() else None


def submit_and_wait(page: Any, button: Any, before: str | None) -> None:
    """Click, then wait until the page shows another screen or the result.

    Without JavaScript a click is a whole-page navigation: wait for the next document to have
    loaded completely, so the next click never lands on a half-parsed form. With JavaScript
    htmx swaps the content in place: wait for another screen's field or the result."""
    if page.evaluate("() => typeof window.htmx === 'undefined'"):
        with page.expect_navigation(wait_until="load"):
            button.click()
        return
    button.click()
    page.wait_for_function(
        """before => { const q = document.querySelector('input[name=screen]');
                       return (q !== null && q.value !== before)
                              || !!document.querySelector('.disposition')
                              || !!document.querySelector('.emergency-banner'); }""",
        arg=before)


def answer_current(page: Any, plan: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Answer the screen on show from ``plan`` (default: no / don't know); return what it
    set."""
    sid = screen_id(page)
    assert sid is not None
    screen = triage.SCREENS_BY_ID[sid]
    t = triage.translator(lang)
    if screen.is_group:
        shown = [v for v in page.locator("input[name=item]").evaluate_all(
            "els => els.map(e => e.value)")]
        ticked = [k for k in shown if plan.get(k) is True]
        for key in ticked:
            page.get_by_label(screen.item_text(key, lang), exact=True).check()
        if ticked:
            button = page.get_by_role("button", name=NEXT[lang], exact=True)
        else:
            button = page.get_by_role("button", name=t("cli.none_of_these"), exact=True)
        submit_and_wait(page, button, sid)
        return screen.answers(ticked, only=shown)
    value = plan.get(sid, False if screen.kind == "bool" else None)
    if value is None:
        if screen.kind in ("number", "integer") and not screen.presets:
            button = page.get_by_role("button", name=t("answer.dont_know"), exact=True)
            submit_and_wait(page, button, sid)
            return {sid: None}
        page.get_by_label(t("answer.dont_know"), exact=True).check()
    elif screen.kind in ("number", "integer") and not screen.presets:
        page.locator("#answer").fill(str(value))
    else:
        page.get_by_label(screen.option_text(value, lang), exact=True).check()
    submit_and_wait(page, page.get_by_role("button", name=NEXT[lang], exact=True), sid)
    return {sid: value}


def run_questionnaire(page: Any, plan: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Answer until the result; return the answers given, as the engine sees them."""
    given: dict[str, Any] = {}
    for _ in range(len(triage.SCREENS) + 1):
        if screen_id(page) is None:
            expect(page.locator(".disposition, .emergency-banner").first).to_be_visible()
            carried = page.locator("input[name^='a.']").evaluate_all(
                "els => Object.fromEntries(els.map(e => [e.name.slice(2), e.value]))")
            assert {k: json.loads(v) for k, v in carried.items()} == given
            return given
        given.update(answer_current(page, plan, lang))
    raise AssertionError("the questionnaire did not end")


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("javascript", [True, False])
def test_an_ordinary_cramp_reaches_self_care_in_twelve_screens_or_fewer(
        new_page: Any, server: Any, lang: str, javascript: bool, shoot: Any) -> None:
    page = new_page(javascript)
    page.goto(f"{server.url}/{lang}/triage")
    expect(page.locator("h1")).to_have_text(triage.SCREENS[0].text(lang))
    given = run_questionnaire(page, CRAMP, lang)
    assert given["duration_hours"] == 10 / 60
    expected = triage.assess(given, lang=lang)
    assert expected["disposition"] == "self_care"
    expect(page.locator(".disposition")).to_have_class(re.compile("self_care"))
    expect(page.locator(".disposition")).to_contain_text(expected["headline"])
    steps = page.evaluate("JSON.parse(document.querySelector('input[name=h]').value)")
    assert len(steps) <= 12
    if javascript:
        shoot(page, f"triage-cramp-self-care-{lang}")


# The swollen calf is walked once in each language (each walk is some 10 screens in chromium);
# what the result page leads to is checked on from there: in English the printable summary and
# the server's log, in Russian the saved result as the clinician opens it.
def walk_the_swollen_calf(page: Any, server: Any, lang: str, shoot: Any,
                          plan: Mapping[str, Any] = SWOLLEN_CALF) -> dict[str, Any]:
    """The whole flow reaches the engine's disposition; return the answers given."""
    page.goto(f"{server.url}/{lang}/triage")
    expect(page.locator("h1")).to_have_text(triage.SCREENS[0].text(lang))
    shoot(page, f"triage-question-{lang}")
    given = run_questionnaire(page, plan, lang)
    expected = triage.assess(given, lang=lang)
    assert expected["disposition"] in ("urgent", "emergency")
    disposition = page.locator(".disposition")
    expect(disposition).to_have_class(re.compile(expected["disposition"]))
    expect(disposition).to_contain_text(expected["headline"])
    main = page.locator("main").inner_text()
    for reason in expected["reasons"]:
        assert reason["text"] in main
    for line in expected["safety_net"]:
        assert line in main
    notice = {"en": "Decision support, not a diagnosis.",
              "ru": "Помощь в принятии решения, а не диагноз."}[lang]
    assert notice in main
    assert page.locator("html").get_attribute("lang") == lang
    shoot(page, f"triage-result-{lang}")
    return given


def test_whole_triage_flow_print_summary_and_nothing_of_the_answers_in_the_server_log(
        page: Any, server: Any, shoot: Any) -> None:
    # (Once three tests, each walking the questionnaire in English.) The answers differ from
    # SWOLLEN_CALF's in the age, as the log test's did.
    walk_the_swollen_calf(page, server, "en", shoot, {**SWOLLEN_CALF, "age_years": 77})
    # The printable summary for the appointment.
    page.get_by_role("button", name="Printable summary for your appointment").click()
    expect(page.locator("h1")).to_have_text("Summary for your appointment")
    expect(page.locator("main table")).to_contain_text(triage.translator("en")("label.swelling"))
    page.emulate_media(media="print")
    assert page.locator("header.site nav").first.is_hidden()
    assert page.locator(".disposition").is_visible()
    shoot(page, "triage-summary-print")
    # Nothing of the answers reaches the server log (the summary's request included).
    log = server.log()
    assert "POST /{lang}/triage 200" in log
    for needle in ("swelling", "warmth", "leg_side", "age_years", "left"):
        assert needle not in log, needle


def test_whole_triage_flow_in_russian_and_the_saved_result_opens_for_the_clinician(
        page: Any, server: Any, new_page: Any, shoot: Any) -> None:
    # (Once two tests, each walking the questionnaire in Russian.)
    given = walk_the_swollen_calf(page, server, "ru", shoot)
    page.locator("input[name=consent]").check()
    page.locator("form.save button").click()
    expect(page.locator("#share-code")).to_be_visible()
    code = page.locator("#share-code").inner_text().strip()
    clinician = new_page()   # another context than the page's: not signed in, no cookies
    clinician.goto(f"{server.url}/en/shared")
    clinician.get_by_label("Share code").first.fill(code)
    clinician.get_by_role("button", name="Open", exact=True).click()
    expected = triage.assess(given, lang="ru")
    expect(clinician.locator(".disposition")).to_contain_text(expected["headline"])


def test_a_warning_sign_shows_the_emergency_screen_at_once(page: Any, server: Any,
                                                           shoot: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    page.get_by_label(triage.SCREENS[0].item_text("chest_pain"), exact=True).check()
    submit_and_wait(page, page.get_by_role("button", name="Next"), "warning_signs")
    banner = page.locator(".emergency-banner")
    expect(banner).to_contain_text("Call your emergency number now")
    expected = triage.assess({"chest_pain": True})
    expect(banner).to_contain_text(expected["headline"])
    main = page.locator("main").inner_text()
    assert "Tell the call handler" in main
    assert "Questions you could not answer" not in main and "Printable" not in main
    shoot(page, "triage-emergency")


def test_not_sure_and_back_reselects(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    submit_and_wait(page, page.get_by_role("button", name="I'm not sure"), "warning_signs")
    assert screen_id(page) == "leg_side"
    expect(page.locator("input[name='a.short_of_breath']")).to_have_value("null")
    page.get_by_label(triage.QUESTIONS_BY_ID["leg_side"].option_text("left"), exact=True).check()
    submit_and_wait(page, page.get_by_role("button", name="Next"), "leg_side")
    submit_and_wait(page, page.get_by_role("button", name="Back"), screen_id(page))
    assert screen_id(page) == "leg_side"
    expect(page.locator("input[name=answer][value=left]")).to_be_checked()
    submit_and_wait(page, page.get_by_role("button", name="Back"), "leg_side")
    assert screen_id(page) == "warning_signs"
    assert page.locator("input[name^='a.']").count() == 0


def test_an_unanswered_screen_is_asked_again_with_a_message(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".field-error")).to_contain_text("Choose the ones that apply")
    assert screen_id(page) == "warning_signs"


def test_switching_language_keeps_the_answers_and_moves_the_address(page: Any,
                                                                     server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    answer_current(page, {}, "en")
    page.get_by_role("button", name="Русский").click()
    page.wait_for_url("**/ru/triage")
    expect(page.locator("h1")).to_have_text(triage.SCREENS_BY_ID["leg_side"].text("ru"))
    expect(page.locator(".progress")).to_contain_text("Шаг 2")
    assert "/ru/triage" in page.url


def test_the_flow_works_without_javascript(new_page: Any, server: Any) -> None:
    page = new_page(javascript=False)
    page.goto(f"{server.url}/en/triage")
    given = run_questionnaire(page, SWOLLEN_CALF, "en")
    expected = triage.assess(given)
    expect(page.locator(".disposition")).to_contain_text(expected["headline"])


def test_triage_by_keyboard_alone(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    # The warning signs: tab to "None of these" and press Enter.
    while page.evaluate("document.activeElement.textContent.trim()") != "None of these":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('input[name=screen]').value "
                           "=== 'leg_side'")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.type") != "radio":
        page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.checked") is True
    outline = page.evaluate(
        """() => { const b = document.querySelector('button.primary'); b.focus();
                   return getComputedStyle(b).outlineStyle; }""")
    assert outline != "none"
