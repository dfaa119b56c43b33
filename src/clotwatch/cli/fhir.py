"""``clotwatch fhir score``: score instruments on a patient's FHIR R4 Bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from clotwatch.cli.common import console, counted, dump_json, fail, value_text

_EPILOG = """\
examples:
  clotwatch fhir score examples/fhir/patient-bundle.json --now 2026-11-24T12:00:00Z
  clotwatch fhir score my-patient.json --instrument wells-pe --instrument perc --json
  clotwatch fhir score - --json < my-patient.json

The shipped sample (examples/fhir/) carries dates of 24 November 2026: without --now it is
scored as of the computer's clock, and its observations are then too old to count.

Only what the record shows is used: an active Condition, a recent Observation, a current
medication. Absence of a record is never read as "no"; those inputs are listed as missing with
the reason. --json also prints a FHIR R4 RiskAssessment per instrument.
"""


def register(sub: Any) -> None:
    """Add the ``fhir`` sub-command."""
    p = sub.add_parser(
        "fhir",
        help="FHIR R4: score instruments on a patient's Bundle, write RiskAssessments",
        description="FHIR R4 in and out. Decision support, not a diagnosis.",
    )
    fsub = p.add_subparsers(dest="fhir_command", metavar="ACTION")
    s = fsub.add_parser(
        "score",
        help="derive instrument inputs from a Bundle and score them",
        description="Read one patient's FHIR R4 Bundle (Patient, Condition, Observation, "
        "MedicationRequest, MedicationStatement, Procedure, Encounter), derive the instrument "
        "inputs the data allow, fill the items the coded data leave unknown from the "
        "patient's clinical notes (DocumentReference, DiagnosticReport, Composition; marked "
        "'from the notes' with the quote; coded data win), and score the instruments.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("bundle", help="path of a FHIR R4 Bundle JSON file ('-' = stdin)")
    s.add_argument("--instrument", action="append", metavar="ID",
                   help="instrument id (repeatable; default: every instrument FHIR can feed)")
    s.add_argument("--json", action="store_true", help="machine output with RiskAssessments")
    s.add_argument("--now", metavar="ISO",
                   help="the time to score at, ISO 8601 with a time zone (default: now)")
    s.set_defaults(handler=_score)
    p.set_defaults(handler=lambda _args: (p.print_help(), 0)[1])


def _score(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from clotwatch.core.errors import InputError, MappingError
    from clotwatch.core.pathway.facts import parse_datetime
    from clotwatch.fhir import risk_assessment, score

    if not args.bundle:  # Path("") is ".": "cannot read : Is a directory"
        fail("bundle: the argument is empty; give the Bundle's path, or - for standard input")
    try:
        raw = sys.stdin.buffer.read() if args.bundle == "-" else Path(args.bundle).read_bytes()
    except OSError as exc:
        fail(f"bundle: cannot read {args.bundle}: {exc.strerror}")
    try:
        now = parse_datetime(args.now, "--now") if args.now else datetime.now(UTC)
        derivation, results = score(raw, now, args.instrument)
        assessments = [risk_assessment(r, derivation) for r in results] if args.json else []
    except (InputError, MappingError) as exc:
        fail(str(exc))
    if args.json:
        from clotwatch import DISCLAIMER

        dump_json({
            "patient": derivation.patient_id,
            "now": derivation.now.isoformat(),
            "findings": {k: f.to_dict() for k, f in derivation.findings.items()},
            "notes": derivation.notes,
            "results": [r.to_dict() | {"risk_assessment": ra}
                        for r, ra in zip(results, assessments, strict=True)],
            "disclaimer": DISCLAIMER,
        })
        return 0
    _show(derivation, results)
    return 0


TABLE_WIDTH = 100  # columns from which the inputs are a table; narrower, a list


def _show(derivation: Any, results: list[Any]) -> None:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from clotwatch import DISCLAIMER
    from clotwatch.core.instruments.explain import band_label

    out = console()
    out.print(f"[bold]Patient {escape(derivation.patient_id)}[/bold] as of "
                  f"{derivation.now.isoformat()}")
    for note in derivation.notes:
        out.print(f"Note: {escape(note)}")
    for scored in results:
        r = scored.result
        primary = r.instrument.primary
        cat = band_label(r, primary, r.category) if r.category else "undetermined (" + " or ".join(
            band_label(r, primary, v) for v in r.possible_categories.get(primary, ())) + ")"
        out.print(f"\n[bold]{escape(r.instrument.name)}[/bold]: total "
                  f"{escape(counted(r.total, r.instrument.total_label))}, "
                  f"category [bold]{escape(cat)}[/bold]")
        if out.width >= TABLE_WIDTH:
            table = Table(show_header=True)
            table.add_column("input", no_wrap=True)
            table.add_column("value")
            table.add_column("from the record / why missing")
            for src in scored.inputs:
                table.add_row(src.input, escape(value_text(src.value)), escape(src.reason))
            out.print(table)
        else:  # narrower: a third column squeezed the reasons to a word a line
            for src in scored.inputs:
                out.print(Text.assemble((src.input, "bold"), "  ", value_text(src.value)))
                out.print(Padding(Text(src.reason, style="dim"), (0, 0, 0, 4), expand=False))
        out.print(f"Source: {escape(str(r.instrument.citation))}", style="dim")
    out.print(f"\n[dim]{DISCLAIMER}[/dim]")
