"""Population screening benchmark: synthetic export -> screening, against the read floor.

    .venv/bin/python benchmarks/population_bench.py --patients 10000 100000 \\
        [--spark 10000] [--peers-python /tmp/peers/bin/python] [--workdir /tmp] [--keep]
        [--reuse]  (with --workdir DIR: reuse DIR/export-N from an earlier --keep run)
        [--baseline-src /tmp/main/src]  (also screen with that source tree, e.g. main's)

For each size: generate the export (``clotwatch population synth``, timed), measure the floor
(DuckDB counting the lines of the same files with ``read_ndjson``, the baseline in the same
run), then run ``clotwatch population screen`` as a child process under ``/usr/bin/time -v``
(wall time and peak resident memory of the whole process). ``--spark N`` also screens the
N-patient export on Spark ``local[2]`` (JVM start included). ``--baseline-src DIR`` also
screens each export with the code in DIR (``PYTHONPATH=DIR``, e.g. an unpacked copy of main's
``src``) right before this tree's run, and says whether the output files are byte-identical
(summary.json without its ``out`` path). ``--peers-python`` runs
``benchmarks/population_peers.py time`` (pysof, fhir4ds, sqlonfhir) on the patient view over
Patient.ndjson of the smallest export, and DuckDB on the same view for comparison. Generated
data is deleted afterwards unless ``--keep``. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "clotwatch.cli"]


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    t = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True,
                          env=env, check=False)
    wall = time.perf_counter() - t
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)",
                                            proc.stderr))
    out: dict[str, Any] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                           "peak_rss_mb": round(int(peak.group(1)) / 1024) if peak else None,
                           "exit": proc.returncode}
    if proc.returncode:
        out["stderr"] = proc.stderr[-800:]
    return out


def floor(folder: Path) -> dict[str, Any]:
    import duckdb

    files = sorted(str(p) for p in folder.glob("*.ndjson"))
    con = duckdb.connect()
    t, c = time.perf_counter(), time.process_time()
    n = con.execute(f"SELECT count(*) FROM read_ndjson({files!r})").fetchone()
    secs, cpu = time.perf_counter() - t, time.process_time() - c
    # A second reference: every line parsed (the count above may skip parsing).
    t = time.perf_counter()
    con.execute(f"SELECT count(*) FROM read_json({files!r}, format = 'newline_delimited', "
                "columns = {'resourceType': 'VARCHAR'}) WHERE resourceType IS NOT NULL")
    parse = time.perf_counter() - t
    con.close()
    size = sum(Path(f).stat().st_size for f in files)
    return {"resources": int(n[0]) if n else 0, "bytes": size, "floor_s": round(secs, 2),
            "floor_cpu_s": round(cpu, 2), "parse_all_s": round(parse, 2)}


OUTPUTS = ("encounters.csv", "encounters.parquet", "gaps.csv", "summary.json")


def _same_outputs(a: Path, b: Path) -> dict[str, bool]:
    """Per output file: byte-identical in folders ``a`` and ``b`` (summary.json compared
    without ``out``, the folder's own path)."""
    def data(folder: Path, name: str) -> bytes | None:
        f = folder / name
        if not f.is_file():
            return None
        if name != "summary.json":
            return f.read_bytes()
        summary = json.loads(f.read_text(encoding="utf-8"))
        summary.pop("out", None)
        return json.dumps(summary, sort_keys=True).encode()

    return {n: data(a, n) is not None and data(a, n) == data(b, n) for n in OUTPUTS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, nargs="+", default=[10000])
    ap.add_argument("--spark", type=int, nargs="*", default=[])
    ap.add_argument("--peers-python")
    ap.add_argument("--baseline-src", help="also screen with the code in this src folder")
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="use --workdir itself and the export-N folders already in it")
    a = ap.parse_args()
    root = (Path(a.workdir) if a.reuse else
            Path(tempfile.mkdtemp(prefix="clotwatch-bench-", dir=a.workdir)))
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg(),
                               "runs": []}
    try:
        for n in a.patients:
            export = root / f"export-{n}"
            run: dict[str, Any] = {"patients": n}
            if export.is_dir():  # --workdir holding an earlier --keep run: reuse its export
                run["synth"] = "reused"
            else:
                run["synth"] = _timed([*CLI, "population", "synth", str(n), str(export)])
            run.update(floor(export))
            run["load"] = os.getloadavg()
            screen = ["population", "screen", str(export), "--as-of", "2026-06-30", "--json"]
            if a.baseline_src:
                env = {**os.environ, "PYTHONPATH": a.baseline_src}
                run["load_before_baseline"] = os.getloadavg()
                run["baseline"] = _timed([*CLI, *screen, "--out", str(root / f"base-{n}")],
                                         env=env)
            run["load_before_duckdb"] = os.getloadavg()
            run["duckdb"] = _timed([*CLI, *screen, "--out", str(root / f"out-{n}")])
            if a.baseline_src:
                run["identical_to_baseline"] = _same_outputs(root / f"base-{n}",
                                                              root / f"out-{n}")
                run["cpu_ratio_to_baseline"] = (round(run["duckdb"]["cpu_s"] /
                                                      run["baseline"]["cpu_s"], 2)
                                                if run["baseline"]["cpu_s"] else None)
            run["ratio_to_floor"] = (round(run["duckdb"]["wall_s"] / run["floor_s"], 1)
                                     if run["floor_s"] else None)
            run["ratio_to_parse_all"] = (round(run["duckdb"]["wall_s"] / run["parse_all_s"], 1)
                                         if run["parse_all_s"] else None)
            if n in a.spark:
                run["spark"] = _timed([*CLI, "population", "screen", str(export), "--engine",
                                       "spark", "--out", str(root / f"spark-{n}"), "--as-of",
                                       "2026-06-30", "--json"])
            results["runs"].append(run)
            print(json.dumps(run), file=sys.stderr)
        if a.peers_python:
            smallest = root / f"export-{min(a.patients)}"
            view = REPO / "src" / "clotwatch" / "population" / "views" / "patient.json"
            data = smallest / "Patient.ndjson"
            proc = subprocess.run([a.peers_python, str(REPO / "benchmarks" /
                                                       "population_peers.py"), "time",
                                   str(view), str(data)], capture_output=True, text=True,
                                  check=False)
            peers = json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr}
            peers["clotwatch_duckdb"] = _timed([*CLI, "views", "run", str(view), "--data",
                                                str(data), "--out", str(root / "p.ndjson")])
            results["peers_patient_view"] = peers
    finally:
        if not a.keep and not a.reuse:
            shutil.rmtree(root, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
