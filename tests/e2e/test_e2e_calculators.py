"""A calculator in the browser: its form from the declaration, the result with its citation,
saving it and opening it by share code, keyboard-only use."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from clotwatch import instruments
from clotwatch.web.render import capfirst


def test_calculator_form_is_generated_from_the_declaration(page: Any, server: Any,
                                                          shoot: Any) -> None:
    page.goto(f"{server.url}/en/calculators/wells-dvt")
    declared = instruments.get("wells-dvt")
    legends = page.locator("fieldset legend").all_inner_texts()
    assert [text.strip() for text in legends] == [capfirst(i.meaning) for i in declared.inputs]
    shoot(page, "calculator-wells-dvt")


def test_wells_dvt_result_shows_total_contributions_and_citation(page: Any,
                                                                  server: Any, shoot: Any) -> None:
    page.goto(f"{server.url}/en/calculators/wells-dvt")
    for item in instruments.get("wells-dvt").inputs:
        answer = "Yes" if item.id in ("active_cancer", "entire_leg_swollen",
                                      "calf_swelling_3cm") else "No"
        page.locator(f"#in-{item.id}").get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Calculate").click()
    result = page.locator("section.result")
    expect(result).to_be_visible()
    expected = instruments.evaluate("wells-dvt", {
        i.id: i.id in ("active_cancer", "entire_leg_swollen", "calf_swelling_3cm")
        for i in instruments.get("wells-dvt").inputs}).to_dict()
    assert f"Points: {expected['total']}" in result.inner_text()
    assert expected["category"] == "likely" and "DVT likely" in result.inner_text()
    assert "10.1056/NEJMoa023153" in result.inner_text()
    contributions = result.locator("table:not(.bands) tbody tr")
    assert contributions.count() == len(expected["contributions"])
    assert "True" not in result.inner_text()  # answers read Yes / No, not Python's booleans
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the result scrolls sideways on a phone"
    shoot(page, "calculator-result")


def test_saved_calculator_result_opens_read_only_by_code(page: Any, server: Any, new_page: Any,
                                                         shoot: Any) -> None:
    page.goto(f"{server.url}/en/calculators/perc")
    page.get_by_label(re.compile("^age", re.IGNORECASE)).fill("62")
    page.get_by_role("button", name="Calculate").click()
    page.get_by_label("I want to save these answers and get a share code").check()
    page.get_by_role("button", name="Save and get a share code").click()
    expect(page.locator("#share-code")).to_be_visible()
    code = page.locator("#share-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code)
    shoot(page, "saved-share-code")
    clinician = new_page()   # another context than the page's: not signed in, no cookies
    clinician.goto(f"{server.url}/en/shared")
    clinician.get_by_label("Share code").first.fill(code.lower())
    clinician.get_by_role("button", name="Open", exact=True).click()
    expect(clinician.locator("h1")).to_contain_text("Shared result")
    text = clinician.locator("main").inner_text()
    assert instruments.get("perc").name in text
    assert "62 years" in text
    assert clinician.locator("form[action$='/calculators/perc']").count() == 0
    shoot(clinician, "shared-view")


def test_unknown_share_code_says_so(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/shared")
    page.get_by_label("Share code").first.fill("ABCDE-12345-FGHJK-67890")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.locator("main")).to_contain_text("No shared result has this code")


def test_calculator_by_keyboard_alone(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/en/calculators/constans")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    page.keyboard.press("Enter")
    # Tab to the first radio group and answer every question with the keyboard only.
    for _ in range(len(instruments.get("constans").inputs)):
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.type") != "radio":
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
    while page.evaluate("document.activeElement.textContent.trim()") != "Calculate":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("section.result")
    assert "Points:" in page.locator("section.result").inner_text()


def test_russian_wells_dvt_result_is_in_russian_with_the_same_numbers(page: Any, server: Any,
                                                                      shoot: Any) -> None:
    from clotwatch.web.i18n import clinical

    t = clinical("ru")
    declared = instruments.get("wells-dvt")
    chosen = ("active_cancer", "entire_leg_swollen", "calf_swelling_3cm")
    page.goto(f"{server.url}/ru/calculators/wells-dvt")
    legends = [text.strip() for text in page.locator("fieldset legend").all_inner_texts()]
    assert legends == [capfirst(t(i.meaning)) for i in declared.inputs]
    for item in declared.inputs:
        answer = "Да" if item.id in chosen else "Нет"
        page.locator(f"#in-{item.id}").get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Рассчитать").click()
    result = page.locator("section.result")
    expect(result).to_be_visible()
    expected = instruments.evaluate("wells-dvt", {i.id: i.id in chosen
                                                  for i in declared.inputs})
    text = result.inner_text()
    expect(page.locator("h1")).to_contain_text("Шкала Уэллса для ТГВ")
    assert "ТГВ вероятен" in text
    assert f"Сумма баллов: {expected.total}" in text
    assert t(declared.interpretations[("two_level", "likely")].text) in text
    assert declared.interpretations[("two_level", "likely")].text not in text
    assert "10.1056/NEJMoa023153" in text
    cells = result.locator("table:not(.bands) tbody tr td:last-child").all_inner_texts()
    assert [c.strip() for c in cells] == [str(c.points) for c in expected.contributions]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the result scrolls sideways on a phone"
    shoot(page, "calculator-result-ru")


def test_every_radio_button_keeps_its_size_beside_a_long_answer(page: Any,
                                                                 server: Any) -> None:
    """On a phone the radio buttons of long answers ("Elective major lower extremity
    arthroplasty", two lines or more) shrank to a dot beside the text, a smaller target than
    the others (the label is a flex row and the input could shrink)."""
    page.goto(f"{server.url}/ru/calculators/caprini-2005")  # the longest answers
    widths = page.locator(".choices input[type=radio]").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)")
    assert len(widths) > 50
    assert min(widths) == max(widths), sorted(set(widths))
