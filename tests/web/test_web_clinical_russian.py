"""Russian calculator pages show the clinical text in Russian and the same numbers as English."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

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


SAME_IN_BOTH = {"%", "< 500", "< 1000", "< 1200"}
RU = clinical("ru")


def _visible(page: str, inst: Any) -> str:
    """The page's visible text, without the citations (they stay as published)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", text))
    for citation in (inst.citation, *inst.other_citations):
        text = text.replace(str(citation), " ")
    return re.sub(r"\s+", " ", text)


def _english_strings(inst: Any) -> set[str]:
    """Every English clinical string the instrument's page could show."""
    found = {inst.name, inst.purpose}
    for item in inst.inputs:
        found |= {item.meaning, *(o.label for o in item.options), *(t.label for t in item.tiers)}
        if item.only_if is not None:
            found.add(item.only_if.label)
        if item.unit:
            found.add(item.unit)
    found |= {b.label for bands in inst.schemes.values() for b in bands if b.label}
    found |= {m.text for m in inst.interpretations.values()}
    return {s for s in found if s and s not in SAME_IN_BOTH and RU(s) != s}


def _answers(inst: Any) -> dict[str, str]:
    """A complete set of answers that scores something on most inputs."""
    out = {}
    for item in inst.inputs:
        if item.kind == "bool":
            out[item.id] = "true"
        elif item.kind == "enum":
            out[item.id] = item.options[-1].value if item.id == "sex" else item.options[0].value
        else:
            probes = item.probe_values()
            value = probes[len(probes) // 2]
            out[item.id] = str(int(value) if float(value).is_integer() else round(value, 1))
    return out


def _post(client: TestClient, token: str, lang: str, inst_id: str,
          answers: dict[str, str]) -> str:
    response = client.post(f"/{lang}/calculators/{inst_id}",
                           data={"csrf_token": token, **answers})
    assert response.status_code == 200, response.text[:500]
    return response.text


def _numbers(page: str) -> tuple[str, list[str]]:
    """The total and every points cell of the contributions table."""
    total = re.search(r'class="total">[^<]*<strong>([^<]*)</strong>', page)
    assert total
    cells = re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td></tr>", page)
    return total.group(1), cells


@pytest.mark.parametrize("inst_id", sorted(INSTRUMENTS))
def test_russian_calculator_form_has_no_english_clinical_text(client: TestClient,
                                                               inst_id: str) -> None:
    inst = INSTRUMENTS[inst_id]
    text = _visible(client.get(f"/ru/calculators/{inst_id}").text, inst)
    english = sorted(s for s in _english_strings(inst) if s in text or capfirst(s) in text)
    assert not english
    # Labels are shown capitalised (a meaning is declared as a phrase: "active cancer: ...").
    assert RU(inst.name) in text and all(capfirst(RU(i.meaning)) in text for i in inst.inputs)


@pytest.mark.parametrize("inst_id", sorted(INSTRUMENTS))
def test_russian_result_says_the_same_numbers_in_russian(client: TestClient, token: str,
                                                        inst_id: str) -> None:
    inst = INSTRUMENTS[inst_id]
    answers = _answers(inst)
    en_page, ru_page = (_post(client, token, lang, inst_id, answers) for lang in ("en", "ru"))
    assert _numbers(ru_page) == _numbers(en_page)
    ru_text = _visible(ru_page, inst)
    assert not sorted(s for s in _english_strings(inst) if s in ru_text)
    en_interpretation = next(m.text for m in inst.interpretations.values()
                             if m.text in htmllib.unescape(en_page))
    assert RU(en_interpretation) in ru_text


def test_incomplete_russian_result_is_worded_in_russian(client: TestClient, token: str) -> None:
    page = _post(client, token, "ru", "wells-dvt", {"active_cancer": "true"})
    text = _visible(page, INSTRUMENTS["wells-dvt"])
    assert "Без ответа (9)" in text and "с учётом остальных может быть от -1 до 9" in text
    assert "Не определена: возможно ТГВ маловероятен / ТГВ вероятен" in text
    assert "Не определена: возможно Низкая вероятность / Умеренная вероятность" in text
    assert "incomplete" not in text and "answered inputs" not in text


def test_russian_notes_are_worded_in_russian(client: TestClient, token: str) -> None:
    page = _post(client, token, "ru", "villalta", {"venous_ulcer": "true"})
    assert "Венозная трофическая язва означает тяжёлый посттромботический синдром" in page
    caprini = _post(client, token, "ru", "caprini-2005", {"pregnant_or_postpartum": "true"})
    # The page names the inputs in words, never by id (the API's note keeps the ids).
    assert ("«Женщины: беременность или послеродовой период (< 1 мес.)»: учтено, хотя на «Пол "
            "(пункты «только для женщин» учитываются только при женском поле)» нет ответа "
            "(учитывается только у женщин)") in htmllib.unescape(caprini)
    assert "pregnant_or_postpartum" not in _visible(caprini, INSTRUMENTS["caprini-2005"])


def test_english_calculator_result_has_the_apis_numbers_and_words(client: TestClient,
                                                                   token: str) -> None:
    answers = {i.id: False for i in INSTRUMENTS["wells-dvt"].inputs}
    answers |= {"active_cancer": True, "entire_leg_swollen": True}
    page = htmllib.unescape(_post(client, token, "en", "wells-dvt", {
        k: "true" if v else "false" for k, v in answers.items()}))
    api = client.post("/api/v1/instruments/wells-dvt/evaluate", json=answers).json()
    assert api["category"] == "likely" and api["categories"]["three_level"] == "moderate"
    assert "<strong>DVT likely</strong>" in page and "<strong>Moderate</strong>" in page
    inst = INSTRUMENTS["wells-dvt"]
    assert inst.interpretations[("two_level", "likely")].text in page


def test_russian_list_of_scores_names_them_in_russian(client: TestClient) -> None:
    page = htmllib.unescape(client.get("/ru/calculators").text)
    for inst in INSTRUMENTS.values():
        page = page.replace(str(inst.citation), " ")
    assert all(RU(inst.name) in page for inst in INSTRUMENTS.values())
    assert not [inst.name for inst in INSTRUMENTS.values() if inst.name in page]
