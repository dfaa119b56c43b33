"""`clotwatch triage`: answers JSON in, the contract's result out; bad input exits 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clotwatch.cli import main

ENV = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}


def clotwatch(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clotwatch.cli", *args], input=stdin,
                          capture_output=True, text=True, env=ENV, timeout=120)


def in_process(*args: str, stdin: str, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> subprocess.CompletedProcess[str]:
    """``clotwatch ARGS`` through ``main()`` in this process: the same exit code, stdout and
    stderr, without starting an interpreter (the refusals below differ only in their input;
    the subprocess tests here run the installed command itself, exit 2 included)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)


def test_json_result_follows_the_contract() -> None:
    answers = {"leg_side": "left", "swelling": True, "short_of_breath": False}
    run = clotwatch("triage", "--json", stdin=json.dumps(answers))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["schema"] == "clotwatch.triage-result/1"
    assert result["disposition"] == "urgent"
    assert {"headline", "reasons", "possible_causes", "advice", "safety_net", "unanswered",
            "sources", "notice"} <= set(result)
    assert result["reasons"][0]["key"] == "swelling"


def test_json_result_in_russian_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"chest_pain": True}), encoding="utf-8")
    run = clotwatch("triage", "--json", "--input", str(path), "--lang", "ru")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["disposition"] == "emergency"
    assert "103" in result["headline"] and "скорую" in result["headline"]


@pytest.mark.parametrize("answers, key", [
    ('{"swellling": true}', "swellling"),
    ('{"swelling": "yes"}', "swelling"),
    ('{"age_years": 130}', "age_years"),
    ('{"leg_side": "middle"}', "leg_side"),
])
def test_bad_answers_exit_2_with_one_line_naming_the_key(
        answers: str, key: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    run = in_process("triage", "--json", stdin=answers, capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0]


@pytest.mark.parametrize("stdin", ["not json", "[1, 2]"])
def test_malformed_input_exits_2_with_one_line(stdin: str, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    run = in_process("triage", "--json", stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1


def test_without_json_prints_a_readable_summary() -> None:
    answers = {"leg_side": "none", "short_of_breath": False, "chest_pain": False,
               "coughing_blood": False, "fainting": False, "fast_heartbeat": False,
               "cold_pale_numb_leg": False, "calf_difference_cm": 0,
               **dict.fromkeys(("leg_pain", "cramp", "swelling", "warmth", "redness",
                                "hard_tender_vein", "new_visible_veins", "pain_on_toes_up",
                                "getting_worse", "worse_walking_standing", "leg_ulcer", "fever",
                                "recurrent_cramps", "chronic_skin_changes", "recent_surgery",
                                "leg_cast_or_immobilised", "active_cancer", "previous_clot",
                                "clotting_disorder"), False),
               "sex": "male"}
    run = clotwatch("triage", stdin=json.dumps(answers))
    assert run.returncode == 0, run.stderr
    assert "You have no warning signs now" in run.stdout
    assert "decision support, not a diagnosis" in run.stdout


@pytest.mark.parametrize("stdin, key", [
    ('{"chest_pain": true, "chest_pain": false}', "chest_pain"),
    ('{"duration_hours": 1' + "0" * 400 + "}", "duration_hours"),
])
def test_a_key_given_twice_or_a_huge_number_exits_2_naming_the_key(stdin: str, key: str) -> None:
    run = clotwatch("triage", "--json", stdin=stdin)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(f"clotwatch: error: {key}: ")


def test_validate_walks_simulated_people_and_reports_no_failure() -> None:
    run = clotwatch("triage", "validate", "--people", "16", "--seed", "7", "--pairs-every", "8")
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert figures["walks"] == 16
    assert figures["walk_below_full_answers"] == figures["end_state_changes"] == 0
    assert figures["end_state_checks"] > 16
