"""``clotwatch score``: the validated clinical instruments at the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from clotwatch.cli.common import console, counted, dump_json, fail, read_json_object, wrap_indented
from clotwatch.core.instruments.explain import bands_text, kind_text, points_text

if TYPE_CHECKING:
    from clotwatch.core.instruments import Input, Instrument, Result

_TRUE = {"yes", "y", "true", "t", "1", "да", "д"}
_FALSE = {"no", "n", "false", "f", "0", "нет", "н"}
_UNKNOWN = {"?", "unknown", "null", "none", "dont_know", "don't_know", "не_знаю"}

_EPILOG = """\
examples:
  clotwatch score --list
  clotwatch score wells-dvt --help
  clotwatch score wells-dvt active_cancer=yes calf_swelling_3cm=yes previous_dvt=no
  echo '{"age": 72, "ddimer_ng_ml_feu": 650}' | clotwatch score ddimer-age-adjusted --json

An input left out, or given as ?, is unanswered: it is never read as "no". The result then
says which inputs are missing and what they could still change.
"""


def register(sub: Any) -> None:
    """Add the ``score`` sub-command."""
    p = sub.add_parser(
        "score",
        help="score a validated clinical instrument (Wells, Geneva, PERC, Caprini, ...)",
        description="Score a validated clinical instrument. Decision support, not a diagnosis.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    p.add_argument("instrument", nargs="?", help="instrument id (see --list)")
    p.add_argument(
        "answers",
        nargs="*",
        metavar="input=value",
        help="answers: yes/no for criteria, numbers, or an allowed value; ? = unknown",
    )
    p.add_argument(
        "-h",
        "--help",
        action="store_true",
        help="show this help, or an instrument's inputs when an id is given",
    )
    p.add_argument("--list", action="store_true", help="list every instrument with its citation")
    p.add_argument("--schema", action="store_true", help="print the JSON Schema of the inputs")
    p.add_argument(
        "--json",
        action="store_true",
        help="machine output: read a JSON object of inputs from stdin (or --input, "
        "or the input=value arguments) and print the result as JSON",
    )
    p.add_argument("--input", metavar="FILE", help="read the JSON inputs from FILE ('-' = stdin)")
    p.set_defaults(handler=_run, _parser=p)


def _run(args: argparse.Namespace) -> int:
    from clotwatch.core.errors import InputError
    from clotwatch.instruments import INSTRUMENTS, evaluate, get

    if args.list:
        return _list(INSTRUMENTS.values(), as_json=args.json)
    if args.instrument is None:
        args._parser.print_help()
        return 0
    try:
        inst = get(args.instrument)
    except InputError as exc:
        fail(str(exc))
    if args.help:
        _instrument_help(inst)
        return 0
    if args.schema:
        dump_json(inst.input_schema())
        return 0
    if args.answers:
        if args.input:
            fail("--input: give the inputs either as input=value arguments or in a file, not both")
        answers = _parse_pairs(inst, args.answers)
    elif args.json or args.input:
        answers = read_json_object(args.input)
    else:
        fail(f"no inputs given; try 'clotwatch score {inst.id} --help'")
    try:
        result = evaluate(inst, answers)
    except InputError as exc:
        fail(str(exc))
    if args.json:
        dump_json(result.to_dict())
    else:
        _show(result)
    return 0


def _parse_value(inp: Input, raw: str) -> Any:
    text = raw.strip().lower()
    if text in _UNKNOWN or text == "":
        return None
    if inp.kind == "bool":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        fail(f"{inp.id}: expected yes or no (or ? for unknown), got {raw!r}")
    if inp.kind == "enum":
        return raw.strip()
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        fail(f"{inp.id}: expected a number, got {raw!r}")
    return int(number) if number.is_integer() else number


def _parse_pairs(inst: Instrument, pairs: list[str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep:
            fail(f"{key}: expected input=value, got {pair!r}")
        try:
            inp = inst.input(key)
        except KeyError:
            fail(
                f"{key}: unknown input for {inst.id}; expected one of: {', '.join(inst.input_ids)}"
            )
        if key in answers:
            fail(f"{key}: given more than once")
        answers[key] = _parse_value(inp, raw)
    return answers


def _instrument_help(inst: Instrument) -> None:
    from rich.markup import escape
    from rich.table import Table

    from clotwatch import DISCLAIMER

    out = console()
    out.print(f"[bold]{escape(inst.name)}[/bold]  ({inst.id}, version {inst.version})")
    out.print(escape(inst.purpose))
    if inst.note:
        out.print(f"Note: {escape(inst.note)}")
    table = Table(show_lines=False)
    table.add_column("input", no_wrap=True)
    table.add_column("meaning")
    table.add_column("type")
    table.add_column("points")
    for inp in inst.inputs:
        table.add_row(inp.id, escape(inp.meaning), kind_text(inp), escape(points_text(inp)))
    out.print(table)
    for scheme, bands in inst.schemes.items():
        out.print(
            f"Categories ({scheme}{', primary' if scheme == inst.primary else ''}): "
            + escape(bands_text(bands))
        )
    out.print(f"Source: {escape(str(inst.citation))}")
    out.print(
        f"\nUsage: clotwatch score {inst.id} input=value ... "
        f"(or --json with a JSON object on stdin). Unanswered inputs are never read as "
        f"'no'.\n{DISCLAIMER}"
    )


def _list(instruments: Any, *, as_json: bool) -> int:
    if as_json:
        dump_json(
            [
                {"id": i.id, "name": i.name, "version": i.version, "citation": str(i.citation)}
                for i in instruments
            ]
        )
        return 0
    from rich.markup import escape

    out = console()
    # Citations are wrapped here, indented under their instrument (rich would start each
    # continuation line at the left margin); piped, each stays on one line.
    width = out.width if sys.stdout.isatty() else None
    for i in instruments:
        out.print(f"[bold]{i.id}[/bold]  {escape(i.name)} (version {i.version})")
        out.print(escape(wrap_indented(str(i.citation), "    ", width)), style="dim")
    out.print("\nDetails of one: clotwatch score ID --help")
    return 0


def _show(result: Result) -> None:
    from rich.markup import escape
    from rich.table import Table

    from clotwatch import DISCLAIMER
    from clotwatch.core.instruments.explain import band_label, fmt

    inst = result.instrument
    out = console()
    lo, hi = (fmt(v) for v in result.total_range)
    extra = "" if result.complete else f"  (answered inputs only; could be {lo} to {hi})"
    out.print(f"[bold]{escape(inst.name)}[/bold]")
    out.print(f"Total: [bold]{escape(counted(result.total, inst.total_label))}[/bold]{extra}")
    for scheme, value in result.categories.items():
        shown = (
            band_label(result, scheme, value)
            if value is not None
            else "undetermined: could be "
            + " or ".join(band_label(result, scheme, v)
                          for v in result.possible_categories[scheme])
        )
        star = " (primary)" if scheme == inst.primary else ""
        out.print(f"Category, {scheme}{star}: [bold]{escape(shown)}[/bold]")
    if result.contributions:
        table = Table()
        table.add_column("input", no_wrap=True)
        table.add_column("answer")
        table.add_column("points")
        for c in result.contributions:
            ans = "yes" if c.answer is True else "no" if c.answer is False else str(c.answer)
            table.add_row(c.input, ans, fmt(c.points) + (f"  ({c.note})" if c.note else ""))
        out.print(table)
    if result.missing:
        out.print("Missing (not counted, never read as 'no'): " + ", ".join(result.missing))
    out.print(escape(result.interpretation))
    out.print(f"Source: {escape(str(inst.citation))}")
    out.print(f"[dim]{DISCLAIMER}[/dim]")
    sys.stdout.flush()
