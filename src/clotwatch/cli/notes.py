"""``clotwatch notes extract``: read an instrument's inputs from a clinical note."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clotwatch.cli.common import console as people_console
from clotwatch.cli.common import dump_json, fail, value_text

if TYPE_CHECKING:
    from clotwatch.notes import NoteResult

_EPILOG = """\
examples:
  clotwatch notes extract note.txt --instrument wells-dvt
  cat note.txt | clotwatch notes extract - --instrument perc --json

Every answer points at the words it came from (sentence and character span) with its status:
present, negated, historical, hypothetical, family or uncertain. A denied, past, hypothetical
or relative's finding is never read as present; an input the note does not answer stays
missing with the reason, and the score is then a range. Offline: nothing leaves the machine
(with --model, the note goes to the configured local model, and each call is recorded,
by the note's hash and length, in the audit log of the configured database; see
docs/notes.md).
Instruments: wells-dvt, wells-pe, perc, geneva-revised, caprini-2005, padua, has-bled.
"""

# How each status is shown at the terminal.
STYLES: dict[str, str] = {
    "present": "bold black on green",
    "negated": "bold white on red",
    "historical": "black on yellow",
    "hypothetical": "black on cyan",
    "family": "black on magenta",
    "uncertain": "black on bright_white",
}


def register(sub: Any) -> None:
    """Add the ``notes`` sub-command."""
    p = sub.add_parser(
        "notes",
        help="read score inputs from a clinical note, with the evidence for each",
        description="Clinical notes: read instrument inputs from free text, offline. "
        "Decision support, not a diagnosis: confirm every extracted answer.",
    )
    nsub = p.add_subparsers(dest="notes_command", metavar="ACTION")
    e = nsub.add_parser(
        "extract",
        help="extract an instrument's inputs from a note and score them",
        description="Extract an instrument's inputs from a clinical note (plain text, UTF-8) "
        "and score the instrument on what the note answers.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("file", help="the note: a UTF-8 text file, or '-' for stdin")
    e.add_argument("--instrument", required=True, metavar="ID",
                   help="wells-dvt, wells-pe, perc, geneva-revised, caprini-2005, padua or "
                   "has-bled (the instruments with note rules)")
    e.add_argument("--json", action="store_true", help="machine output (one JSON object)")
    e.add_argument("--lang", default="en", help="language of the rules (default: en)")
    e.add_argument(
        "--model", action="store_true",
        help="also ask the local language model (CLOTWATCH_NOTES_LLM_URL and _MODEL) about "
        "the inputs the rules leave missing; each of its answers is checked against the "
        "note and refused unless the quoted words are there and not denied",
    )
    e.set_defaults(handler=_extract)
    p.set_defaults(handler=lambda _args: (p.print_help(), 0)[1])


def _name(path: str) -> str:
    return "standard input" if path == "-" else path


def _read(path: str) -> str:
    """The note's text, or exit 2 with one line naming the file and what is wrong with it."""
    from clotwatch.notes.pipeline import MAX_NOTE_CHARS

    if not path:
        # open(Path("")) opens ".", and the error read ": cannot read it: Is a directory".
        fail("file: the argument is empty; give the note's path, or - for standard input")
    name = _name(path)
    limit = 4 * MAX_NOTE_CHARS  # bytes: no UTF-8 character is longer than 4
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(limit + 1)
        else:
            with open(Path(path), "rb") as fh:
                raw = fh.read(limit + 1)
    except OSError as exc:
        fail(f"{name}: cannot read it: {exc.strerror}")
    too_long = f"{name}: the note is longer than {MAX_NOTE_CHARS} characters, more than a " \
               "long discharge summary (about 20000); give the part to be read"
    if len(raw) > limit:
        fail(too_long)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        fail(f"{name}: UTF-16 text (as Windows 'Unicode' saves it); save the note as UTF-8")
    try:
        # a byte-order mark (Windows Notepad writes one to UTF-8) is not part of the note: kept,
        # it was quoted in the evidence and shifted every offset by one
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{name}: not UTF-8 text (byte {exc.start} is not UTF-8): a note must be plain "
             "text, not a PDF, Word or image file")
    if "\x00" in text:
        fail(f"{name}: not a text file (it holds NUL bytes): a note must be plain text")
    if len(text) > MAX_NOTE_CHARS:
        fail(too_long)
    return text


def _extract(args: argparse.Namespace) -> int:
    from clotwatch.core.errors import InputError
    from clotwatch.notes import note_result
    from clotwatch.notes.pipeline import check

    try:  # the command line before the file: a wrong id is named whatever the file holds
        check((args.instrument,), args.lang)
    except InputError as exc:
        fail(str(exc))
    text = _read(args.file)
    try:
        res = note_result(text, args.instrument, args.lang)
    except InputError as exc:
        if exc.field == "note":  # about the text: name the file it came from
            fail(f"{_name(args.file)}: the note {exc.reason}")
        fail(str(exc))
    if args.model:
        return _with_model(res, args.json)
    if args.json:
        dump_json(res.to_dict())
    else:
        show(res)
    return 0


def _with_model(res: NoteResult, as_json: bool) -> int:
    """The rules' result completed by the configured model (never without checking)."""
    from clotwatch.config import load_settings
    from clotwatch.core.errors import InputError
    from clotwatch.errors import ConfigError, StoreError
    from clotwatch.notes.llm import ModelConfig
    from clotwatch.service.notes_audit import AuditUnavailable, ask_audited

    try:
        settings = load_settings()
        config = ModelConfig.from_settings(settings)
        config.check_address()
    except (InputError, ConfigError) as exc:
        fail(str(exc))
    store, where = _audit_store(settings)
    try:
        outcome = ask_audited(store, res, config, surface="cli", now=_now, who=_who())
    except AuditUnavailable as exc:
        fail(f"CLOTWATCH_DATABASE_URL: the audit log at {where} cannot be written "
             f"({exc.cause}); the note is not sent to the model without it")
    except StoreError as exc:
        fail(f"CLOTWATCH_DATABASE_URL: the note was sent to the model but its audit row "
             f"could not be written to {where} ({exc})")
    if outcome.asked:
        print(f"audit: the note sent to the model is recorded (its hash and length, not its "
              f"text) in the audit log of {where}", file=sys.stderr)
    if as_json:
        dump_json(outcome.to_dict())
        return 0
    show(outcome.result)
    if outcome.error:
        print(f"model: {outcome.error}; the rules' answers only", file=sys.stderr)
    for e in outcome.accepted:
        print(f"model: {e.input} = {e.value} ({e.status}), checked against the note",
              file=sys.stderr)
    for r in outcome.refused:
        print(f"model: refused {r.input}: {r.reason}", file=sys.stderr)
    return 0


def _audit_store(settings: Any) -> tuple[Any, str]:
    """The store whose audit log records the call -- the one ``clotwatch serve`` and
    ``clotwatch admin`` use (CLOTWATCH_DATABASE_URL, or the SQLite file in the data
    directory), migrated as ``clotwatch admin`` does -- and its address without a password.
    Opened before the note is sent (``ask_audited`` then checks that it can write a row): a
    call that cannot be audited is not made."""
    from sqlalchemy.engine import make_url

    from clotwatch.store import open_store, upgrade

    if not settings.database_url:
        settings.ensure_data_dir()
    url = settings.effective_database_url
    where = make_url(url).render_as_string(hide_password=True)
    try:
        upgrade(url)
        store = open_store(url)
    except Exception as exc:  # whatever the cause, the note is not sent
        fail(f"CLOTWATCH_DATABASE_URL: the audit log at {where} cannot be written "
             f"({type(exc).__name__}); the note is not sent to the model without it")
    return store, where


def _who() -> str:
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown user"
    return f"{user} (command line)"


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


WIDE = 120  # columns from which the note and the score are shown side by side


def show(res: NoteResult) -> None:
    """The note with the evidence highlighted, and the score beside it."""
    from rich.table import Table
    from rich.text import Text

    from clotwatch import DISCLAIMER

    console = people_console()
    # side by side only in a window that wide; piped without a width (lines left whole), one
    # under the other and as wide as the text, not padded to the width
    wide = not console.soft_wrap and console.width >= WIDE
    ex, result = res.extraction, res.result
    note = Text(res.text)
    for ev in ex.evidence:
        note.stylize(STYLES.get(ev.status, "reverse"), ev.start, ev.end)

    side = Table(title=result.instrument.name, title_justify="left", show_header=False,
                 box=None, padding=(0, 1), expand=not console.soft_wrap)
    # The input names whole (Caprini's 'serious_lung_disease_past_month' was broken at 80
    # columns); the answers and reasons take the rest and wrap.
    side.add_column(no_wrap=True)
    side.add_column(ratio=1)
    low, high = result.total_range
    total = f"{low:g}" if low == high else f"{low:g} to {high:g} (inputs missing)"
    primary = result.instrument.primary
    possible = ", ".join(result.possible_categories.get(primary, ()))
    side.add_row("total", total)
    side.add_row("category", result.category or f"not settled: {possible}")
    side.add_row("", "")
    for ev in ex.evidence:
        value = value_text(ev.value)
        side.add_row(ev.input, Text(f"{value}  ", style="bold").append(
            f"[{ev.status}] {res.text[ev.start:ev.end]!r}", style=STYLES.get(ev.status, "")))
    for m in ex.missing:
        side.add_row(Text(m.input, style="dim"), Text(f"missing: {m.reason}", style="dim"))

    if wide:
        layout = Table.grid(padding=(0, 3), expand=True)
        layout.add_column(ratio=4)
        layout.add_column(ratio=5)
        layout.add_row(note, side)
        console.print(layout)
    else:  # narrower: one under the other (side by side at 80 columns, the input names
        # were broken mid-word)
        console.print(note)
        console.print()
        console.print(side)
    legend = Text("  ").join(Text(f" {s} ", style=st) for s, st in STYLES.items())
    console.print(legend)
    console.print(Text(DISCLAIMER, style="dim"))
