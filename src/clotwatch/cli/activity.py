"""``clotwatch activity summary``: steps per day and long still spells from phone and watch data."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from clotwatch.cli.common import console as people_console
from clotwatch.cli.common import dump_json, fail, progress_console

_EPILOG = """\
examples:
  clotwatch activity summary ~/Downloads/export.zip                 # Apple Health
  clotwatch activity summary "Takeout/Fit/Daily activity metrics"   # a folder
  clotwatch activity summary steps-2026-11-02.json --tz Europe/London   # Fitbit
  clotwatch activity summary monitor/*.fit --waking 06:30-22:00 --json

Formats are recognised from their content: Apple Health export.zip/export.xml, Google Fit
Takeout daily activity metrics CSV, Fitbit steps JSON or its Google Takeout steps CSV, Garmin
.fit monitoring files, FHIR R4 step Observations (Bundle or NDJSON), Open mHealth / IEEE
1752.1 step-count JSON, and a plain CSV with start,end,steps[,source]. The figures follow
contracts/activity.md: where a watch and a phone counted the same minute, only one counts; the
same data read twice counts once; a day with no data is shown as no data, never as 0 steps.
docs/activity.md explains them.
"""

#: Show a progress bar (on stderr, at a terminal) when there is at least this much to read.
PROGRESS_FROM_BYTES = 8 * 1024 * 1024
_BLOCKS = " ▏▎▍▌▋▊▉█"


def register(sub: Any) -> None:
    """Add the ``activity`` sub-command."""
    p = sub.add_parser(
        "activity",
        help="step data from phones and watches: steps per day and long still spells",
        description="Read step data exported from phones and watches and show, per day, the "
        "steps and the long spells without moving in waking hours (sitting 2 hours or more at "
        "a time is linked with clots: Healy et al. 2010).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    s = actions.add_parser(
        "summary",
        help="steps per day and still spells, from files or folders",
        description="The activity summary (clotwatch.activity-summary/1) of one or more "
        "files, folders or zip exports.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("files", nargs="+", metavar="FILE", help="files, folders or zips to read")
    s.add_argument("--json", action="store_true", help="machine output (the contract's JSON)")
    s.add_argument("--tz", metavar="ZONE",
                   help="zone for times written without an offset, e.g. Europe/London "
                   "(default: this computer's zone)")
    s.add_argument("--waking", metavar="HH:MM-HH:MM", default="07:00-23:00",
                   help="waking hours in which still spells count (default 07:00-23:00)")
    s.add_argument("--now", metavar="ISO",
                   help="the current time (ISO 8601 with a zone; default: the clock); waking "
                   "minutes after it are not counted as still")
    s.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar on stderr (default: at a terminal, for 8 MB or more)")
    s.add_argument("--last", metavar="N", type=int,
                   help="show only the last N days in the table (default: all up to 62, "
                   "else the last 31); --json always has every day")
    s.set_defaults(handler=_summary)
    p.set_defaults(handler=lambda _args: (p.print_help(), 0)[1])


def _summary(args: argparse.Namespace) -> int:
    from datetime import datetime

    from clotwatch.activity import ReadContext, Unreadable, local_zone, plan, read_into
    from clotwatch.core.activity import Tally, parse_waking
    from clotwatch.core.errors import InputError

    try:
        waking = parse_waking(args.waking)
        zone, zone_name = local_zone(args.tz)
    except InputError as exc:
        fail(f"--{exc.field}: {exc.reason}")
    now = datetime.now(zone)
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            fail(f"--now: {args.now!r} is not an ISO 8601 date and time")
        if now.tzinfo is None:
            fail("--now: give a time zone (2026-11-24T09:00:00+01:00 or ...Z)")
    if args.last is not None and args.last < 1:
        fail("--last: must be 1 or more")
    try:
        entries, notes = plan(args.files)
        ctx = ReadContext(zone=zone, zone_name=zone_name)
        tally = Tally()
        total = sum(entry.size for entry in entries)
        show = args.progress
        if show is None:
            show = total >= PROGRESS_FROM_BYTES and sys.stderr.isatty()
        if show:
            _read_with_progress(tally, entries, ctx, total)
        else:
            read_into(tally, entries, ctx)
    except Unreadable as exc:
        fail(str(exc))
    summary = tally.summary(now=now, waking=waking,
                            assumed_zone=zone_name if ctx.naive_seen else None)
    if args.json:
        dump_json(summary)
    else:
        _show(summary, notes, args.last)
    return 0


def _read_with_progress(tally: Any, entries: Any, ctx: Any, total: int) -> None:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from clotwatch.activity import read_into

    columns = (TextColumn("reading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, transient=True, console=progress_console()) as progress:
        task = progress.add_task("read", total=total)
        pending = [0]

        def on_bytes(count: int) -> None:
            # Refresh about every 4 MB: the callback runs for each buffer the parser reads.
            pending[0] += count
            if pending[0] >= 4 << 20:
                progress.advance(task, pending[0])
                pending[0] = 0

        read_into(tally, entries, ctx, on_bytes)
        progress.advance(task, pending[0])


def bar(value: int, top: int, width: int = 20) -> str:
    """A horizontal bar of ``width`` cells for ``value`` out of ``top`` (eighth-cell steps)."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, part = divmod(eighths, 8)
    return _BLOCKS[8] * full + (_BLOCKS[part] if part else "")


def _show(summary: dict[str, Any], notes: list[str], last: int | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = people_console()
    days = summary["days"]
    if last is None:
        last = len(days) if len(days) <= 62 else 31
    shown = days[-last:]
    top = max((d["steps"] or 0 for d in shown), default=0)
    table = Table(title=f"Steps and still spells (waking hours {summary['waking']})",
                  title_justify="left")
    table.add_column("Date")
    table.add_column("Steps", justify="right")
    table.add_column("", min_width=20, no_wrap=True)
    table.add_column("Longest still", justify="right")
    table.add_column("Spells ≥ 2 h", justify="right")
    for day in shown:
        if day["steps"] is None:
            table.add_row(day["date"], "[dim]no data[/dim]", "", "[dim]-[/dim]", "[dim]-[/dim]")
            continue
        longest = day["longest_still_minutes"]
        still = f"{longest // 60} h {longest % 60:02d} min"
        if longest >= 120:
            still = f"[bold yellow]{still}[/bold yellow]"
        table.add_row(day["date"], f"{day['steps']:,}", f"[green]{bar(day['steps'], top)}[/green]",
                      still, str(day["still_bouts_120"]))
    if days:
        console.print(table)
        if len(shown) < len(days):
            console.print(f"[dim]The last {len(shown)} of {len(days)} days; --last N or --json "
                          "for more.[/dim]")
    else:
        console.print("No step data in these files.")
    sources = ", ".join(f"{escape(s['name'])} ({s['kind']}, {s['samples']:,})"
                        for s in summary["sources"])
    console.print(f"Sources, by priority: {sources or 'none'}")
    console.print(
        f"Samples read {summary['samples_read']:,}; used {summary['samples_used']:,}; the same "
        f"sample again {summary['duplicates_ignored']:,}; minutes counted by more than one "
        f"source, counted once {summary['overlap_minutes_resolved']:,}."
    )
    if "times_without_offset_read_in" in summary:
        console.print(f"Times without a UTC offset were read in "
                      f"{escape(summary['times_without_offset_read_in'])} (--tz to change).")
    for note in notes:
        console.print(f"[dim]{escape(note)}[/dim]")
    errors = summary["errors"]
    more = summary.get("errors_not_listed", 0)
    if errors:
        console.print(f"[bold red]{len(errors) + more:,} records could not be used:[/bold red]")
        for error in errors[:10]:
            console.print(f"  {escape(error['file'])}, {escape(error['place'])}: "
                          f"{escape(error['reason'])}", soft_wrap=True)
        if len(errors) + more > 10:
            console.print(f"  ... and {len(errors) + more - 10:,} more (--json lists them).")
    console.print("[dim]A still spell is a run of waking minutes without steps; 2 hours or more "
                  "at a time is what Healy et al. 2010 linked with clots. Decision support, not a "
                  "diagnosis.[/dim]")
