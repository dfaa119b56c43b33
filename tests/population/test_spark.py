"""The Spark engine (local[2]): the SQL on FHIR suite, and the same screening rows as DuckDB.

Few tests on purpose: one SparkSession is shared by the whole run (the JVM takes seconds to
start). Skipped only when PySpark is not installed; the ``test`` extra installs it.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'clotwatch[spark]')")

# Under `pytest -n 2 --dist loadgroup` both tests run on one worker, so one JVM and one
# SparkSession serve them (two JVMs on 2 cores took 4.7 minutes instead of about 1.5); the
# session is conftest's ``spark_small``, made once for the worker.
pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark"),
              pytest.mark.usefixtures("spark_small")]

from tests.population import records  # noqa: E402
from tests.population import test_agrees_with_fhir_score as agrees  # noqa: E402
from tests.population import test_device_prophylaxis as device_prophylaxis  # noqa: E402
from tests.population import test_instrument_choice as instrument_choice  # noqa: E402
from tests.population import test_location_reference as location_reference  # noqa: E402
from tests.population import test_medication_reference as medication_reference  # noqa: E402
from tests.population import test_real_synthea as real_synthea  # noqa: E402
from tests.population import test_screen_rules as screen_rules  # noqa: E402

from clotwatch.population.conformance import run_suite  # noqa: E402
from clotwatch.population.duckdb import DuckDBEngine, DuckDBScreening  # noqa: E402
from clotwatch.population.screen import screen  # noqa: E402
from clotwatch.population.source import open_export  # noqa: E402
from clotwatch.population.spark import SparkEngine, SparkScreening  # noqa: E402
from clotwatch.population.synth import synthesize  # noqa: E402


def test_the_suite_on_spark(sof_tests: Path) -> None:
    outcomes = run_suite(sof_tests, SparkEngine())
    failed = [f"{o.file}: {o.title}: {o.detail}" for o in outcomes if not o.passed]
    assert len(outcomes) == 134
    assert failed == []


def test_a_decimal_keeps_its_written_precision_on_both_engines(tmp_path: Path) -> None:
    """VARIANT stores 1.50 as 1.5; lowBoundary() needs the two written decimals."""
    export = tmp_path / "export"
    export.mkdir()
    lines = [{"resourceType": "Observation", "id": f"o{i}", "status": "final",
              "code": {"text": "x"}, "valueQuantity": {"value": v}}
             for i, v in enumerate(("1.50", "2", "-0.250", "7.0"))]
    (export / "Observation.ndjson").write_text(
        "\n".join(json.dumps(r).replace(f'"{r["valueQuantity"]["value"]}"',  # type: ignore[index]
                                         str(r["valueQuantity"]["value"]))  # type: ignore[index]
                  for r in lines) + "\n", encoding="utf-8")
    view = {"resource": "Observation", "status": "active", "select": [{"column": [
        {"name": "id", "path": "id", "type": "id"},
        {"name": "low", "path": "value.ofType(Quantity).value.lowBoundary()", "type": "decimal"},
        {"name": "high", "path": "value.ofType(Quantity).value.highBoundary()",
         "type": "decimal"}]}]}
    want = {("o0", 1.495, 1.505), ("o1", 1.5, 2.5), ("o2", -0.2505, -0.2495), ("o3", 6.95, 7.05)}
    for engine in (DuckDBEngine(), SparkEngine()):
        _, rows = engine.view_rows(view, open_export(export))
        assert {(i, round(lo, 6), round(hi, 6)) for i, lo, hi in rows} == want, engine.name


def _rows(folder: Path) -> list[list[str]]:
    with (folder / "encounters.csv").open(encoding="utf-8") as f:
        return list(csv.reader(f))


# Spark planned the screening's large queries for minutes even on kilobytes (each stage
# re-planned every earlier one; now each table is a local checkpoint) and the suite's 300 s
# per-test limit was met in a clean-clone CI run beside the rest of the suite; on a loaded
# machine the comparison still takes minutes (docs/benchmarks.md), so the limit stays high.
@pytest.mark.timeout(1800)
def test_screening_gives_the_same_rows_on_both_engines(tmp_path: Path) -> None:
    export = tmp_path / "export"
    synthesize(8, export, seed=7)
    # the hand-written situations too: the rules', the device records', the operations', the
    # medicines and locations given by reference, the stays in a residential facility
    records.write(tmp_path / "hand", records.situations() + device_prophylaxis.situations()
                  + instrument_choice.situations() + agrees.abatement_situations()
                  + agrees.treated_situations() + medication_reference.situations()
                  + location_reference.situations()
                  + screen_rules.residential_situations())
    for src in (tmp_path / "hand").iterdir():
        with (export / src.name).open("a", encoding="utf-8") as f:
            f.write(src.read_text(encoding="utf-8"))
    # and the real Synthea records (gzipped NDJSON, the export's log.ndjson)
    for src in real_synthea.FIXTURE.glob("*.ndjson*"):
        (export / src.name).write_bytes(src.read_bytes())
    as_of = datetime(2026, 6, 30, tzinfo=UTC)
    duck = DuckDBScreening(threads=2)
    try:
        a = screen(open_export(export), duck, tmp_path / "duckdb", as_of=as_of)
    finally:
        duck.close()
    spark = SparkScreening()
    try:
        b = screen(open_export(export), spark, tmp_path / "spark", as_of=as_of)
    finally:
        spark.close()
    rows_duck, rows_spark = _rows(tmp_path / "duckdb"), _rows(tmp_path / "spark")
    assert len(rows_duck) > 15
    reason = rows_duck[0].index("initial_population_reason")
    assert sum(r[reason].startswith("not a hospital admission")
               for r in rows_duck[1:]) == 2  # the skilled nursing and hospice stays
    assert rows_duck == rows_spark
    da, db = a.to_dict(), b.to_dict()
    for k in ("engine", "out"):
        da.pop(k)
        db.pop(k)
    assert da == db


def test_lines_that_are_not_objects_are_the_same_problems_on_both_engines(
        tmp_path: Path) -> None:
    """A line of JSON that is not an object (Spark parses it; DuckDB fails the read on it,
    or, for ``null``, reads a row of NULLs) is a malformed line with file and line on both
    engines, and the resources read are the same."""
    from clotwatch.population.checks import check_export
    from clotwatch.population.screen import load_views

    folder = records.write(tmp_path / "e", records.situations())
    for name, bad in (("Patient.ndjson", "[1, 2]"), ("Encounter.ndjson", "null")):
        path = folder / name
        path.write_text(bad + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    export = open_export(folder)
    views = load_views()
    got = []
    for engine in (DuckDBScreening(threads=2), SparkScreening()):
        try:
            if hasattr(engine, "plan"):
                engine.plan(views, export)
            got.append(check_export(export, engine, views, "skip").to_dict())
        finally:
            engine.close()
    assert got[0] == got[1]
    assert got[0]["counts"] == {"malformed_line": 2}
    assert sorted((Path(e["file"]).name, e["line"])
                  for e in got[0]["examples"]["malformed_line"]) == [
        ("Encounter.ndjson", 1), ("Patient.ndjson", 1)]


@pytest.mark.parametrize("bad", ["[1, 2]", "null", "{not json"])
def test_views_run_on_spark_refuses_a_line_that_is_not_an_object_as_duckdb_does(
        tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Spark's views read lines as text and parse them with try_parse_json, which left such
    a line out unseen; ``views run --engine spark`` now refuses it (exit 2, one line naming
    the file and line), as the DuckDB engine's read does."""
    from clotwatch.cli import main

    folder = records.write(tmp_path / "e", records.situations())
    path = folder / "Patient.ndjson"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:2] + [bad] + lines[2:]) + "\n", encoding="utf-8")
    view = str(Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "population"
               / "views" / "patient.json")
    for engine in ("duckdb", "spark"):
        with pytest.raises(SystemExit) as exc:
            main(["views", "run", view, "--data", str(folder), "--engine", engine])
        assert exc.value.code == 2, engine
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert f"{path}:3: not " in err, (engine, err)  # the same words on both
    # without the bad line the same view runs on Spark and gives every patient
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["views", "run", view, "--data", str(folder), "--engine", "spark"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == len(lines)


def test_the_driver_starts_quiet_and_draws_no_progress_of_its_own(spark_small: Any) -> None:
    """`population screen --engine spark` printed Spark's start-up WARN lines, "Setting default
    log level", and stage bars over clotwatch's own progress: the session is started with
    clotwatch's log4j2 file (spark-log4j2.properties, loaded by the JVM: a logger it alone
    configures has its level) and without Spark's console progress."""
    conf = spark_small.sparkContext.getConf()
    assert conf.get("spark.ui.showConsoleProgress") == "false"
    assert "spark-log4j2.properties" in conf.get("spark.driver.extraJavaOptions")
    log_manager = spark_small.sparkContext._jvm.org.apache.logging.log4j.LogManager
    gateway = log_manager.getLogger("org.apache.spark.api.python.PythonGatewayServer")
    assert str(gateway.getLevel()) == "ERROR"
