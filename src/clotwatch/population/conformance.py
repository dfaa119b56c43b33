"""Run the official SQL on FHIR v2 test suite through ``views.run_view``'s engines.

Each test file's resources are written as NDJSON to a temporary folder and read back by the
engine exactly as a bulk export is, so the suite checks the screening's own code path.
A test passes when the rows equal ``expect`` as a multiset (column order free), or when the
engine refuses the view for ``expectError``.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clotwatch.core.errors import ClotwatchError
from clotwatch.population.source import open_export
from clotwatch.population.views import Engine, rows_as_dicts


@dataclass(frozen=True)
class Outcome:
    """One test's result."""

    file: str
    title: str
    tags: tuple[str, ...]
    passed: bool
    detail: str = ""


def _canon(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9) if value != int(value) else int(value)
    if isinstance(value, list | tuple):
        return tuple(_canon(v) for v in value)
    return value


def _row_key(row: Mapping[str, Any]) -> str:
    return json.dumps({k: _canon(v) for k, v in row.items()}, sort_keys=True, default=str)


def run_file(path: Path, engine: Engine, workdir: Path) -> list[Outcome]:
    """Run every test of one suite file."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    data_dir = workdir / path.stem
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "resources.ndjson").open("w", encoding="utf-8") as f:
        for r in spec.get("resources", []):
            f.write(json.dumps(r) + "\n")
    export = open_export(data_dir)
    out = []
    batch = getattr(engine, "view_rows_batch", None)
    results = batch([t["view"] for t in spec["tests"]], export) if batch else None
    for n, test in enumerate(spec["tests"]):
        title = test["title"]
        tags = tuple(test.get("tags", ()))
        try:
            if results is not None:
                result = results[n]
                if isinstance(result, Exception):
                    raise result
                columns, rows = result[0], iter(result[1])
            else:
                columns, rows = engine.view_rows(test["view"], export)
            got = list(rows_as_dicts(columns, rows))
        except (ClotwatchError, ValueError, TypeError, KeyError) as exc:
            ok = bool(test.get("expectError"))
            out.append(Outcome(path.name, title, tags, ok, "" if ok else f"error: {exc}"))
            continue
        if test.get("expectError"):
            out.append(Outcome(path.name, title, tags, False, f"expected an error, got {got}"))
            continue
        want = test.get("expect", [])
        same = Counter(map(_row_key, got)) == Counter(map(_row_key, want))
        detail = "" if same else f"got {got[:6]} want {want[:6]}"
        out.append(Outcome(path.name, title, tags, same, detail))
    return out


def run_suite(tests_dir: Path, engine: Engine, files: Iterable[str] | None = None) -> list[Outcome]:
    """Run the suite files in ``tests_dir`` (all, or those named)."""
    names = sorted(p.name for p in tests_dir.glob("*.json"))
    if files is not None:
        wanted = set(files)
        names = [n for n in names if n in wanted]
    with tempfile.TemporaryDirectory(prefix="clotwatch-sof-") as tmp:
        out: list[Outcome] = []
        for n in names:
            out.extend(run_file(tests_dir / n, engine, Path(tmp)))
        return out


def report_of(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """The suite's report format: file -> {tests: [{name, result: {passed}}]}."""
    report: dict[str, Any] = {}
    for o in outcomes:
        report.setdefault(o.file, {"tests": []})["tests"].append(
            {"name": o.title, "result": {"passed": o.passed}})
    return report
