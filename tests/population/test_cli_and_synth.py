"""The commands (`clotwatch views run`, `clotwatch population synth|screen`), the synthetic
export, and the views' agreement with clotwatch's code sets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.population import records

from clotwatch.cli import main
from clotwatch.core.errors import InputError
from clotwatch.fhir.codes import codeset
from clotwatch.population.duckdb import compile as compile_duckdb
from clotwatch.population.screen import load_views
from clotwatch.population.synth import TYPES, synthesize

VIEWS = Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "population" / "views"


def test_synth_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = synthesize(6, tmp_path / "a", seed=3)
    synthesize(6, tmp_path / "b", seed=3)
    synthesize(6, tmp_path / "c", seed=4)
    assert a["Patient"] == 6 and set(a) == set(TYPES)
    for t in TYPES:
        assert (tmp_path / "a" / f"{t}.ndjson").read_bytes() == \
            (tmp_path / "b" / f"{t}.ndjson").read_bytes()
    assert (tmp_path / "a" / "Patient.ndjson").read_bytes() != \
        (tmp_path / "c" / "Patient.ndjson").read_bytes()
    for line in (tmp_path / "a" / "Encounter.ndjson").read_text().splitlines():
        assert json.loads(line)["resourceType"] == "Encounter"


def test_views_run_writes_one_json_object_per_row(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = records.write(tmp_path / "e", records.situations())
    assert main(["views", "run", str(VIEWS / "patient.json"), "--data", str(folder)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 10
    assert {"patient_id": "child", "gender": "female", "birth_date": "2012-01-01"} in rows
    out = tmp_path / "p.csv"
    assert main(["views", "run", str(VIEWS / "patient.json"), "--data",
                 str(folder / "Patient.ndjson"), "--format", "csv", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "patient_id,gender,birth_date"


@pytest.mark.parametrize("argv, reason", [
    (["--format", "parquet"], "--format parquet: give --out"),
    (["--data", "/nonexistent/export"], "no such file or folder"),
])
def test_views_run_refuses_bad_input_with_exit_2(tmp_path: Path, argv: list[str], reason: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = records.write(tmp_path / "e", records.situations())
    args = ["views", "run", str(VIEWS / "patient.json"), "--data", str(folder), *argv]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert reason in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("bad", ["[1, 2]", '"x"', "3", "true"])
def test_views_run_refuses_a_line_that_is_not_an_object(
        tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``views run`` has no --on-error: a line that is JSON but not an object is refused as a
    line that is not JSON is (exit 2, one line naming file and line), also as a file's first
    line and for a view reading one element."""
    folder = records.write(tmp_path / "e", records.situations())
    path = folder / "Patient.ndjson"
    path.write_text(bad + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"resource": "Patient", "select": [{"column": [
        {"name": "t", "path": "resourceType"}]}]}))
    for view in (str(VIEWS / "patient.json"), str(one)):
        with pytest.raises(SystemExit) as exc:
            main(["views", "run", view, "--data", str(folder)])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert f"{path}:1: not a JSON object" in err and len(err.strip().splitlines()) == 1


def test_a_view_that_breaks_the_spec_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resource": "Patient", "select": [{"forEach": 1}]}))
    folder = records.write(tmp_path / "e", records.situations())
    with pytest.raises(SystemExit) as exc:
        main(["views", "run", str(bad), "--data", str(folder)])
    assert exc.value.code == 2
    assert "forEach" in capsys.readouterr().err
    with pytest.raises(InputError, match="FHIRPath"):
        compile_duckdb({"resource": "Patient", "select": [{"column": [
            {"name": "x", "path": "name.where("}]}]})


def test_population_screen_json_summary(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = records.write(tmp_path / "e", records.situations())
    out = tmp_path / "report"
    assert main(["population", "screen", str(folder), "--out", str(out),
                 "--as-of", "2026-03-10", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["encounters"] == 10 and summary["gaps"] == 2
    assert sorted(p.name for p in out.iterdir()) == [
        "encounters.csv", "encounters.parquet", "gaps.csv", "report.html", "summary.json"]
    with pytest.raises(SystemExit) as exc:
        main(["population", "screen", str(tmp_path / "missing"), "--out", str(out)])
    assert exc.value.code == 2


def test_population_screen_refuses_a_bad_memory_limit(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = records.write(tmp_path / "e", records.situations())
    with pytest.raises(SystemExit) as exc:
        main(["population", "screen", str(folder), "--out", str(tmp_path / "r"),
              "--memory-limit", "plenty"])
    assert exc.value.code == 2
    assert "--memory-limit: 'plenty' is not a size" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
    with pytest.raises(SystemExit) as exc:  # a size DuckDB cannot work in
        main(["population", "screen", str(folder), "--out", str(tmp_path / "r"),
              "--memory-limit", "1MB"])
    assert exc.value.code == 2
    assert "--memory-limit: too small for this export" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [folder]  # no result, no temporary folder left


def test_observation_view_reads_the_code_sets_loinc_codes() -> None:
    """The view's filter is data too: it must list exactly the code sets' LOINC codes."""
    where = load_views()["observation"]["where"][0]["path"]
    in_view = set(re.findall(r"code = '([^']+)'", where))
    in_sets = {e.code for n in ("bmi", "body_weight", "body_height", "vte_risk_assessment", "inr")
               for e in codeset(n).codes if e.system == "http://loinc.org"}
    assert in_view == in_sets


def test_engine_spark_without_pyspark_is_one_line_naming_the_extra(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``./run`` installs no extras: --engine spark there was a ModuleNotFoundError traceback."""
    import sys

    for name in ("pyspark", "pyspark.sql"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    folder = records.write(tmp_path / "e", records.situations())
    for argv in (["views", "run", str(VIEWS / "patient.json"), "--data", str(folder),
                  "--engine", "spark"],
                 ["population", "screen", str(folder), "--engine", "spark",
                  "--out", str(tmp_path / "out")]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
        err = capsys.readouterr().err
        assert "clotwatch[spark]" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()
