"""`views run` of a resource type the export has no file of: said, not silent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.population import records

from clotwatch.cli import main

VIEWS = Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "population" / "views"


def _view(tmp_path: Path, resource: str) -> Path:
    path = tmp_path / "view.json"
    path.write_text(json.dumps({"resourceType": "ViewDefinition", "resource": resource,
                                "status": "active",
                                "select": [{"column": [{"path": "id", "name": "id"}]}]}))
    return path


@pytest.mark.parametrize(("resource", "why"), [
    # a typo: it printed nothing and exited 0, as if the export held no such patients
    ("Patent", "; clotwatch knows no FHIR resource type 'Patent' (did you mean Patient?)"),
    ("AllergyIntolerance", ""),  # a real type this export does not hold
])
def test_a_view_no_file_can_feed_is_named_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], resource: str, why: str) -> None:
    folder = records.write(tmp_path / "e", records.situations())
    assert main(["views", "run", str(_view(tmp_path, resource)), "--data", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        f"note: {folder}: no file is named for {resource} resources ({resource}.ndjson), so "
        f"the view has no rows{why}")


def test_a_view_of_a_type_the_export_holds_prints_no_note(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = records.write(tmp_path / "e", records.situations())
    assert main(["views", "run", str(VIEWS / "patient.json"), "--data", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith('{"patient_id":')
