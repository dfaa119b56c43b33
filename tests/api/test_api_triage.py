"""POST /api/v1/triage: the same contract as the CLI and the engine."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from clotwatch import triage


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/api/conftest.py): no test here moves the clock or depends
    on what another stored."""
    return shared_client


SWOLLEN = {"leg_side": "right", "leg_pain": True, "swelling": True, "warmth": True,
           "short_of_breath": False, "chest_pain": False}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_triage_returns_the_engines_result(client: TestClient, lang: str) -> None:
    response = client.post(f"/api/v1/triage?lang={lang}", json=SWOLLEN)
    assert response.status_code == 200
    assert response.json() == triage.assess(SWOLLEN, lang=lang)


def test_a_warning_sign_is_an_emergency_whatever_else(client: TestClient) -> None:
    body = client.post("/api/v1/triage", json={"cramp": True, "relieved_by_stretching": True,
                                               "coughing_blood": True}).json()
    assert body["disposition"] == "emergency"
    assert any(r["key"] == "coughing_blood" for r in body["reasons"])


def test_unknown_key_is_422_naming_it(client: TestClient) -> None:
    response = client.post("/api/v1/triage", json={"sweling": True})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "sweling"]


def test_wrong_type_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/triage", json={"swelling": "yes"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "swelling"]


def test_unsupported_language_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/triage?lang=de", json={})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "lang"]


def test_triage_assessment_can_be_saved_and_read(client: TestClient) -> None:
    created = client.post("/api/v1/assessments", json={"kind": "triage", "answers": SWOLLEN,
                                                       "lang": "ru"}).json()
    read = client.get(f"/api/v1/assessments/{created['code']}").json()
    assert read["result"] == triage.assess(SWOLLEN, lang="ru")
    assert read["answers"] == SWOLLEN


def test_a_triage_post_leaves_no_answers_in_the_logs(client: TestClient,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answers = {**SWOLLEN, "age_years": 67, "active_cancer": True}
    assert client.post("/api/v1/triage", json=answers).status_code == 200
    assert client.post("/api/v1/triage", json={"swelling": "maybe"}).status_code == 422
    server_side = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert any(r.getMessage().startswith("POST /api/v1/triage 200") for r in server_side)
    text = "\n".join(r.getMessage() for r in server_side)
    for needle in ("swelling", "active_cancer", "maybe", "right", "age_years"):
        assert needle not in text


def test_triage_responses_match_the_documented_schema(client: TestClient) -> None:
    from clotwatch.api.schemas import TriageOut

    for answers in (SWOLLEN, {}, {"chest_pain": True}, {"cramp": True,
                                                        "relieved_by_stretching": True}):
        TriageOut.model_validate(client.post("/api/v1/triage", json=answers).json())


def test_the_documented_request_schema_names_every_answer_key(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    body = spec["paths"]["/api/v1/triage"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    assert set(schema["properties"]) == set(triage.KEYS)
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("body, key, words", [
    ('{"chest_pain": true, "chest_pain": false}', "chest_pain", "more than once"),
    ('{"duration_hours": 1e400}', "duration_hours", "finite"),
    ('{"duration_hours": 1' + "0" * 400 + "}", "duration_hours", "at most"),
    ('{"age_years": 1' + "0" * 5000 + "}", None, "not valid JSON"),
    ('{"calf_difference_cm": NaN}', None, "NaN"),
    ("[" * 30_000 + "]" * 30_000, None, "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, None, "limited to"),
    ('{"leg_side": {"a": {"b": []}}}', "leg_side", "expected one of"),
    ("[1, 2]", None, "JSON object"),
])
def test_answers_that_cannot_be_trusted_are_422_naming_the_key(
        client: TestClient, body: str, key: str | None, words: str) -> None:
    response = client.post("/api/v1/triage", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == (["body", key] if key else ["body"])
    assert words in detail["msg"]
