"""Helpers shared by the sub-commands: reading JSON input and reporting bad input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console


def fail(message: str) -> NoReturn:
    """Print one line naming the problem on stderr and exit 2 (bad input)."""
    print(f"clotwatch: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_json_object(input_path: str | None) -> dict[str, Any]:
    """Read a JSON object from ``input_path`` (or stdin when None or '-')."""
    import orjson

    try:
        if input_path in (None, "-"):
            raw = sys.stdin.buffer.read()
        else:
            raw = Path(input_path).read_bytes()
    except OSError as exc:
        fail(f"--input: cannot read {input_path}: {exc.strerror}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        fail(f"input: malformed JSON: {exc}")
    if not isinstance(data, dict):
        fail(f"input: expected a JSON object, got {type(data).__name__}")
    return data


def dump_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout."""
    import orjson

    sys.stdout.buffer.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def console() -> Console:
    """The console for people's output, every command's. At a terminal rich wraps to the
    window, and wherever COLUMNS gives a width (``COLUMNS=100 clotwatch ... | less``, a script
    passing on its window's width) the output fits that width, piped too. Piped or redirected
    without COLUMNS, lines are left whole and never padded with spaces to 80 columns (rich's
    default width without a terminal), so that ``grep`` and ``diff`` see the text as written;
    the console's ``soft_wrap`` then says so, for a layout that would fill the width (a panel,
    a side-by-side view) to fit its text instead."""
    import os

    from rich.console import Console

    # rich reads COLUMNS itself (else the terminal's width), with this same test
    if sys.stdout.isatty():
        return Console(highlight=False)
    from typing import IO, cast

    out = cast("IO[str]", _Unpadded())  # (a file as far as rich goes: write, flush, isatty)
    if os.environ.get("COLUMNS", "").isdigit():
        return Console(highlight=False, file=out, force_terminal=False)
    return Console(highlight=False, soft_wrap=True, width=200, file=out, force_terminal=False)


class _Unpadded:
    """stdout for a console whose output is piped: each line without the spaces rich pads a
    table's rows with to the table's width (a table with one long cell padded every line of
    ``notes extract`` to 200 columns). Writes to ``sys.stdout`` as it is at the time."""

    def __init__(self) -> None:
        self._pending = ""

    @property
    def encoding(self) -> str:
        return getattr(sys.stdout, "encoding", None) or "utf-8"

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            sys.stdout.write(line.rstrip(" ") + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:  # a line rich left open (print(..., end="")): as it is
            sys.stdout.write(self._pending)
            self._pending = ""
        sys.stdout.flush()


def progress_console() -> Console:
    """The console for a progress bar: stderr, which the commands check is a terminal before
    showing one, and where the notes go; on stdout (rich's default) it was not drawn when
    stdout was redirected, and left an empty line in the result."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def value_text(value: Any) -> str:
    """An input's value as people read it (``fhir score``, ``notes extract``): yes/no, 72 not
    72.0, 37.5, an option; ``missing`` for None."""
    from clotwatch.core.instruments.explain import fmt

    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return fmt(value)
    return str(value)


def counted(number: float | int | None, unit: str) -> str:
    """``number unit`` with the unit in the singular for exactly one: "1 point", "2 points"."""
    from clotwatch.core.instruments.explain import fmt, total_unit

    return f"{fmt(number)} {total_unit(unit, number)}"


def wrap_indented(text: str, indent: str, width: int | None) -> str:
    """``text`` wrapped to ``width`` with every line indented (no wrapping when None)."""
    import textwrap

    if width is None:
        return indent + text
    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False)
