"""Invariants over random partial inputs: nothing is ruled out without a negative result given."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.core.pathway import run

maybe_bool = st.one_of(st.none(), st.booleans())
maybe_result = st.sampled_from([None, "positive", "negative"])

dvt_inputs = st.fixed_dictionaries({}, optional={
    "age": st.integers(min_value=0, max_value=110),
    "pregnant": maybe_bool,
    "wells_dvt_total": st.integers(min_value=-2, max_value=9),
    "ultrasound": maybe_result,
    "ultrasound_within_4h": maybe_bool,
    "repeat_ultrasound": maybe_result,
    "ddimer_result": maybe_result,
    "ddimer_within_4h": maybe_bool,
    "interim_anticoagulation": maybe_bool,
})
pe_inputs = st.fixed_dictionaries({}, optional={
    "age": st.integers(min_value=0, max_value=110),
    "pregnant": maybe_bool,
    "gestalt_below_15": maybe_bool,
    "perc_all_negative": maybe_bool,
    "wells_pe_total": st.sampled_from([0, 1.5, 4, 4.5, 7, 12.5]),
    "ddimer_result": maybe_result,
    "ddimer_within_4h": maybe_bool,
    "ctpa": maybe_result,
    "ctpa_immediately": maybe_bool,
    "dvt_suspected": maybe_bool,
    "ultrasound": maybe_result,
})


def _negatives(inputs: dict[str, Any]) -> set[str]:
    return {k for k, v in inputs.items() if v == "negative"}


@settings(max_examples=300, deadline=None)
@given(dvt_inputs)
def test_dvt_is_never_called_unlikely_without_a_negative_test_given(inputs: dict[str, Any]) -> None:
    step = run("dvt", inputs)
    if step.conclusion == "dvt_unlikely":
        assert _negatives(inputs) & {"ddimer_result", "ultrasound", "repeat_ultrasound"}
    if step.conclusion == "dvt_confirmed":
        assert "positive" in (inputs.get("ultrasound"), inputs.get("repeat_ultrasound"))
    if not step.final:
        assert step.missing, "a step that is not final always says what it needs"


@settings(max_examples=300, deadline=None)
@given(pe_inputs)
def test_pe_is_never_ruled_out_without_a_negative_test_or_perc(inputs: dict[str, Any]) -> None:
    step = run("pe", inputs)
    if step.conclusion == "pe_unlikely":
        assert _negatives(inputs) & {"ddimer_result", "ctpa"}
    if step.conclusion == "pe_ruled_out_perc":
        assert inputs.get("gestalt_below_15") is True
        assert inputs.get("perc_all_negative") is True
    if inputs.get("pregnant") is True and step.conclusion != "not_assessed":
        assert step.conclusion == "outside_pathway"
