"""The "Leg cramp or blood clot?" questionnaire in a real browser, in English and Russian."""

from __future__ import annotations

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


def question_id(page: Any) -> str | None:
    """The id of the question on screen, or None on a result page."""
    field = page.locator("input[name=question]")
    return field.get_attribute("value") if field.count() else None


def submit_and_wait(page: Any, button: Any, before: str | None) -> None:
    """Click, then wait until the page shows another question or the result."""
    button.click()
    page.wait_for_function(
        """before => { const q = document.querySelector('input[name=question]');
                       return (q ? q.value : null) !== before
                              || !!document.querySelector('.disposition'); }""",
        arg=before)


def answer_current(page: Any, plan: Mapping[str, Any], lang: str) -> str:
    """Answer the question on screen from ``plan`` (default: no / don't know); return its id."""
    qid = question_id(page)
    assert qid is not None
    question = triage.QUESTIONS_BY_ID[qid]
    t = triage.translator(lang)
    value = plan.get(qid, False if question.kind == "bool" else None)
    next_name = {"en": "Next", "ru": "Далее"}[lang]
    if value is None:
        if question.kind in ("number", "integer") and not question.presets:
            button = page.get_by_role("button", name=t("answer.dont_know"), exact=True)
            submit_and_wait(page, button, qid)
            return qid
        page.get_by_label(t("answer.dont_know"), exact=True).check()
    elif question.kind in ("number", "integer") and not question.presets:
        page.locator("#answer").fill(str(value))
    else:
        page.get_by_label(question.option_text(value, lang), exact=True).check()
    submit_and_wait(page, page.get_by_role("button", name=next_name, exact=True), qid)
    return qid


def run_questionnaire(page: Any, plan: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Answer until the result; return the answers given, as the engine sees them."""
    given: dict[str, Any] = {}
    for _ in range(len(triage.QUESTIONS) + 1):
        if question_id(page) is None:
            return given
        qid = answer_current(page, plan, lang)
        question = triage.QUESTIONS_BY_ID[qid]
        given[qid] = plan.get(qid, False if question.kind == "bool" else None)
    raise AssertionError("the questionnaire did not end")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_whole_triage_flow_reaches_the_engines_disposition(page: Any, server: Any, lang: str,
                                                           shoot: Any) -> None:
    page.goto(f"{server.url}/{lang}/triage")
    expect(page.locator("h1")).to_have_text(
        triage.QUESTIONS_BY_ID["short_of_breath"].text(lang))
    shoot(page, f"triage-question-{lang}")
    given = run_questionnaire(page, SWOLLEN_CALF, lang)
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


def test_a_warning_sign_shows_the_emergency_screen_at_once(page: Any, server: Any,
                                                           shoot: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    page.get_by_label("No", exact=True).check()
    submit_and_wait(page, page.get_by_role("button", name="Next"), "short_of_breath")
    assert question_id(page) == "chest_pain"
    page.get_by_label("Yes", exact=True).check()
    submit_and_wait(page, page.get_by_role("button", name="Next"), "chest_pain")
    banner = page.locator(".emergency-banner")
    expect(banner).to_contain_text("Call your emergency number now")
    expect(page.locator(".disposition")).to_have_class(re.compile("emergency"))
    expected = triage.assess({"short_of_breath": False, "chest_pain": True})
    expect(page.locator(".disposition")).to_contain_text(expected["headline"])
    shoot(page, "triage-emergency")


def test_dont_know_and_back(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    page.get_by_label("Don't know", exact=True).check()
    submit_and_wait(page, page.get_by_role("button", name="Next"), "short_of_breath")
    assert question_id(page) == "chest_pain"
    expect(page.locator("input[name='a.short_of_breath']")).to_have_value("null")
    submit_and_wait(page, page.get_by_role("button", name="Back"), "chest_pain")
    assert question_id(page) == "short_of_breath"
    assert page.locator("input[name^='a.']").count() == 0


def test_an_unanswered_question_is_asked_again_with_a_message(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".field-error")).to_contain_text("Choose an answer")
    assert question_id(page) == "short_of_breath"


def test_switching_language_keeps_the_answers(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    answer_current(page, {}, "en")
    answer_current(page, {}, "en")
    submit_and_wait(page, page.get_by_role("button", name="Русский"), None)
    expect(page.locator("h1")).to_have_text(triage.QUESTIONS_BY_ID["coughing_blood"].text("ru"))
    expect(page.locator(".progress")).to_contain_text("Вопрос 3")


def test_the_flow_works_without_javascript(browser: Any, server: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/en/triage")
        given = run_questionnaire(page, SWOLLEN_CALF, "en")
        expected = triage.assess(given)
        expect(page.locator(".disposition")).to_contain_text(expected["headline"])
    finally:
        context.close()


def test_triage_by_keyboard_alone(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    for _ in range(3):
        before = question_id(page)
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.type") != "radio":
            page.keyboard.press("Tab")
        page.keyboard.press("ArrowDown")  # moves to and selects "No" after "Yes"
        assert page.evaluate("document.activeElement.checked") is True
        while page.evaluate("document.activeElement.textContent.trim()") != "Next":
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "before => document.querySelector('input[name=question]').value !== before",
            arg=before)
    assert question_id(page) == "fainting"
    outline = page.evaluate(
        """() => { const b = document.querySelector('button.primary'); b.focus();
                   return getComputedStyle(b).outlineStyle; }""")
    assert outline != "none"


def test_print_summary_for_the_appointment(page: Any, server: Any, shoot: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    run_questionnaire(page, SWOLLEN_CALF, "en")
    page.get_by_role("button", name="Printable summary for your appointment").click()
    expect(page.locator("h1")).to_have_text("Summary for your appointment")
    expect(page.locator("main table")).to_contain_text(triage.translator("en")("label.swelling"))
    page.emulate_media(media="print")
    assert page.locator("header.site nav").first.is_hidden()
    assert page.locator(".disposition").is_visible()
    shoot(page, "triage-summary-print")


def test_saved_triage_result_opens_for_the_clinician(page: Any, server: Any,
                                                     browser: Any) -> None:
    page.goto(f"{server.url}/ru/triage")
    given = run_questionnaire(page, SWOLLEN_CALF, "ru")
    page.locator("input[name=consent]").check()
    page.locator("form.save button").click()
    expect(page.locator("#share-code")).to_be_visible()
    code = page.locator("#share-code").inner_text().strip()
    clinician = browser.new_context().new_page()
    try:
        clinician.goto(f"{server.url}/en/shared")
        clinician.get_by_label("Share code").first.fill(code)
        clinician.get_by_role("button", name="Open", exact=True).click()
        expected = triage.assess(given, lang="ru")
        expect(clinician.locator(".disposition")).to_contain_text(expected["headline"])
    finally:
        clinician.context.close()


def test_nothing_of_the_answers_reaches_the_server_log(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/triage")
    run_questionnaire(page, {**SWOLLEN_CALF, "age_years": 77}, "en")
    log = server.log()
    assert "POST /{lang}/triage 200" in log
    for needle in ("swelling", "warmth", "leg_side", "age_years", "left"):
        assert needle not in log, needle
