"""The calculator page's note box in the browser: paste, check the filled answers, calculate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
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


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """`clotwatch serve` with a local language model configured: the fake OpenAI-compatible
    server of tests/notes/test_notes_llm.py (no real model, no network)."""
    from tests.e2e.conftest import _serve
    from tests.notes.test_notes_llm import FakeModel

    fake = FakeModel()
    try:
        for server in _serve(tmp_path_factory, CLOTWATCH_NOTES_LLM_URL=fake.url,
                             CLOTWATCH_NOTES_LLM_MODEL="fake-model"):
            yield server, fake
    finally:
        fake.close()


def test_the_note_box_says_the_note_goes_to_the_model_and_is_audited(
        page: Any, model_server: tuple[Any, Any], shoot: Any) -> None:
    server, fake = model_server
    page.goto(f"{server.url}/en/calculators/wells-dvt")
    page.get_by_text("Fill from a clinical note").click()
    box = page.get_by_label("Also ask the local language model (fake-model)")
    expect(box).to_be_visible()
    expect(page.locator("#use-model-audit")).to_contain_text(
        "Sending the note to the model is recorded in the audit log")
    expect(page.locator("#use-model-audit")).to_contain_text("never its text")
    page.get_by_label("Paste the note").fill(NOTE)
    box.check()
    shoot(page, "calculator-note-model")
    page.get_by_role("button", name="Fill the form from the note").click()
    expect(page.locator("#model-outcome")).to_contain_text("The language model (fake-model)")
    assert len(fake.requests) == 1
    expect(page.locator("#in-previous_dvt").get_by_label("Yes", exact=True)).to_be_checked()


HAS_BLED_NOTE = (  # MedCalc-Bench v1.0 test row 361's wording, abridged
    "A 61-year-old male patient comes in for his routine follow-up. He has a history of "
    "hypertension but currently his blood pressure profile shows well-controlled readings "
    "(118/61). While there's no history of stroke, he had an unfortunate incidence of "
    "significant bleeding during a dental extraction. Possible alcohol excess.")


def test_russian_phone_page_shows_each_answer_with_its_words_and_calculates_nothing(
        page: Any, server: Any, shoot: Any) -> None:
    """As a clinician on a phone, Russian page: each filled answer has the note's words
    beside it, a No from words that are not a denial says so ('answers no', not 'present'),
    a doubted item says it is doubted (not 'not mentioned'), and no result is shown until
    Calculate is pressed."""
    page.goto(f"{server.url}/ru/calculators/has-bled")
    page.get_by_text("Заполнить по записи в медицинской карте").click()
    page.locator("#note-text").fill(HAS_BLED_NOTE)
    page.get_by_role("button", name="Заполнить форму по записи").click()
    expect(page.locator("#in-hypertension").get_by_label("Нет", exact=True)).to_be_checked()
    hypertension = page.locator("#in-hypertension").inner_text()
    assert "(ответ «нет»)" in hypertension and "well-controlled readings" in hypertension
    assert "(есть)" not in hypertension
    alcohol = page.locator("#in-alcohol").inner_text()
    assert "Не заполнено по записи" in alcohol and "сомнением" in alcohol
    expect(page.locator("#in-alcohol").get_by_label("Не знаю")).to_be_checked()
    expect(page.locator("section.result")).to_have_count(0)
    shoot(page, "calculator-from-note-ru")
    page.get_by_role("button", name="Рассчитать").click()
    expect(page.locator("section.result")).to_be_visible()


@pytest.mark.parametrize(("lang", "open_box", "fill", "says"), [
    ("en", "Fill from a clinical note", "Fill the form from the note",
     "The note answers none of these questions"),
    ("ru", "Заполнить по записи в медицинской карте", "Заполнить форму по записи",
     "Запись не отвечает ни на один из этих вопросов"),
])
def test_a_note_that_answers_nothing_says_so(page: Any, server: Any, lang: str,
                                             open_box: str, fill: str, says: str) -> None:
    """A note that answers none of the questions left the page as it was before, with no word
    that the note had been read: the clinician could not tell a note with nothing in it from
    a button that did nothing."""
    page.goto(f"{server.url}/{lang}/calculators/wells-dvt")
    page.get_by_text(open_box).click()
    page.locator("#note-text").fill(
        "Patient is feeling well today. Discussed diet and exercise. Follow up in 3 months.")
    page.get_by_role("button", name=fill).click()
    expect(page.locator("#note-filled")).to_contain_text(says)
    expect(page.locator("#note-filled")).not_to_contain_text("were filled")
    expect(page.locator("#in-active_cancer").get_by_role("radio").last).to_be_checked()
    expect(page.locator("section.result")).to_have_count(0)


def test_an_empty_note_keeps_the_box_open_with_its_error(page: Any, server: Any) -> None:
    """An empty paste was refused with the box closed: the reason beside the box was hidden
    until the clinician opened it again."""
    page.goto(f"{server.url}/en/calculators/perc")
    page.get_by_text("Fill from a clinical note").click()
    page.get_by_role("button", name="Fill the form from the note").click()
    expect(page.locator("#err-note")).to_be_visible()
    expect(page.locator("#err-note")).to_contain_text("The note is empty")
    expect(page.locator("#note-text")).to_be_visible()


def test_a_note_over_the_limit_is_refused_not_cut(page: Any, server: Any) -> None:
    """The box's maxlength cut a longer paste at 200,000 characters without a word: the rest
    of the note was silently never read, and the page filled answers as if it had been. The
    server's limit now speaks: the note is refused, with the reason, and nothing is filled."""
    note = "Calf 4 cm larger on the left. " + "Patient seen on the ward. " * 8_000
    assert len(note) > 200_000
    page.goto(f"{server.url}/en/calculators/wells-dvt")
    page.get_by_text("Fill from a clinical note").click()
    page.locator("#note-text").fill(note)
    assert page.locator("#note-text").input_value() == note  # not cut by the browser
    page.get_by_role("button", name="Fill the form from the note").click()
    expect(page.locator("#err-note")).to_contain_text(
        "The note is longer than 200000 characters")
    expect(page.locator("#in-calf_swelling_3cm").get_by_label("Yes", exact=True)
           ).not_to_be_checked()
