"""The questionnaire never stops below (or above) what the full answers give (issue #14).

- The bounds over completions are sound: for any answers, any set of keys left open and any
  completion of them (numbers anywhere in their range, "don't know" included), the disposition
  lies between ``low`` and ``high``; so a determined disposition is every completion's.
- "Don't know" never gives a lower result than an answer; self-care only when no unknown answer
  could raise it.
- A seeded sample of simulated people walked through the questionnaire ends, every one, at the
  disposition of their full answers, and no key left unasked (singly, and in pairs for some)
  changes it. The full run is `clotwatch triage validate` (docs/validation/triage.md).
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.core.triage import KEYS, RULES, bounds, decide, rank
from clotwatch.core.triage.bounds import DOMAIN, level_of, unknown_free
from clotwatch.core.triage.rules import Facts
from clotwatch.core.triage.simulate import validate


def _value(key_id: str) -> st.SearchStrategy[Any]:
    key = KEYS[key_id]
    if key.kind == "bool":
        inner: st.SearchStrategy[Any] = st.booleans()
    elif key.kind == "enum":
        inner = st.sampled_from(key.options)
    elif key.kind == "integer":
        inner = st.integers(int(key.minimum or 0), int(key.maximum or 120))
    else:
        # Anywhere in the range, and every representative (thresholds included).
        inner = st.floats(key.minimum or 0, min(key.maximum or 5000, 5000), allow_nan=False) \
            | st.sampled_from([v for v in DOMAIN[key_id] if v is not None])
    return st.none() | inner


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    present = draw(st.lists(st.sampled_from(sorted(KEYS)), unique=True))
    return {k: draw(_value(k)) for k in present}


@st.composite
def open_and_completion(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    given_ = draw(answers())
    left = [k for k in KEYS if k not in given_]
    completion_keys = draw(st.lists(st.sampled_from(left), unique=True)) if left else []
    return given_, {k: draw(_value(k)) for k in completion_keys}


@settings(max_examples=80, deadline=None)
@given(open_and_completion())
def test_every_completion_lies_within_the_bounds(case: tuple[dict[str, Any], dict[str, Any]]
                                                 ) -> None:
    given_, completion = case
    found = bounds(given_)
    assert found.low <= rank(found.level) <= found.high
    got = level_of({**given_, **completion})
    assert found.low <= got <= found.high, (found, completion)


@settings(max_examples=250, deadline=None)
@given(answers(), st.sampled_from(sorted(KEYS)))
def test_dont_know_never_gives_a_lower_result_than_an_answer(a: dict[str, Any], key: str
                                                            ) -> None:
    unknown = level_of({**a, key: None})
    levels = [level_of({**a, key: v}) for v in DOMAIN[key] if v is not None]
    assert unknown >= min(levels)
    if unknown == rank("self_care") and key in unknown_free({**a, key: None}):
        # Self-care with this key unknown: no answer to it could raise it.
        assert max(levels) == rank("self_care")


@settings(max_examples=200, deadline=None)
@given(answers())
def test_self_care_only_when_no_unknown_answer_could_raise_it(a: dict[str, Any]) -> None:
    if decide(a)[0] != "self_care":
        return
    for key in unknown_free(a):
        for value in DOMAIN[key]:
            assert level_of({**a, key: value}) == rank("self_care"), (key, value)


@settings(max_examples=200, deadline=None)
@given(answers())
def test_no_rule_calls_for_more_than_it_declares(a: dict[str, Any]) -> None:
    facts = Facts(a)
    for r in RULES:
        assert all(rank(h.level) <= rank(r.most) for h in r.check(facts)), r.name


def test_every_threshold_of_the_rules_is_tried_by_the_search() -> None:
    from clotwatch.core.triage import rules

    thresholds = {
        "duration_hours": (rules.CRAMP_MAX_MINUTES / 60, rules.PERSISTING_HOURS,
                           rules.LONG_STANDING_HOURS),
        "calf_difference_cm": (rules.LEFT_CALF_CM, rules.WELLS_CALF_CM),
        "bedridden_days": (rules.BEDRIDDEN_DAYS,),
        "long_travel_hours": (rules.LONG_TRAVEL_HOURS,),
        "age_years": (10, 55),
    }
    for key, values in thresholds.items():
        for value in values:
            assert value in DOMAIN[key], (key, value)
            assert any(v is not None and v < value for v in DOMAIN[key]), key
            assert any(v is not None and v > value for v in DOMAIN[key]), key


def test_a_seeded_sample_of_simulated_people_ends_where_their_full_answers_do() -> None:
    report = validate(48, random.Random(1), pairs_every=12).as_dict()
    assert report["walks"] == 48
    assert report["walk_below_full_answers"] == 0, report["examples"]
    assert report["walk_above_full_answers"] == 0, report["examples"]
    assert report["end_state_changes"] == 0, report["examples"]
    assert report["end_state_checks"] > 500
    # Every story is walked, and none takes more screens than there are.
    assert len(report["screens"]) == 8
    assert all(s["max_screens"] <= 14 for s in report["screens"].values())


def test_the_issues_examples_now_end_at_the_full_answers() -> None:
    from clotwatch.core.triage.simulate import walk

    calm = dict.fromkeys(("short_of_breath", "chest_pain", "coughing_blood", "fainting",
                          "cold_pale_numb_leg", "fast_heartbeat"), False)
    people = [
        # both legs + a major risk factor: the old walk never asked swelling or risks
        {**calm, "leg_side": "both", "cramp": False, "swelling": True, "recent_surgery": True},
        # a 3-day calf pain, "getting worse" unknown
        {**calm, "leg_side": "left", "cramp": False, "leg_pain": True, "duration_hours": 72,
         "getting_worse": None},
        # a cramp with a measured 3 cm difference
        {**calm, "leg_side": "right", "cramp": True, "duration_hours": 0.05,
         "relieved_by_stretching": True, "swelling": False, "calf_difference_cm": 3},
        # a warning sign "don't know" with a bedridden man of 60 and both legs swollen
        {**calm, "chest_pain": None, "leg_side": "both", "cramp": True,
         "duration_hours": 10 / 60, "relieved_by_stretching": True, "swelling": True,
         "bedridden_days": 3, "age_years": 60, "sex": "male"},
    ]
    for person in people:
        walked, _ = walk(person)
        assert level_of(walked) == level_of(person), person
        assert level_of(person) >= rank("urgent") or person.get("chest_pain") is None


@settings(max_examples=60, deadline=None)
@given(answers(), st.randoms(use_true_random=False),
       st.none() | st.frozensets(st.sampled_from(sorted(KEYS))))
def test_a_remembered_result_is_the_one_computed_afresh(
        a: dict[str, Any], rnd: random.Random, keys: frozenset[str] | None) -> None:
    """``bounds`` and ``decide`` keep their results (a bounded cache): asked again, with the
    answers in any order, they give what a fresh computation gives."""
    from clotwatch.core.triage.bounds import _bounds, _decide

    first = bounds(a, keys), decide(a, keys)
    items = list(a.items())
    rnd.shuffle(items)
    again = dict(items)
    assert bounds(again, keys) == first[0] == _bounds(again, keys)
    assert decide(again, keys) == first[1] == _decide(again, keys)
