"""``clotwatch fhir score`` on bundle files, as a clinician or a script would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.riskassessment import RiskAssessment

from clotwatch.cli import main

FIXTURES = Path(__file__).parents[1] / "fhir" / "fixtures"
NOW = "--now=2026-11-24T12:00:00Z"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_gives_findings_results_and_valid_risk_assessments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "fhir", "score", str(FIXTURES / "patient-full.json"), "--json",
                        NOW, "--instrument", "wells-pe", "--instrument", "perc")
    assert code == 0
    data = json.loads(out)
    assert data["patient"] == "pat-1"
    assert data["findings"]["heart_rate"]["value"] == 108
    assert [r["instrument"] for r in data["results"]] == ["wells-pe", "perc"]
    wells = data["results"][0]
    assert wells["category"] == "likely"
    by_input = {i["input"]: i for i in wells["inputs"]}
    assert by_input["hemoptysis"]["value"] is None
    assert by_input["heart_rate"]["sources"] == ["Observation/hr"]
    for r in data["results"]:
        RiskAssessment.model_validate(r["risk_assessment"])


def test_readable_output_shows_what_came_from_the_record_and_what_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "fhir", "score", str(FIXTURES / "patient-partial.json"), NOW,
                        "--instrument", "ddimer-age-adjusted")
    assert code == 0
    assert "Patient pat-2" in out
    assert "620" in out
    assert "does not diagnose" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-patient.json", "no Patient"),
        ("does-not-exist.json", "cannot read"),
    ],
)
def test_bad_bundles_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    code, out, err = _run(capsys, "fhir", "score", str(FIXTURES / name), NOW)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_a_bad_resource_is_named_and_the_rest_scored(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "fhir", "score", str(FIXTURES / "malformed-observation.json"),
                           NOW)
    assert code == 0
    assert "Bundle.entry[1](Observation).resource.code" in out
    assert "could not be read and were not used" in out


def test_unknown_instrument_exits_2_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "fhir", "score", str(FIXTURES / "patient-full.json"),
                        "--instrument", "wells-xyz")
    assert code == 2
    assert err.startswith("clotwatch: error: instrument:")


def test_bad_now_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "fhir", "score", str(FIXTURES / "patient-full.json"),
                        "--now", "2026-11-24T12:00:00")
    assert code == 2
    assert "--now" in err


def test_non_json_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("<Bundle/>")
    code, _, err = _run(capsys, "fhir", "score", str(f))
    assert code == 2
    assert "bundle: malformed JSON" in err


def test_has_bled_from_a_bundle_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    # Seven of nine HAS-BLED items from the record (Pisters 2010: >= 3 is high); labile INR
    # and alcohol stay missing, so the total is 7 of a possible 7 to 9 and the category is
    # already determined.
    code, out, _ = _run(capsys, "fhir", "score", str(FIXTURES / "patient-bleeding-risk.json"),
                        "--instrument", "has-bled", "--json", NOW)
    assert code == 0
    result = json.loads(out)["results"][0]
    assert result["instrument"] == "has-bled"
    assert result["total"] == 7 and result["total_range"] == [7, 9]
    assert result["category"] == "high"
    assert result["missing"] == ["labile_inr", "alcohol"]
    by_input = {i["input"]: i for i in result["inputs"]}
    assert by_input["hypertension"]["sources"] == ["Observation/bp-panel"]
    assert by_input["abnormal_renal_function"]["from"] == "abnormal_renal_function"
    assert "time in therapeutic range" in by_input["labile_inr"]["reason"]
    ra = RiskAssessment.model_validate(result["risk_assessment"])
    assert ra.status == "final"
    assert {b.reference for b in ra.basis} >= {"Observation/bp-panel", "Observation/creat",
                                               "Condition/cirrhosis", "Condition/stroke-2023",
                                               "Condition/gi-bleed-2025",
                                               "MedicationRequest/mr-aspirin"}


@pytest.mark.parametrize("columns", [60, 80, 100, 160])
def test_readable_output_fits_the_width_it_is_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], columns: int
) -> None:
    """COLUMNS=100 drew a ~190-character table (the output took the piped width of 200 even
    when told the window's). As `notes extract`: the width is kept, and below 100 columns each
    input's reason comes under its name and value instead of a squeezed third column; a
    name is never broken and every reason is there."""
    from clotwatch.core.instruments import get

    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = _run(capsys, "fhir", "score", str(FIXTURES / "patient-full.json"), NOW,
                        "--instrument", "caprini-2005", "--instrument", "has-bled")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= columns
    words = set(out.split())
    for instrument in ("caprini-2005", "has-bled"):
        for inp in get(instrument).inputs:
            assert inp.id in words
    flat = " ".join(out.split())
    assert "computed from weight 82.0 kg and height 165.0 cm" in flat


def test_piped_without_a_width_lines_are_left_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, _ = _run(capsys, "fhir", "score", str(FIXTURES / "patient-full.json"), NOW,
                        "--instrument", "caprini-2005")
    assert code == 0
    assert any("computed from weight 82.0 kg and height 165.0 cm" in line
               for line in out.splitlines())


def test_help_says_the_clinical_notes_are_read(capsys: pytest.CaptureFixture[str]) -> None:
    """The help listed only the coded resource types: a clinician reading it could not know
    that the Bundle's notes fill the items the coded record leaves unknown."""
    code, out, _ = _run(capsys, "fhir", "score", "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "DocumentReference, DiagnosticReport, Composition" in flat
    assert "coded data win" in flat


def test_an_empty_bundle_argument_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "fhir", "score", "", NOW)
    assert code == 2 and out == ""
    assert "bundle: the argument is empty" in err and "directory" not in err
