"""`clotwatch db` and the failure paths of `clotwatch serve` (its success path is the server
every browser test runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clotwatch.cli import main
from clotwatch.store import current_revision


@pytest.fixture(autouse=True)
def _data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in ("DATABASE_URL", "CLOTWATCH_DATABASE_URL", "CLOTWATCH_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLOTWATCH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_db_upgrade_creates_the_sqlite_database_at_head(
        _data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current"]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    url = f"sqlite:///{_data_dir / 'clotwatch.sqlite3'}"
    head = current_revision(url)
    assert head and f"is at revision {head}" in out
    assert main(["db", "upgrade"]) == 0  # idempotent
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip().endswith(head)


def test_serve_refuses_a_placeholder_secret_with_exit_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CLOTWATCH_SECRET_KEY", "changethis")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CLOTWATCH_SECRET_KEY" in err


def test_serve_and_db_report_an_unreachable_database_in_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    assert main(["serve"]) == 1
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.count("clotwatch: error:") == 2 and "Traceback" not in err
