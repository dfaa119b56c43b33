"""The clinician's pathway page without a browser: each post shows the next NG158 step."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/web/conftest.py): these tests read pages and calculate,
    and none depends on what another stored."""
    return shared_client



def _section(html: str) -> str:
    match = re.search(r'<section class="result".*?</section>', html, re.S)
    assert match, "no result section"
    return re.sub(r"\s+", " ", match.group(0))


def test_empty_pathway_asks_for_the_age_first(client: TestClient) -> None:
    response = client.get("/en/pathway/dvt")
    assert response.status_code == 200
    first = response.text.index('id="in-age"')
    assert first < response.text.index("Everything known so far")
    assert "Record the person" in _section(response.text)


def test_walking_the_dvt_pathway_to_a_24_hour_scan(client: TestClient, token: str) -> None:
    data = {"csrf_token": token, "age": "64", "pregnant": "false",
            "wells_dvt_category": "likely", "ultrasound_within_4h": "false"}
    response = client.post("/en/pathway/dvt", data=data)
    assert response.status_code == 200
    section = _section(response.text)
    assert "Start interim therapeutic anticoagulation" in section
    assert "result within 24 hours" in section
    assert "1.1.4" in section


def test_walking_the_pe_pathway_to_a_perc_rule_out(client: TestClient, token: str) -> None:
    response = client.post("/en/pathway/pe", data={
        "csrf_token": token, "age": "30", "pregnant": "false", "gestalt_below_15": "true",
        "perc_all_negative": "true"})
    assert response.status_code == 200
    assert "PE ruled out by PERC" in _section(response.text)


def test_the_next_needed_field_comes_first(client: TestClient, token: str) -> None:
    response = client.post("/en/pathway/pe", data={"csrf_token": token, "age": "50",
                                                    "pregnant": "false"})
    html = response.text
    assert html.index('id="in-gestalt_below_15"') < html.index("Everything known so far")


def test_bad_input_names_the_field_and_keeps_the_values(client: TestClient, token: str) -> None:
    response = client.post("/en/pathway/dvt", data={"csrf_token": token, "age": "sixty",
                                                    "pregnant": "false"})
    assert response.status_code == 422
    assert 'href="#in-age"' in response.text
    assert 'value="sixty"' in response.text


def test_value_without_unit_is_refused_naming_the_unit(client: TestClient, token: str) -> None:
    response = client.post("/en/pathway/dvt", data={"csrf_token": token, "age": "60",
                                                    "ddimer_value": "600"})
    assert response.status_code == 422
    assert 'href="#in-ddimer_unit"' in response.text


def test_form_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/en/pathway/dvt")
    assert client.post("/en/pathway/dvt", data={"age": "60"}).status_code == 403


def test_unknown_pathway_or_language_is_a_404_page(client: TestClient) -> None:
    assert client.get("/en/pathway/asthma").status_code == 404
    assert client.get("/xx/pathway/dvt").status_code == 404


def test_russian_pathway_page_no_longer_says_its_text_is_english(client: TestClient) -> None:
    note = "The pathway text is in English, as in the guideline."
    assert 'href="/ru/pathway/dvt"' in client.get("/ru/pathway").text
    page = client.get("/ru/pathway/dvt").text
    assert note not in page and "Подозрение на тромбоз глубоких вен" in page
