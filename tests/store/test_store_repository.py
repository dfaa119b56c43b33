"""The assessment repository on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from clotwatch.errors import StoreError
from clotwatch.store import AssessmentRepository, Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _add(repo: AssessmentRepository, code_hash: str = "a" * 64, **extra: object) -> int:
    fields: dict[str, object] = dict(
        code_hash=code_hash, revoke_hash="b" * 64, kind="triage", subject="triage", lang="ru",
        answers={"leg_pain": True, "swelling": None, "age_years": 52},
        result={"disposition": "urgent", "reasons": [{"key": "swelling", "text": "отёк"}]},
        created_at=NOW, expires_at=NOW + timedelta(days=14),
    )
    fields.update(extra)
    return repo.add(**fields).id  # type: ignore[arg-type]


def test_saved_assessment_round_trips_answers_results_and_aware_times(store: Store) -> None:
    with store.session() as session:
        _add(AssessmentRepository(session))
    with store.session() as session:
        row = AssessmentRepository(session).by_code_hash("a" * 64)
        assert row is not None
        assert row.answers == {"leg_pain": True, "swelling": None, "age_years": 52}
        assert row.result["reasons"][0]["text"] == "отёк"
        assert row.created_at == NOW and row.created_at.tzinfo is not None
        assert row.expires_at == NOW + timedelta(days=14)
        assert row.revoked_at is None


def test_times_given_in_another_zone_are_stored_as_the_same_instant(store: Store) -> None:
    moscow = timezone(timedelta(hours=3))
    with store.session() as session:
        _add(AssessmentRepository(session), created_at=NOW.astimezone(moscow))
    with store.session() as session:
        row = AssessmentRepository(session).by_code_hash("a" * 64)
        assert row is not None and row.created_at == NOW


def test_unknown_code_hash_finds_nothing(store: Store) -> None:
    with store.session() as session:
        assert AssessmentRepository(session).by_code_hash("f" * 64) is None


def test_duplicate_code_hash_is_refused_and_nothing_partial_is_written(store: Store) -> None:
    with store.session() as session:
        _add(AssessmentRepository(session))
    with pytest.raises(StoreError), store.session() as session:
        _add(AssessmentRepository(session))
    with store.session() as session:
        assert AssessmentRepository(session).by_code_hash("a" * 64) is not None


def test_revoke_happens_once(store: Store) -> None:
    with store.session() as session:
        ident = _add(AssessmentRepository(session))
    with store.session() as session:
        assert AssessmentRepository(session).revoke(ident, NOW) is True
    with store.session() as session:
        assert AssessmentRepository(session).revoke(ident, NOW) is False
        row = AssessmentRepository(session).by_code_hash("a" * 64)
        assert row is not None and row.revoked_at == NOW
        assert row.answers == {} and row.result == {}  # withdrawn health data is erased


def test_purge_removes_only_expired(store: Store) -> None:
    with store.session() as session:
        repo = AssessmentRepository(session)
        _add(repo, code_hash="1" * 64, expires_at=NOW - timedelta(seconds=1))
        _add(repo, code_hash="2" * 64, expires_at=NOW + timedelta(days=1))
    with store.session() as session:
        assert AssessmentRepository(session).purge_expired(NOW) == 1
    with store.session() as session:
        repo = AssessmentRepository(session)
        assert repo.by_code_hash("1" * 64) is None
        assert repo.by_code_hash("2" * 64) is not None


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StoreError), store.session() as session:
        _add(AssessmentRepository(session), created_at=datetime(2026, 1, 1))
