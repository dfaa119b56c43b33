"""Population screening benchmark: synthetic export -> screening, against the read floor.

    .venv/bin/python benchmarks/population_bench.py --patients 10000 100000 1000000 \\
        [--spark 10000 100000] [--spark-deadline 13:35] [--synth-workers 2]
        [--peers-python /tmp/peers/bin/python] [--workdir /tmp] [--keep]
        [--reuse]  (with --workdir DIR: reuse DIR/export-N from an earlier --keep run)
        [--baseline-src /tmp/main/src]  (also screen with that source tree, e.g. main's)
        [--memory-limit 2GB]  (this tree's screening only) [--guard-mb 2500] [--deadline HH:MM]

For each size: generate the export (``clotwatch population synth``, timed), measure the floor
(DuckDB counting the lines of the same files with ``read_ndjson``, the baseline in the same
run), then run ``clotwatch population screen`` as a child process under ``/usr/bin/time -v``
(wall time and peak resident memory of the whole process). ``--spark N`` also screens the
N-patient export on Spark ``local[2]`` (JVM start included) and compares its result files
with DuckDB's; ``--spark-deadline HH:MM`` (UTC) stops a Spark run still going then, and keeps
how far it got (the screening's stages, timed: ``population_screen_steps.py``).
``--baseline-src DIR`` also screens each export with the code in DIR (``PYTHONPATH=DIR``, e.g.
an unpacked copy of main's ``src``) right before this tree's run, and says whether the output
files are byte-identical (summary.json without its ``out`` path). ``--guard-mb MB`` stops a
screening when the machine's available memory falls under MB (recorded as ``stopped_by``),
``--deadline HH:MM`` (UTC) one still going then. ``--peers-python`` runs
``benchmarks/population_peers.py time`` (pysof, fhir4ds, sqlonfhir) on the patient view over
Patient.ndjson of the smallest export, and DuckDB on the same view for comparison. Each
size's export and results are deleted once that size is done, unless ``--keep`` (so the disk
holds one size at a time). Prints one JSON line per size on stderr and one JSON document.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "clotwatch.cli"]
SCREEN = [sys.executable, str(REPO / "benchmarks" / "population_screen_steps.py")]
STEP = re.compile(r"^\[([0-9.]+) s\] (.+)$", re.M)


def _available_mb() -> float:
    """MemAvailable of the machine, in MB."""
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def _disk_mb(root: Path, pattern: str) -> float:
    """Disk used (allocated blocks) by the files under ``root``'s entries matching
    ``pattern``, in MB."""
    total = 0
    for top in root.glob(pattern):
        for folder, _dirs, files in os.walk(top):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(folder, name)).st_blocks * 512
    return total / 2**20


def _timed(cmd: list[str], timeout: float | None = None,
           env: dict[str, str] | None = None, guard_mb: float | None = None,
           disk: tuple[Path, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` under ``/usr/bin/time -v``: wall, CPU (user + system, children included),
    peak RSS, the load average before and after; stopped (its process group) at ``timeout``,
    or when the machine's available memory falls under ``guard_mb`` (the other work on a
    shared machine comes first). ``disk`` (folder, glob pattern): also the most disk the
    matching folders used, sampled every 5 s."""
    load = os.getloadavg()
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        proc = subprocess.Popen(["/usr/bin/time", "-v", *cmd], stdout=out_f, stderr=err_f,
                                text=True, start_new_session=True, env=env)
        stopped = ""
        lowest = _available_mb()
        disk_peak, ticks = 0.0, 0
        while True:
            try:
                proc.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                pass
            lowest = min(lowest, _available_mb())
            ticks += 1
            if disk is not None and ticks % 5 == 0:
                disk_peak = max(disk_peak, _disk_mb(*disk))
            if timeout is not None and time.perf_counter() - t > timeout:
                stopped = "deadline"
            elif guard_mb is not None and lowest < guard_mb:
                stopped = f"memory guard (available under {guard_mb:.0f} MB)"
            if stopped:
                break
        if stopped:
            # stop the command, not /usr/bin/time, so that time still reports CPU and peak
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                      text=True, check=False).stdout.split()
            for pid in children:
                os.kill(int(pid), signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # anything the command left (a JVM)
        err_f.seek(0)
        err = err_f.read()
    wall = time.perf_counter() - t
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)",
                                            err))
    out: dict[str, Any] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                           "peak_rss_mb": round(int(peak.group(1)) / 1024) if peak else None,
                           "exit": proc.returncode, "load_before": load,
                           "load_after": os.getloadavg(),
                           "lowest_available_mb": round(lowest)}
    if disk is not None:
        out["peak_work_disk_mb"] = round(disk_peak)
    steps = [(float(s), m) for s, m in STEP.findall(err)]
    if steps:
        out["steps"] = steps  # each stage of the screening and when it began
    if stopped:
        out["stopped_after_s"] = round(wall, 1)
        out["stopped_by"] = stopped
        out["got_to"] = steps[-1][1] if steps else "before the first stage"
    elif proc.returncode:
        out["stderr"] = err[-800:]
    return out


def _per_patient(run: dict[str, Any], n: int) -> dict[str, Any]:
    if run.get("exit") != 0 or run.get("stopped_after_s"):
        return {}
    return {"wall_ms_per_1k_patients": round(run["wall_s"] / n * 1e6, 1),
            "cpu_ms_per_1k_patients": round(run["cpu_s"] / n * 1e6, 1)}


def _same_rows(a: Path, b: Path) -> dict[str, bool]:
    return {name: (a / name).read_bytes() == (b / name).read_bytes()
            for name in ("encounters.csv", "gaps.csv") if (a / name).is_file()
            and (b / name).is_file()}


def floor(folder: Path, parse_all: bool = True) -> dict[str, Any]:
    import duckdb

    files = sorted(str(p) for p in folder.glob("*.ndjson"))
    con = duckdb.connect()
    t, c = time.perf_counter(), time.process_time()
    n = con.execute(f"SELECT count(*) FROM read_ndjson({files!r})").fetchone()
    secs, cpu = time.perf_counter() - t, time.process_time() - c
    out: dict[str, Any] = {"resources": int(n[0]) if n else 0,
                           "bytes": sum(Path(f).stat().st_size for f in files),
                           "floor_s": round(secs, 2), "floor_cpu_s": round(cpu, 2)}
    if parse_all:  # a second reference: every line parsed (the count above may skip parsing)
        t = time.perf_counter()
        con.execute(f"SELECT count(*) FROM read_json({files!r}, format = 'newline_delimited', "
                    "columns = {'resourceType': 'VARCHAR'}) WHERE resourceType IS NOT NULL")
        out["parse_all_s"] = round(time.perf_counter() - t, 2)
    con.close()
    return out


def _now() -> str:
    return datetime.now(UTC).strftime("%H:%M:%S")


def _until(deadline: str | None) -> float | None:
    """Seconds from now to ``HH:MM`` UTC today (at least 1), or None."""
    if not deadline:
        return None
    hh, mm = (int(x) for x in deadline.split(":"))
    now = datetime.now(UTC)
    return max(1.0, (now.replace(hour=hh, minute=mm, second=0, microsecond=0) - now)
               .total_seconds())


OUTPUTS = ("encounters.csv", "encounters.parquet", "gaps.csv", "summary.json", "report.html")


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
    ap.add_argument("--spark-deadline", metavar="HH:MM",
                    help="UTC time at which a Spark run still going is stopped")
    ap.add_argument("--deadline", metavar="HH:MM",
                    help="UTC time at which a DuckDB screening still going is stopped")
    ap.add_argument("--floor-after", action="store_true",
                    help="measure the floor after the screening, not before")
    ap.add_argument("--no-parse-all", action="store_true",
                    help="skip the second reference (every line parsed)")
    ap.add_argument("--synth-workers", type=int,
                    help="processes for clotwatch population synth (default: its own)")
    ap.add_argument("--peers-python")
    ap.add_argument("--baseline-src", help="also screen with the code in this src folder")
    ap.add_argument("--memory-limit", metavar="SIZE",
                    help="pass --memory-limit SIZE to this tree's screening (not the baseline)")
    ap.add_argument("--guard-mb", type=float, metavar="MB",
                    help="stop a screening when the machine's available memory falls under MB")
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="use --workdir itself and the export-N folders already in it")
    a = ap.parse_args()
    if a.reuse and not Path(a.workdir).is_dir():
        ap.error(f"--workdir {a.workdir}: no such folder to reuse")
    Path(a.workdir).mkdir(parents=True, exist_ok=True)  # a new --workdir is made, not a traceback
    root = (Path(a.workdir) if a.reuse else
            Path(tempfile.mkdtemp(prefix="clotwatch-bench-", dir=a.workdir)))
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg(),
                               "runs": []}
    try:
        for n in a.patients:
            export = root / f"export-{n}"
            run: dict[str, Any] = {"patients": n, "started": _now()}
            if export.is_dir():  # --workdir holding an earlier --keep run: reuse its export
                run["synth"] = "reused"
            else:
                workers = ["--workers", str(a.synth_workers)] if a.synth_workers else []
                run["synth"] = _timed([*CLI, "population", "synth", str(n), str(export),
                                       *workers])
            if not a.floor_after:
                run.update(floor(export, parse_all=not a.no_parse_all))
            run["load"] = os.getloadavg()
            screen = [str(export), "--as-of", "2026-06-30", "--json"]
            if a.baseline_src:
                env = {**os.environ, "PYTHONPATH": a.baseline_src}
                run["load_before_baseline"] = os.getloadavg()
                run["baseline"] = _timed([*SCREEN, *screen, "--out", str(root / f"base-{n}")],
                                         timeout=_until(a.deadline), env=env,
                                         guard_mb=a.guard_mb)
            run["load_before_duckdb"] = os.getloadavg()
            limit = ["--memory-limit", a.memory_limit] if a.memory_limit else []
            run["duckdb"] = _timed([*SCREEN, *screen, *limit, "--out", str(root / f"out-{n}")],
                                   timeout=_until(a.deadline), guard_mb=a.guard_mb,
                                   disk=(root, f".out-{n}.*"))
            run["duckdb"].update(_per_patient(run["duckdb"], n))
            if a.baseline_src:
                run["identical_to_baseline"] = _same_outputs(root / f"base-{n}",
                                                              root / f"out-{n}")
                run["cpu_ratio_to_baseline"] = (round(run["duckdb"]["cpu_s"] /
                                                      run["baseline"]["cpu_s"], 2)
                                                if run["baseline"]["cpu_s"] else None)
            if a.floor_after:
                run.update(floor(export, parse_all=not a.no_parse_all))
                run["load_after_floor"] = os.getloadavg()
            run["ratio_to_floor"] = (round(run["duckdb"]["wall_s"] / run["floor_s"], 1)
                                     if run["floor_s"] else None)
            run["ratio_to_parse_all"] = (round(run["duckdb"]["wall_s"] / run["parse_all_s"], 1)
                                         if run.get("parse_all_s") else None)
            if n in a.spark:
                run["spark"] = _timed([*SCREEN, str(export), "--engine", "spark", "--out",
                                       str(root / f"spark-{n}"), "--as-of", "2026-06-30",
                                       "--json"], timeout=_until(a.spark_deadline))
                run["spark"].update(_per_patient(run["spark"], n))
                if run["spark"]["exit"] == 0 and run["duckdb"]["exit"] == 0:
                    run["spark_same_as_duckdb"] = _same_rows(root / f"out-{n}",
                                                             root / f"spark-{n}")
            run["finished"] = _now()
            results["runs"].append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
            if not a.keep and not a.reuse and n != min(a.patients):
                for name in (f"export-{n}", f"out-{n}", f"spark-{n}", f"base-{n}"):
                    shutil.rmtree(root / name, ignore_errors=True)
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
