"""Every command's output for people, piped: it fits the width COLUMNS gives, and without
COLUMNS its lines are left whole (never wrapped or padded to rich's 80 columns).

`score` and `pathway` ignored COLUMNS when piped (their lines ran to 440 columns with
COLUMNS=60), `fhir score` alone honoured it, with a helper of its own; `notes`, `travel`,
`triage`, `check` and `activity` made their own consoles, which wrapped and padded piped
output at 80 columns. One helper now chooses the width for all (``common.console``).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clotwatch.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
STEPS = ROOT / "tests" / "activity" / "data" / "same_day"
NOW = "2026-11-24T12:00:00Z"

# argv and what the command reads on stdin
COMMANDS: dict[str, tuple[list[str], str]] = {
    "score": (["score", "wells-dvt", "active_cancer=yes", "calf_swelling_3cm=yes",
               "previous_dvt=no"], ""),
    "score --list": (["score", "--list"], ""),
    "pathway": (["pathway", "dvt", "age=64", "pregnant=no", "wells_dvt_total=2",
                 "ultrasound_within_4h=no", "--now", NOW], ""),
    "fhir score": (["fhir", "score", str(EXAMPLES / "fhir" / "patient-bundle.json"), "--now",
                    NOW, "--instrument", "wells-pe"], ""),
    "notes extract": (["notes", "extract", str(EXAMPLES / "notes" / "ed-note.txt"),
                       "--instrument", "wells-dvt"], ""),
    "travel": (["travel", "--hours", "9", "--depart", "2026-12-10T08:00:00Z", "--now", NOW], ""),
    "triage": (["triage"], '{"leg_side": "left", "swelling": true}'),
    "check": (["check"], "1\n"),  # a warning sign: the emergency result at once
    "activity summary": (["activity", "summary", str(STEPS / "steps.csv"),
                          str(STEPS / "apple_export.xml"), "--tz", "Europe/London"], ""),
}


def _lines(name: str, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> list[str]:
    argv, stdin = COMMANDS[name]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.strip()
    return out.splitlines()


@pytest.mark.parametrize("columns", [60, 130])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_piped_output_fits_the_width_columns_gives(
        name: str, columns: int, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = _lines(name, monkeypatch, capsys)
    assert max(len(line) for line in lines) <= columns, name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_piped_without_columns_lines_are_left_whole(
        name: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Not wrapped at rich's 80 columns (each command has a longer line), and the widest line
    is text, not spaces padding it to a width."""
    monkeypatch.delenv("COLUMNS", raising=False)
    lines = _lines(name, monkeypatch, capsys)
    widest = max(len(line) for line in lines)
    assert widest > 80, name
    assert widest == max(len(line.rstrip()) for line in lines), name


def test_the_width_is_chosen_in_one_place() -> None:
    """Only ``common.console`` makes a rich Console: a command that made its own chose its
    own width (and ignored or misread COLUMNS)."""
    cli = ROOT / "src" / "clotwatch" / "cli"
    makers = sorted(p.name for p in cli.glob("*.py")
                    if "Console(" in p.read_text(encoding="utf-8") and p.name != "common.py")
    assert makers == []
