"""Backup and restore as docs/deploy.md tells a clinic to do it: `pg_dump -Fc` / `pg_restore`
for PostgreSQL, `sqlite3 ... ".backup ..."` for SQLite. The restored database holds the same
follow-up data, at the same migration, and its accounts still sign in."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clotwatch.service import accounts, followup
from clotwatch.service.followup import CheckInInput
from clotwatch.store import Store, current_revision, open_store
from clotwatch.store.followup_models import Alert, CheckIn

from .conftest import PG_ADMIN_URL
from .followup_world import cheap_hashing, enrol_patient  # noqa: F401 (an autouse fixture)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SIGNS = {"short_of_breath": False, "chest_pain": True, "coughing_blood": False,
         "fainting": False, "cold_pale_numb_leg": False,
         "fast_heartbeat": False}


def fill(store: Store) -> None:
    principal = enrol_patient(store, NOW).patient
    followup.submit_checkin(store, principal, CheckInInput(warning_signs=SIGNS), NOW)


def snapshot(store: Store) -> tuple[int, int, int]:
    with store.session() as session:
        user = accounts.authenticate(session, "p@example.org", "y" * 12, NOW)
        return (user.id, int(session.scalar(select(func.count(CheckIn.id))) or 0),
                int(session.scalar(select(func.count(Alert.id))) or 0))


def test_sqlite_backup_and_restore(store: Store, store_url: str, tmp_path: Path) -> None:
    if not store_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL procedure is the other test")
    if shutil.which("sqlite3") is None:
        pytest.fail("the sqlite3 command is needed (apt-get install sqlite3)")
    fill(store)
    before = snapshot(store)
    source = store_url.removeprefix("sqlite:///")
    backup = tmp_path / "backup.sqlite3"
    subprocess.run(["sqlite3", source, f".backup {backup}"], check=True, timeout=60)
    restored = open_store(f"sqlite:///{backup}")
    try:
        assert snapshot(restored) == before
        assert current_revision(restored.engine) == current_revision(store.engine)
    finally:
        restored.dispose()


def test_postgresql_dump_and_restore(store: Store, store_url: str, tmp_path: Path) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("the SQLite procedure is the other test")
    import psycopg

    fill(store)
    before = snapshot(store)
    dump = tmp_path / "clotwatch.dump"
    plain = store_url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), plain], check=True, timeout=120)
    name = f"clotwatch_restore_{secrets.token_hex(4)}"
    admin_dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    target = admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", target, str(dump)], check=True,
                       timeout=120)
        restored = open_store(target.replace("postgresql://", "postgresql+psycopg://"))
        try:
            assert snapshot(restored) == before
            assert current_revision(restored.engine) == current_revision(store.engine)
        finally:
            restored.dispose()
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
