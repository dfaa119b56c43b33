"""A calculator's result page speaks a clinician's words: categories by their labels, every
band scheme the instrument declares (Wells DVT: the 2003 two levels and the 1997 three), the
title once, unanswered items by their meaning, labels capitalised; the same in Russian."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from fastapi.testclient import TestClient

from clotwatch.instruments import INSTRUMENTS
from clotwatch.web.i18n import clinical
from clotwatch.web.render import capfirst


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/web/conftest.py): these tests read pages and calculate,
    and none depends on what another stored."""
    return shared_client


WELLS = INSTRUMENTS["wells-dvt"]


def _main(page: str) -> str:
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", main)))


def _post(client: TestClient, token: str, lang: str, answers: dict[str, str],
          inst_id: str = "wells-dvt") -> str:
    response = client.post(f"/{lang}/calculators/{inst_id}", data={"csrf_token": token,
                                                                   **answers})
    assert response.status_code == 200, response.text[:300]
    return response.text


def _all(value: str, **overrides: str) -> dict[str, str]:
    return {i.id: value for i in WELLS.inputs} | overrides


def test_category_is_in_words_with_every_band_scheme(client: TestClient, token: str) -> None:
    # active cancer + entire leg swollen = 2: two-level "likely", 1997 three-level "moderate".
    page = _post(client, token, "en", _all("false", active_cancer="true",
                                           entire_leg_swollen="true"))
    text = _main(page)
    assert "Category: likely" not in text and "<strong>likely</strong>" not in page
    assert "<strong>DVT likely</strong>" in page and "<strong>Moderate</strong>" in page
    assert "Two-level probability (primary)" in text and "Three-level probability" in text
    # The bands of each scheme with their totals, as published (Wells 1997: <=0, 1-2, >=3).
    assert "DVT unlikely: ≤ 1; DVT likely: > 1" in text
    assert "Low: ≤ 0; Moderate: > 0 and ≤ 2; High: > 2" in text
    assert "Points: 2" in text


def test_the_title_is_shown_once(client: TestClient, token: str) -> None:
    text = _main(_post(client, token, "en", _all("false", active_cancer="true")))
    assert text.count(WELLS.name) == 1


def test_unanswered_items_are_named_in_words_not_ids(client: TestClient, token: str) -> None:
    text = _main(_post(client, token, "en", {"active_cancer": "true"}))
    assert "Not answered (9)" in text
    for item in WELLS.inputs[1:]:
        assert capfirst(item.meaning) in text
    assert "calf_swelling_3cm" not in text and "paralysis_or_cast" not in text
    assert "Not determined: could be DVT unlikely / DVT likely" in text
    assert "could be -1 to 9" in text


def test_labels_start_with_a_capital(client: TestClient) -> None:
    page = client.get("/en/calculators/wells-dvt").text
    legends = re.findall(r"<legend>([^<]+)", page)
    assert legends and all(legend[0].isupper() for legend in legends)
    assert "<legend>Active cancer" in page


def test_a_unit_written_with_capitals_inside_keeps_them() -> None:
    assert capfirst("ng/mL FEU cut-off") == "ng/mL FEU cut-off"
    assert capfirst("active cancer") == "Active cancer"
    assert capfirst("") == ""


def test_errors_name_the_input_in_words(client: TestClient, token: str) -> None:
    response = client.post("/en/calculators/perc", data={"csrf_token": token, "age": "old"})
    assert response.status_code == 422
    alert = response.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    meaning = capfirst(INSTRUMENTS["perc"].input("age").meaning)
    assert f'<a href="#in-age">{meaning}</a>' in htmllib.unescape(alert)


def test_russian_result_uses_the_clinical_catalogue(client: TestClient, token: str) -> None:
    ru = clinical("ru")
    page = _post(client, token, "ru", _all("false", active_cancer="true",
                                           entire_leg_swollen="true"))
    text = _main(page)
    assert f"<strong>{ru('DVT likely')}</strong>" in page
    assert f"<strong>{capfirst(ru('moderate', 'three_level'))}</strong>" in page
    assert "Двухуровневая вероятность" in text and "Трёхуровневая вероятность" in text
    assert text.count(ru(WELLS.name)) == 1
    assert "likely" not in text.replace("DVT likely", "")


@pytest.mark.parametrize("inst_id", sorted(INSTRUMENTS))
def test_every_instrument_shows_each_declared_scheme(client: TestClient, token: str,
                                                     inst_id: str) -> None:
    inst = INSTRUMENTS[inst_id]
    page = _post(client, token, "en", {}, inst_id)
    assert page.count('<th scope="row">') == len(inst.schemes)


def test_a_shared_calculator_result_reads_the_same(client: TestClient, token: str) -> None:
    saved = client.post("/en/save", data={
        "csrf_token": token, "kind": "instrument", "instrument": "wells-dvt", "consent": "yes",
        "a.active_cancer": "true", "a.entire_leg_swollen": "true"})
    code = re.search(r'id="share-code"[^>]*>\s*([0-9A-Z-]+)', saved.text)
    assert code, saved.text[:500]
    page = client.post("/en/shared", data={"csrf_token": token, "code": code.group(1)}).text
    text = _main(page)
    assert "Three-level probability" in text and "calf_swelling_3cm" not in text
    assert "Not answered (8)" in text


def test_notes_name_inputs_in_words(client: TestClient, token: str) -> None:
    page = _post(client, token, "en", {"pregnant_or_postpartum": "true"}, "caprini-2005")
    inst = INSTRUMENTS["caprini-2005"]
    text = _main(page)
    assert f"\u201c{capfirst(inst.input('pregnant_or_postpartum').meaning)}\u201d: counted " \
           f"although \u201c{capfirst(inst.input('sex').meaning)}\u201d is unanswered" in text
    assert "pregnant_or_postpartum" not in text
