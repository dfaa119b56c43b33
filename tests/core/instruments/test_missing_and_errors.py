"""Unanswered inputs are reported, never read as 'no'; bad input names the field."""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.errors import InputError
from clotwatch.instruments import evaluate


def test_missing_inputs_are_listed_and_the_total_counts_only_answers() -> None:
    result = evaluate("wells-dvt", {"active_cancer": True, "calf_swelling_3cm": True})
    assert not result.complete
    assert "previous_dvt" in result.missing and "active_cancer" not in result.missing
    assert result.total == 2
    assert result.total_range == (0, 9)
    assert "incomplete" in result.interpretation and "previous_dvt" in result.interpretation


def test_a_category_is_null_while_missing_inputs_could_change_it() -> None:
    result = evaluate("wells-dvt", {"active_cancer": True})
    assert result.category is None
    assert result.possible_categories["two_level"] == ("unlikely", "likely")


def test_a_category_is_given_when_missing_inputs_cannot_change_it() -> None:
    # Five +1 items answered yes: even with the -2 still unanswered, the total is >= 3.
    answers = dict.fromkeys(
        [
            "active_cancer",
            "paralysis_or_cast",
            "localized_tenderness",
            "entire_leg_swollen",
            "pitting_edema",
        ],
        True,
    )
    result = evaluate("wells-dvt", answers)
    assert not result.complete
    assert result.category == "likely"


def test_perc_with_an_unanswered_criterion_is_never_negative() -> None:
    answers = {
        "age": 30,
        "heart_rate": 80,
        "spo2": 98,
        "hemoptysis": False,
        "estrogen_use": False,
        "previous_vte": False,
        "unilateral_leg_swelling": False,
    }
    result = evaluate("perc", answers)
    assert result.missing == ("recent_surgery_or_trauma",)
    assert result.total == 0
    assert result.category is None
    assert result.possible_categories["rule"] == ("negative", "positive")


def test_years_without_a_ddimer_gives_no_verdict() -> None:
    result = evaluate("years", {"dvt_signs": False, "hemoptysis": False, "pe_most_likely": False})
    assert result.category is None and result.total == 0


def test_age_adjusted_cutoff_without_age_has_no_total_but_a_range() -> None:
    result = evaluate("ddimer-age-adjusted", {"ddimer_ng_ml_feu": 400})
    assert result.total is None
    assert result.total_range == (500, 1200)
    # 400 is below every possible cut-off: negative whatever the age.
    assert result.category == "negative"


def test_villalta_unanswered_ulcer_keeps_severe_possible() -> None:
    answers = {
        k: 0
        for k in [
            "pain",
            "cramps",
            "heaviness",
            "paresthesia",
            "pruritus",
            "pretibial_edema",
            "skin_induration",
            "hyperpigmentation",
            "redness",
            "venous_ectasia",
            "pain_on_calf_compression",
        ]
    }
    result = evaluate("villalta", answers)
    assert result.category is None
    assert result.possible_categories["severity"] == ("none", "severe")


def test_khorana_counts_haemoglobin_or_esa_once() -> None:
    result = evaluate(
        "khorana",
        {
            "cancer_site": "other",
            "hemoglobin_g_dl": 9,
            "esa_use": True,
            "platelets_10e9_l": 200,
            "wbc_10e9_l": 5,
            "bmi": 22,
        },
    )
    assert result.total == 1
    assert result.total_range == (1, 1)


def test_the_callers_answers_are_not_modified() -> None:
    answers: dict[str, Any] = {"active_cancer": True, "previous_dvt": None}
    before = dict(answers)
    evaluate("wells-dvt", answers)
    assert answers == before


@pytest.mark.parametrize(
    ("instrument_id", "answers", "field", "reason"),
    [
        ("wells-dvt", {"active_cancr": True}, "active_cancr", "unknown input"),
        ("wells-dvt", {"active_cancer": "yes"}, "active_cancer", "true or false"),
        ("wells-dvt", {"active_cancer": 1}, "active_cancer", "true or false"),
        ("wells-pe", {"heart_rate": 900}, "heart_rate", "above the allowed maximum"),
        ("wells-pe", {"heart_rate": "fast"}, "heart_rate", "expected a number"),
        ("wells-pe", {"heart_rate": True}, "heart_rate", "expected a number"),
        ("wells-pe", {"heart_rate": float("nan")}, "heart_rate", "expected a number"),
        ("perc", {"age": -3}, "age", "below the allowed minimum"),
        ("caprini-2005", {"sex": "robot"}, "sex", "expected one of"),
        ("villalta", {"pain": 4}, "pain", "above the allowed maximum"),
        ("villalta", {"pain": 1.5}, "pain", "whole number"),
    ],
)
def test_bad_input_names_the_field_and_the_reason(
    instrument_id: str, answers: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(InputError) as info:
        evaluate(instrument_id, answers)
    assert info.value.field == field
    assert reason in info.value.reason


def test_unknown_instrument_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown instrument"):
        evaluate("wells-dvt-1997", {})


def test_answers_must_be_an_object() -> None:
    with pytest.raises(InputError, match="must be an object"):
        evaluate("wells-dvt", [("active_cancer", True)])  # type: ignore[arg-type]
