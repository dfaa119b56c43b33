"""Follow-up fixtures: a migrated SQLite store, a settable clock, cheap password hashing,
and the personas every test uses (as healthchecks does: alice, bob, charlie ...).

- clinic A: ``admin_a`` (admin), ``clin_a`` (clinician); clinic B: ``admin_b``, ``clin_b``;
- ``alice``: a patient enrolled with clinic A (after a DVT/PE); ``bob``: enrolled with B;
- ``carol``: alice's caregiver; ``dave``: an account with no role at all.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from clotwatch.api import create_app
from clotwatch.config import Settings
from clotwatch.service import accounts, followup
from clotwatch.service.accounts import Principal
from clotwatch.store import Store, open_store, upgrade
from clotwatch.store.followup_models import User

PASSWORD = "correct horse battery"


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with test-sized parameters (the real ones cost ~50 ms a hash)."""
    monkeypatch.setattr(accounts, "HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the head revision, made once; tests copy it (migrating every
    test's database from scratch would cost most of this directory's time budget)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_db(template: Path, directory: Path) -> str:
    """A copy of the migrated template in ``directory``; its URL."""
    target = directory / "followup.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
    return fresh_db(migrated_template, tmp_path)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.dispose()


@dataclass
class World:
    """The personas and their clinics."""

    store: Store
    clock: Clock
    clinic_a: int
    clinic_b: int
    users: dict[str, int]

    def principal(self, name: str, scopes: frozenset[str] | None = None) -> Principal:
        with self.store.session() as session:
            user = session.get(User, self.users[name])
            assert user is not None
            return accounts.principal_for(session, user, scopes=scopes)


def make_world(store: Store, clock: Clock) -> World:
    now = clock()
    a = followup.create_clinic(store, "Clinic A", now)
    b = followup.create_clinic(store, "Clinic B", now)
    users: dict[str, int] = {}
    with store.session() as session:
        for name in ("admin_a", "clin_a", "admin_b", "clin_b", "dave"):
            users[name] = accounts.create_user(session, email=f"{name}@example.org",
                                               password=PASSWORD, name=name, now=now).id
        for name, clinic, role in (("admin_a", a.id, "admin"), ("clin_a", a.id, "clinician"),
                                   ("admin_b", b.id, "admin"), ("clin_b", b.id, "clinician")):
            followup.add_staff(session, clinic, session.get(User, users[name]), role)
    world = World(store, clock, a.id, b.id, users)
    for patient, clinician in (("alice", "clin_a"), ("bob", "clin_b")):
        clinic = a.id if clinician == "clin_a" else b.id
        issued = followup.invite_patient(store, world.principal(clinician), clinic,
                                         "after_vte", date(2026, 11, 1), now)
        user = followup.accept_invitation(store, issued.code, now, new_account={
            "email": f"{patient}@example.org", "password": PASSWORD, "name": patient})
        users[patient] = user.id
    issued = followup.invite_caregiver(store, world.principal("alice"), now)
    users["carol"] = followup.accept_invitation(store, issued.token, now, new_account={
        "email": "carol@example.org", "password": PASSWORD, "name": "carol"}).id
    with store.session() as session:
        assert session.scalars(select(User).where(User.email == "carol@example.org")).one()
    return world


@pytest.fixture
def world(store: Store, clock: Clock) -> World:
    return make_world(store, clock)


@pytest.fixture
def app_world(tmp_path: Path, clock: Clock,
              migrated_template: Path) -> Iterator[tuple[World, TestClient]]:
    """The web app (pages and API) on a fresh copy of the template, with the personas."""
    app = create_app(Settings(data_dir=tmp_path / "data",
                              database_url=fresh_db(migrated_template, tmp_path)),
                     clock=clock, migrate=True)
    with TestClient(app) as client:
        yield make_world(app.state.store, clock), client


@pytest.fixture
def world_app(app_world: tuple[World, TestClient]) -> tuple[World, TestClient]:
    """``app_world`` by the name the page tests use."""
    return app_world


@pytest.fixture
def api(app_world: tuple[World, TestClient]) -> tuple[World, TestClient]:
    """``app_world`` by the name the API tests use."""
    return app_world


def fuzz_app(prefix: str) -> tuple[Any, World]:
    """An app and its personas for Schemathesis, made when the test module is imported (the
    schema needs the app before any fixture runs): a database in a new temporary folder
    named ``prefix``..., with test-sized password hashing while the personas are made."""
    real, accounts.HASHER = accounts.HASHER, PasswordHasher(time_cost=1, memory_cost=1024,
                                                            parallelism=1)
    try:
        data = Path(tempfile.mkdtemp(prefix=prefix))
        app = create_app(Settings(data_dir=data, database_url=f"sqlite:///{data}/f.db"),
                         clock=Clock(), migrate=True)
        return app, make_world(app.state.store, Clock())
    finally:
        accounts.HASHER = real
