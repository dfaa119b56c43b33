"""Saving, opening and revoking shared assessments through the service, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from clotwatch.errors import InputError
from clotwatch.service import assessments, sharecodes
from clotwatch.service.assessments import AssessmentNotFound, RevokeRefused
from clotwatch.store import Assessment, Store

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
WELLS = {"active_cancer": True, "entire_leg_swollen": True, "previous_dvt": None}


def _count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Assessment)) or 0)


def test_saved_instrument_assessment_opens_by_its_code(store: Store) -> None:
    saved = assessments.save(store, kind="instrument", subject="wells-dvt", answers=WELLS,
                             now=NOW)
    shared = assessments.open_shared(store, saved.code, now=NOW + timedelta(days=1))
    assert shared.answers == WELLS
    assert shared.result["instrument"] == "wells-dvt"
    assert shared.result["total"] == 2  # 1 (cancer) + 1 (entire leg swollen), from the engine
    assert shared.expires_at == NOW + timedelta(days=14)


def test_the_code_is_typed_loosely(store: Store) -> None:
    saved = assessments.save(store, kind="instrument", subject="wells-dvt", answers=WELLS,
                             now=NOW)
    typed = " " + saved.code.lower().replace("-", " ").replace("1", "l").replace("0", "o")
    assert assessments.open_shared(store, typed, now=NOW).subject == "wells-dvt"


def test_the_store_keeps_only_hashes_of_code_and_token(store: Store) -> None:
    saved = assessments.save(store, kind="instrument", subject="wells-dvt", answers=WELLS,
                             now=NOW)
    with store.session() as session:
        row = session.scalars(select(Assessment)).one()
        stored = " ".join(str(v) for v in (row.code_hash, row.revoke_hash, row.answers,
                                           row.result, row.subject))
    canonical = sharecodes.canonical_code(saved.code)
    assert canonical not in stored and saved.code not in stored
    assert saved.revoke_token not in stored
    assert row.code_hash == sharecodes.hash_code(saved.code)


def test_expired_assessment_does_not_open(store: Store) -> None:
    saved = assessments.save(store, kind="instrument", subject="wells-dvt", answers=WELLS,
                             now=NOW, ttl=timedelta(days=2))
    assessments.open_shared(store, saved.code, now=NOW + timedelta(days=2, seconds=-1))
    with pytest.raises(AssessmentNotFound):
        assessments.open_shared(store, saved.code, now=NOW + timedelta(days=2))


def test_revoke_needs_the_creators_token_and_then_the_code_opens_nothing(store: Store) -> None:
    saved = assessments.save(store, kind="instrument", subject="wells-dvt", answers=WELLS,
                             now=NOW)
    with pytest.raises(RevokeRefused):
        assessments.revoke(store, saved.code, "not-the-token", now=NOW)
    assessments.open_shared(store, saved.code, now=NOW)
    assessments.revoke(store, saved.code, saved.revoke_token, now=NOW)
    with pytest.raises(AssessmentNotFound):
        assessments.open_shared(store, saved.code, now=NOW)
    with pytest.raises(AssessmentNotFound):
        assessments.revoke(store, saved.code, saved.revoke_token, now=NOW)


def test_unknown_code_is_not_found_and_malformed_code_is_bad_input(store: Store) -> None:
    with pytest.raises(AssessmentNotFound):
        assessments.open_shared(store, sharecodes.new_code(), now=NOW)
    with pytest.raises(InputError) as info:
        assessments.open_shared(store, "12345", now=NOW)
    assert info.value.field == "code"


def test_bad_answers_store_nothing(store: Store) -> None:
    with pytest.raises(InputError) as info:
        assessments.save(store, kind="instrument", subject="wells-dvt",
                         answers={"active_cancer": "yes"}, now=NOW)
    assert info.value.field == "active_cancer"
    with pytest.raises(InputError):
        assessments.save(store, kind="instrument", subject="no-such-score", answers={}, now=NOW)
    with pytest.raises(InputError):
        assessments.save(store, kind="diagnosis", answers={}, now=NOW)
    assert _count(store) == 0


def test_callers_answers_are_not_modified(store: Store) -> None:
    answers = dict(WELLS)
    assessments.save(store, kind="instrument", subject="wells-dvt", answers=answers, now=NOW)
    assert answers == WELLS


def test_the_rest_api_shares_through_this_backend(store: Store, tmp_path: object) -> None:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from clotwatch.api import create_app
    from clotwatch.config import Settings

    app = create_app(Settings(data_dir=Path(str(tmp_path)) / "data"), store=store,
                     clock=lambda: NOW)
    with TestClient(app) as client:
        created = client.post("/api/v1/assessments", json={
            "kind": "instrument", "instrument": "wells-dvt", "answers": WELLS})
        assert created.status_code == 201
        code = created.json()["code"]
        assert client.get(f"/api/v1/assessments/{code}").json()["answers"] == WELLS
        assert client.get("/healthz").json()["database"] == "ok"
    assert _count(store) == 1


def test_saving_deletes_assessments_that_have_expired(store: Store) -> None:
    old = assessments.save(store, kind="instrument", subject="wells-dvt", answers=WELLS,
                           now=NOW, ttl=timedelta(days=1))
    assessments.save(store, kind="instrument", subject="wells-dvt", answers=WELLS,
                     now=NOW + timedelta(days=2))
    assert _count(store) == 1
    with store.session() as session:
        assert session.scalars(select(Assessment)).one().code_hash != sharecodes.hash_code(
            old.code)
