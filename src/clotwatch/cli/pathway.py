"""``clotwatch pathway dvt|pe``: the NICE NG158 diagnostic pathways at the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from clotwatch.cli.common import console, dump_json, fail, read_json_object

if TYPE_CHECKING:
    from clotwatch.core.pathway import PathwayInput, Step

_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}
_UNKNOWN = {"?", "unknown", "null", "none", ""}

_EPILOG = """\
examples:
  clotwatch pathway dvt age=64 pregnant=no wells_dvt_total=2
  clotwatch pathway dvt age=64 pregnant=no wells_dvt_category=unlikely \\
      ddimer_value=0.62 "ddimer_unit=mg/L FEU" ddimer_age_adjusted=yes
  clotwatch pathway pe age=38 pregnant=no gestalt_below_15=yes perc.age=38 perc.heart_rate=88 ...
  echo '{"age": 70, "pregnant": false, "wells_pe_total": 6}' | clotwatch pathway pe --json
  clotwatch pathway dvt --inputs            # every input with its meaning

Instrument answers go in with a dot: wells_dvt.active_cancer=yes, perc.spo2=97,
years.hemoptysis=no. An input left out, or given as ?, is unknown: the pathway asks for it and
never reads it as negative. Times are ISO 8601 with a zone (2026-11-24T09:00:00Z); --now sets
the current time (default: the computer's clock).
"""


class _Intermixed(argparse.ArgumentParser):
    """Lets options and input=value pairs come in any order (``dvt --json age=60``)."""

    _inside = False

    def parse_known_args(  # type: ignore[override]
        self, args: Any = None, namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._inside:
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def register(sub: Any) -> None:
    """Add the ``pathway`` sub-command."""
    p = sub.add_parser(
        "pathway",
        help="NICE NG158 diagnostic pathway for suspected DVT or PE: the next step",
        description="Walk the NICE NG158 pathway for suspected DVT or PE from what is known, "
        "and show the next step, its time limit and the conclusion so far. Decision support, "
        "not a diagnosis.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    p.add_argument("pathway", nargs="?", choices=("dvt", "pe"), help="dvt or pe")
    p.add_argument("inputs", nargs="*", metavar="input=value",
                   help="what is known; yes/no, numbers, allowed values; ? = unknown")
    p.add_argument("--json", action="store_true",
                   help="machine output; reads a JSON object of inputs from stdin (or --input) "
                   "when no input=value arguments are given")
    p.add_argument("--input", metavar="FILE", help="read the JSON inputs from FILE ('-' = stdin)")
    p.add_argument("--now", metavar="ISO", help="the current time, ISO 8601 with a time zone")
    p.add_argument("--inputs", dest="list_inputs", action="store_true",
                   help="list the inputs this pathway accepts and exit")
    p.add_argument("-h", "--help", action="store_true",
                   help="show this help; after dvt or pe, that pathway's inputs and examples")
    p.__class__ = _Intermixed
    p.set_defaults(handler=_run, _parser=p)


# Examples per pathway for ``clotwatch pathway dvt --help`` (the general ones are in _EPILOG).
EXAMPLES = {
    "dvt": (
        "clotwatch pathway dvt age=64 pregnant=no wells_dvt_total=2",
        "clotwatch pathway dvt age=64 pregnant=no wells_dvt_total=2 ultrasound_within_4h=no",
        "clotwatch pathway dvt age=64 pregnant=no wells_dvt_category=unlikely "
        "ddimer_value=0.62 \"ddimer_unit=mg/L FEU\" ddimer_age_adjusted=yes",
        "clotwatch pathway dvt age=64 pregnant=no wells_dvt.active_cancer=yes "
        "wells_dvt.entire_leg_swollen=yes ...",
    ),
    "pe": (
        "clotwatch pathway pe age=38 pregnant=no gestalt_below_15=yes perc_all_negative=yes",
        "clotwatch pathway pe age=70 pregnant=no wells_pe_total=6 ctpa_immediately=no",
        "clotwatch pathway pe age=50 pregnant=no pe_route=years years.dvt_signs=no "
        "years.hemoptysis=no years.pe_most_likely=no ddimer_value=800 "
        "\"ddimer_unit=ng/mL FEU\"",
    ),
}


def pathway_help(pathway_id: str) -> None:
    """``clotwatch pathway dvt --help``: that pathway's inputs, examples and conventions."""
    from rich.markup import escape

    from clotwatch import DISCLAIMER
    from clotwatch.core.pathway import get_pathway, inputs_for

    out = console()
    pathway = get_pathway(pathway_id)
    out.print(f"[bold]usage: clotwatch pathway {pathway_id} input=value ... "
              "[--json] [--input FILE] [--now ISO][/bold]")
    out.print(f"\n{escape(pathway.title)}. Source: {escape(pathway.citation)}")
    out.print("From what is known, the next step, its time limit and the conclusion so far. "
              "An input left out, or given as ?, is unknown: the pathway asks for it and never "
              "reads it as negative. Times are ISO 8601 with a zone (2026-11-24T09:00:00Z); "
              "--now sets the current time (default: the computer's clock).\n")
    _list_inputs(inputs_for(pathway_id), as_json=False)
    out.print("\nexamples:")
    for example in EXAMPLES[pathway_id]:
        out.print(f"  {escape(example)}")
    out.print(f"\n[dim]{escape(DISCLAIMER)}[/dim]")


def _run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from clotwatch.core.errors import InputError
    from clotwatch.core.pathway import inputs_for, run

    if args.help or args.pathway is None:
        if args.pathway is None:
            args._parser.print_help()
        else:
            pathway_help(args.pathway)
        return 0
    if args.list_inputs:
        return _list_inputs(inputs_for(args.pathway), as_json=args.json)
    if args.inputs:
        if args.input:
            fail("--input: give the inputs either as input=value arguments or in a file, not both")
        inputs = parse_pairs(args.pathway, args.inputs)
    elif args.json or args.input:
        inputs = read_json_object(args.input)
    else:
        inputs = {}
    now = args.now if args.now is not None else datetime.now(UTC)
    try:
        step = run(args.pathway, inputs, now=now)
    except InputError as exc:
        fail(str(exc))
    if args.json:
        from clotwatch import DISCLAIMER

        dump_json(step.to_dict() | {"disclaimer": DISCLAIMER})
    else:
        show(step)
    return 0


def _bool(key: str, raw: str) -> bool | None:
    text = raw.strip().lower()
    if text in _UNKNOWN:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    fail(f"{key}: expected yes or no (or ? for unknown), got {raw!r}")


def _number(key: str, raw: str) -> float | int | None:
    text = raw.strip()
    if text.lower() in _UNKNOWN:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        fail(f"{key}: expected a number, got {raw!r}")
    return int(number) if number.is_integer() else number


def parse_pairs(pathway: str, pairs: list[str]) -> dict[str, Any]:
    """``key=value`` arguments -> the pathway's inputs (``inst.item=value`` for answers)."""
    from clotwatch.core.instruments import get
    from clotwatch.core.pathway import inputs_for

    known = {i.id: i for i in inputs_for(pathway)}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep:
            fail(f"{key}: expected input=value, got {pair!r}")
        head, dot, item = key.partition(".")
        inp = known.get(head)
        if inp is None:
            fail(f"{head}: unknown input for the {pathway} pathway; see "
                 f"'clotwatch pathway {pathway} --inputs'")
        if dot:
            if inp.kind != "answers" or inp.instrument is None:
                fail(f"{key}: {head} takes a single value, not {head}.ITEM")
            instrument = get(inp.instrument)
            try:
                sub = instrument.input(item)
            except KeyError:
                fail(f"{key}: unknown item of {instrument.id}; expected one of: "
                     + ", ".join(instrument.input_ids))
            answers = out.setdefault(head, {})
            if item in answers:
                fail(f"{key}: given more than once")
            if sub.kind == "bool":
                answers[item] = _bool(key, raw)
            elif sub.kind == "enum":
                answers[item] = None if raw.strip().lower() in _UNKNOWN else raw.strip()
            else:
                answers[item] = _number(key, raw)
            continue
        if key in out:
            fail(f"{key}: given more than once")
        out[key] = _value(inp, raw)
    return out


def _value(inp: PathwayInput, raw: str) -> Any:
    if inp.kind == "bool":
        return _bool(inp.id, raw)
    if inp.kind in ("number", "integer"):
        return _number(inp.id, raw)
    if inp.kind == "answers":
        fail(f"{inp.id}: give the answers one by one as {inp.id}.ITEM=value")
    text = raw.strip()
    return None if text.lower() in _UNKNOWN else text


def _list_inputs(inputs: tuple[PathwayInput, ...], *, as_json: bool) -> int:
    if as_json:
        dump_json([
            {"id": i.id, "kind": i.kind, "meaning": i.meaning, "options": list(i.options),
             "instrument": i.instrument}
            for i in inputs
        ])
        return 0
    from rich.markup import escape
    from rich.table import Table

    table = Table()
    table.add_column("input", no_wrap=True)
    table.add_column("type")
    table.add_column("meaning")
    for i in inputs:
        kind = "/".join(i.options) if i.options else i.kind
        if i.kind == "answers":
            kind = f"{i.id}.ITEM=... ({i.instrument})"
        elif i.kind == "bool":
            kind = "yes/no"
        elif i.kind == "datetime":
            kind = "ISO 8601 date-time with zone"
        table.add_row(i.id, escape(kind), escape(i.meaning))
    console().print(table)
    return 0


def show(step: Step) -> None:
    """A readable account of the step for a person at a terminal."""
    from rich.markup import escape

    from clotwatch import DISCLAIMER
    from clotwatch.core.pathway import get_pathway

    out = console()
    out.print(f"[bold]{get_pathway(step.pathway).title}[/bold]")
    out.print(f"Conclusion so far: [bold]{step.conclusion_text}[/bold]")
    label = "Outcome" if step.final else "Next step"
    out.print(f"{label}: {escape(step.action)}")
    if step.time_limit_text:
        when = step.time_limit_text
        if step.not_before:
            when += f" (from {step.not_before})"
        if step.due_by:
            when += f"; due by {step.due_by}"
        if step.overdue:
            when += "  [bold red]OVERDUE[/bold red]"
        out.print(f"Time limit: {when}")
    if step.ddimer:
        d = step.ddimer
        if "value_ng_ml_feu" in d:
            out.print(
                f"D-dimer: {d['value']} {d['unit']} = {d['value_ng_ml_feu']:g} ng/mL FEU; "
                f"{d.get('basis', '')} -> {d.get('result', 'undetermined')}"
            )
        else:
            out.print(f"D-dimer: {d.get('result')} ({d.get('basis')})")
    if step.missing:
        out.print("Needed next (unknown is never read as negative):")
        for m in step.missing:
            out.print(f"  - {escape(m.question)}  [dim]({escape(', '.join(m.inputs))})[/dim]")
    for note in step.notes:
        out.print(f"Note: {escape(note)}")
    out.print("Source:")
    for cite in step.citation:
        out.print(f"  - {escape(cite)}", style="dim")
    out.print(f"[dim]{DISCLAIMER}[/dim]")
    sys.stdout.flush()
