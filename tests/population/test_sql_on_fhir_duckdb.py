"""The official SQL on FHIR v2 suite on DuckDB, through the engine the screening uses."""

from __future__ import annotations

from pathlib import Path

from clotwatch.population.conformance import report_of, run_suite
from clotwatch.population.duckdb import DuckDBEngine


def test_the_whole_suite_passes_on_duckdb(sof_tests: Path) -> None:
    engine = DuckDBEngine()
    try:
        outcomes = run_suite(sof_tests, engine)
    finally:
        engine.close()
    failed = [f"{o.file}: {o.title}: {o.detail}" for o in outcomes if not o.passed]
    assert len(outcomes) == 134
    assert failed == []
    report = report_of(outcomes)
    assert sum(len(f["tests"]) for f in report.values()) == 134
