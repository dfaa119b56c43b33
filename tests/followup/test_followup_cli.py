"""`clotwatch admin`: a fresh install gets its first clinic, admin, clinician and a token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clotwatch.cli import main


@pytest.fixture(autouse=True)
def _data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in ("DATABASE_URL", "CLOTWATCH_DATABASE_URL", "CLOTWATCH_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLOTWATCH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_first_clinic_admin_and_token(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "create-clinic", "--name", "Ward 7", "--json"]) == 0
    clinic = json.loads(capsys.readouterr().out)
    assert clinic["id"] == 1 and len(clinic["join_code"].replace("-", "")) == 10
    secret = tmp_path / "pw"
    secret.write_text("a long enough password\n")
    assert main(["admin", "create-admin", "--clinic", "1", "--email", "Boss@Example.org",
                 "--name", "Boss", "--password-file", str(secret)]) == 0
    assert "boss@example.org is now admin of clinic 1" in capsys.readouterr().out
    assert main(["admin", "create-token", "--email", "boss@example.org", "--name", "app",
                 "--scopes", "worklist:read alerts:write"]) == 0
    assert capsys.readouterr().out.startswith("cwt_")
    assert main(["admin", "tick"]) == 0
    assert json.loads(capsys.readouterr().out) == {"opened": 0, "escalated": 0, "resolved": 0}


def test_bad_input_exits_2_naming_the_field(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "create-token", "--email", "x@example.org", "--name", "a",
                 "--scopes", "root"]) == 2
    assert "scopes: unknown scope 'root'" in capsys.readouterr().err
    secret = tmp_path / "pw"
    secret.write_text("short\n")
    assert main(["admin", "create-clinic", "--name", "W"]) == 0
    assert main(["admin", "create-admin", "--clinic", "1", "--email", "a@example.org",
                 "--password-file", str(secret)]) == 2
    assert "password: use at least 10 characters" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["admin", "add-clinician", "--clinic", "1", "--email", "b@example.org",
              "--password-file", str(tmp_path / "missing")])
    assert exited.value.code == 2
    secret.write_text("a long enough password\n")
    assert main(["admin", "add-clinician", "--clinic", "9", "--email", "b@example.org",
                 "--password-file", str(secret)]) == 2
    assert "clinic: no clinic with id 9" in capsys.readouterr().err


def test_set_escalation_windows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "create-clinic", "--name", "Ward 8", "--json"]) == 0
    capsys.readouterr()
    assert main(["admin", "set-escalation", "--clinic", "1", "--emergency-minutes", "10",
                 "--same-day-minutes", "120"]) == 0
    assert "after 10 min, same-day alerts after 120 min" in capsys.readouterr().out
    # Only one given: the other stays; "default" returns to clotwatch's.
    assert main(["admin", "set-escalation", "--clinic", "1", "--emergency-minutes",
                 "default"]) == 0
    assert "after 15 min, same-day alerts after 120 min" in capsys.readouterr().out
    # Errors name the flag the person typed, not the service's column.
    for args, field in ((["--emergency-minutes", "61"], "--emergency-minutes"),
                        (["--same-day-minutes", "29"], "--same-day-minutes"),
                        (["--same-day-minutes", "soon"], "--same-day-minutes"),
                        (["--emergency-minutes", "60", "--same-day-minutes", "45"],
                         "--same-day-minutes")):
        assert main(["admin", "set-escalation", "--clinic", "1", *args]) == 2
        assert f"error: {field}:" in capsys.readouterr().err
    assert main(["admin", "set-escalation", "--clinic", "9", "--emergency-minutes", "5"]) == 2
    assert "error: clinic:" in capsys.readouterr().err
