"""The /ru/ pathway pages: the NG158 steps, questions and fields in Russian, the same numbers."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from clotwatch.core.pathway import CONCLUSIONS, FACTS, inputs_for, run
from clotwatch.service.pathway import next_step
from clotwatch.web.i18n import clinical
from clotwatch.web.render import capfirst


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/web/conftest.py): these tests read pages and calculate,
    and none depends on what another stored."""
    return shared_client


RU = clinical("ru")
SCENARIOS = [
    ("dvt", {}),
    ("dvt", {"age": "15"}),
    ("dvt", {"age": "60", "pregnant": "true"}),
    ("dvt", {"age": "60", "pregnant": "false", "wells_dvt_category": "likely",
             "ultrasound_within_4h": "false"}),
    ("dvt", {"age": "60", "pregnant": "false", "wells_dvt_category": "unlikely",
             "ddimer_value": "700", "ddimer_unit": "ng/mL FEU", "ultrasound": "negative"}),
    ("dvt", {"age": "60", "pregnant": "false", "wells_dvt_category": "likely",
             "ultrasound": "negative", "ddimer_result": "positive"}),
    ("dvt", {"age": "70", "pregnant": "false", "wells_dvt_total": "3",
             "ultrasound": "positive", "interim_anticoagulation": "true"}),
    ("pe", {}),
    ("pe", {"age": "50", "pregnant": "false", "gestalt_below_15": "true",
            "perc_all_negative": "true"}),
    ("pe", {"age": "50", "pregnant": "false", "gestalt_below_15": "false",
            "wells_pe_category": "likely", "ctpa_immediately": "false"}),
    ("pe", {"age": "72", "pregnant": "false", "gestalt_below_15": "false",
            "wells_pe_total": "2", "ddimer_value": "0.65", "ddimer_unit": "mg/L FEU",
            "ddimer_age_adjusted": "true"}),
    ("pe", {"age": "50", "pregnant": "false", "gestalt_below_15": "false",
            "wells_pe_category": "likely", "ctpa": "negative", "dvt_suspected": "true",
            "ultrasound": "positive"}),
    ("pe", {"age": "50", "pregnant": "false", "gestalt_below_15": "false",
            "pe_route": "years"}),
]


def _text(page: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", text)))


def _section(page: str) -> str:
    match = re.search(r'<section class="result".*?</section>', page, re.S)
    assert match, "no result section"
    # Without the sources: citations stay as published.
    return _text(re.sub(r"<details>.*?</details>", " ", match.group(0), flags=re.S))


def _post(client: TestClient, token: str, lang: str, pathway: str,
          data: dict[str, str]) -> str:
    response = client.post(f"/{lang}/pathway/{pathway}", data={"csrf_token": token, **data})
    assert response.status_code == 200, response.text[:400]
    return response.text


@pytest.mark.parametrize("pathway", ["dvt", "pe"])
def test_russian_pathway_form_has_no_english_clinical_text(client: TestClient,
                                                            pathway: str) -> None:
    text = _text(client.get(f"/ru/pathway/{pathway}").text)
    fields = [i for i in inputs_for(pathway) if i.kind != "answers"]
    english = [i.meaning for i in fields if i.meaning in text or capfirst(i.meaning) in text]
    english += [o for i in fields for o in i.options if f" {o} " in text]
    assert not english
    assert all(capfirst(RU(i.meaning)) in text for i in fields)  # labels are capitalised


@pytest.mark.parametrize(("pathway", "data"), SCENARIOS)
def test_russian_pathway_step_is_in_russian_with_the_same_figures(
        client: TestClient, token: str, pathway: str, data: dict[str, str]) -> None:
    en = _section(_post(client, token, "en", pathway, data))
    ru_page = _post(client, token, "ru", pathway, data)
    ru = _section(ru_page)
    inputs = {k: (v == "true" if v in ("true", "false") else
                  float(v) if re.fullmatch(r"[\d.]+", v) else v) for k, v in data.items()}
    now = datetime.now(UTC)
    english = next_step(pathway, inputs, now)
    russian = next_step(pathway, inputs, now, RU)
    shown = [english["step"]["action"], english["conclusion"]["text"],
             english["step"]["time_limit_text"], *english["notes"]]
    assert not [s for s in shown if s and s in ru]
    assert russian["step"]["action"] in ru and russian["conclusion"]["text"] in ru
    if english["step"]["time_limit_text"]:
        assert russian["step"]["time_limit_text"] in ru
    questions = [m["question"] for m in english["missing"]]
    assert not [q for q in questions if q in _text(ru_page)]
    # Every figure of the English step (hours, cut-offs, D-dimer values) is in the Russian.
    figures = sorted(re.findall(r"\d+(?:\.\d+)?", en.replace("NG158", "")))
    ru_figures = re.findall(r"\d+(?:\.\d+)?", ru.replace("NG158", ""))
    assert all(f in ru_figures for f in figures), (figures, ru_figures)


def test_every_pathway_question_and_conclusion_is_translated() -> None:
    assert all(RU(f.question) != f.question for f in FACTS.values())
    assert all(RU(text) != text for text in CONCLUSIONS.values())


def test_the_api_pathway_step_stays_english(client: TestClient) -> None:
    response = client.post("/api/v1/pathway/dvt", json={"age": 60})
    assert response.status_code == 200, response.text
    assert response.json()["step"]["action"] == run("dvt", {"age": 60}).action
    assert "Ask whether the person is pregnant" in response.json()["step"]["action"]
