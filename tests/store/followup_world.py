"""One enrolled patient for the store tests of the follow-up tables: a clinic, a clinician who
invites, and a patient who joins (what test_store_followup, _activity and _backup build on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from argon2 import PasswordHasher

from clotwatch.service import accounts, followup
from clotwatch.service.accounts import Principal
from clotwatch.store import Store
from clotwatch.store.followup_models import User

PATIENT_PASSWORD = "y" * 12


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost: the tests are about the tables, not the hash."""
    monkeypatch.setattr(accounts, "HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass(frozen=True)
class Enrolled:
    clinic_id: int
    patient_id: int
    patient: Principal


def enrol_patient(store: Store, now: datetime, programme: str = "after_vte",
                  index_date: date = date(2026, 11, 1)) -> Enrolled:
    """A clinic, a clinician, and a patient who accepted the clinician's invitation."""
    clinic = followup.create_clinic(store, "Clinic", now)
    with store.session() as session:
        nurse = accounts.create_user(session, email="n@example.org", password="x" * 12,
                                     name="Nurse", now=now)
        followup.add_staff(session, clinic.id, nurse, "clinician")
        nurse_p = accounts.principal_for(session, nurse)
    issued = followup.invite_patient(store, nurse_p, clinic.id, programme, index_date, now)
    joined = followup.accept_invitation(store, issued.code, now, new_account={
        "email": "p@example.org", "password": PATIENT_PASSWORD, "name": "Pat"})
    with store.session() as session:
        user = session.get(User, joined.id)
        assert user is not None
        return Enrolled(clinic.id, joined.id, accounts.principal_for(session, user))
