"""``clotwatch population``: VTE-1 screening of a FHIR bulk export, and a synthetic export."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from clotwatch.cli.common import dump_json, fail, progress_console

if TYPE_CHECKING:
    from pathlib import Path

    from clotwatch.population.screen import Summary

# Left by synth in its folder: synth writes again only into a folder holding it (or no NDJSON).
SYNTH_MARK = ".clotwatch-synth"
# What synth writes (clotwatch.population.synth.TYPES; a test keeps the two the same, and
# the synth module is not imported for --help).
SYNTH_TYPES = ("Patient", "Encounter", "Condition", "Observation", "Procedure",
               "MedicationRequest", "MedicationAdministration", "DocumentReference", "Location",
               "Device", "DeviceUseStatement", "DeviceRequest")

_SCREEN_EPILOG = """\
examples:
  clotwatch population synth 1000 demo-export
  clotwatch population screen demo-export --out demo-report
  clotwatch population screen export/ --as-of 2026-06-30T00:00:00Z --since 2026-01-01 --json
  clotwatch population screen export/manifest.json --engine spark --master spark://host:7077

Writes to --out: encounters.csv and encounters.parquet (one row per inpatient encounter),
gaps.csv (denominator, not excluded, not in the numerator: most at risk first), report.html
(opens offline; --lang ru for Russian) and summary.json. The folder is written whole or not at
all, and replaces --out whole: --out must be a new folder, an empty one or an earlier result
(a file or a folder holding anything else is refused). On DuckDB at most --memory-limit is
held in memory and the rest is kept in a work folder inside the temporary one, removed at the
end. Items the record cannot answer stay missing (never "no"): risk_total_min/max give the
range they still allow.

Bad input (a line that is not JSON, a resource of another type, a missing patient, a date
without a time zone, an unknown unit) is skipped or kept and reported with file and line
(--on-error skip), or stops the run (--on-error fail).
Exit status: 0 done, 2 bad input or arguments (one line naming it), 130 interrupted (Ctrl-C:
nothing written).
Decision support, not a diagnosis; the rules and their sources: docs/population.md.
"""
_WHEN = ("a date (2026-06-30: its start, UTC) or a date-time with a time zone "
         "(2026-06-30T08:00:00Z, 2026-06-30T10:00:00+02:00)")


def _para(text: str) -> str:
    """``text`` wrapped for a description or epilog kept as written (RawDescription)."""
    import textwrap

    return textwrap.fill(text, width=92, break_on_hyphens=False)


def register(sub: Any) -> None:
    """Add the ``population`` sub-command."""
    p = sub.add_parser(
        "population",
        help="VTE-1 (CMS108) and NICE NG89 screening of a FHIR bulk export",
        description="Population VTE screening over FHIR Bulk Data exports (NDJSON).",
    )
    psub = p.add_subparsers(dest="population_command", metavar="ACTION")
    s = psub.add_parser(
        "screen", help="screen every inpatient encounter of an export",
        description=_para("Screen every inpatient encounter of a FHIR Bulk Data export: risk "
                          "assessment (Padua, Caprini, IMPROVE), prophylaxis, the CMS108/VTE-1 "
                          "populations and the gap list."),
        epilog=_SCREEN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("export", metavar="EXPORT", help="folder of NDJSON files (Type.ndjson, "
                   "Type.000.ndjson, 1.Type.ndjson, .gz too), one such file, or a Bulk Data "
                   "manifest")
    s.add_argument("--out", default="vte-screening", metavar="DIR",
                   help="result folder: new, empty, or an earlier result, which is replaced "
                   "(default: vte-screening)")
    s.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="duckdb (default, in process) or spark (pip install "
                   "'clotwatch[spark]')")
    s.add_argument("--master", metavar="URL", help="Spark master URL, only with --engine spark "
                   "(default: local[2])")
    s.add_argument("--as-of", metavar="WHEN", help="reference time: encounters that began by "
                   "then, ages, 'the day after admission'; " + _WHEN + " (default: now)")
    s.add_argument("--since", metavar="WHEN", help="only encounters that began on or after "
                   "this, in the same form (default: every encounter up to --as-of)")
    s.add_argument("--on-error", choices=("skip", "fail"), default="skip",
                   help="bad input: skip it (or keep it) and report it with file and line "
                   "(skip, the default), or stop at the first with exit 2 (fail)")
    s.add_argument("--memory-limit", metavar="SIZE",
                   help="DuckDB: most memory to hold, e.g. 4GB, 512MB or 30%% of the RAM; "
                   "past it, work spills to a folder inside the temporary result folder "
                   "(default: 25%% of the machine's RAM)")
    s.add_argument("--lang", choices=("en", "ru"), default="en",
                   help="language of report.html (default: en)")
    s.add_argument("--json", action="store_true", help="print the summary (summary.json) on "
                   "stdout instead of the closing lines, with no progress bar (the notes stay "
                   "on stderr)")
    s.set_defaults(handler=_screen)
    y = psub.add_parser(
        "synth", help="write a synthetic Synthea-shaped bulk export",
        description=_para(
            "Write a synthetic FHIR R4 bulk export of N patients with inpatient stays, one "
            "Type.ndjson file per resource type (" + ", ".join(SYNTH_TYPES) + "). Nothing in "
            "it is a real person. The same N and seed give the same bytes. Its admissions are "
            "in the year before 2026-06-30: screen it with --as-of 2026-06-30 to see it as of "
            "then."),
        epilog="example:\n  clotwatch population synth 1000 demo-export\n"
        "  clotwatch population screen demo-export --out demo-report\n\n" + _para(
            "OUT_DIR is made if missing. A folder that already holds NDJSON files is written "
            "into only if synth made it (it leaves a file " + SYNTH_MARK + " there), so a real "
            "export is never overwritten. Interrupted (Ctrl-C, kill), it removes the files it "
            "began and exits 130."),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    y.add_argument("n", type=int, metavar="N", help="number of patients (1 or more)")
    y.add_argument("out_dir", metavar="OUT_DIR", help="folder to write the Type.ndjson files "
                   "into")
    y.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    y.add_argument("--workers", type=int, default=None, metavar="PROCESSES",
                   help="processes generating patients (default: the CPUs, at most 4); the "
                   "files are the same bytes for any number")
    y.set_defaults(handler=_synth)
    p.set_defaults(handler=lambda _args: (p.print_help(), 0)[1])


def _when(value: str | None, name: str) -> Any:
    from datetime import UTC, datetime

    from clotwatch.core.errors import InputError
    from clotwatch.core.pathway.facts import parse_datetime

    if value is None:
        return None
    if len(value) == 10:  # a date: its start, in UTC
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError as exc:
            raise InputError(name, f"{value!r} is not a date (YYYY-MM-DD)") from exc
    return parse_datetime(value, name)


def _progress(enabled: bool, counted: bool = False) -> Any:
    from contextlib import nullcontext

    if not enabled:
        return nullcontext(None)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if counted:  # a known total: the bar, done of total and the time left
        columns += [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    return Progress(*columns, TimeElapsedColumn(), transient=True, console=progress_console())


def _screen(args: argparse.Namespace) -> int:
    from clotwatch.core.errors import InputError
    from clotwatch.population.screen import screen
    from clotwatch.population.source import open_export

    try:
        as_of = _when(args.as_of, "--as-of")
        since = _when(args.since, "--since")
        export = open_export(args.export)
    except InputError as exc:
        fail(str(exc))
    if args.master and args.engine != "spark":
        fail("--master: only with --engine spark")
    if args.memory_limit and args.engine != "duckdb":
        fail("--memory-limit: only with --engine duckdb (Spark: spark.driver.memory)")
    engine = _engine(args.engine, args.master, args.memory_limit)
    show = sys.stderr.isatty() and not args.json
    # kill (SIGTERM: a scheduler's timeout, systemctl stop) as Ctrl-C: the temporary folder,
    # with DuckDB's database and spill files, is removed (it was left beside --out)
    import signal

    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with _progress(show) as bar:
            task = bar.add_task("screening", total=None) if bar else None

            def step(message: str) -> None:
                if bar is not None:
                    bar.update(task, description=message)

            summary = screen(export, engine, args.out, as_of=as_of, since=since,
                             on_error=args.on_error, progress=step, lang=args.lang)
    except KeyboardInterrupt:
        return _interrupted(args.out)
    except Exception as exc:
        if args.engine == "duckdb":
            from clotwatch.population.duckdb import interrupted, out_of_memory

            if interrupted(exc):  # Ctrl-C inside a DuckDB query
                return _interrupted(args.out)
            if out_of_memory(exc):
                fail(f"--memory-limit: too small for this export, give more (DuckDB: "
                     f"{str(exc).splitlines()[0][:200]})")
        if isinstance(exc, InputError):
            fail(str(exc))
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.close()
    s = summary.to_dict()
    # What the reader should know about the run (stderr) comes before its result (stdout), so
    # that on a terminal the result is the last thing shown and the notes are read as about
    # it; the same notes with --json, whose stdout is the JSON alone.
    _notes(s, summary, args.export, args.since)
    if args.json:
        dump_json(s)
        return 0
    rate = s["performance_rate"]
    print(f"{s['encounters']} inpatient encounters; denominator {s['denominator']}, "
          f"excluded {s['denominator_exclusions']}, numerator {s['numerator']}, "
          f"gaps {s['gaps']}; VTE-1 rate {'-' if rate is None else f'{rate * 100:.1f}%'}")
    print(f"results in {s['out']}/ (report.html, encounters.csv, encounters.parquet, gaps.csv, "
          "summary.json)")
    return 0


def _notes(s: dict[str, Any], summary: Summary, export: str, since: str | None) -> None:
    """On stderr: no inpatient encounter, the input problems in words, what was read but not
    used (an export's log.ndjson, resource types the screening does not read)."""
    if not s["encounters"]:  # zeros everywhere read as if the run had failed
        print(f"note: no inpatient encounter (Encounter.class IMP, ACUTE or NONAC) in "
              f"{export} began by --as-of {s['as_of']}"
              + (f" and on or after --since {since}" if since else ""), file=sys.stderr)
    if s["problems"]["total"]:
        from clotwatch.population.report import PROBLEM_KINDS

        width = len(str(max(s["problems"]["counts"].values())))
        print("input problems (the first examples, with file and line: report.html, "
              "summary.json):", file=sys.stderr)
        for kind, n in s["problems"]["counts"].items():  # in words, as report.html has them
            print(f"  {n:>{width}}  {PROBLEM_KINDS.get(kind, kind)}", file=sys.stderr)
    for line in summary.found.not_read_lines() if summary.found is not None else ():
        print(f"note: {line}", file=sys.stderr)
    sys.stderr.flush()


def _interrupted(out: str) -> int:
    """Ctrl-C: one line saying nothing was written (the temporary folder is already gone),
    exit 130 as for any command stopped by SIGINT."""
    print(f"\nclotwatch: interrupted; {out} was not written or changed", file=sys.stderr)
    return 130


def _engine(name: str, master: str | None, memory_limit: str | None = None) -> Any:
    from clotwatch.core.errors import InputError

    if name == "spark":
        from clotwatch.population.spark import SparkScreening

        try:
            return SparkScreening(master=master)
        except InputError as exc:  # PySpark not installed
            fail(str(exc))
    from clotwatch.population.duckdb import DuckDBScreening, parse_memory_limit

    try:
        return DuckDBScreening(memory_limit=parse_memory_limit(memory_limit))
    except InputError as exc:
        fail(str(exc))


def _unsynth(out: Path, made: bool) -> None:
    """Remove what an interrupted synth wrote in ``out``: its Type.ndjson files, and the
    folder with its mark when synth made it."""
    import shutil

    if made:
        shutil.rmtree(out, ignore_errors=True)
        return
    for t in SYNTH_TYPES:
        (out / f"{t}.ndjson").unlink(missing_ok=True)


def _synth(args: argparse.Namespace) -> int:
    from pathlib import Path

    from clotwatch.population.synth import synthesize

    if args.n < 1:
        fail("N: give 1 or more patients")
    if args.workers is not None and args.workers < 1:
        fail("--workers: give 1 or more processes")
    out = Path(args.out_dir)
    if out.exists() and not out.is_dir():
        fail(f"OUT_DIR: {out} is a file; give a folder")
    if out.is_dir() and not (out / SYNTH_MARK).exists():
        held = sorted(f.name for f in out.iterdir() if ".ndjson" in f.name)
        if held:  # a real export, perhaps: its Patient.ndjson would be replaced
            fail(f"OUT_DIR: {out} already holds NDJSON files "
                 f"({', '.join(held[:3])}{', ...' if len(held) > 3 else ''}) and no "
                 f"{SYNTH_MARK} mark: it may be a real export; give a new folder")
    workers = args.workers or min(4, os.cpu_count() or 1)
    show = sys.stderr.isatty()
    made = not out.exists()
    import signal

    # Ctrl-C or kill left the files begun in OUT_DIR, whole chunks of patients but not all of
    # them, with a blank line on stderr: screened next, they read as an export of fewer
    # patients. They are removed (the folder too if synth made it) and the line says so.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with _progress(show, counted=True) as bar:
            task = bar.add_task("patients", total=args.n) if bar else None

            def tick(done: int) -> None:
                if bar is not None:
                    bar.update(task, completed=done)

            try:
                out.mkdir(parents=True, exist_ok=True)
                (out / SYNTH_MARK).write_text(  # first: an interrupted synth may write here
                    "This folder was written by clotwatch population synth: synthetic, no "
                    "real person. synth may write into it again.\n", encoding="utf-8")
                counts = synthesize(args.n, args.out_dir, seed=args.seed, progress=tick,
                                    workers=workers)
            except OSError as exc:
                fail(f"OUT_DIR: cannot write {args.out_dir}: {exc.strerror}")
    except KeyboardInterrupt:
        while True:  # to the end, a second Ctrl-C or not (as screen's temporary folder)
            try:
                _unsynth(out, made)
            except KeyboardInterrupt:
                continue
            break
        print(f"\nclotwatch: interrupted; the files synth had begun in {out} were removed",
              file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    total = sum(counts.values())
    print(f"{args.n} patients, {total} resources in {args.out_dir}/ "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
    return 0
