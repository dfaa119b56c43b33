"""The DuckDB screening writes its output files side by side (``DuckDBScreening.writing``), each
on its own connection: the same bytes as one after the other, errors raised in the caller,
and an interrupted block leaves no job running and no result behind."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.population import records

from clotwatch.population import screen as screening
from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.source import open_export

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)

# More rows than one DuckDB row group (122,880), values of several types, NULLs and ties in
# the sort key broken by the second key.
ROWS = """
    SELECT i AS id, i % 97 AS grp, CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || (i * 7919 % 1000)
    END AS label, i / 3.0 AS ratio, i % 2 = 0 AS flag FROM range(250000) t(i)"""


def _jobs(folder: Path) -> list[tuple[str, str, str]]:
    ordered = "SELECT * FROM results ORDER BY grp, id"
    return [(ordered, str(folder / "a.csv"), "csv"),
            (ordered, str(folder / "a.parquet"), "parquet"),
            ("SELECT * FROM results WHERE flag ORDER BY label DESC NULLS LAST, id",
             str(folder / "b.csv"), "csv")]


def test_files_written_side_by_side_equal_files_written_one_by_one(tmp_path: Path) -> None:
    engine = DuckDBScreening(threads=2)
    try:
        engine.table_chain([("base", ROWS), ("results", "SELECT * FROM base WHERE id > 10")],
                           shared=True)
        (tmp_path / "one").mkdir()
        (tmp_path / "side").mkdir()
        for job in _jobs(tmp_path / "one"):
            engine.write(*job)
        with engine.writing(_jobs(tmp_path / "side")):
            # the connection itself stays usable while the jobs run
            assert engine.rows("SELECT count(*) FROM results") == [(249989,)]
    finally:
        engine.close()
    for name in ("a.csv", "a.parquet", "b.csv"):
        one, side = (tmp_path / "one" / name).read_bytes(), (tmp_path / "side" / name).read_bytes()
        assert one == side, name
    assert (tmp_path / "one" / "a.csv").read_text().count("\n") == 249990  # header + rows


def test_a_failing_job_is_raised_after_the_others_finish(tmp_path: Path) -> None:
    engine = DuckDBScreening(threads=2)
    try:
        engine.table_chain([("results", ROWS)], shared=True)
        jobs = _jobs(tmp_path)
        jobs[1] = ("SELECT * FROM no_such_table", str(tmp_path / "x.csv"), "csv")
        with pytest.raises(duckdb.CatalogException, match="no_such_table"):
            with engine.writing(jobs):
                pass
        assert (tmp_path / "a.csv").exists() and (tmp_path / "b.csv").exists()
    finally:
        engine.close()


def test_a_failing_block_stops_the_jobs_and_raises_its_own_error(tmp_path: Path) -> None:
    engine = DuckDBScreening(threads=2)
    before = threading.active_count()
    try:
        engine.table_chain([("results", ROWS)], shared=True)
        with pytest.raises(KeyboardInterrupt):
            with engine.writing(_jobs(tmp_path)):
                raise KeyboardInterrupt
        assert threading.active_count() == before  # every job's thread has ended
        assert engine.rows("SELECT count(*) FROM results") == [(250000,)]
    finally:
        engine.close()


def test_an_interrupt_while_writing_leaves_no_result(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = records.write(tmp_path / "export", records.situations())

    def stop(*_a: Any, **_k: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("clotwatch.population.report.render_report", stop)
    engine = DuckDBScreening(threads=2)
    try:
        with pytest.raises(KeyboardInterrupt):
            screening.screen(open_export(folder), engine, tmp_path / "res" / "out", as_of=AS_OF)
    finally:
        engine.close()
    assert list((tmp_path / "res").iterdir()) == []
