"""`clotwatch score` as a person and a script meet it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clotwatch.cli import main
from clotwatch.instruments import INSTRUMENTS


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_instrument_with_its_citation(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "score", "--list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [i["id"] for i in listed] == list(INSTRUMENTS)
    assert all(("doi:" in i["citation"]) or ("PMID:" in i["citation"]) for i in listed)
    code, out, _ = run(capsys, monkeypatch, "score", "--list")
    assert code == 0 and "caprini-2005" in out and "has-bled" in out


def test_instrument_help_shows_inputs_types_and_points(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "score", "khorana", "--help")
    assert code == 0
    for text in ("cancer_site", "very_high", "platelets_10e9_l", "Khorana", "doi:"):
        assert text in out


def test_schema_is_json_schema_of_the_inputs(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "score", "perc", "--schema")
    schema = json.loads(out)
    assert code == 0 and schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(INSTRUMENTS["perc"].input_ids)


def test_json_mode_reads_stdin_and_prints_the_result(capsys, monkeypatch) -> None:
    answers = {k: False for k in INSTRUMENTS["wells-dvt"].input_ids} | {"active_cancer": True,
                                                                         "previous_dvt": True}
    code, out, err = run(capsys, monkeypatch, "score", "wells-dvt", "--json",
                         stdin=json.dumps(answers))
    assert code == 0 and err == ""
    result = json.loads(out)
    assert (result["total"], result["category"], result["complete"]) == (2, "likely", True)
    assert set(result) >= {"instrument", "total", "category", "categories", "complete",
                           "missing", "contributions", "interpretation", "citation"}


def test_json_mode_reads_an_input_file(capsys, monkeypatch, tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text('{"age": 72, "ddimer_ng_ml_feu": 650}')
    code, out, _ = run(capsys, monkeypatch, "score", "ddimer-age-adjusted", "--json",
                       "--input", str(f))
    assert code == 0
    assert json.loads(out)["total"] == 720 and json.loads(out)["category"] == "negative"


def test_key_value_answers_give_a_readable_result(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "score", "wells-pe", "dvt_signs=yes",
                       "heart_rate=110", "malignancy=?")
    assert code == 0
    assert "5.5" not in out.split("Total:")[0]
    assert "Total: 4.5" in out
    assert "Missing" in out and "malignancy" in out
    assert "does not diagnose" in out


@pytest.mark.parametrize(
    ("argv", "stdin", "needle"),
    [
        (("score", "wells-pe", "--json"), '{"heart_rate": 900}', "heart_rate"),
        (("score", "perc", "--json"), '{"age": -3}', "age"),
        (("score", "perc", "--json"), '{"agee": 30}', "agee"),
        (("score", "perc", "--json"), "[1", "malformed JSON"),
        (("score", "perc", "--json"), "[1, 2]", "JSON object"),
        (("score", "caprini-2005", "sex=robot"), "", "sex"),
        (("score", "wells-dvt", "active_cancer=maybe"), "", "active_cancer"),
        (("score", "wells-dvt", "nonsense"), "", "input=value"),
        (("score", "no-such-score", "--json"), "{}", "unknown instrument"),
        (("score", "perc", "--json", "--input", "/nonexistent.json"), "", "--input"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(
    capsys, monkeypatch, argv: tuple[str, ...], stdin: str, needle: str
) -> None:
    code, out, err = run(capsys, monkeypatch, *argv, stdin=stdin)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert needle in err


def test_the_installed_command_runs_end_to_end() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "clotwatch.cli", "score", "constans", "--json"],
        input=b'{"venous_material": true, "localized_pain": true}',
        capture_output=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["total"] == 2 and result["category"] is None  # -1 item still unanswered
    assert result["possible_categories"]["probability"] == ["intermediate", "high"]
