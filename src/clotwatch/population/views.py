"""Run one ViewDefinition over NDJSON on an engine: the code path every view takes.

``clotwatch views run``, the screening and the SQL on FHIR conformance suite all call
``run_view``; only the engine object differs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from clotwatch.core.errors import InputError
from clotwatch.population.compile import Column
from clotwatch.population.source import Export


class Engine(Protocol):
    """What an engine offers: run a view and give its rows."""

    name: str

    def view_rows(self, view: Mapping[str, Any], export: Export) -> tuple[
            tuple[Column, ...], Iterator[tuple[Any, ...]]]:
        """Columns and rows of ``view`` over ``export``."""
        ...

    def refuse_malformed(self, files: Sequence[str]) -> None:
        """``InputError`` naming the first file and line of ``files`` that is not blank and
        not a JSON object (DuckDB's read refuses such a line by itself; Spark's text read
        would leave it out unseen)."""
        ...

    def close(self) -> None:
        """Release the engine's resources."""
        ...


def load_view(path: str | Path) -> dict[str, Any]:
    """Read a ViewDefinition file; ``InputError`` naming the file when it is not one."""
    p = Path(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("view", f"{p}: cannot read ({exc.strerror})") from exc
    except ValueError as exc:
        raise InputError("view", f"{p}: not JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise InputError("view", f"{p}: a ViewDefinition is a JSON object")
    return raw


def validate_view(view: Mapping[str, Any]) -> None:
    """``InputError`` when ``view`` breaks the spec (compiled once, for no engine in
    particular: what a view may say does not depend on where it runs)."""
    from clotwatch.population.compile import compile_view
    from clotwatch.population.duckdb import DIALECT

    compile_view(view, DIALECT)


def rows_as_dicts(columns: Sequence[Column], rows: Iterator[tuple[Any, ...]]) -> Iterator[
        dict[str, Any]]:
    """Rows as dicts in column order."""
    names = [c.name for c in columns]
    for r in rows:
        yield dict(zip(names, r, strict=True))


def get_engine(name: str, master: str | None = None) -> Engine:
    """An engine by name: ``duckdb`` (default) or ``spark``."""
    if name == "duckdb":
        from clotwatch.population.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from clotwatch.population.spark import SparkEngine

        return SparkEngine(master=master)
    raise InputError("engine", f"unknown engine {name!r}: use duckdb or spark")
