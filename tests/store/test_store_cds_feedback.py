"""CDS Hooks feedback rows on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from clotwatch.store import CdsFeedbackRepository, Store, current_revision, downgrade, upgrade
from clotwatch.store.db import make_engine

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def feedback_store(store: Store) -> Iterator[Store]:
    """The migrated store, emptied of feedback afterwards (the shared fixture empties only
    assessments)."""
    yield store
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM cds_feedback"))


def test_feedback_is_stored_and_read_back_per_card(feedback_store: Store) -> None:
    with feedback_store.session() as session:
        repo = CdsFeedbackRepository(session)
        repo.add(service_id="vte-risk", card_uuid="card-1", outcome="accepted",
                 accepted_suggestions=["s-1"], outcome_at=NOW, received_at=NOW,
                 client_iss="https://ehr.example.org")
        repo.add(service_id="vte-risk", card_uuid="card-1", outcome="overridden",
                 accepted_suggestions=[], outcome_at=NOW + timedelta(minutes=1),
                 received_at=NOW + timedelta(minutes=1),
                 override_system="urn:clotwatch:cds:override-reason",
                 override_code="patient-declined", override_display="Patient declined",
                 user_comment="discussed with the patient")
    with feedback_store.session() as session:
        rows = CdsFeedbackRepository(session).for_card("card-1")
        assert [r.outcome for r in rows] == ["accepted", "overridden"]
        assert rows[0].accepted_suggestions == ["s-1"]
        assert rows[0].client_iss == "https://ehr.example.org"
        assert rows[1].override_code == "patient-declined"
        assert rows[1].user_comment == "discussed with the patient"
        assert rows[1].outcome_at == NOW + timedelta(minutes=1)
        assert rows[1].outcome_at.tzinfo is not None
        latest = CdsFeedbackRepository(session).for_service("vte-risk", limit=1)
        assert [r.outcome for r in latest] == ["overridden"]


def test_feedback_table_comes_and_goes_with_its_migration(empty_db_url: str) -> None:
    upgrade(empty_db_url, "0002")
    engine = make_engine(empty_db_url)
    try:
        assert "cds_feedback" in inspect(engine).get_table_names()
        downgrade(empty_db_url, "0001")
        assert "cds_feedback" not in inspect(engine).get_table_names()
        assert "assessments" in inspect(engine).get_table_names()
        assert current_revision(empty_db_url) == "0001"
    finally:
        engine.dispose()
