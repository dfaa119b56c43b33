"""Assessments shared by code over the API: create, read, revoke, expiry, rate limit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clotwatch.store import Assessment

WELLS = {"active_cancer": True, "entire_leg_swollen": True}


def _create(client: TestClient, **extra: object) -> dict[str, str]:
    body = {"kind": "instrument", "instrument": "wells-dvt", "answers": WELLS, **extra}
    response = client.post("/api/v1/assessments", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    return created


def _rows(client: TestClient) -> int:
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Assessment)))


def test_create_then_read_by_code(client: TestClient) -> None:
    created = _create(client)
    assert created["assessment"]["result"]["total"] == 2
    response = client.get(f"/api/v1/assessments/{created['code']}")
    assert response.status_code == 200
    body = response.json()
    assert body["answers"] == WELLS and body["subject"] == "wells-dvt"
    assert "revoke_token" not in body and "code_hash" not in body


def test_a_client_cannot_supply_its_own_result(client: TestClient) -> None:
    response = client.post("/api/v1/assessments", json={
        "kind": "instrument", "instrument": "wells-dvt", "answers": WELLS,
        "result": {"total": 0}})
    assert response.status_code == 422
    assert _rows(client) == 0


def test_bad_answers_are_422_inside_answers_and_nothing_is_stored(client: TestClient) -> None:
    response = client.post("/api/v1/assessments", json={
        "kind": "instrument", "instrument": "wells-dvt", "answers": {"active_cancer": 3}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "answers", "active_cancer"]
    response = client.post("/api/v1/assessments", json={
        "kind": "instrument", "answers": WELLS})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "instrument"]
    assert _rows(client) == 0


def test_revoke_needs_the_token(client: TestClient) -> None:
    created = _create(client)
    url = f"/api/v1/assessments/{created['code']}"
    assert client.delete(url, headers={"X-Revoke-Token": "guess"}).status_code == 403
    assert client.delete(url).status_code == 422
    assert client.delete(url, headers={"X-Revoke-Token": created["revoke_token"]}
                         ).status_code == 204
    assert client.get(url).status_code == 404


def test_an_assessment_expires_after_the_share_period(client: TestClient, clock) -> None:  # type: ignore[no-untyped-def]
    created = _create(client)
    clock.advance(days=13, hours=23)
    assert client.get(f"/api/v1/assessments/{created['code']}").status_code == 200
    clock.advance(hours=1)
    assert client.get(f"/api/v1/assessments/{created['code']}").status_code == 404


def test_malformed_code_is_422_naming_the_path_parameter(client: TestClient) -> None:
    response = client.get("/api/v1/assessments/not-a-code")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "code"]


def test_lookups_are_rate_limited_per_client(client: TestClient) -> None:
    # settings: 30 lookups a minute; enumeration attempts hit 429 long before finding a code.
    statuses = [client.get("/api/v1/assessments/ABCDE-12345-FGHJK-67890").status_code
                for _ in range(40)]
    assert statuses[:30] == [404] * 30
    assert set(statuses[30:]) == {429}
    limited = client.get("/api/v1/assessments/ABCDE-12345-FGHJK-67890")
    assert int(limited.headers["retry-after"]) >= 1


def test_triage_and_evaluate_store_nothing(client: TestClient) -> None:
    client.post("/api/v1/instruments/wells-dvt/evaluate", json=WELLS)
    assert _rows(client) == 0
