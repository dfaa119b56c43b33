"""Triage engine: validation against the contract, the safety rules, questions, results."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from clotwatch.core.triage import (
    KEYS,
    QUESTIONS,
    RULES,
    SOURCES,
    emergency_stop,
    evaluate,
    message_ids,
    next_question,
    rank,
    validate_answers,
)
from clotwatch.core.triage.engine import REASON_IDS
from clotwatch.errors import InputError

SCHEMA_PATH = Path(__file__).resolve().parent / "triage-input.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

CALM = {k: False for k in ("short_of_breath", "chest_pain", "coughing_blood", "fainting",
                           "fast_heartbeat", "cold_pale_numb_leg")}
NO_RISK = {"recent_surgery": False, "leg_cast_or_immobilised": False, "bedridden_days": 0,
           "long_travel_hours": 0, "active_cancer": False, "previous_clot": False,
           "clotting_disorder": False}
# An ordinary cramp with every answer that could raise self-care given (a man: pregnancy
# status is not read).
CRAMP = {**CALM, **NO_RISK, "leg_side": "right", "cramp": True, "duration_hours": 0.05,
         "relieved_by_stretching": True, "swelling": False, "warmth": False, "redness": False,
         "pain_on_toes_up": False, "getting_worse": False, "hard_tender_vein": False,
         "new_visible_veins": False, "fever": False, "recurrent_cramps": False,
         "leg_ulcer": False, "chronic_skin_changes": False, "sex": "male"}


def disposition(answers: dict[str, Any]) -> str:
    return evaluate(answers).disposition


# --- the vocabulary matches the contract ------------------------------------------------------

def test_every_contract_key_is_declared_with_its_schema_type_and_range() -> None:
    props = SCHEMA["properties"]
    assert set(KEYS) == set(props)
    for key_id, prop in props.items():
        key = KEYS[key_id]
        if "enum" in prop:
            assert key.kind == "enum" and set(key.options) == set(prop["enum"]) - {None}
        else:
            types = set(prop["type"]) - {"null"}
            assert {"boolean": "bool", "integer": "integer", "number": "number"}[types.pop()] \
                == key.kind
            assert key.minimum == prop.get("minimum")
            # The contract leaves the duration open; the engine bounds it (120 years).
            assert key.maximum == prop.get("maximum", 120 * 366 * 24 if key_id ==
                                           "duration_hours" else None)


def test_every_key_has_exactly_one_question() -> None:
    assert sorted(q.id for q in QUESTIONS) == sorted(KEYS)


@pytest.mark.parametrize("answers, key", [
    ({"swelling": "yes"}, "swelling"),
    ({"swelling": 1}, "swelling"),
    ({"age_years": 121}, "age_years"),
    ({"age_years": 34.5}, "age_years"),
    ({"age_years": True}, "age_years"),
    ({"duration_hours": -1}, "duration_hours"),
    ({"duration_hours": float("nan")}, "duration_hours"),
    ({"calf_difference_cm": 31}, "calf_difference_cm"),
    ({"bmi": 9.9}, "bmi"),
    ({"leg_side": "middle"}, "leg_side"),
    ({"pregnancy_status": "yes"}, "pregnancy_status"),
    ({"swellling": True}, "swellling"),
    ({"long_travel_hours": "10"}, "long_travel_hours"),
    ({"duration_hours": 10 ** 400}, "duration_hours"),
    ({"duration_hours": 2_000_000}, "duration_hours"),
    ({"age_years": 10 ** 400}, "age_years"),
    ({"bedridden_days": float("inf")}, "bedridden_days"),
])
def test_bad_input_is_rejected_naming_the_key(answers: dict[str, Any], key: str) -> None:
    with pytest.raises(InputError) as err:
        evaluate(answers)
    assert err.value.field == key


def test_answers_that_are_not_an_object_are_rejected() -> None:
    with pytest.raises(InputError):
        validate_answers(["swelling"])  # type: ignore[arg-type]


def test_nulls_are_kept_and_the_input_is_not_modified() -> None:
    answers = {"swelling": None, "age_years": 40.0, "leg_side": "left"}
    before = copy.deepcopy(answers)
    clean = validate_answers(answers)
    evaluate(answers)
    assert answers == before
    assert clean == {"swelling": None, "age_years": 40, "leg_side": "left"}


# --- safety rules of the contract -------------------------------------------------------------

@pytest.mark.parametrize("sign", ["short_of_breath", "chest_pain", "coughing_blood", "fainting",
                                  "cold_pale_numb_leg"])
def test_a_warning_sign_is_an_emergency_whatever_else_is_answered(sign: str) -> None:
    assert disposition({**CRAMP, sign: True}) == "emergency"
    assert disposition({sign: True}) == "emergency"
    assert disposition({sign: True, "leg_side": "none"}) == "emergency"


def test_a_racing_heart_is_an_emergency_with_leg_symptoms_and_urgent_without() -> None:
    assert disposition({**CRAMP, "fast_heartbeat": True}) == "emergency"
    assert disposition({**CALM, "fast_heartbeat": True, "leg_side": "none"}) == "urgent"
    # Leg symptoms not ruled out: treated as present.
    assert disposition({"fast_heartbeat": True}) == "emergency"


@pytest.mark.parametrize("sign", ["swelling", "warmth", "redness", "hard_tender_vein",
                                  "new_visible_veins", "pain_on_toes_up", "getting_worse"])
@pytest.mark.parametrize("side", ["left", "right", None])
def test_a_dvt_sign_in_one_leg_is_at_least_urgent(sign: str, side: str | None) -> None:
    answers = {**CRAMP, "leg_side": side, sign: True}
    assert rank(disposition(answers)) >= rank("urgent")


def test_a_cramp_that_stretching_does_not_relieve_is_at_least_urgent() -> None:
    assert disposition({**CRAMP, "relieved_by_stretching": False}) == "urgent"


def test_an_ordinary_cramp_with_every_key_finding_false_is_self_care() -> None:
    assert disposition(CRAMP) == "self_care"


def test_a_cramp_of_exactly_ten_minutes_is_still_ordinary_and_longer_is_urgent() -> None:
    assert disposition({**CRAMP, "duration_hours": 10 / 60}) == "self_care"
    assert disposition({**CRAMP, "duration_hours": 10.5 / 60}) == "urgent"


@pytest.mark.parametrize("key", ["cramp", "relieved_by_stretching", "duration_hours",
                                 "swelling", "warmth", "redness", *CALM])
@pytest.mark.parametrize("how", ["null", "absent"])
def test_dont_know_on_a_key_finding_is_at_least_soon_and_named(key: str, how: str) -> None:
    answers = dict(CRAMP)
    if how == "null":
        answers[key] = None
    else:
        del answers[key]
    result = evaluate(answers)
    assert rank(result.disposition) >= rank("soon")
    assert key in result.unanswered


def test_pregnancy_or_postpartum_with_leg_symptoms_is_urgent_and_an_ordinary_cramp_soon() -> None:
    pain = {**CALM, **NO_RISK, "leg_side": "left", "leg_pain": True, "cramp": False,
            "swelling": False, "warmth": False, "redness": False, "duration_hours": 12}
    assert disposition(pain) == "soon"
    for status in ("pregnant", "postpartum"):
        assert disposition({**pain, "pregnancy_status": status}) == "urgent"
        assert disposition({**CRAMP, "sex": "female", "pregnancy_status": status}) == "soon"
    # Pregnant without leg symptoms (every leg finding answered "no"): nothing to see today.
    no_leg = {k: False for k in ("leg_pain", "cramp", "swelling", "warmth", "redness",
                                 "hard_tender_vein", "new_visible_veins", "pain_on_toes_up",
                                 "getting_worse", "worse_walking_standing", "leg_ulcer",
                                 "fever", "recurrent_cramps", "chronic_skin_changes")}
    assert disposition({**CALM, **NO_RISK, **no_leg, "leg_side": "none",
                        "pregnancy_status": "pregnant", "sex": "female",
                        "calf_difference_cm": 0}) == "self_care"


@pytest.mark.parametrize("risk", [{"previous_clot": True}, {"active_cancer": True},
                                  {"recent_surgery": True}, {"long_travel_hours": 4},
                                  {"bedridden_days": 3}, {"leg_cast_or_immobilised": True}])
def test_a_major_risk_factor_turns_unexplained_leg_pain_from_soon_to_urgent(
        risk: dict[str, Any]) -> None:
    pain = {**CALM, **NO_RISK, "leg_side": "left", "leg_pain": True, "cramp": False,
            "swelling": False, "warmth": False, "redness": False, "duration_hours": 12}
    assert disposition(pain) == "soon"
    assert disposition({**pain, **risk}) == "urgent"


def test_travel_just_under_four_hours_does_not_raise_urgency() -> None:
    pain = {**CALM, **NO_RISK, "leg_side": "left", "leg_pain": True, "cramp": False,
            "swelling": False, "warmth": False, "redness": False, "duration_hours": 12}
    assert disposition({**pain, "long_travel_hours": 3.9}) == "soon"


def test_nothing_answered_is_never_self_care() -> None:
    result = evaluate({})
    assert result.disposition == "soon"
    assert "leg_side" in result.unanswered and "short_of_breath" in result.unanswered


# --- questions --------------------------------------------------------------------------------

def test_warning_signs_are_asked_first_on_one_screen() -> None:
    from clotwatch.core.triage import SCREENS

    first = next_question({})
    assert first is SCREENS[0] and first.is_group  # type: ignore[union-attr]
    assert set(first.keys) == set(CALM)             # type: ignore[union-attr]


def test_the_questionnaire_stops_at_once_on_a_warning_sign() -> None:
    assert emergency_stop({"short_of_breath": True})
    assert next_question({"short_of_breath": True}) is None
    assert not emergency_stop({"short_of_breath": False})


def test_a_racing_heart_asks_about_the_leg_before_calling_it_an_emergency() -> None:
    # Emergency with leg symptoms, urgent without: the side decides, so it is asked first.
    racing = {**CALM, "fast_heartbeat": True}
    assert not emergency_stop(racing)
    assert next_question(racing).id == "leg_side"      # type: ignore[union-attr]
    assert emergency_stop({**racing, "leg_side": "left"})


def test_dont_know_counts_as_asked() -> None:
    warnings = dict.fromkeys(CALM)
    assert next_question(warnings).id == "leg_side"    # type: ignore[union-attr]


def _walk(replies: dict[str, Any], start: dict[str, Any] | None = None) -> tuple[
        dict[str, Any], list[str]]:
    answers: dict[str, Any] = dict(start or {})
    screens = []
    while (s := next_question(answers)) is not None:
        screens.append(s.id)
        for k in s.keys:
            answers.setdefault(k, replies.get(k))
    return answers, screens


HEALTHY = {"age_years": 34, "pregnancy_status": "no", "at_night": True,
           "after_exercise": False, "recent_leg_injury": False,
           **dict.fromkeys(("hormones", "family_history_clots", "recent_covid",
                            "on_anticoagulant", "varicose_veins", "smoker"), False)}


@pytest.mark.parametrize("sex", ["male", "female"])
def test_an_ordinary_cramp_in_a_healthy_adult_is_self_care_in_twelve_screens_or_fewer(
        sex: str) -> None:
    answers, screens = _walk({**CRAMP, **HEALTHY, "sex": sex})
    assert evaluate(answers).disposition == "self_care"
    assert len(screens) <= 12, screens
    assert "leg_pain" not in screens            # a cramp is already leg pain
    assert "bmi" not in screens                 # cannot change the result
    assert len(screens) == len(set(screens))


def test_a_clear_dvt_picture_takes_fewer_screens_than_a_cramp() -> None:
    replies = {**CALM, **NO_RISK, **HEALTHY, "leg_side": "left", "cramp": False,
               "leg_pain": True, "swelling": True, "warmth": True, "sex": "male"}
    answers, screens = _walk(replies)
    assert evaluate(answers).disposition == "urgent"
    assert len(screens) <= 7, screens


def test_once_urgent_the_questionnaire_skips_what_cannot_change_it() -> None:
    start = {**CALM, "leg_side": "left", "cramp": False, "leg_pain": True,
             "duration_hours": 24, "swelling": True}
    answers, _ = _walk({}, start)
    assert evaluate(answers).disposition == "urgent"
    assert not {"recent_surgery", "previous_clot", "warmth", "redness"} & set(answers)


def test_number_presets_are_valid_answers_and_have_labels() -> None:
    for q in QUESTIONS:
        for value in q.options:
            validate_answers({q.id: value})
            assert q.option_id(value) in message_ids()


# --- rules, sources and messages -------------------------------------------------------------

def test_every_rule_cites_a_known_source_and_has_a_docstring() -> None:
    for r in RULES:
        assert r.source in SOURCES, r.name
        assert (r.check.__doc__ or "").strip(), r.name


def test_every_source_says_where_to_read_it() -> None:
    for source in SOURCES.values():
        assert source.citation and source.url


def test_rules_produce_only_declared_reason_messages() -> None:
    # Hits seen across the cases and a sweep of single findings.
    seen = set()
    samples: list[dict[str, Any]] = [{}, CRAMP]
    for key_id, key in KEYS.items():
        for probe in key.probes:
            samples.append({**CRAMP, key_id: probe})
            samples.append({**CALM, "leg_side": "both", "swelling": True, key_id: probe})
            samples.append({**CALM, "pregnancy_status": "pregnant", "leg_side": "left",
                            key_id: probe})
    for answers in samples:
        seen |= {h.message for h in evaluate(answers).hits}
    assert seen <= set(REASON_IDS)


def test_result_lists_causes_with_findings_for_and_against() -> None:
    result = evaluate({**CRAMP, "swelling": True})
    causes = {c.id: (f, a) for c, f, a in result.causes}
    assert "deep_vein_thrombosis" in causes and "muscle_cramp" in causes
    dvt_for, _ = causes["deep_vein_thrombosis"]
    assert "swelling" in [e.key for e in dvt_for]
    _, cramp_against = causes["muscle_cramp"]
    assert "swelling" in [e.key for e in cramp_against]


def test_emergency_has_no_unanswered_and_says_do_not_drive() -> None:
    result = evaluate({"chest_pain": True})
    assert result.unanswered == ()
    assert "advice.do_not_drive" in [a.message for a in result.advice]


def test_the_docs_list_every_rule() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "triage.md").read_text("utf-8")
    assert [r.name for r in RULES if f"`{r.name}`" not in docs] == []


def test_vendored_schema_matches_the_shared_contract() -> None:
    shared = Path(__file__).resolve().parents[3].parent / "shared" / "contracts" / \
        "triage-input.schema.json"
    if not shared.exists():
        pytest.skip("the shared contracts are not on this machine")
    assert json.loads(shared.read_text("utf-8")) == SCHEMA


def test_pregnant_without_leg_symptoms_is_asked_about_a_previous_clot() -> None:
    start: dict[str, Any] = {**CALM, "leg_side": "none", "age_years": 30, "sex": "female"}
    replies = {**NO_RISK, "pregnancy_status": "pregnant", "previous_clot": True,
               **dict.fromkeys(("cramp", "leg_pain", "swelling", "warmth", "redness",
                                "pain_on_toes_up", "getting_worse", "hard_tender_vein",
                                "new_visible_veins", "fever", "leg_ulcer", "worse_walking_standing",
                                "chronic_skin_changes", "recurrent_cramps"), False)}
    answers, screens = _walk(replies, start)
    assert "pregnancy_status" in screens and "risk_factors" in screens
    assert evaluate(answers).disposition == "soon"  # RCOG GTG 37a


def test_long_standing_unchanged_symptoms_after_a_clot_are_soon_not_urgent() -> None:
    answers = {**CALM, **NO_RISK, "leg_side": "left", "leg_pain": True, "cramp": False,
               "previous_clot": True, "getting_worse": False, "swelling": False,
               "warmth": False, "redness": False, "duration_hours": 1000}
    assert disposition(answers) == "soon"
    assert disposition({**answers, "duration_hours": 48}) == "urgent"
    assert disposition({**answers, "getting_worse": None}) == "urgent"
    # Kahn 2009: post-thrombotic syndrome follows a DVT; without one, a major risk factor
    # with leg symptoms is seen the same day however long the leg has ached.
    assert disposition({**answers, "previous_clot": False, "recent_surgery": True}) == "urgent"


def test_no_cliff_at_four_weeks_when_getting_worse_is_unknown() -> None:
    pain = {**CALM, **NO_RISK, "leg_side": "right", "leg_pain": True, "cramp": False,
            "swelling": False, "warmth": False, "redness": False, "getting_worse": None}
    assert disposition({**pain, "duration_hours": 672}) == "urgent"
    assert disposition({**pain, "duration_hours": 673}) == "urgent"


def test_pain_in_one_leg_worse_on_walking_or_standing_is_urgent() -> None:
    pain = {**CALM, **NO_RISK, "leg_side": "right", "leg_pain": True, "cramp": False,
            "swelling": False, "warmth": False, "redness": False, "duration_hours": 4}
    assert disposition({**pain, "worse_walking_standing": True}) == "urgent"
    assert disposition({**pain, "worse_walking_standing": True,
                        "recent_leg_injury": True}) == "soon"


@pytest.mark.parametrize("side", ["left", "right", "both", "none", None])
def test_a_measured_calf_difference_of_3_cm_is_urgent_on_any_side(side: str | None) -> None:
    # Wells scores the more symptomatic leg when both have symptoms.
    assert disposition({**CRAMP, "leg_side": side, "calf_difference_cm": 3}) == "urgent"
    assert disposition({"leg_side": side, "calf_difference_cm": 5}) == "urgent"


def test_both_legs_red_hot_swollen_and_worsening_is_urgent() -> None:
    both = {**CALM, **NO_RISK, "leg_side": "both", "leg_pain": True, "swelling": True,
            "warmth": True, "redness": True, "getting_worse": True, "pain_on_toes_up": True}
    assert disposition(both) == "urgent"
    assert disposition({**both, "getting_worse": False, "pain_on_toes_up": False}) == "soon"


@pytest.mark.parametrize("key", ["pain_on_toes_up", "getting_worse", "hard_tender_vein",
                                 "previous_clot", "recurrent_cramps", "fever"])
def test_an_unknown_answer_that_could_raise_an_ordinary_cramp_keeps_it_from_self_care(
        key: str) -> None:
    result = evaluate({**CRAMP, key: None})
    assert result.disposition == "soon"
    assert key in result.unanswered


def test_not_measuring_the_calves_does_not_block_self_care_when_not_swollen() -> None:
    assert disposition({**CRAMP, "calf_difference_cm": None}) == "self_care"
    assert disposition({**CRAMP, "swelling": None, "calf_difference_cm": None}) == "soon"


def test_pain_in_one_leg_for_a_day_or_more_without_an_injury_is_urgent() -> None:
    pain = {**CALM, **NO_RISK, "leg_side": "right", "leg_pain": True, "cramp": False,
            "swelling": False, "warmth": False, "redness": False}
    assert disposition({**pain, "duration_hours": 23}) == "soon"
    assert disposition({**pain, "duration_hours": 24}) == "urgent"
    assert disposition({**pain, "duration_hours": 48, "getting_worse": False}) == "soon"
    assert disposition({**pain, "duration_hours": 48, "recent_leg_injury": True}) == "soon"
    assert disposition({**pain, "duration_hours": 48, "after_exercise": True}) == "soon"
    assert disposition({**pain, "duration_hours": 48, "leg_side": "both"}) == "soon"
