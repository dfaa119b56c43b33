"""`clotwatch check` driven through a real terminal (pexpect): whole conversations in English
and Russian, the emergency stop, going back a step, "don't know", Ctrl-C and end of input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pexpect
import pytest

from clotwatch.triage import QUESTIONS, translator

ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
REPLY = {
    "en": {True: "y", False: "n", None: "?", "back": "b"},
    "ru": {True: "д", False: "н", None: "?", "back": "назад"},
}


def words(text: str) -> str:
    """A pattern for ``text`` that allows the terminal to wrap it at any space."""
    return r"[\s│]+".join(re.escape(w) for w in text.split())


def flat(text: str) -> str:
    """``text`` without box borders, every run of whitespace (wrapped lines) one space."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


def spawn(lang: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "clotwatch.cli", "check", "--lang", lang],
                         env=ENV, encoding="utf-8", timeout=60, dimensions=(50, 200))


def reply_for(question: Any, value: Any, lang: str) -> str:
    if isinstance(value, bool) or value is None:
        return REPLY[lang][value]
    options = list(question.options)
    if options:
        return str(options.index(value) + 1)
    return str(value)


def converse(lang: str, answers: dict[str, Any], *, back_at: str | None = None,
             ) -> tuple[pexpect.spawn, list[str]]:
    """Answer every question the program asks from ``answers`` (unlisted yes/no: no); go back
    once after answering ``back_at``. Returns the finished child and the questions asked."""
    t = translator(lang)
    texts = {q.id: t(q.text_id) for q in QUESTIONS}
    patterns = [words(text) for text in texts.values()]
    ids = list(texts)
    result_marker = words(t("cli.result"))
    child = spawn(lang)
    asked: list[str] = []
    went_back = False
    while True:
        index = child.expect([*patterns, result_marker])
        if index == len(patterns):
            break
        qid = ids[index]
        asked.append(qid)
        question = next(q for q in QUESTIONS if q.id == qid)
        value = answers.get(qid, False if question.kind == "bool" else None)
        child.sendline(reply_for(question, value, lang))
        if qid == back_at and not went_back:
            went_back = True
            # At the next question, go back: ``back_at`` must be asked again.
            asked.append(ids[child.expect(patterns)])
            child.sendline(REPLY[lang]["back"])
    child.expect(pexpect.EOF)
    child.close()
    return child, asked


CRAMP = {"leg_side": "right", "cramp": True, "duration_hours": 10 / 60,
         "relieved_by_stretching": True, "age_years": "34", "sex": "female",
         "pregnancy_status": "no", "bedridden_days": 0.0}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_ordinary_cramp_conversation_ends_in_self_care_with_advice(lang: str) -> None:
    t = translator(lang)
    child, asked = converse(lang, CRAMP, back_at="duration_hours")
    assert child.exitstatus == 0
    assert asked.count("duration_hours") == 2   # asked again after going back
    out = flat(child.before)
    assert flat(t("disposition.self_care")) in out
    assert flat(t("headline.self_care_cramp")) in out
    assert flat(t("advice.toes_up_test")) in out
    assert flat(t("safety.emergency_signs")) in out
    assert flat(t("notice.decision_support")) in out
    assert asked[:6] == ["short_of_breath", "chest_pain", "coughing_blood", "fainting",
                         "cold_pale_numb_leg", "fast_heartbeat"]
    assert asked.index("leg_side") < asked.index("cramp") < asked.index("age_years")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_warning_sign_stops_the_questions_at_once_with_emergency_instructions(
        lang: str) -> None:
    t = translator(lang)
    child = spawn(lang)
    child.expect(words(t("q.short_of_breath.text")))
    child.sendline(REPLY[lang][False])
    child.expect(words(t("q.chest_pain.text")))
    child.sendline(REPLY[lang][True])
    child.expect(words(t("cli.emergency_stop")))
    child.expect(words(t("headline.emergency")))
    child.expect(pexpect.EOF)
    rest = flat(child.before)
    child.close()
    assert child.exitstatus == 0
    assert flat(t("q.coughing_blood.text")) not in rest   # nothing more is asked
    assert flat(t("safety.emergency_now")) in rest


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_going_back_a_step_asks_the_previous_question_again(lang: str) -> None:
    t = translator(lang)
    child = spawn(lang)
    child.expect(words(t("q.short_of_breath.text")))
    child.sendline(REPLY[lang]["back"])
    child.expect(words(t("cli.first_question")))
    child.sendline(REPLY[lang][False])
    child.expect(words(t("q.chest_pain.text")))
    child.sendline(REPLY[lang]["back"])
    child.expect(words(t("q.short_of_breath.text")))
    # Change the answer: now a warning sign, and the questionnaire stops.
    child.sendline(REPLY[lang][True])
    child.expect(words(t("headline.emergency")))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_dont_know_on_a_key_finding_ends_at_least_soon(lang: str) -> None:
    t = translator(lang)
    child, asked = converse(lang, {**CRAMP, "swelling": None})
    assert child.exitstatus == 0
    assert "swelling" in asked
    assert flat(t("disposition.soon")) in flat(child.before)


def test_an_unclear_reply_is_asked_again() -> None:
    t = translator("en")
    child = spawn("en")
    child.expect(words(t("q.short_of_breath.text")))
    child.sendline("maybe")
    child.expect(words(t("cli.not_understood")))
    child.sendline("n")
    child.expect(words(t("q.chest_pain.text")))
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_ctrl_c_exits_cleanly_without_a_traceback(lang: str) -> None:
    t = translator(lang)
    child = spawn(lang)
    child.expect(words(t("q.short_of_breath.text")))
    child.sendintr()
    child.expect(words(t("cli.stopped")))
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 130


def test_end_of_input_exits_cleanly_without_a_traceback() -> None:
    run = subprocess.run([sys.executable, "-m", "clotwatch.cli", "check"], input="n\nn\n",
                         capture_output=True, text=True, env=ENV, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert translator("en")("cli.stopped") in run.stderr
    assert translator("en")("q.coughing_blood.text") in run.stdout
