"""Invariants of the triage engine, checked with hypothesis over any valid answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.core.triage import KEYS, SCREENS, emergency_stop, evaluate, rank
from clotwatch.triage import assess

SCREEN_PHASE = {screen.id: screen.phase for screen in SCREENS}

SCHEMA = json.loads((Path(__file__).resolve().parent / "triage-input.schema.json")
                    .read_text(encoding="utf-8"))
WARNING_SIGNS = ("short_of_breath", "chest_pain", "coughing_blood", "fainting",
                 "cold_pale_numb_leg")
DVT_SIGNS = ("swelling", "warmth", "redness", "hard_tender_vein", "new_visible_veins",
             "pain_on_toes_up", "getting_worse")
RISK_FACTORS = ("recent_surgery", "leg_cast_or_immobilised", "active_cancer", "previous_clot",
                "clotting_disorder", "hormones", "recent_covid", "family_history_clots")
KEY_FINDINGS = ("cramp", "relieved_by_stretching", "duration_hours", "swelling", "warmth",
                "redness", "short_of_breath", "chest_pain", "coughing_blood", "fainting",
                "fast_heartbeat", "cold_pale_numb_leg")


def _value(key_id: str) -> st.SearchStrategy[Any]:
    key = KEYS[key_id]
    if key.kind == "bool":
        inner: st.SearchStrategy[Any] = st.booleans()
    elif key.kind == "enum":
        inner = st.sampled_from(key.options)
    elif key.kind == "integer":
        inner = st.integers(int(key.minimum or 0), int(key.maximum or 120))
    else:
        inner = st.floats(key.minimum or 0, key.maximum or 5000, allow_nan=False)
    return st.none() | inner


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    present = draw(st.lists(st.sampled_from(sorted(KEYS)), unique=True))
    return {k: draw(_value(k)) for k in present}


def level(a: dict[str, Any]) -> int:
    from clotwatch.core.triage import decide

    return rank(decide(a)[0])


@settings(max_examples=300, deadline=None)
@given(answers(), st.sampled_from(WARNING_SIGNS))
def test_adding_a_warning_sign_never_lowers_urgency_and_is_an_emergency(
        a: dict[str, Any], sign: str) -> None:
    after = {**a, sign: True}
    assert level(after) >= level(a)
    assert evaluate(after).disposition == "emergency"


@settings(max_examples=300, deadline=None)
@given(answers(), st.sampled_from(DVT_SIGNS))
def test_a_dvt_sign_answered_yes_never_lowers_urgency(a: dict[str, Any], sign: str) -> None:
    yes = level({**a, sign: True})
    assert yes >= level({**a, sign: False})
    assert yes >= level({**a, sign: None})
    assert yes >= level({k: v for k, v in a.items() if k != sign})
    if a.get("leg_side") in ("left", "right", None):
        assert yes >= rank("urgent")


@settings(max_examples=200, deadline=None)
@given(answers(), st.sampled_from(("fast_heartbeat", *RISK_FACTORS)))
def test_a_racing_heart_or_risk_factor_answered_yes_never_lowers_urgency(
        a: dict[str, Any], key: str) -> None:
    assert level({**a, key: True}) >= level({**a, key: False})
    assert level({**a, key: True}) >= level({**a, key: None})


@settings(max_examples=200, deadline=None)
@given(answers(), st.sampled_from(("pregnant", "postpartum")))
def test_pregnancy_or_a_recent_birth_never_lowers_urgency(a: dict[str, Any], status: str) -> None:
    assert level({**a, "pregnancy_status": status}) >= level({**a, "pregnancy_status": "no"})


@settings(max_examples=300, deadline=None)
@given(answers(), st.sampled_from(KEY_FINDINGS))
def test_dont_know_on_a_key_finding_never_gives_self_care(a: dict[str, Any], key: str) -> None:
    assert level({**a, key: None}) != rank("self_care")


@settings(max_examples=150, deadline=None)
@given(answers(), st.sampled_from(("en", "ru")))
def test_any_valid_answers_give_a_complete_result_with_reasons_and_a_safety_net(
        a: dict[str, Any], lang: str) -> None:
    result = assess(a, lang=lang)
    assert result["schema"] == "clotwatch.triage-result/1"
    assert result["disposition"] in ("emergency", "urgent", "soon", "self_care")
    assert result["reasons"] and all(r["text"] and r["key"] for r in result["reasons"])
    assert result["safety_net"] and result["headline"] and result["notice"]
    assert set(result["unanswered"]) <= set(KEYS)
    assert all(k not in a or a[k] is None for k in result["unanswered"])
    # The questionnaire stops for an emergency only when nothing left open could change it.
    assert not emergency_stop(a) or result["disposition"] == "emergency"
    # No message id leaks into the text: every id has a catalogue entry.
    texts = [result["headline"], *[r["text"] for r in result["reasons"]], *result["advice"],
             *result["safety_net"]]
    assert not [t for t in texts if t.startswith(("reason.", "advice.", "safety.", "headline."))]


_ANY_JSON_VALUE = (st.none() | st.booleans() | st.integers(-1000, 1000)
                   | st.floats(-1000, 1000, allow_nan=False)
                   | st.sampled_from(["left", "female", "pregnant", "yes", "", "none", "no"]))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from([*sorted(KEYS), "swellling", "Swelling"]),
                       _ANY_JSON_VALUE, max_size=6))
def test_validation_agrees_with_the_contract_schema(a: dict[str, Any]) -> None:
    import jsonschema

    from clotwatch.core.triage import validate_answers
    from clotwatch.errors import InputError

    schema_ok = jsonschema.Draft202012Validator(SCHEMA).is_valid(a)
    try:
        validate_answers(a)
        ours_ok = True
    except InputError:
        ours_ok = False
    assert ours_ok == schema_ok


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_any_walk_through_the_questionnaire_ends_never_repeats_and_asks_warnings_first(
        data: st.DataObject) -> None:
    from clotwatch.core.triage import SCREENS, next_question

    answers: dict[str, Any] = {}
    asked: list[str] = []
    before_last: dict[str, Any] = {}
    while (screen := next_question(answers)) is not None:
        keys = [k for k in screen.keys if k not in answers]
        assert keys and screen.id not in asked
        asked.append(screen.id)
        before_last = dict(answers)
        for k in keys:
            answers[k] = data.draw(_value(k))
        assert len(asked) <= len(SCREENS)
    if emergency_stop(answers):
        # Stopped at the screen that made it an emergency: the warning signs, or, for a racing
        # heart (an emergency with leg symptoms, urgent without), the leg screen that showed a
        # leg symptom -- the leg side, or a leg finding when the side left the legs open (e.g.
        # "no leg in particular", then leg pain: hypothesis found that walk).
        assert not emergency_stop(before_last)
        if asked[-1] != "warning_signs":
            assert answers.get("fast_heartbeat") is True
            assert SCREEN_PHASE[asked[-1]] == "leg"
    assert asked[0] == "warning_signs"


@settings(max_examples=400, deadline=None)
@given(answers(), st.sampled_from(sorted(KEYS)), st.data())
def test_probe_re_running_only_the_rules_that_read_a_key_gives_the_full_level(
    a: dict[str, Any], key: str, data: st.DataObject
) -> None:
    # The shortcut behind next_question and `unanswered` must agree with applying every rule.
    from clotwatch.core.triage.rules import Probe, apply_rules

    value = data.draw(_value(key))
    probe = Probe(a)
    assert probe.level == apply_rules(a)[0]
    assert probe.level_with(key, value) == apply_rules(a | {key: value})[0]


def test_probe_re_runs_a_rule_that_reads_the_answers_as_a_whole(monkeypatch) -> None:
    # A rule that looks at every answer (here: how many there are) depends on every key, so a
    # probe of any key must re-run it.
    from clotwatch.core.triage import rules

    def many_answers(f: rules.Facts) -> list[rules.Hit]:
        if len(f.a) >= 3:
            return [rules.Hit("many_answers", "leg_side", "urgent", "reason.not_enough")]
        return []

    only = [rules.Rule("many_answers", "safety_unknown", many_answers)]
    monkeypatch.setattr(rules, "RULES", only)
    probe = rules.Probe({"leg_side": "none", "cramp": False})
    assert probe.level == "soon"  # nothing fired
    assert probe.level_with("fever", True) == rules.apply_rules(
        {"leg_side": "none", "cramp": False, "fever": True})[0] == "urgent"
