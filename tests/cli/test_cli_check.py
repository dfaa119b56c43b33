"""`clotwatch check` driven through a real terminal (pexpect): whole conversations in English
and Russian, grouped screens, the emergency stop, going back a screen, "don't know", Ctrl-C
(also when started with SIGINT ignored, as a background job is) and end of input."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from typing import Any

import pexpect
import pytest

from clotwatch.triage import SCREENS, assess, translator

ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
REPLY = {
    "en": {True: "y", False: "n", None: "?", "back": "b", "none": "0"},
    "ru": {True: "д", False: "н", None: "?", "back": "назад", "none": "н"},
}


def words(text: str) -> str:
    """A pattern for ``text`` that allows the terminal to wrap it at any space."""
    return r"[\s│]+".join(re.escape(w) for w in text.split())


def flat(text: str) -> str:
    """``text`` without box borders, every run of whitespace (wrapped lines) one space."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


def spawn(lang: str, *, preexec: Any = None) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "clotwatch.cli", "check", "--lang", lang],
                         env=ENV, encoding="utf-8", timeout=60, dimensions=(50, 200),
                         preexec_fn=preexec)


def interrupt(child: pexpect.spawn, stopped: str) -> None:
    """Press Ctrl-C at the prompt until clotwatch says it stopped (at most three times: once a
    CI run saw the first ^C, sent as the prompt appeared, have no effect)."""
    child.expect_exact("> ")
    for _ in range(3):
        child.sendintr()
        try:
            child.expect(stopped, timeout=10)
            return
        except pexpect.TIMEOUT:
            continue
    raise AssertionError("Ctrl-C did not stop clotwatch check")


def screen_text(screen_id: str, lang: str) -> str:
    return translator(lang)(next(s for s in SCREENS if s.id == screen_id).text_id)


def reply_for(screen: Any, shown: tuple[str, ...], answers: dict[str, Any], lang: str
              ) -> tuple[str, dict[str, Any]]:
    """What a person with ``answers`` types at ``screen``, and the answers it sets."""
    if screen.is_group:
        ticked = [i for i, k in enumerate(shown, start=1) if answers.get(k) in (True, 3.0, 4.0)]
        if ticked:
            return " ".join(map(str, ticked)), screen.answers(
                {shown[i - 1] for i in ticked}, only=shown)
        if any(k in answers and answers[k] is None for k in shown):
            return "?", screen.answers((), not_sure=True, only=shown)
        return REPLY[lang]["none"], screen.answers((), only=shown)
    value = answers.get(screen.id, False if screen.kind == "bool" else None)
    if isinstance(value, bool) or value is None:
        return REPLY[lang][value], {screen.id: value}
    options = list(screen.options)
    if options:
        return str(options.index(value) + 1), {screen.id: value}
    return str(value), {screen.id: value}


def converse(lang: str, answers: dict[str, Any], *, back_at: str | None = None,
             ) -> tuple[pexpect.spawn, list[str], dict[str, Any]]:
    """Answer every screen from ``answers`` (unlisted yes/no: no); go back once after
    answering ``back_at``. Returns the finished child, the screens asked and the answers set."""
    t = translator(lang)
    patterns = [words(t(s.text_id)) for s in SCREENS]
    result_marker = words(t("cli.result"))
    child = spawn(lang)
    asked: list[str] = []
    given: dict[str, Any] = {}
    history: list[dict[str, Any]] = []
    went_back = False
    while True:
        index = child.expect([*patterns, result_marker])
        if index == len(patterns):
            break
        screen = SCREENS[index]
        asked.append(screen.id)
        shown = tuple(k for k in screen.keys if k not in given)
        text, values = reply_for(screen, shown, answers, lang)
        child.sendline(text)
        given.update(values)
        history.append(values)
        if screen.id == back_at and not went_back:
            went_back = True
            nxt = child.expect([*patterns, result_marker])
            assert nxt < len(patterns), "no screen after the one to go back from"
            asked.append(SCREENS[nxt].id)
            child.sendline(REPLY[lang]["back"])
            for key in history.pop():
                given.pop(key, None)
    child.expect(pexpect.EOF)
    child.close()
    return child, asked, given


CRAMP = {"leg_side": "right", "cramp": True, "duration_hours": 10 / 60,
         "relieved_by_stretching": True, "calf_difference_cm": None, "age_years": "34",
         "sex": "female", "pregnancy_status": "no"}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_ordinary_cramp_conversation_ends_in_self_care_with_advice(lang: str) -> None:
    t = translator(lang)
    child, asked, given = converse(lang, CRAMP, back_at="duration_hours")
    assert child.exitstatus == 0
    assert asked.count("duration_hours") == 2   # asked again after going back
    out = flat(child.before)
    assert flat(t("disposition.self_care")) in out
    assert flat(t("headline.self_care_cramp")) in out
    assert flat(t("advice.toes_up_test")) in out
    assert flat(t("safety.emergency_signs")) in out
    assert flat(t("notice.decision_support")) in out
    assert asked[0] == "warning_signs"
    assert asked.index("leg_side") < asked.index("cramp") < asked.index("risk_factors")
    assert len(set(asked)) <= 12
    # The terminal reaches exactly what assess() gives for the answers it collected.
    assert assess({**given, "age_years": 34}, lang=lang)["disposition"] == "self_care"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_warning_sign_stops_the_questions_at_once_with_emergency_instructions(
        lang: str) -> None:
    t = translator(lang)
    child = spawn(lang)
    child.expect(words(screen_text("warning_signs", lang)))
    child.sendline("2")     # chest pain
    child.expect(words(t("cli.emergency_stop")))
    child.expect(words(t("headline.emergency")))
    child.expect(pexpect.EOF)
    rest = flat(child.before)
    child.close()
    assert child.exitstatus == 0
    assert flat(screen_text("leg_side", lang)) not in rest   # nothing more is asked
    assert flat(t("safety.emergency_now")) in rest


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_going_back_a_screen_asks_it_again(lang: str) -> None:
    t = translator(lang)
    child = spawn(lang)
    child.expect(words(screen_text("warning_signs", lang)))
    child.sendline(REPLY[lang]["back"])
    child.expect(words(t("cli.first_question")))
    child.sendline(REPLY[lang]["none"])
    child.expect(words(screen_text("leg_side", lang)))
    child.sendline(REPLY[lang]["back"])
    child.expect(words(screen_text("warning_signs", lang)))
    # Change the answer: now a warning sign, and the questionnaire stops.
    child.sendline("1")
    child.expect(words(t("headline.emergency")))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_dont_know_on_a_key_finding_ends_at_least_soon(lang: str) -> None:
    t = translator(lang)
    child, asked, given = converse(lang, {**CRAMP, "swelling": None})
    assert child.exitstatus == 0
    assert "leg_signs" in asked and given["swelling"] is None
    assert flat(t("disposition.soon")) in flat(child.before)


def test_no_picks_the_none_option_and_an_unclear_reply_is_asked_again() -> None:
    t = translator("en")
    child = spawn("en")
    child.expect(words(screen_text("warning_signs", "en")))
    child.sendline("maybe")
    child.expect(words(t("cli.not_understood")))
    child.sendline("n")
    child.expect(words(screen_text("leg_side", "en")))
    child.sendline("n")         # "No leg symptoms" ("none") for the side
    child.expect(words(screen_text("cramp", "en")))
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_ctrl_c_exits_cleanly_without_a_traceback(lang: str) -> None:
    t = translator(lang)
    child = spawn(lang)
    child.expect(words(screen_text("warning_signs", lang)))
    interrupt(child, words(t("cli.stopped")))
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 130


def test_ctrl_c_works_when_started_with_sigint_ignored() -> None:
    # A background job (`./test &`, nohup) starts with SIGINT ignored; check restores it.
    t = translator("en")
    child = spawn("en", preexec=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    child.expect(words(screen_text("warning_signs", "en")))
    interrupt(child, words(t("cli.stopped")))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_end_of_input_exits_cleanly_without_a_traceback() -> None:
    run = subprocess.run([sys.executable, "-m", "clotwatch.cli", "check"], input="0\n",
                         capture_output=True, text=True, env=ENV, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert translator("en")("cli.stopped") in run.stderr
    assert screen_text("leg_side", "en") in run.stdout


def test_the_terminal_never_promises_a_summary_it_does_not_show() -> None:
    for lang in ("en", "ru"):
        advice = translator(lang)("advice.tell_them")
        assert "summary" not in advice and "сводк" not in advice
