"""The long-journey page in English and Russian, its errors and its calendar download."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clotwatch.core.travel import RISK_FACTORS


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/web/conftest.py): these tests read pages and calculate,
    and none depends on what another stored."""
    return shared_client



def _form(token: str, **overrides: str) -> dict[str, str]:
    data = {"csrf_token": token, "depart": "2026-12-20T10:00", "zone": "Europe/Paris",
            "hours": "9.5", **{f.id: "no" for f in RISK_FACTORS}}
    data.update(overrides)
    return data


def test_the_form_asks_every_risk_factor_with_dont_know(client: TestClient) -> None:
    page = client.get("/en/travel")
    assert page.status_code == 200
    for factor in RISK_FACTORS:
        assert f'name="{factor.id}" value=""' in page.text
    assert "Don&#39;t know" in page.text or "Don't know" in page.text


def test_a_plan_with_a_risk_factor(client: TestClient, token: str) -> None:
    page = client.post("/en/travel", data=_form(token, estrogen="yes"))
    assert page.status_code == 200
    text = page.text
    assert "Before the journey" in text and "15-30 mmHg" in text
    assert "call emergency services now" in text
    assert 'href="/en/triage"' in text  # the triage one tap away
    assert "http://testserver/en/triage" in text  # and in the advice text itself
    assert "doi:10.1378/chest.11-2296" in text


def test_dont_know_is_treated_as_present(client: TestClient, token: str) -> None:
    page = client.post("/en/travel", data=_form(token, previous_vte=""))
    assert "You did not know about" in page.text and "see your doctor" in page.text


def test_bad_fields_are_named(client: TestClient, token: str) -> None:
    page = client.post("/en/travel", data=_form(token, hours="ten", zone="Mars/Base"))
    assert page.status_code == 422
    assert "hours: not a number" in page.text and "zone: not a time zone" in page.text
    page = client.post("/en/travel", data=_form(token, hours="200"))
    assert page.status_code == 422 and "hours: must be more than 0" in page.text


def test_a_form_without_its_token_is_refused(client: TestClient) -> None:
    assert client.post("/en/travel", data=_form("forged")).status_code == 403


def test_the_calendar_download(client: TestClient, token: str) -> None:
    response = client.post("/en/travel/plan.ics", data=_form(token, estrogen="yes"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"TRIGGER:PT1H" in response.content


def test_the_page_in_russian(client: TestClient, token: str) -> None:
    page = client.get("/ru/travel")
    assert "Долгая поездка" in page.text and "Беременность" in page.text
    plan = client.post("/ru/travel", data=_form(token, estrogen="yes"))
    assert "Перед поездкой" in plan.text and "15-30 mmHg" in plan.text
    assert "немедленно вызовите скорую помощь" in plan.text
    ics = client.post("/ru/travel/plan.ics", data=_form(token))
    assert "Поездка".encode() in ics.content


def test_an_unknown_language_is_not_found(client: TestClient) -> None:
    assert client.get("/xx/travel").status_code == 404
