"""Alert rules: golden cases from the sources, unknown never read as "no", decisions' life cycle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from clotwatch.core.followup import (
    ACKNOWLEDGE_WITHIN,
    REASON_IDS,
    RULES,
    Decision,
    OpenAlert,
    evaluate,
    validate_checkin,
)
from clotwatch.errors import InputError

from .helpers import ENROLLED, NO_WARNING, at_day, checkin, schedule


def _decide(ck: Any, history: tuple = (), open_alerts: dict | None = None, pid: str = "after_vte",
            now: Any = None) -> dict[str, Decision]:
    now = now or (ck.at if ck is not None else at_day(1))
    return {d.rule: d for d in evaluate(schedule(pid), ck, history, open_alerts or {}, now,
                                        ENROLLED)}


@pytest.mark.parametrize("sign", ["short_of_breath", "chest_pain", "coughing_blood", "fainting",
                                  "cold_pale_numb_leg"])
def test_a_warning_sign_opens_an_emergency_alert(sign: str) -> None:
    d = _decide(checkin(2, answers={**NO_WARNING, sign: True}))["warning_sign"]
    assert (d.action, d.level) == ("open", "emergency") and sign in d.evidence["keys"]
    assert d.escalate_at == at_day(2) + ACKNOWLEDGE_WITHIN["emergency"]


def test_an_unknown_warning_sign_is_not_read_as_no() -> None:
    d = _decide(checkin(2, answers={**NO_WARNING, "chest_pain": None}))["warning_sign"]
    assert (d.level, d.reason) == ("soon", "alert.warning_sign.unknown")
    assert d.evidence["keys"] == ["chest_pain"]
    # Not answered at all is unknown too.
    d = _decide(checkin(2, answers={}))["warning_sign"]
    assert d.level == "soon" and set(d.evidence["keys"]) == {
        "short_of_breath", "chest_pain", "coughing_blood", "fainting", "fast_heartbeat",
        "cold_pale_numb_leg"}
    # A racing heart or a cold pale numb leg left unanswered is a warning sign not ruled out.
    for key in ("fast_heartbeat", "cold_pale_numb_leg"):
        d = _decide(checkin(2, answers={**NO_WARNING, "leg_side": "none", key: None}))[
            "warning_sign"]
        assert (d.level, d.evidence["keys"]) == ("soon", [key])


def test_a_racing_heart_follows_the_triage_emergency_with_legs_same_day_without() -> None:
    # Leg symptoms, or legs not ruled out ("don't know" is never "no"): emergency.
    for legs in ({"leg_side": "left"}, {}, {"leg_side": None}, {"leg_side": "none",
                                                                 "swelling": True}):
        ck = checkin(2, answers={**NO_WARNING, "fast_heartbeat": True, **legs})
        found = _decide(ck)
        assert (found["warning_sign"].action, found["warning_sign"].level) == \
            ("open", "emergency"), legs
        assert "fast_heartbeat" in found["warning_sign"].evidence["keys"]
    # Legs ruled out: same day, the same-day alert, and no emergency alert.
    ck = checkin(2, answers={**NO_WARNING, "fast_heartbeat": True, "leg_side": "none"})
    found = _decide(ck)
    assert "warning_sign" not in found
    assert (found["same_day_signs"].action, found["same_day_signs"].level) == ("open", "urgent")
    assert found["same_day_signs"].evidence["triage_rules"] == ["racing_heart_alone"]


def test_dvt_signs_in_one_leg_are_the_triage_same_day_rule() -> None:
    ck = checkin(5, answers={**NO_WARNING, "leg_side": "left", "swelling": True})
    d = _decide(ck)["same_day_signs"]
    assert (d.action, d.level) == ("open", "urgent")
    assert "dvt_signs_in_one_leg" in d.evidence["triage_rules"]


def test_programme_context_is_a_risk_factor_for_leg_pain_in_one_leg() -> None:
    # Persisting pain in one leg after an operation: NICE NG158 / Wells risk factor -> same day.
    ck = checkin(3, answers={**NO_WARNING, "leg_side": "right", "leg_pain": True,
                             "cramp": False})
    d = _decide(ck, pid="after_surgery")["same_day_signs"]
    assert "risk_factor_with_leg_symptoms" in d.evidence["triage_rules"]
    assert "recent_surgery" in d.evidence["keys"]


def test_pain_alone_in_the_treated_leg_after_a_dvt_is_not_a_same_day_alert() -> None:
    pain = {**NO_WARNING, "leg_side": "left", "leg_pain": True, "cramp": False,
            "swelling": False, "warmth": False, "redness": False}
    assert "same_day_signs" not in _decide(checkin(5, answers=pain))
    assert "same_day_signs" in _decide(checkin(5, answers={**pain, "swelling": True}))


@pytest.mark.parametrize("left, right, fires", [(38.0, 35.1, False), (38.0, 35.0, True),
                                                (35.0, 38.5, True), (36.0, 36.0, False)])
def test_calf_difference_of_3_cm_or_more_is_same_day(left: float, right: float,
                                                     fires: bool) -> None:
    d = _decide(checkin(4, calf_cm={"left": left, "right": right})).get("calf_difference")
    assert (d is not None and d.level == "urgent") is fires


def test_a_rising_calf_difference_from_its_lowest_value_is_flagged() -> None:
    history = (checkin(1, calf_cm={"left": 37.0, "right": 36.0}),
               checkin(2, calf_cm={"left": 36.5, "right": 36.0}))
    assert "calf_rising" not in _decide(checkin(3, calf_cm={"left": 37.4, "right": 36.0}),
                                        history)
    d = _decide(checkin(3, calf_cm={"left": 37.5, "right": 36.0}), history)["calf_rising"]
    assert d.level == "soon" and d.evidence["lowest_cm"] == 0.5 and d.evidence["rise_cm"] == 1.0


VISIT_SIGNS = {"pretibial_edema": 1, "skin_induration": 0, "hyperpigmentation": 1, "redness": 0,
               "venous_ectasia": 0, "pain_on_calf_compression": 0}


@pytest.mark.parametrize("symptoms, ulcer, reason", [
    ({"pain": 1, "cramps": 1, "heaviness": 0, "paresthesia": 0, "pruritus": 0}, False, None),
    ({"pain": 1, "cramps": 1, "heaviness": 1, "paresthesia": 0, "pruritus": 0}, False,
     "alert.villalta.pts"),                                     # 3 + 2 signs = 5
    ({"pain": 3, "cramps": 3, "heaviness": 3, "paresthesia": 3, "pruritus": 0}, False,
     "alert.villalta.pts"),                                     # 12 + 2 = 14
    ({"pain": 3, "cramps": 3, "heaviness": 3, "paresthesia": 3, "pruritus": 1}, False,
     "alert.villalta.severe"),                                  # 13 + 2 = 15
    ({"pain": 0, "cramps": 0, "heaviness": 0, "paresthesia": 0, "pruritus": 0}, True,
     "alert.villalta.severe"),                                  # an ulcer: always severe
])
def test_villalta_bands_of_kahn_2009(symptoms: dict, ulcer: bool, reason: str | None) -> None:
    visit = validate_checkin({"kind": "visit", "villalta": VISIT_SIGNS}, at_day(91))
    ck = checkin(95, villalta={**symptoms, "venous_ulcer": ulcer})
    d = _decide(ck, (visit,)).get("villalta")
    assert (d.reason if d else None) == reason


def test_villalta_is_not_used_before_3_months_and_counts_only_what_is_proved() -> None:
    severe = {"pain": 3, "cramps": 3, "heaviness": 3, "paresthesia": 3, "pruritus": 3}
    assert "villalta" not in _decide(checkin(89, villalta=severe))
    # Without a visit the signs are unknown: 15 from the symptoms alone is already proved.
    d = _decide(checkin(90, villalta=severe))["villalta"]
    assert d.reason == "alert.villalta.severe" and d.evidence["total_at_least"] == 15
    four = {"pain": 1, "cramps": 1, "heaviness": 1, "paresthesia": 1, "pruritus": 0}
    assert "villalta" not in _decide(checkin(90, villalta=four))


def test_a_patient_cannot_rate_the_clinicians_signs() -> None:
    with pytest.raises(InputError) as err:
        validate_checkin({"villalta": {"redness": 2}}, at_day(95))
    assert err.value.field == "villalta.redness"


def test_missed_doses_and_an_unanswered_dose_question() -> None:
    d = _decide(checkin(10, doses_missed=1))["missed_doses"]
    assert d.level == "soon" and d.evidence["doses_missed"] == 1
    assert "missed_doses" not in _decide(checkin(10, doses_missed=0))
    d = _decide(checkin(10, doses_missed=None))["missed_doses"]
    assert d.reason == "alert.missed_doses.unknown"
    # After surgery the prophylaxis doses are asked for 28 days only.
    assert "missed_doses" not in _decide(checkin(30, doses_missed=None), pid="after_surgery")


def test_stale_opens_on_a_sweep_and_resolves_itself_when_a_check_in_arrives() -> None:
    last = checkin(1)
    d = _decide(None, (last,), now=at_day(2, 21))["stale"]
    assert (d.action, d.level) == ("open", "soon")
    assert "stale" not in _decide(None, (last,), now=at_day(2, 20))
    open_stale = {"stale": OpenAlert("stale", "soon", at_day(2, 21))}
    d = _decide(checkin(3), (last,), open_stale)["stale"]
    assert d.action == "resolve"


def test_an_emergency_is_never_resolved_by_a_later_normal_check_in() -> None:
    alerts = {"warning_sign": OpenAlert("warning_sign", "emergency", at_day(2),
                                        acknowledged_at=at_day(2, 10))}
    d = _decide(checkin(3), (), alerts)["warning_sign"]
    assert (d.action, d.level) == ("clear", "emergency")


def test_a_worse_finding_raises_an_open_alert_and_a_milder_one_keeps_its_level() -> None:
    soon = {"warning_sign": OpenAlert("warning_sign", "soon", at_day(2))}
    d = _decide(checkin(2.5, answers={**NO_WARNING, "fainting": True}), (), soon)
    assert (d["warning_sign"].action, d["warning_sign"].level) == ("raise", "emergency")
    emergency = {"warning_sign": OpenAlert("warning_sign", "emergency", at_day(2.5))}
    d = _decide(checkin(2.5, answers={**NO_WARNING, "chest_pain": None}), (), emergency)
    assert (d["warning_sign"].action, d["warning_sign"].level) == ("keep", "emergency")


def test_unacknowledged_urgent_alerts_escalate_at_their_deadline() -> None:
    opened = at_day(4)
    alert = {"calf_difference": OpenAlert("calf_difference", "urgent", opened)}
    deadline = opened + ACKNOWLEDGE_WITHIN["urgent"]
    before = _decide(None, (checkin(4),), alert, now=deadline - timedelta(seconds=1))
    assert "calf_difference" not in before
    d = _decide(None, (checkin(4),), alert, now=deadline)["calf_difference"]
    assert (d.action, d.escalate_at) == ("escalate", deadline)
    acknowledged = {"calf_difference": OpenAlert("calf_difference", "urgent", opened,
                                                 acknowledged_at=opened)}
    assert "calf_difference" not in _decide(None, (checkin(4),), acknowledged,
                                            now=deadline + timedelta(hours=1))
    escalated = {"calf_difference": OpenAlert("calf_difference", "urgent", opened,
                                              escalated_at=deadline)}
    assert "calf_difference" not in _decide(None, (checkin(4),), escalated,
                                            now=deadline + timedelta(hours=1))
    soon = {"missed_doses": OpenAlert("missed_doses", "soon", opened)}
    assert "missed_doses" not in _decide(None, (checkin(4),), soon, now=opened + timedelta(30))


def test_a_clinic_can_set_its_own_escalation_windows() -> None:
    opened = at_day(4)
    alert = {"calf_difference": OpenAlert("calf_difference", "urgent", opened)}
    windows = {"urgent": timedelta(hours=1), "soon": timedelta(days=2)}
    decisions = evaluate(schedule(), None, (checkin(4),), alert, opened + timedelta(hours=1),
                         ENROLLED, acknowledge_within=windows)
    assert [(d.rule, d.action) for d in decisions] == [("calf_difference", "escalate")]
    ck = checkin(5, doses_missed=2)
    [missed] = [d for d in evaluate(schedule(), ck, (), {}, ck.at, ENROLLED,
                                    acknowledge_within=windows) if d.rule == "missed_doses"]
    assert missed.escalate_at == ck.at + timedelta(days=2)


@pytest.mark.parametrize("raw, field", [
    ({"calf_cm": {"left": 9}}, "calf_cm.left"),
    ({"calf_cm": {"middle": 30}}, "calf_cm.middle"),
    ({"leg_pain": 11}, "leg_pain"),
    ({"leg_pain": 2.5}, "leg_pain"),
    ({"doses_missed": -1}, "doses_missed"),
    ({"answers": {"chest_pain": "yes"}}, "answers.chest_pain"),
    ({"answers": {"chest_hurts": True}}, "answers.chest_hurts"),
    ({"villalta": {"pain": 4}}, "villalta.pain"),
    ({"kind": "nurse"}, "kind"),
    ({"mood": 3}, "mood"),
])
def test_bad_check_ins_name_the_field(raw: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        validate_checkin(raw, at_day(1))
    assert err.value.field == field


def test_rules_produce_only_catalogued_reasons() -> None:
    produced = set()
    cases = [checkin(95, answers={**NO_WARNING, s: True}, villalta={"pain": 3, "cramps": 3,
             "heaviness": 3, "paresthesia": 3, "pruritus": 3}, doses_missed=2,
             calf_cm={"left": 40, "right": 36}) for s in ("chest_pain",)]
    for ck in cases:
        produced |= {d.reason for d in _decide(ck, (checkin(94, calf_cm={"left": 36,
                                                                        "right": 36}),))
                     .values()}
    assert produced <= set(REASON_IDS) and len(produced) >= 4
    assert set(RULES) >= {"warning_sign", "same_day_signs", "calf_difference", "villalta",
                          "missed_doses", "stale"}
