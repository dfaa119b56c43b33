"""Public API of symptom triage: ``assess(answers, lang="en")`` and the questionnaire.

Re-exports :mod:`clotwatch.core.triage` (the pure engine) and wires in the message catalogues
of :mod:`clotwatch.locales`, so that results and questions come out as text in English or
Russian. This is the interface the CLI, the web questionnaire and the API build on:

- ``assess(answers, lang="en") -> dict``: the ``clotwatch.triage-result/1`` object.
- ``validate_answers(answers) -> dict``: InputError(key, reason) on bad input.
- ``QUESTIONS`` / ``QUESTIONS_BY_ID``; ``SCREENS``; ``next_question(answers) -> Screen |
  None``: the next screen, one ``Question`` or a ``Group`` of yes/no items (``.keys`` are the
  answer keys it sets); ``emergency_stop(answers) -> bool``.
- ``Question``: ``.id .kind .options .phase .presets .minimum .maximum .unit``,
  ``.text(lang) .help(lang) .option_text(value, lang)``, and the message ids behind them.
- ``translator(lang)``: message id -> text, for callers that render ids themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
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
    "SCREENS", "SCREENS_BY_ID", "SOURCES", "Assessment", "Group", "Key", "Level", "Preset",
    "Question", "Screen", "assess", "parse_answers_json", "validate",
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


@dataclasses.dataclass(frozen=True)
class Group(_core.Group):
    """A screen of yes/no items answered together, with its wording in each language."""

    def text(self, lang: str = "en") -> str:
        """The screen's question ("Do any of these apply?"), in ``lang``."""
        return translator(lang)(self.text_id)

    def help(self, lang: str = "en") -> str:
        """How to answer it, in ``lang``."""
        return translator(lang)(self.help_id)

    def item_text(self, key: str, lang: str = "en") -> str:
        """The wording of the item that sets ``key``, in ``lang``."""
        return translator(lang)(self.item_id(key))


Screen = Question | Group


def _public(question: _core.Question) -> Question:
    fields = {f.name: getattr(question, f.name) for f in dataclasses.fields(question)}
    return Question(**fields)


QUESTIONS: tuple[Question, ...] = tuple(_public(q) for q in _core.QUESTIONS)
QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
SCREENS: tuple[Screen, ...] = tuple(
    Group(s.id, s.phase, s.items) if isinstance(s, _core.Group) else QUESTIONS_BY_ID[s.id]
    for s in _core.SCREENS)
SCREENS_BY_ID: dict[str, Screen] = {s.id: s for s in SCREENS}


def next_question(answers: Mapping[str, Any]) -> Screen | None:
    """The next screen worth asking (one ``Question`` or a ``Group``), or None when the
    disposition is determined (nothing left to ask could change it) or an emergency.

    A key present in ``answers`` counts as asked, even when its value is ``None`` ("don't
    know"); absent keys are still to be asked. ``screen.keys`` are the keys it sets.
    """
    screen = _core.next_question(validate_answers(answers))
    return None if screen is None else SCREENS_BY_ID[screen.id]


def emergency_stop(answers: Mapping[str, Any]) -> bool:
    """True when the answers already mean "call the emergency number now": stop asking."""
    return _core.emergency_stop(answers)


MAX_ANSWERS_BYTES = 64 * 1024   # an answers object is about 1 kB; anything far bigger is not one


def parse_answers_json(raw: bytes | str) -> dict[str, Any]:
    """An answers object from JSON text, validated (``validate_answers``).

    Stricter than a JSON parser, because a silently changed answer changes a triage: a key
    given twice is refused (naming it) instead of keeping the last value; so are numbers that
    are not finite, text that is not one JSON object, and input over 64 kB. Raises
    ``InputError(key or None, reason)``.
    """
    import json

    from clotwatch.core.errors import InputError

    if len(raw) > MAX_ANSWERS_BYTES:
        raise InputError(None, f"answers are limited to {MAX_ANSWERS_BYTES} bytes")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(None, "the answers are not UTF-8 text") from None

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise InputError(key, "given more than once; give each answer once")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise InputError(None, f"{name} is not a number JSON allows")

    try:
        data = json.loads(raw, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(None, "the answers are not valid JSON") from None
    if not isinstance(data, dict):
        raise InputError(None, f"answers must be a JSON object, got {type(data).__name__}")
    return validate_answers(data)


def validate(people: int, seed: int, *, pairs_every: int = 1) -> dict[str, Any]:
    """Walk ``people`` plausible people (``random.Random(seed)``) through the questionnaire and
    check that each walk ends at the disposition of their full answers, and that no key left
    unasked (singly, and in pairs on every ``pairs_every``-th walk) could change it. The
    figures of docs/validation/triage.md come from this (``clotwatch triage validate``)."""
    import random

    from clotwatch.core.triage.simulate import validate as run

    return run(people, random.Random(seed), pairs_every=pairs_every).as_dict()


def assess(answers: Mapping[str, Any], lang: str = "en",
           asked: Iterable[str] | None = None) -> dict[str, Any]:
    """Triage ``answers`` (contract ``clotwatch.triage/1``) into the result, text in ``lang``.

    Raises ``clotwatch.errors.InputError(key, reason)`` on an unknown key, a wrong type, a value
    out of range, or an unsupported language (key ``lang``). ``answers`` is not modified.
    ``asked`` limits the self-care check to those keys (``decide``; the follow-up check-in
    passes its own questions); default: every key.
    """
    check_language(lang)
    return _core.render(evaluate(answers, asked), translator(lang), lang)
