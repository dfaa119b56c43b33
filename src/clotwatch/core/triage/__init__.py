"""Symptom triage: questions as data, disposition rules with their sources (pure, stdlib only).

``evaluate`` decides and returns message ids; ``render`` turns a decision into the contract's
result with a ``translate`` function. ``clotwatch.triage`` wires in the message catalogues and
is the public entry point (``assess``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clotwatch.core.triage import questions as _questions
from clotwatch.core.triage.bounds import Bounds, bounds, decide
from clotwatch.core.triage.engine import (
    RESULT_SCHEMA,
    Assessment,
    evaluate,
    message_ids,
    render,
)
from clotwatch.core.triage.keys import KEYS, Key, validate_answers
from clotwatch.core.triage.questions import (
    QUESTIONS,
    QUESTIONS_BY_ID,
    SCREENS,
    SCREENS_BY_ID,
    Group,
    Item,
    Preset,
    Question,
    Screen,
    open_keys,
)
from clotwatch.core.triage.rules import LEVELS, RULES, Level, rank
from clotwatch.core.triage.sources import SOURCES, Source

__all__ = [
    "KEYS", "LEVELS", "QUESTIONS", "QUESTIONS_BY_ID", "RESULT_SCHEMA", "RULES", "SCREENS",
    "SCREENS_BY_ID", "SOURCES", "Assessment", "Bounds", "Group", "Item", "Key", "Level",
    "Preset", "Question", "Screen", "Source", "bounds", "decide",
    "emergency_stop", "evaluate", "message_ids", "next_question", "open_keys", "rank",
    "render",
    "validate_answers",
]


def next_question(answers: Mapping[str, Any]) -> Screen | None:
    """The next screen (one question or a group, with the keys it sets) worth asking for these
    answers, or None (the disposition is determined, or an emergency)."""
    return _questions.next_question(validate_answers(answers))


def emergency_stop(answers: Mapping[str, Any]) -> bool:
    """True when the answers already mean "call the emergency number now"."""
    return _questions.emergency_stop(validate_answers(answers))
