"""``clotwatch triage``: an answers object in, the triage result out.

Reads a ``clotwatch.triage/1`` answers object (JSON) from stdin or ``--input FILE`` and prints
the ``clotwatch.triage-result/1`` object (``--json``) or a readable summary. Bad input (unknown
key, wrong type, out of range, malformed JSON): exit 2 with one line naming the key on stderr,
nothing on stdout.
"""

from __future__ import annotations

import argparse
import sys


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
    actions = parser.add_subparsers(dest="action", metavar="{validate}")
    check = actions.add_parser(
        "validate",
        help="walk simulated people through the questionnaire and check every walk",
        description=("Walk plausible simulated people (cramp, strain, DVT-like, both legs, "
                     "long-standing, cellulitis, phlebitis, no leg symptoms; some 'don't know' "
                     "answers) through the questionnaire as `clotwatch check` does, and check "
                     "that every walk ends at the disposition of the person's full answers and "
                     "that no key left unasked, singly or in pairs, could change it. Prints "
                     "the figures as JSON; exit 1 if any walk fails (docs/validation/"
                     "triage.md)."))
    check.add_argument("--people", type=int, default=20000,
                       help="how many people to simulate (default: 20000)")
    check.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    check.add_argument("--pairs-every", type=int, default=10, metavar="N",
                       help="also try every pair of unasked keys on every N-th walk "
                            "(0: never; default: 10)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Triage the answers; exit 0 with the result, 2 on bad input."""
    from clotwatch import triage
    from clotwatch.cli.common import dump_json, fail
    from clotwatch.errors import InputError

    if getattr(args, "action", None) == "validate":
        return _validate(args)
    try:
        if args.input in (None, "-"):
            raw = sys.stdin.buffer.read(triage.MAX_ANSWERS_BYTES + 1)
        else:
            with open(args.input, "rb") as fh:
                raw = fh.read(triage.MAX_ANSWERS_BYTES + 1)
    except OSError as exc:
        fail(f"--input: cannot read {args.input}: {exc.strerror}")
    try:
        # Strict: a key given twice or a number JSON does not allow is refused, named.
        result = triage.assess(triage.parse_answers_json(raw), lang=args.lang)
    except InputError as exc:
        fail(str(exc))
    if args.json:
        dump_json(result)
    else:
        from clotwatch.cli.check import show_result
        from clotwatch.cli.common import console

        show_result(console(), result, triage.translator(args.lang))
    return 0


def _validate(args: argparse.Namespace) -> int:
    """Run the questionnaire validation; exit 0 when no walk fails, 1 otherwise."""
    from clotwatch import triage
    from clotwatch.cli.common import dump_json, fail

    if args.people < 1 or args.pairs_every < 0:
        fail("--people must be at least 1 and --pairs-every at least 0")
    figures = triage.validate(args.people, args.seed, pairs_every=args.pairs_every)
    dump_json(figures)
    failed = (figures["walk_below_full_answers"] + figures["walk_above_full_answers"]
              + figures["end_state_changes"])
    return 1 if failed else 0
