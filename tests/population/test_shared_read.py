"""The shared read pass and its fallback (DuckDB).

The screening reads each group of files once, computing every view's rows in the same pass
(``DuckDBScreening.plan`` / ``type_counts``); if that pass fails (a view's own error), the plain
count and the views one by one take over. The fallback must give the same rows, byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.population import records

from clotwatch.population import duckdb as cw_duckdb
from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import VIEW_NAMES, screen
from clotwatch.population.source import open_export
from clotwatch.population.synth import synthesize

from .test_screen_rules import AS_OF


def _screen(folder: Path, out: Path) -> None:
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(folder), engine, out, as_of=AS_OF)
    finally:
        engine.close()


def _summary(out: Path) -> dict[str, Any]:
    s: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    s.pop("out")
    return s


def test_a_view_failing_in_the_shared_pass_falls_back_to_the_same_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "export"
    synthesize(40, folder, seed=7)
    # the hand-written situations beside the synthetic patients, in their own files
    records.write(tmp_path / "extra", records.situations())
    for f in (tmp_path / "extra").iterdir():
        f.rename(folder / f"{f.stem}.001.ndjson")

    queries: list[str] = []
    real_query = cw_duckdb.view_query

    def counted_query(*args: Any, **kw: Any) -> str:
        queries.append("view")
        return real_query(*args, **kw)

    monkeypatch.setattr(cw_duckdb, "view_query", counted_query)
    _screen(folder, tmp_path / "shared")
    shared_queries = len(queries)
    assert shared_queries < len(VIEW_NAMES)  # the views came from the one pass

    failed: list[int] = []

    def failing_load(self: DuckDBScreening, ignore_errors: bool) -> Any:
        failed.append(1)
        raise duckdb.InvalidInputException("a view's own error in the shared pass (forced)")

    monkeypatch.setattr(DuckDBScreening, "_load", failing_load)
    queries.clear()
    _screen(folder, tmp_path / "fallback")
    assert failed, "the shared pass was not attempted"
    assert len(queries) == len(VIEW_NAMES)  # every view ran on its own

    for name in ("encounters.csv", "gaps.csv", "encounters.parquet"):
        a = (tmp_path / "shared" / name).read_bytes()
        assert a == (tmp_path / "fallback" / name).read_bytes(), name
    assert _summary(tmp_path / "shared") == _summary(tmp_path / "fallback")
    rows = (tmp_path / "shared" / "encounters.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) > 1 + len(records.situations()) // 4  # synthetic stays and situations
    assert any(r.startswith("e-ontime,") for r in rows)
