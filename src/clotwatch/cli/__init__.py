"""The ``clotwatch`` command line.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``; heavy libraries are imported inside the handlers so that start-up
stays fast. Exit codes are chosen here only: 0 success, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from clotwatch import DISCLAIMER, __version__

# Sub-command modules, in the order they appear in --help.
COMMANDS: tuple[str, ...] = (
    "check",
    "triage",
    "score",
    "pathway",
    "fhir",
    "notes",
    "activity",
    "travel",
    "views",
    "population",
    "serve",
    "db",
    "worker",
    "admin",
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="clotwatch",
        description="Decision support for deep vein thrombosis (DVT) and pulmonary embolism.",
        epilog=DISCLAIMER,
    )
    parser.add_argument("--version", action="version", version=f"clotwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"clotwatch.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``clotwatch`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_OK
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
