"""Invariants over random answers (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.instruments import INSTRUMENTS, Input, Instrument, evaluate

ADDITIVE = [
    i
    for i in INSTRUMENTS.values()
    if i.rule is None and any(x.kind == "bool" and x.points > 0 for x in i.inputs)
]


def value_of(inp: Input) -> st.SearchStrategy[Any]:
    if inp.kind == "bool":
        return st.booleans()
    if inp.kind == "enum":
        return st.sampled_from(inp.option_values)
    lo = inp.minimum if inp.minimum is not None else 0
    hi = inp.maximum if inp.maximum is not None else 10_000
    if inp.kind == "integer":
        return st.integers(int(lo), int(hi))
    return st.one_of(st.integers(int(lo), int(hi)), st.floats(lo, hi, allow_nan=False))


@st.composite
def instrument_and_answers(
    draw: st.DrawFn, pool: list[Instrument]
) -> tuple[Instrument, dict[str, Any]]:
    inst = draw(st.sampled_from(pool))
    answers: dict[str, Any] = {}
    for inp in inst.inputs:
        if draw(st.booleans()):
            answers[inp.id] = draw(st.one_of(st.none(), value_of(inp)))
    return inst, answers


@settings(max_examples=400, deadline=None)
@given(instrument_and_answers(ADDITIVE), st.data())
def test_answering_a_positive_criterion_yes_never_lowers_the_total(
    case: tuple[Instrument, dict[str, Any]], data: st.DataObject
) -> None:
    inst, answers = case
    positive = [i for i in inst.inputs if i.kind == "bool" and i.points > 0]
    item = data.draw(st.sampled_from(positive))
    before = evaluate(inst, answers | {item.id: False})
    after = evaluate(inst, answers | {item.id: True})
    assert after.total >= before.total  # type: ignore[operator]
    unknown = evaluate(inst, answers | {item.id: None})
    assert after.total_range[1] <= unknown.total_range[1]


@settings(max_examples=400, deadline=None)
@given(instrument_and_answers(list(INSTRUMENTS.values())))
def test_the_total_lies_in_its_range_and_a_given_category_is_the_only_possible_one(
    case: tuple[Instrument, dict[str, Any]],
) -> None:
    inst, answers = case
    result = evaluate(inst, answers)
    lo, hi = result.total_range
    if result.total is not None and inst.rule is None:
        assert lo <= result.total <= hi
    for scheme, value in result.categories.items():
        possible = result.possible_categories[scheme]
        assert possible, scheme
        if value is not None:
            assert possible == (value,)
        else:
            assert len(possible) > 1
    if result.complete:
        assert all(v is not None for v in result.categories.values())
        assert lo == hi


@settings(max_examples=300, deadline=None)
@given(instrument_and_answers(list(INSTRUMENTS.values())), st.data())
def test_answering_a_missing_input_keeps_the_category_within_what_was_possible(
    case: tuple[Instrument, dict[str, Any]], data: st.DataObject
) -> None:
    inst, answers = case
    before = evaluate(inst, answers)
    if not before.missing:
        return
    key = data.draw(st.sampled_from(before.missing))
    after = evaluate(inst, answers | {key: data.draw(value_of(inst.input(key)))})
    for scheme, possible in after.possible_categories.items():
        assert set(possible) <= set(before.possible_categories[scheme])
