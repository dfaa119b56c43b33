"""``POST /api/v1/activity``: the patient's scoped token, a batch stored whole or not at all,
idempotent, bad values refused with 422 naming the sample and field, no 5xx under Schemathesis
or hostile bodies."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import func, select

from clotwatch.store.activity_models import ActivitySample

from .conftest import World, fuzz_app
from .test_followup_api import token

URL = "/api/v1/activity"
WRITE = frozenset({"activity:write"})


def batch(n: int = 3, day: int = 23, steps: int = 120) -> dict[str, Any]:
    return {"samples": [{"source": "Alice's watch", "kind": "watch",
                         "start": f"2026-11-{day}T{9 + h:02d}:00:00+01:00",
                         "end": f"2026-11-{day}T{9 + h:02d}:30:00+01:00", "steps": steps}
                        for h in range(n)]}


def stored(world: World) -> int:
    with world.store.session() as session:
        return session.scalar(select(func.count()).select_from(ActivitySample)) or 0


def test_a_batch_is_stored_once(api: tuple[World, TestClient]) -> None:
    world, client = api
    mine = token(world, "alice", WRITE)
    first = client.post(URL, json=batch(), headers=mine)
    assert first.status_code == 200
    assert first.json() == {"received": 3, "stored": 3, "duplicates": 0}
    again = client.post(URL, json=batch(), headers=mine)
    assert again.json() == {"received": 3, "stored": 0, "duplicates": 3}
    assert stored(world) == 3


def test_the_token_must_carry_the_scope_and_be_a_patients(api: tuple[World, TestClient]
                                                          ) -> None:
    world, client = api
    assert client.post(URL, json=batch()).status_code == 401
    narrow = token(world, "alice", frozenset({"checkins:write"}))
    assert client.post(URL, json=batch(), headers=narrow).status_code == 403
    # a clinician, a caregiver, an account with no enrolment: not theirs to write
    for name in ("clin_a", "carol", "dave"):
        assert client.post(URL, json=batch(), headers=token(world, name, WRITE)
                           ).status_code == 403
    assert stored(world) == 0


@pytest.mark.parametrize("change, loc", [
    ({"steps": -1}, ["body", "samples", 1, "steps"]),
    ({"steps": "many"}, ["body", "samples", 1, "steps"]),
    ({"steps": 1.5}, ["body", "samples", 1, "steps"]),
    ({"kind": "ring"}, ["body", "samples", 1, "kind"]),
    ({"source": ""}, ["body", "samples", 1, "source"]),
    ({"start": "2026-11-23T10:00:00"}, ["body", "samples", 1, "start"]),
    ({"end": "2026-11-23T09:59:00+01:00"}, ["body", "samples", 1, "end"]),
    ({"end": "2026-11-23T10:00:00+01:00"}, ["body", "samples", 1, "end"]),
    ({"start": "1900-01-01T10:00:00+01:00"}, ["body", "samples", 1, "start"]),
    ({"extra": 1}, ["body", "samples", 1, "extra"]),
])
def test_a_bad_sample_is_422_naming_it_and_nothing_is_stored(
        api: tuple[World, TestClient], change: dict[str, Any], loc: list[Any]) -> None:
    world, client = api
    body = batch()
    body["samples"][1].update(change)
    response = client.post(URL, json=body, headers=token(world, "alice", WRITE))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc
    assert stored(world) == 0


@pytest.mark.parametrize("body", [
    None, [], {}, {"samples": []}, {"samples": None}, {"samples": [None]},
    {"samples": "x" * 1000}, {"samples": [{}]}, {"samples": [[1, 2]]},
    {"samples": [{"source": "a", "kind": "watch", "start": 1, "end": 2, "steps": 3}]},
    {"samples": [{"source": "a", "kind": "watch", "start": "2026-11-23T10:00:00+99:00",
                  "end": "2026-11-23T11:00:00+01:00", "steps": 3}]},
    {"samples": [{"source": "a", "kind": "watch", "start": "2026-11-23T10:00:00+01:00",
                  "end": "2026-11-23T11:00:00+01:00", "steps": 10 ** 30}]},
])
def test_hostile_bodies_never_answer_5xx(api: tuple[World, TestClient], body: Any) -> None:
    world, client = api
    response = client.post(URL, json=body, headers=token(world, "alice", WRITE))
    assert response.status_code in (400, 413, 422), response.text
    assert stored(world) == 0


def test_raw_junk_and_a_too_large_body(api: tuple[World, TestClient]) -> None:
    world, client = api
    mine = token(world, "alice", WRITE)
    lone_surrogate = (b'{"samples": [{"source": "\\ud800", "kind": "watch", "start": '
                      b'"2026-11-23T10:00:00+01:00", "end": "2026-11-23T11:00:00+01:00", '
                      b'"steps": 3}]}')
    for raw in (b"\xff\xfe", b"{", b'{"samples": [' + b"[" * 200 + b"]", lone_surrogate):
        response = client.post(URL, content=raw, headers={
            **mine, "Content-Type": "application/json"})
        assert response.status_code in (400, 413, 422), (raw[:10], response.status_code)
    big = batch(n=1)
    big["samples"] = big["samples"] * 10_001
    assert client.post(URL, json=big, headers=mine).status_code in (413, 422)
    assert stored(world) == 0


# --- Schemathesis, with a patient's token so the fuzzed bodies reach the store ---------------

def _fuzz_app() -> tuple[object, dict[str, str]]:
    app, world = fuzz_app("clotwatch-act-fuzz-")
    return app, token(world, "alice", WRITE)


_APP, _HEADERS = _fuzz_app()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _APP).include(
    path_regex="^/api/v1/activity$")


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_activity_api_never_answers_with_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=_HEADERS, checks=[not_a_server_error])


def test_the_patients_export_holds_the_samples(api: tuple[World, TestClient]) -> None:
    world, client = api
    client.post(URL, json=batch(n=2), headers=token(world, "alice", WRITE))
    data = client.get("/api/v1/followup/export",
                      headers=token(world, "alice", frozenset({"export"}))).json()
    assert [s["start"] for s in data["activity_samples"]] == [
        "2026-11-23T09:00:00+01:00", "2026-11-23T10:00:00+01:00"]


def test_a_day_of_minute_samples_fits_in_one_batch(api: tuple[World, TestClient]) -> None:
    world, client = api
    samples = [{"source": f"Alice's {kind}", "kind": kind,
                "start": f"2026-11-22T{m // 60:02d}:{m % 60:02d}:00+01:00",
                "end": f"2026-11-22T{(m + 1) // 60:02d}:{(m + 1) % 60:02d}:00+01:00",
                "steps": m % 7} for m in range(1439) for kind in ("watch", "phone")]
    assert len(str(samples)) > 262_144
    response = client.post(URL, json={"samples": samples}, headers=token(world, "alice", WRITE))
    assert response.status_code == 200, response.text  # over the 256 KB of other /api/ bodies
    assert response.json()["stored"] == 2878
