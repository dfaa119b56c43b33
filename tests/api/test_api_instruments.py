"""GET /api/v1/instruments, GET /api/v1/instruments/{id}, POST .../evaluate."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clotwatch import instruments


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/api/conftest.py): no test here moves the clock or depends
    on what another stored."""
    return shared_client


def test_every_instrument_is_listed_with_its_citation(client: TestClient) -> None:
    response = client.get("/api/v1/instruments")
    assert response.status_code == 200
    listed = {item["id"]: item for item in response.json()}
    assert set(listed) == set(instruments.INSTRUMENTS)
    assert all("doi" in item["citation"].lower() or "pmid" in item["citation"].lower()
               for item in listed.values())


def test_an_instrument_is_described_from_its_declaration(client: TestClient) -> None:
    body = client.get("/api/v1/instruments/caprini-2005").json()
    declared = instruments.get("caprini-2005")
    assert [i["id"] for i in body["inputs"]] == [i.id for i in declared.inputs]
    assert body["input_schema"] == declared.input_schema()
    surgery = next(i for i in body["inputs"] if i["id"] == "surgery_type")
    assert surgery["kind"] == "enum"
    declared_surgery = next(i for i in declared.inputs if i.id == "surgery_type")
    assert [o["value"] for o in surgery["options"]] == [o.value for o in
                                                        declared_surgery.options]


def test_evaluate_returns_the_same_result_as_the_library(client: TestClient) -> None:
    answers = {"active_cancer": True, "calf_swelling_3cm": True, "pitting_edema": False}
    response = client.post("/api/v1/instruments/wells-dvt/evaluate", json=answers)
    assert response.status_code == 200
    assert response.json() == instruments.evaluate("wells-dvt", answers).to_dict()


def test_unknown_instrument_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/instruments/wells-xyz").status_code == 404
    assert client.post("/api/v1/instruments/wells-xyz/evaluate", json={}).status_code == 404


def test_wrong_type_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/instruments/wells-dvt/evaluate",
                           json={"active_cancer": "yes"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "active_cancer"]
    assert error["msg"]


def test_unknown_input_is_422_naming_it(client: TestClient) -> None:
    response = client.post("/api/v1/instruments/wells-dvt/evaluate", json={"activ_cancer": True})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "activ_cancer"]


def test_out_of_range_number_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/instruments/perc/evaluate", json={"age": 500})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "age"]


def test_non_object_body_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/instruments/wells-dvt/evaluate", json=[1, 2])
    assert response.status_code == 422
    response = client.post("/api/v1/instruments/wells-dvt/evaluate", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_every_instrument_result_matches_the_documented_schema(client: TestClient) -> None:
    from clotwatch.api.schemas import InstrumentResultOut

    for instrument_id in instruments.INSTRUMENTS:
        body = client.post(f"/api/v1/instruments/{instrument_id}/evaluate", json={}).json()
        InstrumentResultOut.model_validate(body)


def test_every_instrument_can_be_described(client: TestClient) -> None:
    for instrument_id in instruments.INSTRUMENTS:
        response = client.get(f"/api/v1/instruments/{instrument_id}")
        assert response.status_code == 200, instrument_id
        assert response.json()["input_schema"]["additionalProperties"] is False
