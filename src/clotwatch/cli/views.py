"""``clotwatch views run``: run one SQL on FHIR v2 ViewDefinition over NDJSON resources."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from clotwatch.cli.common import fail

_EPILOG = """\
examples:
  clotwatch views run patient_demographics.json --data export/
  clotwatch views run view.json --data Patient.ndjson.gz --out patients.csv
  clotwatch views run view.json --data export/manifest.json --out rows.parquet
  clotwatch views run view.json --data export/ --engine spark --master local[2]

PATH is a .ndjson or .ndjson.gz file, a folder of them (Type.ndjson or Type.000.ndjson; other
names may hold any type) or a Bulk Data $export manifest with local file URLs. A line that is
not a JSON object stops the run (there is no --on-error here); a resource of another type than
the view's is not read; a view of a type no file is named for has no rows (a note says so).
Exit status: 0 done, 2 bad input (a ViewDefinition that breaks the spec, an unreadable PATH, a
malformed line: one line naming it), 130 interrupted.
"""


def register(sub: Any) -> None:
    """Add the ``views`` sub-command."""
    p = sub.add_parser(
        "views",
        help="SQL on FHIR v2: run a ViewDefinition over NDJSON resources",
        description="Run SQL on FHIR v2 ViewDefinitions (https://sql-on-fhir.org) over FHIR "
        "NDJSON, on DuckDB (default) or Apache Spark.",
    )
    vsub = p.add_subparsers(dest="views_command", metavar="ACTION")
    r = vsub.add_parser(
        "run",
        help="run one ViewDefinition and write its rows",
        description="Run one SQL on FHIR v2 ViewDefinition over FHIR NDJSON and write its "
        "rows:\none JSON object per line (default), CSV with a header, or Parquet.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("view", metavar="VIEW", help="path of a ViewDefinition JSON file")
    r.add_argument("--data", required=True, metavar="PATH",
                   help="NDJSON file, folder of NDJSON files, or Bulk Data manifest")
    r.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="where the view runs (default: duckdb, in process)")
    r.add_argument("--master", metavar="URL",
                   help="Spark master URL (default local[2]); only with --engine spark")
    r.add_argument("--format", choices=("ndjson", "csv", "parquet"), default=None,
                   help="output format (default: from --out's extension, .csv or .parquet; "
                   "else ndjson, one JSON object per row)")
    r.add_argument("--out", metavar="FILE",
                   help="write to FILE (written whole or not at all); default: stdout "
                   "(parquet needs --out)")
    r.set_defaults(handler=_run)
    p.set_defaults(handler=lambda _args: (p.print_help(), 0)[1])


def _run(args: argparse.Namespace) -> int:
    from clotwatch.core.errors import InputError
    from clotwatch.population.output import check_out_file, write_rows
    from clotwatch.population.source import open_export
    from clotwatch.population.views import get_engine, load_view, validate_view

    if args.format is None:  # --out rows.csv wrote NDJSON into a .csv file
        suffix = Path(args.out).suffix.lower() if args.out else ""
        args.format = {".csv": "csv", ".parquet": "parquet"}.get(suffix, "ndjson")
    if args.format == "parquet" and not args.out:
        fail("--format parquet: give --out FILE (parquet is not written to a terminal)")
    if args.master and args.engine != "spark":
        fail("--master: only with --engine spark")
    try:
        if args.out:
            check_out_file(args.out)
        view = load_view(args.view)
    except InputError as exc:
        fail(str(exc))
    try:  # a view that breaks the spec, named before the data is read
        validate_view(view)
    except InputError as exc:
        fail(f"view: {args.view}: {exc}")
    try:
        export = open_export(args.data)
        engine = get_engine(args.engine, args.master)
    except InputError as exc:
        fail(str(exc))
    # kill (SIGTERM: a scheduler's timeout) as Ctrl-C: it ended the process at once, and the
    # temporary files beside --out (.FILE.xxxx.part, DuckDB's tmp_.FILE...) were left
    import signal

    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    if isinstance(view.get("resource"), str) and not export.files_for(view["resource"]):
        _no_file_note(view["resource"], args.data, export)
    try:
        if isinstance(view.get("resource"), str):  # (a view without one fails just below)
            engine.refuse_malformed(export.files_for(view["resource"]))
        columns, rows = engine.view_rows(view, export)
        write_rows(columns, rows, args.format, args.out, stream=sys.stdout.buffer)
    except KeyboardInterrupt:
        return _interrupted(args.out)
    except InputError as exc:
        if args.engine == "duckdb":
            from clotwatch.population.duckdb import interrupted

            if interrupted(exc):
                return _interrupted(args.out)
        if exc.field == "view":  # the view's own error as it ran: name the view
            fail(f"view: {args.view}: {exc.reason}")
        fail(str(exc))
    except RuntimeError as exc:
        if args.engine == "duckdb":
            from clotwatch.population.duckdb import interrupted

            if interrupted(exc):  # Ctrl-C inside a DuckDB query: exit 130, no traceback
                return _interrupted(args.out)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.close()
    return 0


def _no_file_note(resource: str, data: str, export: Any) -> None:
    """A view of a type no file holds has no rows: it printed nothing at all and exited 0,
    a typo in "resource" ("Patent") looking like an export without such patients."""
    import difflib

    from clotwatch.fhir.elements import _is_resource_type

    held = sorted(t for t in export.files if t)
    close = difflib.get_close_matches(resource, held, n=1)
    why = ("" if _is_resource_type(resource) else
           f"; clotwatch knows no FHIR resource type '{resource}'"
           + (f" (did you mean {close[0]}?)" if close else ""))
    print(f"note: {data}: no file is named for {resource} resources ({resource}.ndjson), so the "
          f"view has no rows{why}", file=sys.stderr)


def _interrupted(out: str | None) -> int:
    """Ctrl-C or SIGTERM: one line saying what was not written (it printed a blank line
    alone), exit 130 as ``population screen`` does."""
    what = (f"{out} was not written or changed" if out else
            "the rows on stdout are incomplete")
    print(f"\nclotwatch: interrupted; {what}", file=sys.stderr)
    return 130
