"""Run the Python SQL on FHIR peers (pysof, fhir4ds, sqlonfhir) on the official suite.

They are not clotwatch dependencies: install them in a separate virtual environment and run
this file with its Python, e.g.::

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install pysof fhir4ds sqlonfhir duckdb
    /tmp/peers/bin/python benchmarks/population_peers.py suite [--tests DIR] [--json OUT]
    /tmp/peers/bin/python benchmarks/population_peers.py time VIEW.json FILE.ndjson

``suite`` prints passed/total per peer (the same multiset comparison as
clotwatch.population.conformance); ``time`` runs one view over one NDJSON file per peer and
prints the seconds and row counts (a peer that needs the data as Python objects gets it so).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REL = Path("shared", "benchmarks", "sql-on-fhir-v2", "tests")


def _canon(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 9) if v != int(v) else int(v)
    if isinstance(v, list):
        return tuple(_canon(x) for x in v)
    return v


def _key(row: dict[str, Any]) -> str:
    return json.dumps({k: _canon(v) for k, v in row.items()}, sort_keys=True, default=str)


def run_pysof(view: dict[str, Any], resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import pysof

    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in resources]}
    out = pysof.run_view_definition(view, bundle, "json")
    return list(json.loads(out))


def run_sqlonfhir(view: dict[str, Any], resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import sqlonfhir

    return list(sqlonfhir.evaluate(resources, view))


def run_fhir4ds(view: dict[str, Any], resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from fhir4ds.datastore import QuickConnect

    with tempfile.TemporaryDirectory() as tmp:
        db = QuickConnect.duckdb(str(Path(tmp) / "db.duckdb"))
        db.load_resources(resources, parallel=False)
        df = db.execute_to_dataframe(view, include_metadata=False)
        rows: list[dict[str, Any]] = json.loads(df.to_json(orient="records"))
        return rows


PEERS: dict[str, Callable[[dict[str, Any], list[dict[str, Any]]], list[dict[str, Any]]]] = {
    "pysof": run_pysof, "sqlonfhir": run_sqlonfhir, "fhir4ds": run_fhir4ds}


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def suite(tests_dir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, fn in PEERS.items():
        per_file: dict[str, list[int]] = {}
        try:
            __import__(name)
        except ImportError as exc:
            results[name] = {"error": f"not installed: {exc}"}
            continue
        probe = json.loads((tests_dir / "basic.json").read_text())
        try:  # a peer that cannot run at all is reported as such, not as 'failing tests'
            fn(probe["tests"][0]["view"], probe["resources"])
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result here
            results.setdefault(name, {})
            first = re.sub(r"\S+://\S+", "<url>", str(exc).splitlines()[0][:300])
            results[name] = {"error": f"cannot run here: {type(exc).__name__}: {first}",
                             "version": _version(name)}
            print(name, results[name]["error"], file=sys.stderr)
            continue
        for f in sorted(tests_dir.glob("*.json")):
            spec = json.loads(f.read_text())
            ok = 0
            for t in spec["tests"]:
                try:
                    got = fn(t["view"], spec["resources"])
                    passed = (not t.get("expectError")) and Counter(map(_key, got)) == Counter(
                        map(_key, t.get("expect", [])))
                except Exception:  # noqa: BLE001 - a peer's failure is a result here
                    passed = bool(t.get("expectError"))
                ok += passed
            per_file[f.name] = [ok, len(spec["tests"])]
        total = [sum(v[0] for v in per_file.values()), sum(v[1] for v in per_file.values())]
        results[name] = {"passed": total[0], "total": total[1], "files": per_file}
        results[name]["version"] = _version(name)
        print(name, f"{total[0]}/{total[1]}", file=sys.stderr)
    return results


def timed(view_path: Path, data: Path) -> dict[str, Any]:
    view = json.loads(view_path.read_text())
    t0 = time.perf_counter()
    resources = [json.loads(line) for line in data.open() if line.strip()]
    load = time.perf_counter() - t0
    out: dict[str, Any] = {"resources": len(resources), "json_load_s": round(load, 2)}
    for name, fn in PEERS.items():
        t = time.perf_counter()
        try:
            rows = fn(view, resources)
            out[name] = {"s": round(time.perf_counter() - t + load, 2), "rows": len(rows)}
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result here
            out[name] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        print(name, out[name], file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("suite")
    default = next((p / REL for p in REPO.parents if (p / REL).is_dir()), REPO.parent / REL)
    s.add_argument("--tests", type=Path, default=default)
    s.add_argument("--json", type=Path)
    t = sub.add_parser("time")
    t.add_argument("view", type=Path)
    t.add_argument("data", type=Path)
    t.add_argument("--json", type=Path)
    a = ap.parse_args()
    result = suite(a.tests) if a.cmd == "suite" else timed(a.view, a.data)
    text = json.dumps(result, indent=1, sort_keys=True)
    if a.json:
        a.json.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
