"""What a check-in tells the person is what the triage says on the same facts (hypothesis).

The check-in's disposition (``service.rules.checkin_triage``, what the web page and the REST
API show) is compared with ``clotwatch.triage`` run by this test on the facts it builds itself:
the programme's own risk factor, the answers, the calf difference. The alerts follow it, and
"don't know" (an answer left empty or skipped) never lowers it. The one difference from
``clotwatch check`` (below same-day only: the person's risk profile is the care team's, not a
check-in question) is checked to be exactly that.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch import triage
from clotwatch.core.followup import TRIAGE_QUESTIONS
from clotwatch.core.triage import bounds, decide, rank
from clotwatch.service import rules
from clotwatch.web.followup import LEG_SIGNS, WARNING_KEYS

INDEX = date(2026, 1, 5)
ENROLLED = datetime(2026, 1, 5, 12, tzinfo=UTC)
PROGRAMMES = ("after_surgery", "after_vte", "pregnancy_postpartum", "after_journey")
SKIPPED = object()   # the question was not answered at all (absent), unlike None (don't know)
TRI = st.sampled_from([True, False, None, SKIPPED])
SIDE = st.sampled_from(["left", "right", "both", "none", None, SKIPPED])
CALF = st.one_of(st.none(), st.floats(20, 60).map(lambda x: round(x, 1)))
# What each programme itself tells the triage (written out here, not taken from the code).
CONTEXT: dict[str, dict[str, Any]] = {
    "after_surgery": {"recent_surgery": True},
    "after_vte": {},
    "pregnancy_postpartum": {"pregnancy_status": "postpartum", "sex": "female"},
    "after_journey": {"long_travel_hours": 4.0},
}


@st.composite
def checkins(draw: st.DrawFn) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A programme, the stored check-in (as the service keeps it) and its answers with
    SKIPPED marking the questions not answered."""
    pid = draw(st.sampled_from(PROGRAMMES))
    keys = (*WARNING_KEYS, *LEG_SIGNS)
    if draw(st.booleans()):
        # Anything at all.
        asked: dict[str, Any] = {k: draw(TRI) for k in keys}
        asked["leg_side"] = draw(SIDE)
    else:
        # A calm check-in (every answer "no") with a few answers changed: self-care and the
        # answers next to it.
        asked = {**dict.fromkeys(keys, False), "leg_side": "none"}
        for key in draw(st.lists(st.sampled_from([*keys, "leg_side"]), max_size=3)):
            asked[key] = draw(SIDE if key == "leg_side" else TRI)
    day = draw(st.floats(0.5, 60))
    left, right = draw(CALF), draw(CALF)
    stored = {"id": 1, "at": (datetime(2026, 1, 5, 9, tzinfo=UTC)
                              + timedelta(days=day)).isoformat(),
              "answers": {k: v for k, v in asked.items() if v is not SKIPPED},
              "calf_left_cm": left, "calf_right_cm": right, "leg_pain": None,
              "doses_missed": 0, "villalta_symptoms": {}, "kind": "patient"}
    return pid, stored, asked


def enrolment(pid: str) -> rules.EnrolmentFacts:
    return rules.EnrolmentFacts(pid, INDEX, "UTC", None, None, ENROLLED)


def told(pid: str, stored: dict[str, Any]) -> str:
    return rules.checkin_triage(enrolment(pid), stored)[0]


def facts(pid: str, stored: dict[str, Any]) -> dict[str, Any]:
    out = {**CONTEXT[pid], **stored["answers"]}
    left, right = stored["calf_left_cm"], stored["calf_right_cm"]
    if left is not None and right is not None:
        out["calf_difference_cm"] = min(30.0, round(abs(left - right), 2))
    return out


def with_answers(stored: dict[str, Any], **answers: Any) -> dict[str, Any]:
    return {**stored, "answers": {**stored["answers"], **answers}}


@settings(max_examples=150, deadline=None)
@given(checkins())
def test_the_checkin_tells_what_the_triage_says_and_the_alerts_follow(
        case: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    pid, stored, _ = case
    level, answers = rules.checkin_triage(enrolment(pid), stored)
    assert answers == facts(pid, stored)
    full = triage.evaluate(facts(pid, stored))
    assert full.disposition == triage.assess(facts(pid, stored))["disposition"]
    if level != full.disposition:
        # The one documented difference: a calm check-in is self-care although the person's
        # risk profile (not asked at a check-in; the care team assessed it at enrolment)
        # could raise it to "soon". Never above "soon", never for a check-in question.
        raised = {h.key for h in full.hits if h.rule == "unknown_can_raise"}
        assert (level, full.disposition) == ("self_care", "soon"), (level, full.disposition)
        assert raised and not raised & set(TRIAGE_QUESTIONS), raised
    assert level == decide(facts(pid, stored), asked=TRIAGE_QUESTIONS)[0]
    # What the page and the API word (the triage's result) has that same disposition.
    assert triage.assess(answers, asked=TRIAGE_QUESTIONS)["disposition"] == level
    # The alert levels follow: an emergency opens the emergency alert, a same-day disposition
    # a same-day alert, anything lower neither.
    decisions = rules.evaluate(enrolment(pid), stored, [], {},
                               datetime.fromisoformat(stored["at"]))
    pushed = {d.level for d in decisions if d.action == "open"} & {"urgent", "emergency"}
    assert max(pushed, key=rank, default="soon" if level in ("soon", "self_care") else None) \
        == (level if level in ("urgent", "emergency") else "soon")
    assert any(d.rule_id == "warning_sign" and d.level == "emergency" for d in decisions) == \
        (level == "emergency")


@settings(max_examples=150, deadline=None)
@given(checkins(), st.data())
def test_dont_know_never_lowers_and_self_care_holds_for_every_completion(
        case: tuple[str, dict[str, Any], dict[str, Any]], data: st.DataObject) -> None:
    pid, stored, asked = case
    level = rank(told(pid, stored))
    unknown = [k for k, v in asked.items() if v is None or v is SKIPPED]
    # "Don't know" or skipped is never read as "no": answering every one of them with the
    # reassuring answer can only keep or lower what the person is told.
    reassured = with_answers(stored, **{k: "none" if k == "leg_side" else False
                                        for k in unknown})
    assert rank(told(pid, reassured)) <= level
    # Any completion of the unknowns: the triage's bounds hold it, and self-care (which the
    # triage gives only when no unknown answer could raise it) stays self-care.
    completion = {k: data.draw(st.sampled_from(["left", "right", "both", "none"])
                               if k == "leg_side" else st.booleans(), label=k)
                  for k in unknown}
    completed = rank(told(pid, with_answers(stored, **completion)))
    if level == rank("self_care"):
        assert completed == level
    free = list(unknown)
    known = {k: v for k, v in facts(pid, stored).items() if k not in free}
    assert completed <= bounds(known, free).high


@settings(max_examples=100, deadline=None)
@given(checkins(), st.sampled_from([None, SKIPPED, "left", "right", "both", "none"]))
def test_a_racing_heart_is_an_emergency_unless_the_legs_are_ruled_out(
        case: tuple[str, dict[str, Any], dict[str, Any]], side: Any) -> None:
    pid, stored, _ = case
    answers = {**stored["answers"], "fast_heartbeat": True}
    if side is SKIPPED:
        answers.pop("leg_side", None)
    else:
        answers["leg_side"] = side
    stored = {**stored, "answers": answers}
    level = told(pid, stored)
    if side != "none":   # leg symptoms, or legs not ruled out ("don't know", skipped)
        assert level == "emergency"
        return
    assert rank(level) >= rank("urgent")
    calf = facts(pid, stored).get("calf_difference_cm")
    if all(answers.get(k) is False for k in WARNING_KEYS if k != "fast_heartbeat") and all(
            answers.get(k) is False for k in LEG_SIGNS) and (calf is None or calf < 2):
        assert level == "urgent"   # legs ruled out: same day, not an emergency


def test_a_calm_checkin_is_self_care_and_a_skipped_question_is_not() -> None:
    calm = {"id": 1, "at": "2026-01-07T09:00:00+00:00", "calf_left_cm": 35.0,
            "calf_right_cm": 35.5, "leg_pain": 1, "doses_missed": 0, "villalta_symptoms": {},
            "kind": "patient",
            "answers": {**dict.fromkeys((*WARNING_KEYS, *LEG_SIGNS), False),
                        "leg_side": "none"}}
    for pid in PROGRAMMES:
        assert told(pid, calm) == "self_care"
        # Fever is read only with leg symptoms (cellulitis), which these answers rule out.
        for key in (*WARNING_KEYS, *(k for k in LEG_SIGNS if k != "fever"), "leg_side"):
            skipped = {**calm,
                       "answers": {k: v for k, v in calm["answers"].items() if k != key}}
            assert told(pid, skipped) == "soon" and told(
                pid, with_answers(calm, **{key: None})) == "soon", (pid, key)


VILLALTA_ITEMS = ("pain", "cramps", "heaviness", "paresthesia", "pruritus", "pretibial_edema",
                  "skin_induration", "hyperpigmentation", "redness", "venous_ectasia",
                  "pain_on_calf_compression")


@settings(max_examples=100, deadline=None)
@given(checkins(), st.sampled_from(["patient", "visit"]),
       st.dictionaries(st.sampled_from(VILLALTA_ITEMS), st.none() | st.integers(0, 3)),
       st.none() | st.booleans(), st.none() | st.integers(0, 10),
       st.none() | st.integers(0, 10))
def test_the_history_rebuilt_without_validation_equals_the_validated_one(
        case: tuple[str, dict[str, Any], dict[str, Any]], kind: str,
        villalta: dict[str, int | None], ulcer: bool | None, pain: int | None,
        missed: int | None) -> None:
    """``stored_checkin`` (the history, trusted: the store validated it when it wrote it)
    gives exactly what ``core_checkin`` (validating) gives for a stored row."""
    _, stored, _ = case
    if kind == "patient":
        villalta = {k: v for k, v in villalta.items() if k in VILLALTA_ITEMS[:5]}
    answers = dict(stored["answers"])
    if ulcer is not None:
        answers["venous_ulcer"] = ulcer
    row = {**stored, "kind": kind, "villalta_symptoms": villalta, "answers": answers,
           "leg_pain": pain, "doses_missed": missed}
    assert rules.stored_checkin(row) == rules.core_checkin(row)


@settings(max_examples=150, deadline=None)
@given(checkins())
def test_what_step_one_says_is_never_more_than_the_whole_checkin_tells(
        case: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    """After the warning signs the page may say "a doctor today" (``least_told``) before the
    legs are asked: whatever the rest of the check-in says, it never tells less."""
    from clotwatch.followup import least_told

    pid, stored, asked = case
    signs = {k: (None if asked[k] is SKIPPED else asked[k]) for k in WARNING_KEYS}
    assert rank(told(pid, stored)) >= rank(least_told(signs)[0])
