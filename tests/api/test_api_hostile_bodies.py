"""Bodies that are not JSON (NaN, Infinity, 1e999, lone surrogates), too large, or too large in
shape: a 4xx naming the reason, never a 500, and refused before any model reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clotwatch.api.limits import LIMITS, BodyRefused, Limit, check_shape, parse_json


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/api/conftest.py): no test here moves the clock or depends
    on what another stored."""
    return shared_client


ROUTES = ["/api/v1/assessments", "/api/v1/instruments/wells-dvt/evaluate"]
CDS_ROUTES = ["/cds-services/clotwatch-vte-risk", "/cds-services/clotwatch-vte-risk/feedback"]
NOT_JSON = [b'{"answers": {"heart_rate": NaN}}', b'{"answers": {"heart_rate": Infinity}}',
            b'{"answers": {"heart_rate": -Infinity}}', b'{"answers": {"heart_rate": 1e999}}',
            b'{"answers": {"note": "\\ud800"}}', b'{"hook": "\\udfff"}']


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", NOT_JSON)
def test_non_json_numbers_and_lone_surrogates_are_422_not_500(client: TestClient, route: str,
                                                             body: bytes) -> None:
    for content_type in ("application/json", None):
        headers = {"content-type": content_type} if content_type else {}
        response = client.post(route, content=body, headers=headers)
        assert response.status_code == 422, (route, body, response.text)
        detail = response.json()["detail"][0]
        assert detail["type"] == "json_invalid"
        assert "not valid JSON" in detail["msg"]


@pytest.mark.parametrize("route", CDS_ROUTES)
@pytest.mark.parametrize("body", [*NOT_JSON, b"not json at all", b""])
def test_cds_calls_without_a_token_are_401_whatever_the_body(client: TestClient, route: str,
                                                             body: bytes) -> None:
    # Authentication comes before the body is read (tests/api/test_cds_hooks.py has the
    # same bodies with a valid token: 422).
    response = client.post(route, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 401, response.text


def test_the_validation_handler_never_echoes_unserialisable_input(client: TestClient) -> None:
    # Strict JSON that fails validation: the error names the field and echoes short scalars.
    response = client.post("/api/v1/assessments", json={"instrument": "x" * 5000})
    assert response.status_code == 422
    for item in response.json()["detail"]:
        assert item["input"] is None or len(json.dumps(item["input"])) < 300


def test_an_object_of_400000_keys_is_refused_by_size(client: TestClient) -> None:
    body = b'{"answers": {' + b", ".join(b'"k%d": 1' % i for i in range(400_000)) + b"}}"
    assert len(body) > 5_000_000
    response = client.post("/api/v1/assessments", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"][0]["msg"]


def test_a_declared_length_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    def never() -> bytes:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    response = client.post("/api/v1/assessments", content=never(),
                           headers={"content-type": "application/json",
                                    "content-length": "9999999"})
    assert response.status_code == 413


def test_a_body_sent_in_chunks_is_counted_as_it_arrives(client: TestClient) -> None:
    def chunks() -> object:
        for _ in range(100):
            yield b" " * 10_000

    response = client.post("/api/v1/assessments", content=chunks(),  # type: ignore[arg-type]
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_too_many_values_within_the_size_limit_are_422(client: TestClient) -> None:
    body = json.dumps({"answers": [0] * 30_000}).encode()
    assert len(body) < 262_144
    response = client.post("/api/v1/assessments", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "more than 20,000 values" in response.json()["detail"][0]["msg"]


def test_deep_nesting_is_422(client: TestClient) -> None:
    body = b'{"answers": ' + b"[" * 100 + b"]" * 100 + b"}"
    response = client.post("/api/v1/assessments", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "nested more than 64 levels" in response.json()["detail"][0]["msg"]


def test_shape_counts_keys_and_values() -> None:
    limit = Limit("/x", max_bytes=10, max_values=5)
    assert check_shape({"a": 1, "b": 2}, limit) is None   # 1 object + 2 keys + 2 values
    assert check_shape({"a": [1, 2, 3]}, limit) is not None
    # the triage reads its own body strictly; step-sample batches (issue #9) have their own,
    # larger limit; both are checked before /api/
    assert [lim.prefix for lim in LIMITS] == ["/cds-services", "/api/v1/triage",
                                              "/api/v1/activity", "/api/"]


def test_the_fast_count_answers_as_the_walk_of_every_value() -> None:
    """``check_shape`` counts a body within the limits by its arrays and objects only; it
    must answer what the value-by-value walk answers, at and around each limit."""
    import random

    from clotwatch.api.limits import _walk

    rng = random.Random(13)

    def value(depth: int) -> Any:
        r = rng.random()
        if depth > 7 or r < 0.4:
            return rng.choice([1, "x", None, True, 2.5])
        if r < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {f"k{i}": value(depth + 1) for i in range(rng.randint(0, 4))}

    limits = [Limit("/x", 1, values, depth) for values, depth in
              ((1, 1), (3, 2), (5, 3), (20, 4), (50, 6), (1000, 64))]
    within = 0
    for _ in range(2000):
        v = value(0)
        for limit in limits:
            expected = _walk(v, limit)
            assert check_shape(v, limit) == expected, (v, limit)
            within += expected is None
    assert within > 2000


@pytest.mark.parametrize(("body", "status", "where"), [
    (b'{"a": "caf\xe9"}', 400, 10),  # Latin-1, not UTF-8: 400 at the first bad byte
    (b'{"a": "\xed\xa0\x80"}', 400, 7),  # an encoded surrogate is not UTF-8 either
    (b'{"a": tru}', 422, None),  # UTF-8 text, not JSON: 422
])
def test_a_refused_body_is_told_apart_as_not_utf8_or_not_json(body: bytes, status: int,
                                                              where: int | None) -> None:
    limit = Limit("/x", max_bytes=1000, max_values=100)
    with pytest.raises(BodyRefused) as refused:
        parse_json(body, limit)
    assert refused.value.status == status
    if where is not None:
        assert refused.value.detail["loc"] == ["body", where]
        assert refused.value.detail["msg"] == "the body is not UTF-8 text"


def test_a_utf8_body_is_parsed() -> None:
    limit = Limit("/x", max_bytes=1000, max_values=100)
    assert parse_json('{"a": "café ✓"}'.encode(), limit) == {"a": "café ✓"}
