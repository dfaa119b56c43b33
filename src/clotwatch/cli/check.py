"""``clotwatch check``: the symptom questionnaire in the terminal.

Asks only what can still change the result (warning signs first, then the leg, then risk
factors), one screen at a time: a question, or a list of yes/no items answered together ("type
the numbers that apply"). Accepts "don't know", goes back a screen on ``b`` / ``назад``, stops
at once with emergency instructions when a warning sign is present, and ends with the
disposition, the reasons, what to do now, the advice that fits and the safety net. Nothing is
stored.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from clotwatch.triage import Group, Question, Screen

YES = frozenset({"y", "yes", "д", "да"})
NO = frozenset({"n", "no", "н", "нет"})
DONT_KNOW = frozenset({"?", "dk", "don't know", "dont know", "not sure", "не знаю", "нз",
                       "не уверен", "не уверена"})
NONE_OF_THESE = frozenset({"0", "none", "ни одного", "ничего", *NO})
# Enum and preset options that "no" picks (e.g. "1) None", "Neither leg", "No").
NO_OPTIONS = ("none", "no", "under_3", "under_4")
BACK = frozenset({"b", "back", "назад"})
QUIT = frozenset({"q", "quit", "exit", "выход", "стоп"})

# Message ids the terminal questionnaire uses (checked against the catalogues by a test).
CLI_MESSAGES = (
    "cli.title", "cli.intro", "cli.hint_bool", "cli.hint_choice", "cli.hint_number",
    "cli.not_understood", "cli.out_of_range", "cli.first_question", "cli.stopped",
    "cli.emergency_stop", "cli.result", "cli.what_now", "cli.why", "cli.advice",
    "cli.safety_net", "cli.causes", "cli.unanswered", "cli.hint_group", "cli.none_of_these",
)

STYLE = {"emergency": "bold white on red", "urgent": "bold red", "soon": "bold yellow",
         "self_care": "bold green"}

EXIT_OK = 0
EXIT_EOF = 1
EXIT_INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the command line."""
    parser = subparsers.add_parser(
        "check",
        help="leg cramp or blood clot? answer a few questions in the terminal",
        description=("Answer a few questions about your leg and how you feel; get what to do "
                     "now (emergency, today, the next few days, or self-care), the reasons, "
                     "advice and when to get help. Answer y/n/? (don't know); b goes back a "
                     "step, q stops. Decision support, not a diagnosis."),
    )
    parser.add_argument("--lang", choices=("en", "ru"), default="en",
                        help="language of the questions and the result (default: en)")
    parser.set_defaults(handler=run)


class _Back(Exception):
    """The person asked to go back a step."""


class _Quit(Exception):
    """The person asked to stop."""


def _clean(reply: str) -> str:
    return " ".join(reply.strip().lower().replace("’", "'").split())


def parse_reply(question: Question, reply: str) -> tuple[bool, Any]:
    """(understood, value) for a typed reply; raises _Back / _Quit for those commands.

    ``None`` is "don't know". Numbers may use a decimal comma. Enum and preset questions take
    the number shown before the option (or the option's own value).
    """
    text = _clean(reply)
    if text in BACK:
        raise _Back
    if text in QUIT:
        raise _Quit
    if text in DONT_KNOW:
        return True, None
    if question.kind == "bool":
        if text in YES:
            return True, True
        if text in NO:
            return True, False
        return False, None
    options = list(question.options)
    if options:
        if text.isdigit() and 1 <= int(text) <= len(options):
            return True, options[int(text) - 1]
        if text in [str(o) for o in options]:
            return True, options[[str(o) for o in options].index(text)]
        if text in NO:
            picks = [o for o in _option_ids(question) if o[0] in NO_OPTIONS]
            if len(picks) == 1:
                return True, picks[0][1]
        return False, None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return False, None
    if question.kind == "integer":
        if not number.is_integer():
            return False, None
        return True, int(number)
    return True, number


def _option_ids(question: Question) -> list[tuple[str, Any]]:
    """(id, value) of each option: enum values are their own id, presets have theirs."""
    if question.presets:
        return [(p.id, p.value) for p in question.presets]
    return [(str(o), o) for o in question.options]


def parse_group(group: Group, shown: tuple[str, ...], reply: str
                ) -> tuple[bool, dict[str, Any]]:
    """(understood, answers) for a reply to a group screen: the numbers of the items that
    apply ("1 3" or "1,3"), ``n`` / ``0`` for none of these, ``?`` for not sure (the items
    shown become "don't know"); raises _Back / _Quit for those commands."""
    text = _clean(reply)
    if text in BACK:
        raise _Back
    if text in QUIT:
        raise _Quit
    if text in DONT_KNOW:
        return True, group.answers((), not_sure=True, only=shown)
    if text in NONE_OF_THESE:
        return True, group.answers((), only=shown)
    parts = text.replace(",", " ").split()
    if not parts or not all(p.isdigit() and 1 <= int(p) <= len(shown) for p in parts):
        return False, {}
    return True, group.answers({shown[int(p) - 1] for p in parts}, only=shown)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _ask(console: Console, screen: Screen, shown: tuple[str, ...], number: int,
         t: Callable[[str], str], lang: str) -> dict[str, Any]:
    """Ask one screen until the reply is understood; return the answers it sets."""
    from rich.markup import escape
    from rich.padding import Padding
    from rich.text import Text

    from clotwatch.core.errors import InputError
    from clotwatch.triage import validate_answers

    def indented(text: str, style: str = "") -> Padding:
        # not padded with spaces to the width (all of it, piped: lines left whole)
        return Padding(Text(text, style=style), (0, 0, 0, 3), expand=False)

    console.print()
    console.print(f"[bold]{number}. {escape(screen.text(lang))}[/bold]")
    console.print(indented(screen.help(lang), style="dim"))
    if screen.is_group:
        group: Group = screen  # type: ignore[assignment]
        for i, key in enumerate(shown, start=1):
            console.print(indented(f"{i}) {group.item_text(key, lang)}"))
        console.print(indented(f"0) {t('cli.none_of_these')}"))
        while True:
            reply = console.input(f"   [dim]{escape(t('cli.hint_group'))}[/dim] > ")
            understood, values = parse_group(group, shown, reply)
            if understood:
                return values
            console.print("   " + escape(t("cli.not_understood")))
    question: Question = screen  # type: ignore[assignment]
    options = list(question.options) if question.kind != "bool" else []
    for i, option in enumerate(options, start=1):
        console.print(indented(f"{i}) {question.option_text(option, lang)}"))
    if question.kind == "bool":
        hint = t("cli.hint_bool")
    elif options:
        hint = t("cli.hint_choice")
    else:
        hint = t("cli.hint_number")
    while True:
        reply = console.input(f"   [dim]{escape(hint)}[/dim] > ")
        understood, value = parse_reply(question, reply)
        if understood:
            try:
                validate_answers({question.id: value})
            except InputError:
                console.print("   " + escape(t("cli.out_of_range").format(
                    min=_number(question.minimum), max=_number(question.maximum) or "…")))
                continue
            return {question.id: value}
        console.print("   " + escape(t("cli.not_understood")))


def show_result(console: Console, result: dict[str, Any], t: Callable[[str], str]) -> None:
    """Print a triage result for a person: disposition, what to do, why, advice, safety net."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    disposition = result["disposition"]
    console.print()
    console.print(Panel(
        f"[{STYLE[disposition]}]{escape(t('disposition.' + disposition))}[/]\n\n"
        f"[bold]{escape(t('cli.what_now'))}:[/bold] {escape(result['headline'])}",
        # as wide as the window; piped without one (no wrapping), as wide as its text
        title=escape(t("cli.result")), expand=not console.soft_wrap))

    def section(title_id: str, lines: list[str]) -> None:
        if not lines:
            return
        console.print(f"\n[bold]{escape(t(title_id))}[/bold]")
        bullets = Table.grid(padding=(0, 1))  # wrapped lines hang under the text
        bullets.add_column(no_wrap=True)
        bullets.add_column()
        for line in lines:
            bullets.add_row(" •", Text(line))
        console.print(bullets)

    section("cli.why", [r["text"] for r in result["reasons"]])
    section("cli.advice", list(result["advice"]))
    section("cli.safety_net", list(result["safety_net"]))
    causes = []
    for cause in result.get("causes", []):
        evidence = ", ".join(e["text"] for e in cause["for"][:4])
        causes.append(f"{cause['name']}" + (f" ({evidence})" if evidence else ""))
    section("cli.causes", causes)
    if result["unanswered"] and disposition != "emergency":
        labels = [t(f"label.{k}") for k in result["unanswered"]]
        section("cli.unanswered", [", ".join(labels)])
    console.print(f"\n[italic]{escape(result['notice'])}[/italic]")


def run(args: argparse.Namespace) -> int:
    """Run the questionnaire; exit 0 with a result, 1 on end of input, 130 on Ctrl-C."""
    from rich.markup import escape

    from clotwatch import triage
    from clotwatch.cli.common import console as people_console

    # Run as a background job (``./test &``, nohup) a process inherits SIGINT ignored; a
    # person's Ctrl-C must still stop the questionnaire.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    lang: str = args.lang
    t = triage.translator(lang)
    console = people_console()
    console.print(f"[bold]{escape(t('cli.title'))}[/bold]")
    console.print(escape(t("cli.intro")))
    console.print(f"[italic]{escape(t('notice.decision_support'))}[/italic]")
    answers: dict[str, Any] = {}
    history: list[tuple[str, ...]] = []   # the keys each screen set, in order
    try:
        while not triage.emergency_stop(answers):
            screen = triage.next_question(answers)
            if screen is None:
                break
            shown = tuple(k for k in screen.keys if k not in answers)
            try:
                values = _ask(console, screen, shown, len(history) + 1, t, lang)
                answers.update(values)
                history.append(tuple(values))
            except _Back:
                if history:
                    for key in history.pop():
                        answers.pop(key, None)
                else:
                    console.print("   " + escape(t("cli.first_question")))
    except _Quit:
        print(t("cli.stopped"), file=sys.stderr)
        return EXIT_OK
    except (EOFError, KeyboardInterrupt) as exc:
        print(file=sys.stderr)
        print(t("cli.stopped"), file=sys.stderr)
        return EXIT_EOF if isinstance(exc, EOFError) else EXIT_INTERRUPTED
    if triage.emergency_stop(answers):
        console.print()
        console.print(f"[{STYLE['emergency']}] {escape(t('cli.emergency_stop'))} [/]")
    show_result(console, triage.assess(answers, lang=lang), t)
    return EXIT_OK
