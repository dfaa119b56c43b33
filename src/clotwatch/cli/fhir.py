"""``clotwatch fhir score``: score instruments on a patient's FHIR R4 Bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from clotwatch.cli.common import dump_json, fail

_EPILOG = """\
examples:
  clotwatch fhir score patient-bundle.json
  clotwatch fhir score patient-bundle.json --instrument wells-pe --instrument perc --json
  clotwatch fhir score patient-bundle.json --now 2026-11-24T12:00:00Z --json

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
        "inputs the data allow, and score the instruments.",
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


def _show(derivation: Any, results: list[Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from clotwatch import DISCLAIMER

    console = Console(highlight=False)
    console.print(f"[bold]Patient {escape(derivation.patient_id)}[/bold] as of "
                  f"{derivation.now.isoformat()}")
    for note in derivation.notes:
        console.print(f"Note: {escape(note)}")
    for scored in results:
        r = scored.result
        cat = r.category or "undetermined (" + " or ".join(
            r.possible_categories.get(r.instrument.primary, ())) + ")"
        console.print(f"\n[bold]{escape(r.instrument.name)}[/bold]: total {r.total}, "
                      f"category [bold]{escape(cat)}[/bold]")
        table = Table(show_header=True)
        table.add_column("input", no_wrap=True)
        table.add_column("value")
        table.add_column("from the record / why missing")
        for src in scored.inputs:
            value = "missing" if src.value is None else (
                "yes" if src.value is True else str(src.value))
            table.add_row(src.input, value, escape(src.reason))
        console.print(table)
        console.print(f"Source: {escape(str(r.instrument.citation))}", style="dim")
    console.print(f"\n[dim]{DISCLAIMER}[/dim]")
