"""The Spark engine (local[2]): the SQL on FHIR suite, and the same screening rows as DuckDB.

Few tests on purpose: one SparkSession is shared by the whole run (the JVM takes seconds to
start). Skipped only when PySpark is not installed; the ``test`` extra installs it.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'clotwatch[spark]')")

# Under `pytest -n 2 --dist loadgroup` both tests run on one worker, so one JVM and one
# SparkSession serve them (two JVMs on 2 cores took 4.7 minutes instead of about 1.5).
pytestmark = pytest.mark.xdist_group("spark")

from tests.population import records  # noqa: E402

from clotwatch.population.conformance import run_suite  # noqa: E402
from clotwatch.population.duckdb import DuckDBScreening  # noqa: E402
from clotwatch.population.screen import screen  # noqa: E402
from clotwatch.population.source import open_export  # noqa: E402
from clotwatch.population.spark import SparkEngine, SparkScreening  # noqa: E402
from clotwatch.population.synth import synthesize  # noqa: E402

# VARIANT (Spark's JSON type) stores 1.0 as the number 1, so the precision that
# lowBoundary()/highBoundary() of a decimal depend on is gone before the query sees it.
# Both tests are tagged "experimental" in the suite. DuckDB passes them.
KNOWN_SPARK_FAILURES = {("fn_boundary.json", "decimal lowBoundary"),
                        ("fn_boundary.json", "decimal highBoundary")}


def test_the_suite_on_spark(sof_tests: Path) -> None:
    outcomes = run_suite(sof_tests, SparkEngine())
    failed = {(o.file, o.title) for o in outcomes if not o.passed}
    assert len(outcomes) == 134
    assert failed == KNOWN_SPARK_FAILURES
    assert all("experimental" in o.tags for o in outcomes if not o.passed)


def _rows(folder: Path) -> list[list[str]]:
    with (folder / "encounters.csv").open(encoding="utf-8") as f:
        return list(csv.reader(f))


def test_screening_gives_the_same_rows_on_both_engines(tmp_path: Path) -> None:
    export = tmp_path / "export"
    synthesize(8, export, seed=7)
    records.write(tmp_path / "hand", records.situations())
    for src in (tmp_path / "hand").iterdir():  # the hand-written situations too
        with (export / src.name).open("a", encoding="utf-8") as f:
            f.write(src.read_text(encoding="utf-8"))
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
    assert rows_duck == rows_spark
    da, db = a.to_dict(), b.to_dict()
    for k in ("engine", "out"):
        da.pop(k)
        db.pop(k)
    assert da == db
