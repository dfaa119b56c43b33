"""REST follow-up API: scoped tokens, the same access policy as the pages, no 5xx under
Schemathesis (with a valid token, so the routes behind authentication are fuzzed too)."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from clotwatch.service import accounts
from clotwatch.store.followup_models import User

from .conftest import World, fuzz_app

ALL = frozenset(accounts.SCOPES)
SIGNS = {"short_of_breath": False, "chest_pain": False, "coughing_blood": False,
         "fainting": False, "cold_pale_numb_leg": False,
         "fast_heartbeat": False}


def token(world: World, name: str, scopes: frozenset[str] = ALL) -> dict[str, str]:
    with world.store.session() as session:
        user = session.scalars(select(User).where(User.id == world.users[name])).one()
        raw = accounts.create_api_token(session, user, "test", scopes, world.clock())
    return {"Authorization": f"Bearer {raw}"}


def test_no_token_is_401_and_a_missing_scope_403(api: tuple[World, TestClient]) -> None:
    world, client = api
    assert client.get("/api/v1/followup/me").status_code == 401
    assert client.get("/api/v1/followup/me",
                      headers={"Authorization": "Bearer cwt_nope"}).status_code == 401
    narrow = token(world, "clin_a", frozenset({"profile"}))
    assert client.get("/api/v1/followup/me", headers=narrow).status_code == 200
    assert client.get("/api/v1/followup/worklist", headers=narrow).status_code == 403


def test_checkin_worklist_and_acknowledge(api: tuple[World, TestClient]) -> None:
    world, client = api
    sent = client.post("/api/v1/followup/checkins", headers=token(world, "alice"),
                       json={"warning_signs": {**SIGNS, "chest_pain": True}})
    assert sent.status_code == 201 and sent.json()["emergency"] is True
    assert "emergency number" in sent.json()["advice"]
    clinician = token(world, "clin_a")
    rows = client.get("/api/v1/followup/worklist", headers=clinician).json()
    assert rows[0]["patient_id"] == world.users["alice"]
    alert_id = rows[0]["top_alert"]["id"]
    other = token(world, "clin_b")
    assert client.post(f"/api/v1/followup/alerts/{alert_id}/acknowledge", json={},
                       headers=other).status_code == 404
    done = client.post(f"/api/v1/followup/alerts/{alert_id}/acknowledge",
                       json={"note": "seen"}, headers=clinician)
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"


def test_the_answer_says_what_the_triage_says(api: tuple[World, TestClient]) -> None:
    """The app is told what the web check-in and clotwatch check tell: a racing heart with the
    legs ruled out is same day; an app that does not send the racing heart (older apps) has
    it as not ruled out: a "soon" alert asks the team to call."""
    world, client = api
    alice = token(world, "alice")
    calm_legs = {"leg_side": "none", "swelling": False, "warmth": False, "redness": False,
                 "leg_signs": dict.fromkeys(
                     ("leg_pain", "cramp", "pain_on_toes_up", "getting_worse",
                      "worse_walking_standing", "hard_tender_vein", "new_visible_veins",
                      "fever", "leg_ulcer", "chronic_skin_changes", "recurrent_cramps"), False),
                 "doses_missed": 0}
    calm = client.post("/api/v1/followup/checkins", headers=alice,
                       json={"warning_signs": SIGNS, **calm_legs})
    assert calm.status_code == 201, calm.text
    assert calm.json()["disposition"] == "self_care" == calm.json()["triage"]["disposition"]
    racing = client.post("/api/v1/followup/checkins", headers=alice,
                         json={"warning_signs": {**SIGNS, "fast_heartbeat": True},
                               **calm_legs})
    assert racing.json()["disposition"] == "urgent" and racing.json()["emergency"] is False
    assert "same_day_signs" in racing.json()["alerts_opened"]
    older = {k: v for k, v in SIGNS.items() if k != "fast_heartbeat"}
    unsure = client.post("/api/v1/followup/checkins", headers=alice,
                         json={"warning_signs": older, **calm_legs})
    assert unsure.json()["disposition"] == "soon"
    assert "warning_sign" in unsure.json()["alerts_opened"]
    bad = client.post("/api/v1/followup/checkins", headers=alice,
                      json={"warning_signs": SIGNS, "leg_signs": {"cramp": "maybe"}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][:3] == ["body", "leg_signs", "cramp"]


def test_bad_values_are_422_naming_the_field(api: tuple[World, TestClient]) -> None:
    world, client = api
    response = client.post("/api/v1/followup/checkins", headers=token(world, "alice"),
                           json={"warning_signs": SIGNS, "leg_pain": 11})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "leg_pain"]


def test_a_patient_token_never_reads_another_patient(api: tuple[World, TestClient]) -> None:
    world, client = api
    mine = token(world, "alice")
    assert client.get(f"/api/v1/followup/patients/{world.users['alice']}",
                      headers=mine).status_code == 200
    assert client.get(f"/api/v1/followup/patients/{world.users['bob']}",
                      headers=mine).status_code == 404


def test_fhir_export_over_the_api(api: tuple[World, TestClient]) -> None:
    world, client = api
    mine = token(world, "alice")
    client.post("/api/v1/followup/checkins", headers=mine,
                json={"warning_signs": SIGNS, "calf_left_cm": 35, "calf_right_cm": 35})
    bundle = client.get("/api/v1/followup/export?format=fhir", headers=mine).json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"


# --- Schemathesis over the follow-up routes, authorised --------------------------------------

def _fuzz_app() -> tuple[object, dict[str, str]]:
    app, world = fuzz_app("clotwatch-fu-fuzz-")
    return app, token(world, "clin_a")


_APP, _HEADERS = _fuzz_app()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _APP).include(
    path_regex="^/api/v1/followup/")


@schema.parametrize()
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_followup_api_never_answers_with_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=_HEADERS, checks=[not_a_server_error])
