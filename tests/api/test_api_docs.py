"""The API's own documents say what it does: every status it answers is in the OpenAPI
document, parameters are described, the HTML reference renders code as code, and a 422's
message names the input on its own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/api/conftest.py): no test here moves the clock or depends
    on what another stored."""
    return shared_client


def _spec(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    return spec


def _op(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = spec["paths"][path][method]
    return op


def test_every_operation_with_a_body_documents_400_413_and_422(client: TestClient) -> None:
    spec = _spec(client)
    with_body = [(m, p) for p, item in spec["paths"].items() for m, op in item.items()
                 if isinstance(op, dict) and "requestBody" in op]
    assert len(with_body) >= 6
    for method, path in with_body:
        assert {"400", "413", "422"} <= set(_op(spec, method, path)["responses"]), (method, path)


def test_an_unknown_instrument_404_is_documented_where_it_happens(client: TestClient) -> None:
    spec = _spec(client)
    for method, path in (("get", "/api/v1/instruments/{instrument_id}"),
                         ("post", "/api/v1/instruments/{instrument_id}/evaluate")):
        assert "404" in _op(spec, method, path)["responses"]
        assert client.request(method.upper(), path.replace("{instrument_id}", "nope"),
                              json={}).status_code == 404


def test_a_body_that_is_not_utf8_gets_the_documented_400(client: TestClient) -> None:
    response = client.post("/api/v1/triage", content=b'{"leg_side": "\xff"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "400" in _op(_spec(client), "post", "/api/v1/triage")["responses"]


def test_cds_services_document_400_and_401(client: TestClient) -> None:
    spec = _spec(client)
    assert {"400", "401", "404", "422"} <= set(
        _op(spec, "post", "/cds-services/{service_id}")["responses"])
    # Discovery is public, but a bad Authorization header sent to it is refused.
    assert "401" in _op(spec, "get", "/cds-services")["responses"]
    assert client.get("/cds-services", headers={"authorization": "Bearer nope"}
                      ).status_code == 401


def test_the_lang_parameter_is_described(client: TestClient) -> None:
    params = _op(_spec(client), "post", "/api/v1/triage")["parameters"]
    (lang,) = [p for p in params if p["name"] == "lang"]
    assert "ru" in lang["description"] and "en" in lang["description"]


def test_api_reference_shows_code_as_code_not_backticks(client: TestClient) -> None:
    html = client.get("/api/docs").text
    prose = re.sub(r"<pre>.*?</pre>", "", html, flags=re.S)  # schemas are shown as JSON
    assert "``" not in prose
    assert "<code>{&#34;status&#34;: &#34;ok&#34;}</code>" in html
    assert "<script" not in html.split("<main", 1)[1]  # descriptions stay escaped


@pytest.mark.parametrize(("path", "body", "name"), [
    ("/api/v1/instruments/wells-dvt/evaluate", {"activ_cancer": True}, "activ_cancer"),
    ("/api/v1/triage", {"swolen": True}, "swolen"),
    ("/api/v1/pathway/dvt", {"agee": 60}, "agee"),
])
def test_an_unknown_input_is_named_in_the_message_too(
        client: TestClient, path: str, body: dict[str, Any], name: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == name and error["msg"].startswith(f"{name}: ")


def test_every_parameter_and_lang_field_is_described(client: TestClient) -> None:
    spec = _spec(client)
    bare = [(path, p["name"]) for path, item in spec["paths"].items() for op in item.values()
            if isinstance(op, dict) for p in op.get("parameters", [])
            if not p.get("description")]
    assert not bare
    for name in ("AssessmentIn", "AssessmentOut"):
        assert spec["components"]["schemas"][name]["properties"]["lang"].get("description")
