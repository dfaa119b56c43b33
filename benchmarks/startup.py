"""CLI start-up: `clotwatch score wells-dvt --json` on a small input against `python -c pass`.

Both commands run in the same session, interleaved, with the same interpreter (the project's
venv). Goal (issue 2): the median of the CLI within 150 ms of the median of bare Python.

Uses hyperfine (Debian package `hyperfine`) when it is installed, otherwise a Python harness
(subprocess, interleaved runs). Either way the figures printed are median and p95 wall time.

    .venv/bin/python benchmarks/startup.py                # figures (hyperfine if present)
    .venv/bin/python benchmarks/startup.py --python       # force the Python harness
    .venv/bin/python benchmarks/startup.py --importtime   # where the CLI's import time goes
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_MS = 150.0
SMALL_INPUT = {"active_cancer": True, "calf_swelling_3cm": True, "previous_dvt": False}


def _venv_bin(name: str) -> str:
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else name


def commands(input_file: str) -> dict[str, list[str]]:
    """The baseline and the measured command, as argv lists (no shell)."""
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "clotwatch score wells-dvt --json": [
            _venv_bin("clotwatch"), "score", "wells-dvt", "--json", "--input", input_file,
        ],
    }


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else xs[0]


def with_hyperfine(cmds: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Wall times in ms per command, measured by hyperfine (-N: no intermediate shell)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "hf.json"
        argv = ["hyperfine", "-N", "--warmup", "5", "--runs", str(runs),
                "--export-json", str(out), "--style", "none"]
        for name, cmd in cmds.items():
            argv += ["-n", name, " ".join(cmd)]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = json.loads(out.read_text())
    return {r["command"]: [t * 1000 for t in r["times"]] for r in data["results"]}


def with_python(cmds: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Wall times in ms per command, interleaved so that machine noise hits both alike."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for i in range(runs + 5):
        for name, cmd in cmds.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            if i >= 5:  # warm-up
                times[name].append((time.perf_counter() - t0) * 1000)
    return times


def importtime(input_file: str, top: int = 15) -> None:
    """Print the slowest imports (cumulative) of the CLI run, and each registered command."""
    code = (
        "import sys; from clotwatch.cli import main; "
        f"sys.exit(main(['score', 'wells-dvt', '--json', '--input', {input_file!r}]))"
    )
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line.split(":", 1)[1].split("|")
        rows.append((int(cum_us), int(self_us), name.rstrip()))
    print(f"slowest imports of the CLI run (cumulative ms, self ms), top {top}:")
    for cum, own, name in sorted(rows, reverse=True)[:top]:
        print(f"  {cum / 1000:7.1f} {own / 1000:7.1f}  {name}")
    print(f"  all imports together (sum of self times): {sum(r[1] for r in rows) / 1000:.1f} ms")
    from clotwatch.cli import COMMANDS

    print("registered CLI command modules: import cost of each on top of clotwatch.cli and")
    print("clotwatch.cli.common, in a fresh interpreter (ms). Every registered module is imported")
    print("on every start-up, so each must import its heavy libraries inside its handler:")
    for cmd in COMMANDS:
        mod = f"clotwatch.cli.{cmd}"
        code = f"import clotwatch.cli, clotwatch.cli.common, {mod}"
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                             capture_output=True, text=True, check=True).stderr
        cumulative = [int(line.split("|")[1]) for line in out.splitlines()
                      if line.rstrip().endswith(f"| {mod}")]
        print(f"  {(cumulative[0] if cumulative else 0) / 1000:7.1f}  {mod}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="runs per command (60)")
    parser.add_argument("--python", action="store_true", help="use the Python harness")
    parser.add_argument("--importtime", action="store_true", help="profile imports instead")
    args = parser.parse_args(argv)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(SMALL_INPUT, fh)
    try:
        if args.importtime:
            importtime(fh.name)
            return 0
        cmds = commands(fh.name)
        use_hf = shutil.which("hyperfine") and not args.python
        times = (with_hyperfine if use_hf else with_python)(cmds, args.runs)
        tool = "hyperfine" if use_hf else "python harness"
        print(f"{tool}, {args.runs} runs each, {os.cpu_count()} cpus")
        med = {}
        for name, xs in times.items():
            med[name] = statistics.median(xs)
            print(f"  {name:36} median {med[name]:6.1f} ms   p95 {_p95(xs):6.1f} ms")
        base, cli = med["python -c pass"], med["clotwatch score wells-dvt --json"]
        delta = cli - base
        verdict = "meets" if delta <= GOAL_MS else "MISSES"
        print(f"  CLI - bare python: {delta:.1f} ms (goal <= {GOAL_MS:.0f} ms): {verdict}")
    finally:
        os.unlink(fh.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
