"""The examples of an input problem are named in the order of their file's lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clotwatch.cli import main
from clotwatch.population.synth import synthesize


@pytest.fixture(scope="module")
def without_a_patient(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic export whose third patient is gone: its stays and records name a
    patient the export does not hold."""
    folder = tmp_path_factory.mktemp("export")
    synthesize(30, folder)
    patients = folder / "Patient.ndjson"
    lines = patients.read_text(encoding="utf-8").splitlines(keepends=True)
    patients.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")
    return folder


def _lines(folder: Path, name: str, patient: str) -> list[int]:
    text = (folder / name).read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(text, 1) if f"Patient/{patient}" in line]


def test_the_examples_follow_the_lines_and_fail_names_the_first(
        without_a_patient: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """They came by resource id: Encounter.ndjson:11, 9, 12, 10, and --on-error fail named
    line 11 of the four."""
    out = tmp_path / "r"
    assert main(["population", "screen", str(without_a_patient), "--out", str(out),
                 "--as-of", "2026-06-30"]) == 0
    examples = json.loads((out / "summary.json").read_text())["problems"]["examples"]
    named = [(Path(e["file"]).name, e["line"]) for e in examples["missing_patient"]
             if Path(e["file"]).name == "Encounter.ndjson"]
    assert len(named) > 1 and named == sorted(named)
    gone = json.loads((without_a_patient / "Encounter.ndjson").read_text(
        encoding="utf-8").splitlines()[named[0][1] - 1])["subject"]["reference"].split("/")[1]
    assert [n for _, n in named] == _lines(without_a_patient, "Encounter.ndjson", gone)
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["population", "screen", str(without_a_patient), "--out", str(tmp_path / "f"),
              "--as-of", "2026-06-30", "--on-error", "fail"])
    assert f"Encounter.ndjson:{named[0][1]}: " in capsys.readouterr().err
