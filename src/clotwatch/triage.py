"""Public API of symptom triage: ``assess(answers, lang="en")`` and the questionnaire.

Re-exports :mod:`clotwatch.core.triage` (the pure engine) and wires in the message catalogues
of :mod:`clotwatch.locales`, so that results and questions come out as text in English or
Russian. This is the interface the CLI, the web questionnaire and the API build on:

- ``assess(answers, lang="en") -> dict``: the ``clotwatch.triage-result/1`` object.
- ``validate_answers(answers) -> dict``: InputError(key, reason) on bad input.
- ``QUESTIONS`` / ``QUESTIONS_BY_ID``, ``next_question(answers) -> Question | None``,
  ``emergency_stop(answers) -> bool``.
- ``Question``: ``.id .kind .options .phase .presets .minimum .maximum .unit``,
  ``.text(lang) .help(lang) .option_text(value, lang)``, and the message ids behind them.
- ``translator(lang)``: message id -> text, for callers that render ids themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from clotwatch.core import triage as _core
from clotwatch.core.triage import (
    KEYS,
    LEVELS,
    RESULT_SCHEMA,
    RULES,
    SOURCES,
    Assessment,
    Key,
    Level,
    Preset,
    evaluate,
    message_ids,
    rank,
    validate_answers,
)
from clotwatch.locales import LANGUAGES, check_language, translator

__all__ = [
    "KEYS", "LANGUAGES", "LEVELS", "QUESTIONS", "QUESTIONS_BY_ID", "RESULT_SCHEMA", "RULES",
    "SOURCES", "Assessment", "Key", "Level", "Preset", "Question", "assess",
    "emergency_stop", "evaluate", "message_ids", "next_question", "rank", "translator",
    "validate_answers",
]


@dataclasses.dataclass(frozen=True)
class Question(_core.Question):
    """A question of the questionnaire, with its wording in each language."""

    def text(self, lang: str = "en") -> str:
        """The question as asked, in ``lang``."""
        return translator(lang)(self.text_id)

    def help(self, lang: str = "en") -> str:
        """One or two sentences that explain the question, in ``lang``."""
        return translator(lang)(self.help_id)

    def option_text(self, value: Any, lang: str = "en") -> str:
        """The label of one of ``options`` (yes/no, an enum value or a preset), in ``lang``."""
        return translator(lang)(self.option_id(value))


def _public(question: _core.Question) -> Question:
    fields = {f.name: getattr(question, f.name) for f in dataclasses.fields(question)}
    return Question(**fields)


QUESTIONS: tuple[Question, ...] = tuple(_public(q) for q in _core.QUESTIONS)
QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}


def next_question(answers: Mapping[str, Any]) -> Question | None:
    """The next question worth asking, or None when done or when it is an emergency.

    A key present in ``answers`` counts as asked, even when its value is ``None`` ("don't
    know"); absent keys are still to be asked.
    """
    question = _core.next_question(answers)
    return None if question is None else QUESTIONS_BY_ID[question.id]


def emergency_stop(answers: Mapping[str, Any]) -> bool:
    """True when the answers already mean "call the emergency number now": stop asking."""
    return _core.emergency_stop(answers)


def assess(answers: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """Triage ``answers`` (contract ``clotwatch.triage/1``) into the result, text in ``lang``.

    Raises ``clotwatch.errors.InputError(key, reason)`` on an unknown key, a wrong type, a value
    out of range, or an unsupported language (key ``lang``). ``answers`` is not modified.
    """
    check_language(lang)
    return _core.render(evaluate(answers), translator(lang), lang)
