"""Every development vignette walked through the real questionnaire pages in Chromium, as a
person with its answers would fill them in (tick what applies, "None of these", "I'm not sure",
the option that fits, a typed number). To keep the suite fast the vignettes alternate between
English with JavaScript and Russian without it, so each is walked in a browser once and each
combination covers half. The answers the pages carry are the ones the TestClient walk of
tests/web collects, and the result page shows assess()'s disposition for them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.test_e2e_triage import screen_id, submit_and_wait
from tests.web.test_web_triage_flow import DEV, _reply, walk_core

from clotwatch import triage

DISPOSITIONS = ("emergency", "urgent", "soon", "self_care")
CASES = [pytest.param(case["id"], *(("en", True) if i % 2 == 0 else ("ru", False)),
                      id=f"{case['id']}-{'en-js' if i % 2 == 0 else 'ru-nojs'}")
         for i, case in enumerate(DEV["cases"])]
PEOPLE = {case["id"]: case["answers"] for case in DEV["cases"]}


def answer_screen(page: Any, person: dict[str, Any]) -> None:
    """Fill in and send the screen on show the way the TestClient walk answers it."""
    sid = screen_id(page)
    assert sid is not None
    screen = triage.SCREENS_BY_ID[sid]
    reply = _reply(screen, page.content(), person)
    action = next(v for n, v in reply if n == "action")
    for name, value in reply:
        if name == "item":
            page.locator(f"input[name=item][value='{value}']").check()
        elif name == "answer" and page.locator("input#answer").count():
            page.locator("input#answer").fill(value)
        elif name == "answer":
            page.locator(f"input[name=answer][value='{value}']").check()
    if action == "unknown" and not screen.is_group and not page.locator("input#answer").count():
        # A choice screen: "Don't know" is one of the options, sent with Next.
        page.locator("input[name=answer][value=unknown]").check()
        action = "answer"
    submit_and_wait(page, page.locator(f"button[name=action][value={action}]"), sid)


def shown_disposition(page: Any) -> str:
    """The disposition of the result page: the class of its .disposition, or the emergency
    screen."""
    box = page.locator(".disposition")
    if box.count():
        found = [c for c in (box.first.get_attribute("class") or "").split()
                 if c in DISPOSITIONS]
        assert len(found) == 1, box.first.get_attribute("class")
        return found[0]
    expect(page.locator(".emergency-banner")).to_be_visible()
    return "emergency"


@pytest.mark.parametrize(("name", "lang", "javascript"), CASES)
def test_every_vignette_in_chromium_ends_at_the_engines_disposition(
        new_page: Any, server: Any, name: str, lang: str, javascript: bool) -> None:
    person = PEOPLE[name]
    page = new_page(javascript)
    page.set_default_timeout(15_000)
    page.goto(f"{server.url}/{lang}/triage")
    for _ in range(len(triage.SCREENS) + 1):
        if screen_id(page) is None:
            break
        answer_screen(page, person)
    else:
        raise AssertionError(f"{name}: the questionnaire did not end")
    carried = page.locator("input[name^='a.']").evaluate_all(
        "els => Object.fromEntries(els.map(e => [e.name.slice(2), e.value]))")
    answers = {k: json.loads(v) for k, v in carried.items()}
    assert answers == walk_core(person), name
    expected = triage.assess(answers, lang=lang)
    assert shown_disposition(page) == expected["disposition"], name
    expect(page.locator("main")).to_contain_text(expected["headline"])
