"""REST v1: POST /api/v1/pathway/{dvt|pe} gives the same step as the core, 422 names the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from clotwatch.core.pathway import run


def test_dvt_step_over_rest_equals_the_core(client: TestClient) -> None:
    inputs = {"age": 64, "pregnant": False, "wells_dvt_total": 2,
              "ultrasound_within_4h": False, "ultrasound_requested_at": "2026-11-24T09:00:00Z"}
    r = client.post("/api/v1/pathway/dvt", json=inputs)
    assert r.status_code == 200
    body = r.json()
    expected = run("dvt", inputs, now="2026-11-24T10:00:00Z").to_dict()
    assert body["step"] == expected["step"]
    assert body["step"]["time_limit"] == "PT24H"
    assert body["step"]["due_by"] == "2026-11-25T09:00:00+00:00"
    assert body["conclusion"]["code"] == "dvt_not_excluded"
    assert any("1.1.4" in c for c in body["citation"])
    assert "does not diagnose" in body["disclaimer"]


def test_the_app_clock_moves_an_elapsed_4_hour_window_on(client: TestClient, clock: Any) -> None:
    inputs = {"age": 64, "pregnant": False, "wells_dvt_category": "likely",
              "ultrasound_requested_at": "2026-11-24T09:00:00Z"}
    assert client.post("/api/v1/pathway/dvt", json=inputs).json()["step"]["id"] == "likely_scan_4h"
    clock.advance(hours=4)
    assert client.post("/api/v1/pathway/dvt", json=inputs).json()["step"]["id"] == "likely_scan_24h"


def test_pe_perc_rule_out(client: TestClient) -> None:
    r = client.post("/api/v1/pathway/pe", json={"age": 30, "pregnant": False,
                                                "gestalt_below_15": True,
                                                "perc_all_negative": True})
    assert r.status_code == 200
    assert r.json()["conclusion"]["code"] == "pe_ruled_out_perc"


def test_empty_inputs_ask_for_the_first_item(client: TestClient) -> None:
    r = client.post("/api/v1/pathway/pe", json={})
    assert r.status_code == 200
    assert r.json()["missing"][0]["inputs"] == ["age"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"age": "old"}, "age"), ({"colour": 1}, "colour"),
     ({"age": 60, "ddimer_value": 500, "ddimer_unit": "ng/mL"}, "ddimer_unit")],
)
def test_bad_input_gets_422_naming_the_field(client: TestClient, body: dict[str, Any],
                                             field: str) -> None:
    r = client.post("/api/v1/pathway/dvt", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", field]


def test_unknown_pathway_is_422_not_500(client: TestClient) -> None:
    r = client.post("/api/v1/pathway/asthma", json={})
    assert r.status_code == 422


def test_non_object_body_is_422(client: TestClient) -> None:
    r = client.post("/api/v1/pathway/dvt", json=[1, 2])
    assert r.status_code == 422


def test_inputs_listing(client: TestClient) -> None:
    r = client.get("/api/v1/pathway/pe/inputs")
    assert r.status_code == 200
    ids = [i["id"] for i in r.json()]
    assert "gestalt_below_15" in ids and "wells_dvt_total" not in ids
