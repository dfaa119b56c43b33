"""``clotwatch travel`` at a terminal and in a script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clotwatch.cli import main

BASE = ["travel", "--depart", "2026-12-20T10:00+01:00", "--now", "2026-11-30T08:00Z"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_plan_and_calendar_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ics = tmp_path / "trip.ics"
    code, out, err = _run(capsys, *BASE, "--hours", "9.5", "--has", "estrogen", "--no-others",
                          "--json", "--ics", str(ics))
    assert code == 0 and err == ""
    plan = json.loads(out)
    assert plan["risk"] == "increased" and plan["risk_factors"]["unknown"] == []
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_factors_not_named_are_dont_know(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, *BASE, "--hours", "5", "--json", "--not", "previous_vte")
    plan = json.loads(out)
    assert plan["risk"] == "highest" and "previous_vte" not in plan["risk_factors"]["unknown"]


def test_readable_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, *BASE, "--hours", "9.5", "--no-others")
    assert code == 0
    text = " ".join(out.split())  # the terminal wraps lines
    for words in ("Before", "During", "After", "emergency services", "clotwatch check"):
        assert words in text


@pytest.mark.parametrize(("argv", "words"), [
    (["--hours", "5", "--has", "cancer"], "--has: 'cancer' is not a risk factor"),
    (["--hours", "-1"], "--hours:"),
    (["--hours", "5", "--has", "estrogen", "--not", "estrogen"], "both present and absent"),
    (["--hours", "5", "--move-every", "500"], "--move-every:"),
])
def test_bad_input_is_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                             words: str) -> None:
    code, out, err = _run(capsys, *BASE, *argv)
    assert code == 2 and out == "" and words in err


def test_factor_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "travel", "--factors")
    assert code == 0 and "previous_vte" in out and "thrombophilia" in out
