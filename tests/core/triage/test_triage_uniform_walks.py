"""A second, independent check of the questionnaire's stopping rule, written apart from
``core/triage/simulate.py``: people are drawn *uniformly* (any key, any value, "don't know" at
0-50%, so stories no clinician would write: a pregnant 9-year-old, warning signs with no leg,
a 3 cm calf difference in "both" legs) rather than from plausible stories.

1. Walking the public questionnaire (``next_question``) with a person's answers ends at exactly
   ``assess(their full answers)``.
2. "Don't know" for any one key is never lower than the most reassuring answer to it.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from clotwatch.triage import KEYS, assess, next_question

RANK = {"self_care": 0, "soon": 1, "urgent": 2, "emergency": 3}
# Numbers at and around every threshold the rules use, and anywhere in the allowed range.
NUMBERS: dict[str, tuple[float, ...]] = {
    "age_years": (5, 9, 10, 16, 25, 40, 55, 56, 70, 90),
    "duration_hours": (0.01, 1 / 6, 11 / 60, 0.25, 0.5, 1, 6, 24, 48, 72, 168, 671, 672, 673,
                       2000),
    "calf_difference_cm": (0, 1, 1.9, 2, 2.5, 2.9, 3, 3.1, 5),
    "bedridden_days": (0, 1, 2, 3, 4, 10),
    "long_travel_hours": (0, 2, 3.9, 4, 4.1, 8, 12),
    "bmi": (18, 25, 29.9, 30, 35),
}


def _value(rng: random.Random, key: str, p_true: float) -> Any:
    spec = KEYS[key]
    if spec.kind == "bool":
        return rng.random() < p_true
    if spec.kind == "enum":
        return rng.choice(list(spec.options))
    return rng.choice(NUMBERS[key])


def _person(rng: random.Random) -> dict[str, Any]:
    p_none, p_true = rng.choice((0.0, 0.05, 0.2, 0.5)), rng.choice((0.02, 0.1, 0.3))
    return {k: None if rng.random() < p_none else _value(rng, k, p_true) for k in KEYS}


def _walk(person: dict[str, Any]) -> dict[str, Any]:
    given: dict[str, Any] = {}
    for _ in range(60):
        screen = next_question(given)
        if screen is None:
            return given
        for key in screen.keys:
            given.setdefault(key, person[key])
    raise AssertionError("the questionnaire does not end")


def _level(answers: dict[str, Any]) -> int:
    return RANK[assess(answers)["disposition"]]


@pytest.mark.parametrize("seed", range(2))
def test_uniform_people_end_where_their_full_answers_do(seed: int) -> None:
    # A few seconds in the suite; the lead's full run (2,000 such walks) found none either.
    rng = random.Random(seed)
    for _ in range(20):
        person = _person(rng)
        given = _walk(person)
        assert _level(given) == _level(person), (person, given)


@pytest.mark.parametrize("seed", range(2))
def test_dont_know_is_never_lower_than_the_most_reassuring_answer(seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(25):
        person = _person(rng)
        key = rng.choice(list(KEYS))
        spec = KEYS[key]
        values: tuple[Any, ...] = ((True, False) if spec.kind == "bool" else
                                   tuple(spec.options) if spec.kind == "enum" else NUMBERS[key])
        lowest = min(_level({**person, key: v}) for v in values)
        assert _level({**person, key: None}) >= lowest, (key, person)
