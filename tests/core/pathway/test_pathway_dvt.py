"""Every branch of the NICE NG158 suspected-DVT flowchart."""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.core.errors import InputError
from clotwatch.core.pathway import DVT, run

ADULT = {"age": 45, "pregnant": False}
LIKELY = {**ADULT, "wells_dvt_category": "likely"}
UNLIKELY = {**ADULT, "wells_dvt_category": "unlikely"}
NOW = "2026-11-24T12:00:00Z"

# (inputs, expected step id, expected conclusion, expected time limit)
CASES: list[tuple[dict[str, Any], str, str, str | None]] = [
    ({}, "start", "not_assessed", None),
    ({"age": 17, "pregnant": False}, "under_18", "outside_pathway", None),
    ({"age": 30}, "pregnancy", "dvt_not_excluded", None),
    ({"age": 30, "pregnant": True}, "pregnant_refer", "outside_pathway", "PT0S"),
    (ADULT, "wells", "dvt_not_excluded", None),
    # Wells likely.
    (LIKELY, "likely_scan_timing", "dvt_not_excluded", "PT4H"),
    ({**LIKELY, "ultrasound_within_4h": True}, "likely_scan_4h", "dvt_not_excluded", "PT4H"),
    ({**LIKELY, "ultrasound_within_4h": False}, "likely_scan_24h", "dvt_not_excluded", "PT24H"),
    ({**LIKELY, "ultrasound": "positive"}, "dvt_confirmed", "dvt_confirmed", None),
    ({**LIKELY, "ultrasound": "negative"}, "likely_scan_negative", "dvt_not_excluded", None),
    ({**LIKELY, "ultrasound": "negative", "ddimer_result": "negative"},
     "dvt_unlikely_scan_ddimer", "dvt_unlikely", None),
    ({**LIKELY, "ultrasound": "negative", "ddimer_result": "positive"},
     "likely_repeat_scan", "dvt_not_excluded", "P8D"),
    ({**LIKELY, "ultrasound": "negative", "ddimer_result": "positive",
      "repeat_ultrasound": "positive"}, "dvt_confirmed", "dvt_confirmed", None),
    ({**LIKELY, "ultrasound": "negative", "ddimer_result": "positive",
      "repeat_ultrasound": "negative"}, "dvt_unlikely_repeat_scan", "dvt_unlikely", None),
    # Wells unlikely.
    (UNLIKELY, "unlikely_ddimer_timing", "dvt_not_excluded", "PT4H"),
    ({**UNLIKELY, "ddimer_within_4h": True}, "unlikely_ddimer_4h", "dvt_not_excluded", "PT4H"),
    ({**UNLIKELY, "ddimer_within_4h": False}, "unlikely_ddimer_delayed", "dvt_not_excluded",
     None),
    ({**UNLIKELY, "ddimer_result": "negative"}, "dvt_unlikely_ddimer", "dvt_unlikely", None),
    ({**UNLIKELY, "ddimer_result": "positive"}, "unlikely_scan_timing", "dvt_not_excluded",
     "PT4H"),
    ({**UNLIKELY, "ddimer_result": "positive", "ultrasound_within_4h": True},
     "unlikely_scan_4h", "dvt_not_excluded", "PT4H"),
    ({**UNLIKELY, "ddimer_result": "positive", "ultrasound_within_4h": False},
     "unlikely_scan_24h", "dvt_not_excluded", "PT24H"),
    ({**UNLIKELY, "ddimer_result": "positive", "ultrasound": "positive"},
     "dvt_confirmed", "dvt_confirmed", None),
    ({**UNLIKELY, "ddimer_result": "positive", "ultrasound": "negative"},
     "dvt_unlikely_scan", "dvt_unlikely", None),
]


@pytest.mark.parametrize(("inputs", "step_id", "conclusion", "limit"), CASES)
def test_each_branch_gives_the_ng158_step(
    inputs: dict[str, Any], step_id: str, conclusion: str, limit: str | None
) -> None:
    step = run("dvt", inputs)
    assert (step.id, step.conclusion, step.time_limit) == (step_id, conclusion, limit)
    assert step.citation, "every step cites its source"
    assert any("NG158" in c or "RCOG" in c for c in step.citation)
    assert step.final == (not step.missing)


def test_every_state_and_every_transition_is_reached_by_the_cases() -> None:
    reached_states: set[str] = set()
    taken: set[tuple[str, str | None]] = set()
    for inputs, *_ in CASES:
        step = run("dvt", inputs)
        reached_states.add(step.id)
        for state, _fact, value in step.trail:
            reached_states.add(state)
            taken.add((state, value))
    assert reached_states == set(DVT.states)
    declared = {(s.id, v) for s in DVT.states.values() for v in s.on}
    declared |= {(s.id, None) for s in DVT.states.values() if s.fact is not None}
    assert declared <= taken


def test_unknown_ultrasound_result_is_asked_for_not_read_as_negative() -> None:
    step = run("dvt", LIKELY)
    assert step.conclusion == "dvt_not_excluded"
    assert {m.fact for m in step.missing} == {"ultrasound", "ultrasound_within_4h"}


def test_scan_delay_starts_interim_anticoagulation_and_a_d_dimer() -> None:
    step = run("dvt", {**LIKELY, "ultrasound_within_4h": False})
    assert step.action.startswith("Start interim therapeutic anticoagulation")
    assert "apixaban or rivaroxaban" in step.action
    assert "D-dimer test now" in step.action
    assert any("1.1.4" in c for c in step.citation)


def test_interim_anticoagulation_already_given_is_continued_not_restarted() -> None:
    step = run("dvt", {**LIKELY, "ultrasound_within_4h": False, "interim_anticoagulation": True})
    assert step.action.startswith("Continue interim therapeutic anticoagulation")


@pytest.mark.parametrize(
    ("given", "wording"),
    [(True, "Stop interim anticoagulation."),
     (None, "Stop interim anticoagulation if it was started."),
     (False, None)],
)
def test_ruling_out_says_what_to_do_about_interim_anticoagulation(
    given: bool | None, wording: str | None
) -> None:
    step = run("dvt", {**UNLIKELY, "ddimer_result": "negative", "interim_anticoagulation": given})
    if wording is None:
        assert "Stop interim" not in step.action
    else:
        assert step.action.endswith(wording)
    assert "alternative diagnoses" in step.action


def test_four_hours_elapsed_without_a_scan_moves_to_interim_anticoagulation_and_24h() -> None:
    step = run(
        "dvt",
        {**LIKELY, "ultrasound_within_4h": True, "ultrasound_requested_at": "2026-11-24T07:00:00Z"},
        now=NOW,
    )
    assert step.id == "likely_scan_24h"
    assert step.due_by == "2026-11-25T07:00:00+00:00"
    assert step.overdue is False
    assert any("treated as not available in time" in n for n in step.notes)


def test_scan_requested_an_hour_ago_is_due_within_the_4_hour_window() -> None:
    step = run("dvt", {**LIKELY, "ultrasound_requested_at": "2026-11-24T11:00:00Z"}, now=NOW)
    assert step.id == "likely_scan_4h"
    assert step.due_by == "2026-11-24T15:00:00+00:00"
    assert step.overdue is False


def test_overdue_24h_scan_is_flagged() -> None:
    step = run(
        "dvt",
        {**LIKELY, "ultrasound_within_4h": False,
         "ultrasound_requested_at": "2026-11-23T10:00:00+00:00"},
        now=NOW,
    )
    assert step.id == "likely_scan_24h"
    assert step.overdue is True
    assert any(n.startswith("Overdue") for n in step.notes)


def test_repeat_scan_window_is_6_to_8_days_after_the_first_scan() -> None:
    inputs = {**LIKELY, "ultrasound": "negative", "ddimer_value": 900,
              "ddimer_unit": "ng/mL FEU", "ultrasound_at": "2026-11-20T09:30:00Z",
              "interim_anticoagulation": True}
    step = run("dvt", inputs, now=NOW)
    assert step.id == "likely_repeat_scan"
    assert step.not_before == "2026-11-26T09:30:00+00:00"
    assert step.due_by == "2026-11-28T09:30:00+00:00"
    assert "Stop interim anticoagulation." in step.action
    assert any(n.startswith("Not yet due") for n in step.notes)


def test_age_adjusted_cutoff_turns_a_borderline_d_dimer_negative_when_wells_unlikely() -> None:
    base = {**UNLIKELY, "age": 70, "ddimer_value": 650, "ddimer_unit": "ng/mL FEU"}
    assert run("dvt", base).id == "unlikely_scan_timing"
    step = run("dvt", {**base, "ddimer_age_adjusted": True})
    assert step.id == "dvt_unlikely_ddimer"
    assert step.ddimer is not None
    assert step.ddimer["cutoff_ng_ml_feu"] == 700
    assert "10.1001/jama.2014.2135" in step.ddimer["source"]


def test_age_adjusted_cutoff_is_not_applied_when_wells_likely() -> None:
    step = run("dvt", {**LIKELY, "age": 70, "ultrasound": "negative", "ddimer_value": 650,
                       "ddimer_unit": "ng/mL FEU", "ddimer_age_adjusted": True})
    assert step.id == "likely_repeat_scan"
    assert any("not applied" in n for n in step.notes)


def test_d_dimer_in_ddu_is_doubled_to_feu_before_the_cutoff() -> None:
    # 300 ng/mL DDU ~ 600 ng/mL FEU: positive against 500 ng/mL FEU.
    step = run("dvt", {**UNLIKELY, "ddimer_value": 300, "ddimer_unit": "ng/mL DDU"})
    assert step.id == "unlikely_scan_timing"
    assert step.ddimer is not None and step.ddimer["value_ng_ml_feu"] == 600
    assert "10.1515/cclm-2020-0573" in step.ddimer["conversion"]


@pytest.mark.parametrize(("total", "step_id"), [(1, "unlikely_ddimer_timing"),
                                                 (2, "likely_scan_timing"),
                                                 (-2, "unlikely_ddimer_timing")])
def test_wells_total_is_classified_by_the_instrument_library(total: int, step_id: str) -> None:
    assert run("dvt", {**ADULT, "wells_dvt_total": total}).id == step_id


def test_wells_answers_are_scored_by_the_instrument_library() -> None:
    answers = {"active_cancer": True, "entire_leg_swollen": True, "paralysis_or_cast": False,
               "bedridden_or_major_surgery": False, "localized_tenderness": False,
               "calf_swelling_3cm": False, "pitting_edema": False, "collateral_veins": False,
               "previous_dvt": False, "alternative_diagnosis_likely": False}
    assert run("dvt", {**ADULT, "wells_dvt": answers}).id == "likely_scan_timing"


def test_partial_wells_answers_ask_for_the_score() -> None:
    step = run("dvt", {**ADULT, "wells_dvt": {"active_cancer": True}})
    assert step.id == "wells"
    assert any("not yet determined" in n for n in step.notes)


def test_wells_category_that_disagrees_with_the_total_is_refused() -> None:
    with pytest.raises(InputError) as err:
        run("dvt", {**ADULT, "wells_dvt_category": "unlikely", "wells_dvt_total": 3})
    assert err.value.field == "wells_dvt_category"


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"gestalt_below_15": True}, "gestalt_below_15"),
        ({"age": "sixty"}, "age"),
        ({"age": 200}, "age"),
        ({"pregnant": "no"}, "pregnant"),
        ({"ultrasound": "maybe"}, "ultrasound"),
        ({"ddimer_value": 600}, "ddimer_unit"),
        ({"ddimer_unit": "ng/mL FEU"}, "ddimer_value"),
        ({"ddimer_value": 600, "ddimer_unit": "ng/mL"}, "ddimer_unit"),
        ({"ddimer_value": 600, "ddimer_unit": "mmol/L FEU"}, "ddimer_unit"),
        ({"ddimer_value": -1, "ddimer_unit": "ng/mL FEU"}, "ddimer_value"),
        ({"ultrasound_requested_at": "yesterday"}, "ultrasound_requested_at"),
        ({"ultrasound_requested_at": "2026-11-24T10:00:00"}, "ultrasound_requested_at"),
        ({"wells_dvt": {"active_cancer": "yes"}}, "active_cancer"),
        ({**UNLIKELY, "ddimer_value": 900, "ddimer_unit": "ng/mL FEU",
          "ddimer_result": "negative"}, "ddimer_result"),
    ],
)
def test_bad_input_is_refused_naming_the_field(inputs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        run("dvt", inputs)
    assert err.value.field == field


def test_unknown_pathway_is_refused() -> None:
    with pytest.raises(InputError) as err:
        run("dvt2", {})
    assert err.value.field == "pathway"


def test_callers_inputs_are_not_modified() -> None:
    inputs = {**UNLIKELY, "ddimer_value": 0.4, "ddimer_unit": "mg/L FEU"}
    snapshot = dict(inputs)
    run("dvt", inputs)
    assert inputs == snapshot
