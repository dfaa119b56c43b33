"""The calculator page's "paste a note" box: fills the form, shows the words beside answers."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

NOTE = ("72 yo man with a swollen left leg. Calf circumference 4 cm greater on the left. "
        "Denies hemoptysis. History of DVT in 2019.")


def test_calculator_page_offers_the_note_box(client: TestClient) -> None:
    html = client.get("/en/calculators/wells-dvt").text
    assert 'action="/en/calculators/wells-dvt/note#note"' in html
    # instruments without note rules get no box
    assert "/note#note" not in client.get("/en/calculators/khorana").text


def test_note_fills_the_form_with_evidence_and_calculates_nothing(
    client: TestClient, token: str
) -> None:
    r = client.post("/en/calculators/wells-dvt/note", data={"csrf_token": token, "note": NOTE})
    assert r.status_code == 200
    html = r.text
    checked = re.findall(r'name="(\w+)" value="(\w*)" checked', html)
    assert ("previous_dvt", "true") in checked
    assert ("calf_swelling_3cm", "true") in checked
    assert ("active_cancer", "") in checked  # not in the note: don't know, never "no"
    assert "From the note" in html and "<q>History of DVT</q>" not in html
    assert "<q>DVT</q>" in html
    assert "Check each one" in html
    assert "total_range" not in html and "Total" not in html.split("<form")[0]


def test_note_errors_and_csrf(client: TestClient, token: str) -> None:
    r = client.post("/en/calculators/perc/note", data={"csrf_token": token, "note": "  "})
    assert r.status_code == 422 and "is empty" in r.text
    assert client.post("/en/calculators/perc/note", data={"note": NOTE}).status_code == 403
    assert client.post("/en/calculators/khorana/note",
                       data={"csrf_token": token, "note": NOTE}).status_code == 404


def test_russian_page_words_the_status(client: TestClient, token: str) -> None:
    r = client.post("/ru/calculators/perc/note", data={"csrf_token": token, "note": NOTE})
    assert r.status_code == 200 and "Из записи" in r.text and "отрицается" in r.text


def test_no_model_is_offered_unless_one_is_configured(client: TestClient, token: str) -> None:
    assert 'name="use_model"' not in client.get("/en/calculators/wells-dvt").text
    # asking anyway is refused with the setting named, and nothing is filled
    r = client.post("/en/calculators/wells-dvt/note",
                    data={"csrf_token": token, "note": NOTE, "use_model": "on"})
    assert r.status_code == 422 and "CLOTWATCH_NOTES_LLM_URL" in r.text
    assert 'value="true" checked' not in r.text


def _unfilled(html: str, input_id: str) -> str:
    """The reason the page gives beside ``input_id`` for leaving it unfilled."""
    block = html.split(f'id="in-{input_id}"', 1)[1]
    m = re.search(r'note-missing">\s*(.*?)\s*</p>', block, re.S)
    assert m, f"no reason shown for {input_id}"
    return m.group(1)


PARTIAL = ("Patient with pleuritic chest pain and dyspnoea. No calf swelling. "
           "Her mother had a DVT. Heart rate 112.")


def test_reasons_for_unfilled_items_are_in_the_page_language(
    client: TestClient, token: str
) -> None:
    """Why an item stays unfilled is shown in the page's language; the note's own words are
    quoted as written (the reasons were English on the Russian page)."""
    en = client.post("/en/calculators/wells-pe/note",
                     data={"csrf_token": token, "note": PARTIAL}).text
    ru = client.post("/ru/calculators/wells-pe/note",
                     data={"csrf_token": token, "note": PARTIAL}).text
    why_en, why_ru = _unfilled(en, "dvt_signs"), _unfilled(ru, "dvt_signs")
    assert "does not mention pain on palpation of the deep veins or swelling of one leg" in why_en
    assert "боль при пальпации по ходу глубоких вен или отёк одной ноги" in why_ru
    assert "does not" not in why_ru and "calf swelling" in why_ru  # the note's words, as written
    # a relative's DVT is not the patient's previous DVT: said in each language
    assert "about a relative, not the patient" in _unfilled(en, "previous_vte")
    assert "о родственнике" in _unfilled(ru, "previous_vte")



def _evidence(html: str, input_id: str) -> str:
    block = html.split(f'id="in-{input_id}"', 1)[1]
    m = re.search(r'<p class="small note-evidence ([\w-]+)">\s*(.*?)\s*</p>', block, re.S)
    assert m, f"no evidence shown for {input_id}"
    return f"{m.group(1)} {m.group(2)}"


def test_a_no_from_words_that_are_not_a_denial_is_labelled_as_a_no(
    client: TestClient, token: str
) -> None:
    """'From the note (present): "well-controlled readings (118/61)"' beside a *No* for
    uncontrolled hypertension read as "hypertension present" (MedCalc-Bench row 361 in the
    browser): words that answer no without denying are labelled as answering no, in neutral
    colours, not green."""
    note = ("He has a history of hypertension but currently his blood pressure profile shows "
            "well-controlled readings (118/61). No history of stroke.")
    en = client.post("/en/calculators/has-bled/note",
                     data={"csrf_token": token, "note": note}).text
    ru = client.post("/ru/calculators/has-bled/note",
                     data={"csrf_token": token, "note": note}).text
    assert re.search(r'name="hypertension" value="false" checked', en)
    shown = _evidence(en, "hypertension")
    assert "(present)" not in shown and "(answers no)" in shown
    assert shown.startswith("note-answers-no")
    assert "(ответ «нет»)" in _evidence(ru, "hypertension")
    # a denial keeps its own label
    assert "(denied)" in _evidence(en, "stroke_history")


def test_a_note_the_box_cannot_read_is_said_in_the_page_language(
    client: TestClient, token: str
) -> None:
    """An empty or overlong note was reported as 'is empty' / 'is longer than 200000
    characters', with no subject, in English on the Russian page too."""
    for lang, note, says in [
        ("en", "  ", "The note is empty"),
        ("en", "x" * 200_001, "The note is longer than 200000 characters"),
        ("ru", "  ", "Запись пуста"),
        ("ru", "x" * 200_001, "Запись длиннее 200000 символов"),
    ]:
        r = client.post(f"/{lang}/calculators/perc/note", data={"csrf_token": token,
                                                                "note": note})
        assert r.status_code == 422
        assert says in r.text, (lang, says)
        assert "<li>is " not in r.text
