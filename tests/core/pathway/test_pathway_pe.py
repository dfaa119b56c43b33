"""Every branch of the NICE NG158 suspected-PE flowchart, PERC, and the YEARS route."""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.core.errors import InputError
from clotwatch.core.pathway import PE, run

ADULT = {"age": 45, "pregnant": False}
HIGH = {**ADULT, "gestalt_below_15": False}
LIKELY = {**HIGH, "wells_pe_category": "likely"}
UNLIKELY = {**HIGH, "wells_pe_category": "unlikely"}
YEARS = {**HIGH, "pe_route": "years"}
NO_ITEMS = {"dvt_signs": False, "hemoptysis": False, "pe_most_likely": False}
ONE_ITEM = {"dvt_signs": False, "hemoptysis": True, "pe_most_likely": False}
PERC_ALL_NEGATIVE = {"age": 30, "heart_rate": 80, "spo2": 98, "hemoptysis": False,
                     "estrogen_use": False, "previous_vte": False,
                     "unilateral_leg_swelling": False, "recent_surgery_or_trauma": False}

CASES: list[tuple[dict[str, Any], str, str, str | None]] = [
    ({}, "start", "not_assessed", None),
    ({"age": 16, "pregnant": False}, "under_18", "outside_pathway", None),
    ({"age": 30}, "pregnancy", "pe_not_excluded", None),
    ({"age": 30, "pregnant": True}, "pregnant_refer", "outside_pathway", "PT0S"),
    (ADULT, "gestalt", "pe_not_excluded", None),
    ({**ADULT, "gestalt_below_15": True}, "perc", "pe_not_excluded", None),
    ({**ADULT, "gestalt_below_15": True, "perc_all_negative": True},
     "pe_ruled_out_perc", "pe_ruled_out_perc", None),
    ({**ADULT, "gestalt_below_15": True, "perc_all_negative": False},
     "wells", "pe_not_excluded", None),
    (HIGH, "wells", "pe_not_excluded", None),
    # Wells likely: CTPA.
    (LIKELY, "ctpa_timing", "pe_not_excluded", "PT0S"),
    ({**LIKELY, "ctpa_immediately": True}, "ctpa_now", "pe_not_excluded", "PT0S"),
    ({**LIKELY, "ctpa_immediately": False}, "ctpa_delayed", "pe_not_excluded", None),
    ({**LIKELY, "ctpa": "positive"}, "pe_confirmed", "pe_confirmed", None),
    ({**LIKELY, "ctpa": "negative"}, "ctpa_negative", "pe_not_excluded", None),
    ({**LIKELY, "ctpa": "negative", "dvt_suspected": False},
     "pe_unlikely_ctpa", "pe_unlikely", None),
    ({**LIKELY, "ctpa": "negative", "dvt_suspected": True}, "leg_scan", "pe_not_excluded", None),
    ({**LIKELY, "ctpa": "negative", "dvt_suspected": True, "ultrasound": "positive"},
     "vte_confirmed", "vte_confirmed", None),
    ({**LIKELY, "ctpa": "negative", "dvt_suspected": True, "ultrasound": "negative"},
     "pe_unlikely_leg_scan", "pe_unlikely", None),
    # Wells unlikely: D-dimer.
    (UNLIKELY, "unlikely_ddimer_timing", "pe_not_excluded", "PT4H"),
    ({**UNLIKELY, "ddimer_within_4h": True}, "unlikely_ddimer_4h", "pe_not_excluded", "PT4H"),
    ({**UNLIKELY, "ddimer_within_4h": False}, "unlikely_ddimer_delayed", "pe_not_excluded",
     None),
    ({**UNLIKELY, "ddimer_result": "negative"}, "pe_unlikely_ddimer", "pe_unlikely", None),
    ({**UNLIKELY, "ddimer_result": "positive"}, "ctpa_timing", "pe_not_excluded", "PT0S"),
    ({**UNLIKELY, "ddimer_result": "positive", "ctpa": "positive"},
     "pe_confirmed", "pe_confirmed", None),
    # YEARS.
    (YEARS, "years_items", "pe_not_excluded", None),
    ({**YEARS, "years": {"dvt_signs": True}}, "years_items", "pe_not_excluded", None),
    ({**YEARS, "years": NO_ITEMS}, "years_ddimer", "pe_not_excluded", "PT4H"),
    ({**YEARS, "years": NO_ITEMS, "ddimer_value": 900, "ddimer_unit": "ng/mL FEU"},
     "pe_excluded_years", "pe_excluded_years", None),
    ({**YEARS, "years": ONE_ITEM, "ddimer_value": 900, "ddimer_unit": "ng/mL FEU"},
     "ctpa_timing", "pe_not_excluded", "PT0S"),
    ({**YEARS, "years": ONE_ITEM, "ddimer_value": 0.45, "ddimer_unit": "mg/L FEU"},
     "pe_excluded_years", "pe_excluded_years", None),
]


@pytest.mark.parametrize(("inputs", "step_id", "conclusion", "limit"), CASES)
def test_each_branch_gives_the_step(
    inputs: dict[str, Any], step_id: str, conclusion: str, limit: str | None
) -> None:
    step = run("pe", inputs)
    assert (step.id, step.conclusion, step.time_limit) == (step_id, conclusion, limit)
    assert step.citation
    assert step.final == (not step.missing)


def test_every_state_and_every_transition_is_reached_by_the_cases() -> None:
    reached: set[str] = set()
    taken: set[tuple[str, str | None]] = set()
    for inputs, *_ in CASES:
        step = run("pe", inputs)
        reached.add(step.id)
        for state, _fact, value in step.trail:
            reached.add(state)
            taken.add((state, value))
    assert reached == set(PE.states)
    declared = {(s.id, v) for s in PE.states.values() for v in s.on}
    # "route" always has a value (NG158 Wells unless YEARS is chosen).
    declared |= {(s.id, None) for s in PE.states.values() if s.fact not in (None, "pe_route")}
    assert declared <= taken


def test_perc_is_offered_only_after_a_low_gestalt() -> None:
    step = run("pe", ADULT)
    assert step.id == "gestalt"
    assert [m.fact for m in step.missing] == ["gestalt_below_15"]


def test_perc_answers_are_scored_by_the_instrument_library() -> None:
    step = run("pe", {**ADULT, "gestalt_below_15": True, "perc": PERC_ALL_NEGATIVE})
    assert step.id == "pe_ruled_out_perc"
    one_positive = {**PERC_ALL_NEGATIVE, "spo2": 93}
    assert run("pe", {**ADULT, "gestalt_below_15": True, "perc": one_positive}).id == "wells"


def test_partial_perc_answers_do_not_rule_pe_out() -> None:
    step = run("pe", {**ADULT, "gestalt_below_15": True, "perc": {"age": 30}})
    assert step.id == "perc"
    assert step.conclusion == "pe_not_excluded"


@pytest.mark.parametrize(("total", "step_id"), [(4, "unlikely_ddimer_timing"),
                                                 (4.5, "ctpa_timing")])
def test_wells_pe_total_uses_the_two_level_cutoff(total: float, step_id: str) -> None:
    assert run("pe", {**HIGH, "wells_pe_total": total}).id == step_id


def test_ctpa_delay_starts_interim_anticoagulation() -> None:
    step = run("pe", {**LIKELY, "ctpa_immediately": False})
    assert step.action.startswith("Start interim therapeutic anticoagulation")


def test_years_needs_a_d_dimer_value_not_just_a_verdict() -> None:
    step = run("pe", {**YEARS, "years": NO_ITEMS, "ddimer_result": "negative"})
    assert step.id == "years_ddimer"
    assert any("YEARS needs the D-dimer value" in n for n in step.notes)


def test_years_cites_its_primary_publication() -> None:
    step = run("pe", {**YEARS, "years": NO_ITEMS, "ddimer_value": 900,
                      "ddimer_unit": "ng/mL FEU"})
    assert any("10.1016/S0140-6736(17)30885-1" in c for c in step.citation)


def test_age_adjusted_d_dimer_applies_in_the_wells_unlikely_arm() -> None:
    base = {**UNLIKELY, "age": 80, "ddimer_value": 0.75, "ddimer_unit": "ug/mL FEU"}
    assert run("pe", base).id == "ctpa_timing"
    assert run("pe", {**base, "ddimer_age_adjusted": True}).id == "pe_unlikely_ddimer"


def test_dvt_inputs_are_refused_in_the_pe_pathway() -> None:
    with pytest.raises(InputError) as err:
        run("pe", {"wells_dvt_category": "likely"})
    assert err.value.field == "wells_dvt_category"
    assert "other pathway" in err.value.reason


def test_now_without_time_zone_is_refused() -> None:
    with pytest.raises(InputError) as err:
        run("pe", ADULT, now="2026-11-24T12:00:00")
    assert err.value.field == "now"
