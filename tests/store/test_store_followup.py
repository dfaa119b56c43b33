"""The follow-up tables on SQLite and PostgreSQL: one open alert per patient and rule (the
unique open key), cascades on account deletion, a check-in written whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from clotwatch.errors import InputError, StoreError
from clotwatch.service import followup, rules
from clotwatch.service.followup import CheckInInput
from clotwatch.store import Store
from clotwatch.store.followup_models import Alert, AuditEntry, CheckIn

from .followup_world import cheap_hashing, enrol_patient  # noqa: F401 (an autouse fixture)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SIGNS = {"short_of_breath": False, "chest_pain": False, "coughing_blood": False,
         "fainting": False, "cold_pale_numb_leg": False,
         "fast_heartbeat": False}


def test_followup_round_trip_on_each_backend(store: Store) -> None:
    enrolled = enrol_patient(store, NOW)
    pat = enrolled.patient
    patient_id, clinic_id = enrolled.patient_id, enrolled.clinic_id
    data = CheckInInput(warning_signs=SIGNS, calf_left_cm=40.5, calf_right_cm=36.0)
    assert "calf_difference" in followup.submit_checkin(store, pat, data, NOW).alerts_opened
    assert followup.submit_checkin(store, pat, data, NOW).alerts_opened == ()
    # The unique open key holds in the database itself, whatever the service does.
    with pytest.raises(StoreError), store.session() as session:
        followup.apply_decision(session, patient_id, clinic_id,
                                rules.Decision("calf_difference", "open", "urgent", "r"), None,
                                NOW)
        session.add(Alert(patient_id=patient_id, clinic_id=clinic_id,
                          rule_id="calf_difference", severity="urgent", urgency=1,
                          status="open", open_key=f"{patient_id}:{clinic_id}:calf_difference",
                          reason={}, opened_at=NOW))
        session.flush()
    with pytest.raises(InputError):
        followup.submit_checkin(store, pat, CheckInInput(warning_signs=SIGNS, leg_pain=12), NOW)
    with store.session() as session:
        assert session.scalar(select(func.count(CheckIn.id))) == 2
        assert session.scalar(select(func.count(Alert.id)).where(
            Alert.rule_id == "calf_difference")) == 1
    followup.delete_account(store, pat, "y" * 12, NOW)
    with store.session() as session:
        assert session.scalar(select(func.count(CheckIn.id))) == 0
        assert session.scalar(select(func.count(Alert.id))) == 0
        assert session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.patient_id == patient_id)) == 0
