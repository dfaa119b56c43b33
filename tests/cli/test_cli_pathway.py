"""``clotwatch pathway dvt|pe`` as a user at a terminal and a script would use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clotwatch.cli import main

NOW = "--now=2026-11-24T12:00:00Z"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_gives_step_time_limit_conclusion_and_citation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "pathway", "dvt", "--json", NOW, "age=64", "pregnant=no",
                        "wells_dvt_total=2", "ultrasound_within_4h=no")
    assert code == 0
    data = json.loads(out)
    assert data["step"]["id"] == "likely_scan_24h"
    assert data["step"]["time_limit"] == "PT24H"
    assert data["conclusion"]["code"] == "dvt_not_excluded"
    assert any("1.1.4" in c for c in data["citation"])
    assert "does not diagnose" in data["disclaimer"]


def test_json_inputs_from_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "in.json"
    f.write_text(json.dumps({"age": 70, "pregnant": False, "gestalt_below_15": False,
                             "wells_pe_category": "unlikely", "ddimer_value": 0.65,
                             "ddimer_unit": "mg/L FEU", "ddimer_age_adjusted": True}))
    code, out, _ = _run(capsys, "pathway", "pe", "--json", "--input", str(f), NOW)
    assert code == 0
    data = json.loads(out)
    assert data["step"]["id"] == "pe_unlikely_ddimer"
    assert data["ddimer"]["cutoff_ng_ml_feu"] == 700


def test_readable_output_names_the_next_step_and_what_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "pathway", "dvt", NOW, "age=50", "pregnant=no",
                        "wells_dvt_category=likely")
    assert code == 0
    assert "Next step:" in out
    assert "within 4 hours" in out
    assert "ultrasound_within_4h" in out
    assert "NG158 1.1.3" in out
    assert "does not diagnose" in out


def test_instrument_answers_go_in_with_a_dot(capsys: pytest.CaptureFixture[str]) -> None:
    perc = ["perc.age=38", "perc.heart_rate=88", "perc.spo2=97", "perc.hemoptysis=no",
            "perc.estrogen_use=no", "perc.previous_vte=no", "perc.unilateral_leg_swelling=no",
            "perc.recent_surgery_or_trauma=no"]
    code, out, _ = _run(capsys, "pathway", "pe", "--json", NOW, "age=38", "pregnant=no",
                        "gestalt_below_15=yes", *perc)
    assert code == 0
    assert json.loads(out)["conclusion"]["code"] == "pe_ruled_out_perc"


def test_question_mark_means_unknown_and_is_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "pathway", "dvt", "--json", NOW, "age=50", "pregnant=?")
    assert code == 0
    data = json.loads(out)
    assert data["step"]["id"] == "pregnancy"
    assert data["missing"][0]["inputs"] == ["pregnant"]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["dvt", "age=sixty"], "age"),
        (["dvt", "colour=red"], "colour"),
        (["dvt", "pregnant=perhaps"], "pregnant"),
        (["dvt", "age=60", "ddimer_value=600", "ddimer_unit=ng/mL"], "ddimer_unit"),
        (["dvt", "wells_dvt.nonsense=yes"], "wells_dvt.nonsense"),
        (["pe", "wells_pe_total=20"], "wells_pe_total"),
        (["pe", "--now=yesterday"], "now"),
        (["pe", "age"], "age"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(
    capsys: pytest.CaptureFixture[str], argv: list[str], field: str
) -> None:
    code, out, err = _run(capsys, "pathway", *argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"clotwatch: error: {field}")


def test_malformed_json_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text("{not json")
    code, _, err = _run(capsys, "pathway", "dvt", "--json", "--input", str(f))
    assert code == 2
    assert "malformed JSON" in err


def test_inputs_listing_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "pathway", "pe", "--inputs", "--json")
    assert code == 0
    ids = {i["id"] for i in json.loads(out)}
    assert {"gestalt_below_15", "perc", "years", "ctpa"} <= ids
    assert "wells_dvt_total" not in ids


def test_the_installed_command_runs_as_a_newcomer_would() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "clotwatch.cli", "pathway", "pe", "--json", NOW],
        input='{"age": 40, "pregnant": true}', capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["step"]["id"] == "pregnant_refer"
