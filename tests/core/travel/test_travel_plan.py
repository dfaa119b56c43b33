"""The long-journey plan, rule by rule from WHO WRIGHT 2007, ACCP 2012 and BSH 2011."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.core.errors import InputError
from clotwatch.core.travel import RISK_FACTORS, make_plan, risk_level

CET = timezone(timedelta(hours=1))
DEPART = datetime(2026, 12, 20, 10, 0, tzinfo=CET)
NONE = {f.id: False for f in RISK_FACTORS}


def ids(plan: dict, section: str) -> list[str]:
    return [item["id"] for item in plan[section]]


def test_no_risk_factors_long_journey_moves_and_no_stockings() -> None:
    plan = make_plan(DEPART, 9, NONE)
    assert plan["risk"] == "not_increased" and plan["journey"]["long"] is True
    assert ids(plan, "before") == ["no_stockings", "no_blood_thinner"]  # ACCP 2012, 2C
    assert ids(plan, "during") == ["walk", "calf_exercises", "water",
                                   "no_alcohol_or_sleeping_pills"]


@pytest.mark.parametrize("factor", ["pregnancy", "estrogen", "advanced_age", "limited_mobility",
                                    "severe_obesity", "thrombophilia"])
def test_one_accp_factor_means_stockings_and_an_aisle_seat(factor: str) -> None:
    plan = make_plan(DEPART, 6, {**NONE, factor: True})
    assert plan["risk"] == "increased"
    assert ids(plan, "before") == ["stockings", "aisle_seat", "no_blood_thinner"]
    assert "15-30 mmHg" in plan["before"][0]["text"]


@pytest.mark.parametrize("factor", ["previous_vte", "recent_surgery", "active_cancer"])
def test_bsh_highest_risk_factor_alone_means_see_a_doctor(factor: str) -> None:
    plan = make_plan(DEPART, 5, {**NONE, factor: True})
    assert plan["risk"] == "highest"
    assert ids(plan, "before")[0] == "see_doctor"


def test_more_than_one_factor_is_highest_risk() -> None:  # BSH 2011, 1C
    assert risk_level({**NONE, "estrogen": True, "severe_obesity": True}) == "highest"
    assert risk_level({**NONE, "estrogen": True}) == "increased"


def test_dont_know_never_lowers_the_advice() -> None:
    plan = make_plan(DEPART, 5, {**NONE, "thrombophilia": None})
    assert plan["risk"] == "increased"
    assert plan["before"][0]["id"] == "unknown_factors"
    assert "clotting disorder" in plan["before"][0]["text"]
    assert make_plan(DEPART, 5, {})["risk"] == "highest"  # nothing answered


def test_the_4_hour_line_of_who_wright() -> None:
    assert make_plan(DEPART, 3.99, NONE)["journey"]["long"] is False
    assert make_plan(DEPART, 4, NONE)["journey"]["long"] is True
    assert ids(make_plan(DEPART, 3.99, {**NONE, "estrogen": True}), "before") == []


def test_short_journeys_under_3_hours_need_no_special_plan_but_keep_the_signs() -> None:
    plan = make_plan(DEPART, 2.5, NONE)
    assert ids(plan, "during") == ["short_journey"]
    assert ids(plan, "after") == ["weeks_after", "same_day", "emergency"]
    assert all(r["section"] == "after" for r in plan["reminders"])


@given(st.floats(0.1, 72), st.dictionaries(st.sampled_from([f.id for f in RISK_FACTORS]),
                                            st.sampled_from([True, False, None])))
@settings(max_examples=60, deadline=None)
def test_every_plan_names_the_emergency_and_same_day_signs(hours: float, answers: dict) -> None:
    plan = make_plan(DEPART, hours, answers, triage_url="/en/triage")
    after = {item["id"]: item["text"] for item in plan["after"]}
    assert "Breathlessness, chest pain, coughing up blood or fainting" in after["emergency"]
    assert "one leg" in after["same_day"] and "/en/triage" in after["same_day"]
    assert "8 weeks" in after["weeks_after"]


@given(st.sampled_from([f.id for f in RISK_FACTORS]), st.floats(4, 72))
@settings(max_examples=40, deadline=None)
def test_adding_a_risk_factor_never_lowers_the_level(factor: str, hours: float) -> None:
    order = ["not_increased", "increased", "highest"]
    before = make_plan(DEPART, hours, NONE)["risk"]
    after = make_plan(DEPART, hours, {**NONE, factor: True})["risk"]
    assert order.index(after) >= order.index(before)


def test_reminders_to_move_every_interval_during_the_journey() -> None:
    plan = make_plan(DEPART, 3.5, NONE, move_every_minutes=60)
    during = [r["at"] for r in plan["reminders"] if r["section"] == "during"]
    assert during == ["2026-12-20T11:00:00+01:00", "2026-12-20T12:00:00+01:00",
                      "2026-12-20T13:00:00+01:00"]
    after = [r["at"] for r in plan["reminders"] if r["section"] == "after"]
    assert after == ["2026-12-21T13:30:00+01:00", "2027-01-03T13:30:00+01:00"]


def test_reminders_before_now_are_left_out() -> None:
    plan = make_plan(DEPART, 9, {**NONE, "previous_vte": True},
                     now=DEPART - timedelta(days=2))
    sections = [r["section"] for r in plan["reminders"]]
    assert sections.count("before") == 1  # the day-before stockings, not the week-ahead visit
    plan = make_plan(DEPART, 9, {**NONE, "previous_vte": True}, now=DEPART - timedelta(days=8))
    assert [r["section"] for r in plan["reminders"]].count("before") == 2


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"depart": datetime(2026, 12, 20, 10)}, "depart"),
    ({"hours": 0}, "hours"),
    ({"hours": 100}, "hours"),
    ({"hours": float("nan")}, "hours"),
    ({"answers": {"cancer": True}}, "cancer"),
    ({"answers": {"estrogen": "yes"}}, "estrogen"),
    ({"move_every_minutes": 5}, "move_every"),
])
def test_bad_input_names_the_field(kwargs: dict, field: str) -> None:
    args = {"depart": DEPART, "hours": 5, "answers": NONE, **kwargs}
    with pytest.raises(InputError) as caught:
        make_plan(args.pop("depart"), args.pop("hours"), args.pop("answers"), **args)
    assert caught.value.field == field


def test_sources_are_cited_with_doi_or_pmid() -> None:
    plan = make_plan(DEPART, 9, {**NONE, "estrogen": True})
    citations = " ".join(s["citation"] for s in plan["sources"])
    assert "doi:10.1378/chest.11-2296" in citations  # ACCP 2012, Kahn
    assert "PMID: 21083651" in citations  # BSH 2011
    assert "doi:10.1258/jrsm.2010.100155" in citations  # Healy 2010
    assert "WRIGHT" in citations
