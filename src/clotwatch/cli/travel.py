"""``clotwatch travel``: a plan against clots for a long journey, and its calendar file."""

from __future__ import annotations

import argparse
from typing import Any

from clotwatch.cli.common import console as people_console
from clotwatch.cli.common import dump_json, fail

_EPILOG = """\
examples:
  clotwatch travel --depart 2026-12-20T10:00+01:00 --hours 9.5 --has estrogen --no-others
  clotwatch travel --depart 2026-12-20T10:00+01:00 --hours 5 --no-others --ics trip.ics
  clotwatch travel --factors              # the risk factors asked about

A factor neither in --has nor in --not is "don't know", and the plan treats it as present
(an unknown answer never lowers the advice); --no-others answers "no" for every factor not
named in --has. Sources: WHO WRIGHT 2007, ACCP 2012 (Kahn, doi:10.1378/chest.11-2296), BSH
2011 (Watson & Baglin, PMID 21083651), Healy 2010 (doi:10.1258/jrsm.2010.100155).
"""


def register(sub: Any) -> None:
    """Add the ``travel`` sub-command."""
    from clotwatch.core.travel import DEFAULT_MOVE_EVERY_MINUTES

    p = sub.add_parser(
        "travel",
        help="a plan against clots for a long journey (before, during, after; .ics reminders)",
        description="A plan for a long journey by plane, train, coach or car: what to do "
        "before, during and after it, from its length and your risk factors. Decision "
        "support, not a diagnosis.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--depart", metavar="ISO", help="departure, ISO 8601 with its zone")
    p.add_argument("--hours", type=float, help="how long the journey lasts, in hours")
    p.add_argument("--has", action="append", default=[], metavar="FACTOR",
                   help="a risk factor you have (repeat for each)")
    p.add_argument("--not", dest="has_not", action="append", default=[], metavar="FACTOR",
                   help="a risk factor you do not have (repeat for each)")
    p.add_argument("--no-others", action="store_true",
                   help="every factor not named in --has is a no")
    p.add_argument("--move-every", type=int, default=DEFAULT_MOVE_EVERY_MINUTES,
                   metavar="MIN", help="minutes between reminders to move (15-120, default "
                   f"{DEFAULT_MOVE_EVERY_MINUTES})")
    p.add_argument("--ics", metavar="FILE", help="also write the reminders to a calendar file")
    p.add_argument("--json", action="store_true", help="machine output")
    p.add_argument("--now", metavar="ISO", help="the current time (default: the clock)")
    p.add_argument("--factors", action="store_true", help="list the risk factors and exit")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from clotwatch.core.errors import InputError
    from clotwatch.core.travel import RISK_FACTORS, RISK_FACTORS_BY_ID, make_plan

    if args.factors:
        for factor in RISK_FACTORS:
            print(f"{factor.id:18s} {factor.text}")
        return 0
    if args.depart is None or args.hours is None:
        fail("--depart and --hours are needed (or --factors to list the risk factors)")
    try:
        depart = datetime.fromisoformat(args.depart)
    except ValueError:
        fail(f"--depart: {args.depart!r} is not an ISO 8601 date and time")
    if depart.tzinfo is None:
        fail("--depart: give the time zone too, e.g. 2026-12-20T10:00+01:00")
    now = datetime.now(UTC)
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            fail(f"--now: {args.now!r} is not an ISO 8601 date and time")
        if now.tzinfo is None:
            fail("--now: give the time zone too")
    answers: dict[str, bool | None] = {}
    for option, names, value in (("--has", args.has, True), ("--not", args.has_not, False)):
        for name in names:
            if name not in RISK_FACTORS_BY_ID:
                fail(f"{option}: {name!r} is not a risk factor (clotwatch travel --factors)")
            if name in answers and answers[name] != value:
                fail(f"{option}: {name} is given as both present and absent")
            answers[name] = value
    if args.no_others:
        for factor in RISK_FACTORS:
            answers.setdefault(factor.id, False)
    try:
        plan = make_plan(depart, args.hours, answers, now=now,
                         move_every_minutes=args.move_every,
                         triage_url="`clotwatch check` (or /en/triage in the web app)")
    except InputError as exc:
        fail(f"--{(exc.field or 'input').replace('_', '-')}: {exc.reason}")
    if args.ics:
        from clotwatch.service.travel import calendar

        try:
            Path(args.ics).write_bytes(calendar(plan, now=now))
        except OSError as exc:
            fail(f"--ics: cannot write {args.ics}: {exc.strerror}")
    if args.json:
        dump_json(plan)
    else:
        _show(plan, args.ics)
    return 0


def _show(plan: dict[str, Any], ics: str | None) -> None:
    from rich.markup import escape

    console = people_console()
    journey = plan["journey"]
    console.print(f"[bold]Journey[/bold] {journey['depart']} to {journey['arrive']} "
                  f"({journey['hours']:g} h)")
    console.print(escape(plan["risk_text"]))
    for section, heading in (("before", "Before"), ("during", "During"), ("after", "After")):
        if plan[section]:
            console.print(f"\n[bold]{heading}[/bold]")
            for item in plan[section]:
                style = "bold red" if item["id"] == "emergency" else ""
                text = escape(item["text"])
                console.print(f"  • [{style}]{text}[/{style}]" if style else f"  • {text}")
    console.print(f"\n{len(plan['reminders'])} reminders"
                  + (f" written to {escape(ics)}" if ics else " (--ics FILE for a calendar)"))
    console.print("\n[dim]Sources: " + "; ".join(escape(s["citation"]) for s in plan["sources"])
                  + "\nDecision support, not a diagnosis.[/dim]")
