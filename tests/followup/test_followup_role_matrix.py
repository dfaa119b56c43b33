"""Every follow-up route, walked with every role: the access matrix of issue #12.

Roles: anonymous; alice (patient of clinic A) and bob (patient of clinic B); carol (alice's
caregiver); dave (an account with no role); clin_a/clin_b (clinicians of A/B); admin_a/admin_b
(admins of A/B). The resources are alice's: her record, her open alert, clinic A.

Expected outcome per role, in ROLES order:
  Y allowed (2xx, or a redirect that is not to sign-in)   N refused (403 or 404)
  L not signed in (401, or a redirect to sign-in)          V refused as bad input (422)
  P public (anything but a 5xx)

A route of the follow-up prefixes that is not in MATRIX fails the test: a new route must be
added here, with its decision for every role.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from py_vapid import Vapid02
from sqlalchemy import select

from clotwatch.api import create_app
from clotwatch.api.app import load_router
from clotwatch.api.routers import ROUTERS
from clotwatch.config import Settings
from clotwatch.service import accounts, followup
from clotwatch.service.followup import CheckInInput
from clotwatch.store import open_store
from clotwatch.store.followup_models import Alert, Enrolment, User

from .conftest import PASSWORD, Clock, World, fresh_db, make_world
from .webflow import CSRF

ROLES = ("anon", "alice", "bob", "carol", "dave", "clin_a", "clin_b", "admin_a", "admin_b")
PREFIXES = ("/{lang}/account", "/{lang}/me", "/{lang}/care", "/{lang}/clinic", "/{lang}/join",
            "/api/v1/followup", "/api/v1/activity")
SIGNS = {"short_of_breath": "false", "chest_pain": "false", "coughing_blood": "false",
         "fainting": "false", "cold_pale_numb_leg": "false",
         "fast_heartbeat": "false"}
API_SIGNS = {k: False for k in SIGNS}
VAPID_PEM = Vapid02()
VAPID_PEM.generate_keys()
PUSH_SUBSCRIPTION = {
    "endpoint": "https://push.example/send/abc",
    "p256dh": base64.urlsafe_b64encode(ec.generate_private_key(ec.SECP256R1()).public_key()
                                       .public_bytes(serialization.Encoding.X962,
                                                     serialization.PublicFormat
                                                     .UncompressedPoint)).rstrip(b"=").decode(),
    "auth": base64.urlsafe_b64encode(b"0123456789abcdef").rstrip(b"=").decode()}

# (method, path template) -> (expected per role, form or JSON body). Order matters only for the
# last two (withdraw, delete), which change what the others read.
MATRIX: dict[tuple[str, str], tuple[str, dict[str, object]]] = {
    ("GET", "/{lang}/account/signin"): ("PPPPPPPPP", {}),
    ("POST", "/{lang}/account/signin"): ("PPPPPPPPP", {"email": "dave@example.org"}),
    ("GET", "/{lang}/account/totp"): ("LYYYYYYYY", {}),
    ("POST", "/{lang}/account/totp"): ("PPPPPPPPP", {"code": "000000"}),
    ("GET", "/{lang}/account/reset"): ("PPPPPPPPP", {}),
    ("POST", "/{lang}/account/reset"): ("PPPPPPPPP", {"email": "x@example.org"}),
    ("GET", "/{lang}/account/reset/{token}"): ("PPPPPPPPP", {}),
    ("POST", "/{lang}/account/reset/{token}"): ("PPPPPPPPP", {"password": "x" * 12}),
    ("GET", "/{lang}/join"): ("PPPPPPPPP", {}),
    ("POST", "/{lang}/join"): ("PPPPPPPPP", {"code": "ABCDE-12345-FGHJK-67890"}),
    ("GET", "/{lang}/me"): ("LYYYYYYYY", {}),
    ("POST", "/{lang}/me/caregivers"): ("LYYNNNNNN", {}),
    ("POST", "/{lang}/me/settings"): ("LYYYYYYYY", {"timezone": "Europe/London",
                                                    "reminder_time": "08:30"}),
    # Any account may have its own browser's push subscription (only patients get reminders).
    ("POST", "/{lang}/me/push"): ("LYYYYYYYY", PUSH_SUBSCRIPTION),
    ("POST", "/{lang}/me/push/off"): ("LYYYYYYYY", {}),
    # reminders to move (issue #9): any account its own; a journey for an enrolled patient
    ("POST", "/{lang}/me/movement"): ("LYYYYYYYY", {"move_threshold": "90"}),
    ("POST", "/{lang}/me/journey"): ("LYYNNNNNN", {"depart": "2030-01-01T09:00:00+00:00",
                                                   "arrive": "2030-01-01T15:00:00+00:00",
                                                   "move_every": "60"}),
    ("POST", "/{lang}/me/journey/off"): ("LYYYYYYYY", {}),
    ("GET", "/{lang}/me/checkin"): ("LYYYYYYYY", {}),
    ("POST", "/{lang}/me/checkin/signs"): ("LYYYYYYYY", SIGNS),
    ("POST", "/{lang}/me/checkin"): ("LYYNNNNNN", {"signs": '{"chest_pain": false}'}),
    ("POST", "/{lang}/me/activity"): ("LVVNNNNNN", {}),  # no file: 422 for a patient
    ("GET", "/{lang}/me/audit"): ("LYYYYYYYY", {}),
    ("GET", "/{lang}/me/export.json"): ("LYYYYYYYY", {}),
    ("GET", "/{lang}/me/export.fhir.json"): ("LYYYYYYYY", {}),
    ("GET", "/{lang}/care"): ("LNNNNYYYY", {}),
    ("GET", "/{lang}/care/patients/{patient_id}"): ("LYNYNYNYN", {}),
    ("POST", "/{lang}/care/alerts/{alert_id}"): ("LNNNNYNYN", {"action": "acknowledge"}),
    ("POST", "/{lang}/care/patients/{patient_id}/visit"): ("LNNNNYNYN",
                                                            {"villalta.pain": "1"}),
    ("POST", "/{lang}/care/enrolments/{enrolment_id}"): ("LNNNNYNYN", {"interval_days": "3"}),
    # the threshold of alice's reminders to move: her clinic's staff (and alice herself)
    ("POST", "/{lang}/care/patients/{patient_id}/movement"): ("LYNNNYNYN",
                                                               {"move_threshold": "90"}),
    ("GET", "/{lang}/care/enrol"): ("LNNNNYYYY", {}),
    ("POST", "/{lang}/care/enrol"): ("LNNNNYNYN", {"programme": "after_surgery",
                                                   "start_date": "2026-11-20"}),
    ("GET", "/{lang}/clinic/{clinic_id}"): ("LNNNNNNYN", {}),
    ("POST", "/{lang}/clinic/{clinic_id}"): ("LNNNNNNYN", {"action": "totp",
                                                           "require_totp": "false"}),
    ("GET", "/api/v1/followup/programmes"): ("PPPPPPPPP", {}),
    ("GET", "/api/v1/followup/me"): ("LYYYYYYYY", {}),
    ("POST", "/api/v1/followup/checkins"): ("LYYNNNNNN", {"warning_signs": API_SIGNS}),
    ("GET", "/api/v1/followup/patients/{patient_id}"): ("LYNYNYNYN", {}),
    ("GET", "/api/v1/followup/worklist"): ("LNNNNYYYY", {}),
    ("POST", "/api/v1/followup/alerts/{alert_id}/{action}"): ("LNNNNYNYN", {"note": "x"}),
    ("GET", "/api/v1/followup/export"): ("LYYYYYYYY", {}),
    # the patient's own step samples (issue #9): patients only, each for themself
    ("POST", "/api/v1/activity"): ("LYYNNNNNN", {"samples": [
        {"source": "watch", "kind": "watch", "start": "2026-11-23T09:00:00+01:00",
         "end": "2026-11-23T09:30:00+01:00", "steps": 100}]}),
    ("POST", "/{lang}/me/withdraw"): ("LYNNNNNNN", {"kind": "clinic"}),
    ("POST", "/{lang}/me/delete"): ("LVVVVVVVV", {"password": "not the password"}),
    ("POST", "/{lang}/account/signout"): ("PPPPPPPPP", {}),
}


@dataclass(frozen=True)
class Seeded:
    """The personas' database, seeded once per module (alice has checked in: one open alert),
    and the ids the paths need."""

    path: Path
    users: dict[str, int]
    ids: dict[str, str]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Seeded:
    directory = tmp_path_factory.mktemp("matrix")
    clock = Clock()
    with pytest.MonkeyPatch.context() as patch:  # test-sized argon2id, as ``cheap_hashing``
        patch.setattr(accounts, "HASHER",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        store = open_store(fresh_db(migrated_template, directory))
        try:
            world = make_world(store, clock)
            followup.submit_checkin(world.store, world.principal("alice"),
                                    CheckInInput(warning_signs={k: False for k in SIGNS},
                                                 doses_missed=2), clock())
            with store.session() as session:
                alert = session.scalars(select(Alert)).one()
                enrolment = session.scalars(select(Enrolment).where(
                    Enrolment.patient_id == world.users["alice"])).one()
                ids = {"patient_id": str(world.users["alice"]), "alert_id": str(alert.id),
                       "clinic_id": str(world.clinic_a), "enrolment_id": str(enrolment.id)}
        finally:
            store.dispose()
    return Seeded(directory / "followup.sqlite3", dict(world.users), ids)


@pytest.fixture
def setup(seeded: Seeded, tmp_path: Path, clock: Clock
          ) -> Iterator[tuple[TestClient, World, dict[str, str]]]:
    """An app on this test's own copy of the seeded database (a copy costs milliseconds; the
    walk of one role cannot change what another role's walk reads)."""
    target = tmp_path / "matrix.sqlite3"
    with sqlite3.connect(seeded.path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)  # consistent whatever the journal mode
    app = create_app(Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{target}",
                              vapid_private_key=VAPID_PEM.private_pem().decode(),
                              vapid_subject="mailto:team@clinic.example"),
                     clock=clock)
    with TestClient(app) as client:
        world = World(app.state.store, clock, int(seeded.ids["clinic_id"]), 0,
                      dict(seeded.users))
        yield client, world, seeded.ids


def follow_up_routes() -> set[tuple[str, str]]:
    """(method, path) of every route of every router the app includes, under our prefixes."""
    found = set()
    for spec in ROUTERS:
        for route in load_router(spec).routes:
            if isinstance(route, APIRoute) and route.path.startswith(PREFIXES):
                for method in route.methods:
                    found.add((method, route.path))
    return found


def test_every_follow_up_route_is_in_the_matrix() -> None:
    """The routers themselves, read without an app or a database."""
    routes = follow_up_routes()
    assert routes - set(MATRIX) == set(), "add the new route(s) to MATRIX with every role"
    assert set(MATRIX) - routes == set(), "MATRIX names routes that no longer exist"


def outcome(status: int, location: str | None) -> str:
    if status >= 500:
        return "5xx"
    if status == 401 or (status in (302, 303) and location and "/account/signin" in location):
        return "L"
    if status in (403, 404):
        return "N"
    if status == 422:
        return "V"
    return "Y"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_with_every_role(setup: tuple[TestClient, World, dict[str, str]],
                                     role: str) -> None:
    """Every route of MATRIX, in order, as ``role`` (one test per role: each on its own copy
    of the seeded database, so the nine walks can run in parallel)."""
    client, world, ids = setup
    client.cookies.clear()
    csrf_token = _csrf(client, "/en/account/signin")
    headers: dict[str, str] = {}
    if role != "anon":
        client.post("/en/account/signin", data={
            "email": f"{role}@example.org", "password": PASSWORD,
            "csrf_token": csrf_token}, follow_redirects=False)
        with world.store.session() as session:
            user = session.scalars(select(User).where(User.id == world.users[role])).one()
            headers = {"Authorization": "Bearer " + accounts.create_api_token(
                session, user, "matrix", frozenset(accounts.SCOPES), world.clock())}
    cookies = dict(client.cookies)  # the CSRF cookie, and the session if signed in
    column = ROLES.index(role)
    failures = []
    for (method, template), (expected, body) in MATRIX.items():
        want = expected[column]
        path = template.replace("{lang}", "en").replace("{token}", "not-a-token")
        path = path.replace("{action}", "acknowledge")
        for key, value in ids.items():
            path = path.replace("{" + key + "}", value)
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        if path.startswith("/api/"):
            response = client.request(method, path, headers=headers,
                                      json=body if method == "POST" else None)
        elif method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            data = {**{k: str(v) for k, v in body.items()}, "csrf_token": csrf_token}
            if template.endswith("/withdraw"):
                data["id"] = ids["enrolment_id"]
            if template.endswith("/care/enrol"):
                data["clinic"] = ids["clinic_id"]
            response = client.post(path, data=data, follow_redirects=False)
        got = outcome(response.status_code, response.headers.get("location"))
        if got == "5xx" or (want != "P" and got != want):
            failures.append(f"{method} {template} as {role}: expected {want}, got {got} "
                            f"({response.status_code})")
    assert not failures, "\n".join(failures)


def _csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found
    return found.group(1)

