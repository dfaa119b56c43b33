"""``clotwatch triage``: an answers object in, the triage result out.

Reads a ``clotwatch.triage/1`` answers object (JSON) from stdin or ``--input FILE`` and prints
the ``clotwatch.triage-result/1`` object (``--json``) or a readable summary. Bad input (unknown
key, wrong type, out of range, malformed JSON): exit 2 with one line naming the key on stderr,
nothing on stdout.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``triage`` to the command line."""
    parser = subparsers.add_parser(
        "triage",
        help="triage an answers object (JSON) into emergency / urgent / soon / self-care",
        description=("Read symptom answers (a JSON object with the keys of the "
                     "clotwatch.triage/1 contract; see docs/triage.md) and print the result: "
                     "disposition, reasons, possible causes, advice and safety net. "
                     "Decision support, not a diagnosis."),
    )
    parser.add_argument("--json", action="store_true",
                        help="print the result object as JSON (clotwatch.triage-result/1)")
    parser.add_argument("--input", metavar="FILE",
                        help="read the answers from FILE instead of standard input ('-')")
    parser.add_argument("--lang", choices=("en", "ru"), default="en",
                        help="language of the text in the result (default: en)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Triage the answers; exit 0 with the result, 2 on bad input."""
    from clotwatch import triage
    from clotwatch.cli.common import dump_json, fail, read_json_object
    from clotwatch.errors import InputError

    answers = read_json_object(args.input)
    try:
        result = triage.assess(answers, lang=args.lang)
    except InputError as exc:
        fail(str(exc))
    if args.json:
        dump_json(result)
    else:
        from rich.console import Console

        from clotwatch.cli.check import show_result

        show_result(Console(highlight=False), result, triage.translator(args.lang))
    return 0
