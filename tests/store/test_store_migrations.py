"""Migrations from an empty database, and models that match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from clotwatch.store import Base, current_revision, downgrade, upgrade
from clotwatch.store.db import make_engine
from clotwatch.store.migrate import alembic_config

# The newest revision shipped (later issues add migrations after 0001).
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_upgrade_downgrade_upgrade_from_an_empty_database(empty_db_url: str) -> None:
    assert current_revision(empty_db_url) is None
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        assert "assessments" in inspect(engine).get_table_names()
        downgrade(empty_db_url, "base")
        assert "assessments" not in inspect(engine).get_table_names()
        assert current_revision(empty_db_url) is None
        upgrade(empty_db_url)
        assert current_revision(empty_db_url) == HEAD
    finally:
        engine.dispose()


def test_models_match_the_migrations(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_twice_is_harmless(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == HEAD
