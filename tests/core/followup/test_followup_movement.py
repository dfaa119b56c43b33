"""The care team's movement alerts, from their definitions (clotwatch.core.followup.movement):
immobility = each of the last 3 complete consecutive days below half the patient's own
first-week median, after that week and inside the risk window; a day without data is unknown
and never a low day; stale wearable = a device that sent data before and none for 48 hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from clotwatch.core.followup import (
    RULES,
    SOURCES,
    ActivityFacts,
    OpenAlert,
    Schedule,
    baseline_of,
    evaluate,
    get_programme,
)
from clotwatch.errors import InputError

INDEX = date(2026, 1, 5)
ENROLLED = datetime(2026, 1, 5, 12, tzinfo=UTC)
SURGERY = Schedule(get_programme("after_surgery"), INDEX, "UTC")


def _days(steps: list[int | None], first: date = INDEX) -> tuple[tuple[date, int | None], ...]:
    return tuple((first + timedelta(days=n), s) for n, s in enumerate(steps))


def _facts(steps: list[int | None], *, through: date | None = None,
           compute_days: bool = True) -> ActivityFacts:
    days = _days(steps)
    through = through or INDEX + timedelta(days=len(steps))   # the day after the last one
    last = datetime.combine(through, datetime.min.time(), UTC) + timedelta(hours=8)
    return ActivityFacts(last, through, baseline_of(days, through), INDEX + timedelta(days=6),
                         days if compute_days else None)


def _decide(facts: ActivityFacts | None, now: datetime | None = None,
            open_alerts: dict[str, OpenAlert] | None = None) -> dict[str, object]:
    now = now or (facts.last_data_at + timedelta(hours=1) if facts and facts.last_data_at
                  else ENROLLED + timedelta(days=20))
    return {d.rule: d for d in evaluate(SURGERY, None, [], open_alerts or {}, now, ENROLLED,
                                        activity=facts)}


WEEK = [2000, 2200, 1800, 2500, 2100, 1900, 2300]   # median 2100


def test_baseline_is_the_first_weeks_median_once_that_week_is_over() -> None:
    days = _days(WEEK)
    assert baseline_of(days, INDEX + timedelta(days=6)) is None    # the week is not over
    assert baseline_of(days, INDEX + timedelta(days=7)) == 2100
    # a day without data in the week is left out, not counted as 0
    assert baseline_of(_days([2000, None, 2200, None, 1800, None, 2400]),
                       INDEX + timedelta(days=7)) == 2100
    assert baseline_of(_days([None, None]), INDEX + timedelta(days=3)) is None


def test_three_days_below_half_the_baseline_open_a_soon_alert_with_its_evidence() -> None:
    facts = _facts([*WEEK, 2500, 1000, 900, 1049])
    d = _decide(facts)["immobile"]
    assert (d.action, d.level, d.reason) == ("open", "soon", "alert.immobile.reason")
    assert d.evidence["baseline_steps"] == 2100 and d.evidence["below_steps"] == 1050
    assert d.evidence["steps"] == [1000, 900, 1049]
    assert d.evidence["days"] == ["2026-01-13", "2026-01-14", "2026-01-15"]


def test_two_low_days_or_one_day_at_half_do_not() -> None:
    assert "immobile" not in _decide(_facts([*WEEK, 2500, 2500, 900, 1000]))
    assert "immobile" not in _decide(_facts([*WEEK, 1000, 1050, 900]))    # 1050 is half


def test_a_day_without_data_is_never_a_low_day() -> None:
    # low, unknown, low, low: the unknown day breaks the run (it is not "0 steps")
    assert "immobile" not in _decide(_facts([*WEEK, 1000, None, 900, 800]))
    # and the days after the last data are not days of no steps either
    facts = _facts([*WEEK, 2500, 2500, 900], through=INDEX + timedelta(days=13))
    assert "immobile" not in _decide(facts, now=datetime(2026, 1, 20, tzinfo=UTC))


def test_the_day_still_under_way_is_not_read() -> None:
    # the last day has data (900) but nothing later has arrived: it is not complete
    facts = _facts([*WEEK, 2500, 900, 900, 900], through=INDEX + timedelta(days=10))
    assert "immobile" not in _decide(facts)
    facts = _facts([*WEEK, 2500, 900, 900, 900], through=INDEX + timedelta(days=11))
    assert _decide(facts)["immobile"].action == "open"


def test_the_baseline_week_itself_and_days_after_the_risk_window_are_not_read() -> None:
    low_week = [2000, 2000, 2000, 2000, 900, 900, 900]           # median 2000
    assert "immobile" not in _decide(_facts(low_week))            # baseline not complete
    assert "immobile" not in _decide(_facts([*low_week, 2000]))   # the run is in the week
    late = [*WEEK] + [2100] * 74 + [900, 900, 900]               # days 81-83: inside 84
    assert _decide(_facts(late))["immobile"].action == "open"
    later = [*WEEK] + [2100] * 75 + [900, 900, 900]              # day 84: after the window
    assert "immobile" not in _decide(_facts(later))


def test_without_daily_figures_the_rule_neither_opens_nor_clears() -> None:
    open_alert = {"immobile": OpenAlert("immobile", "soon", ENROLLED + timedelta(days=10))}
    assert "immobile" not in _decide(_facts([*WEEK, 900, 900, 900], compute_days=False),
                                     open_alerts=open_alert)
    assert "immobile" not in _decide(None, open_alerts=open_alert)
    # with the figures and steps back up: cleared, not resolved (a clinician resolves it)
    d = _decide(_facts([*WEEK, 2500, 2500, 2500]), open_alerts=open_alert)["immobile"]
    assert d.action == "clear"


def test_stale_wearable_after_48_hours_only_for_a_patient_who_sent_data() -> None:
    last = datetime(2026, 1, 15, 8, tzinfo=UTC)
    facts = ActivityFacts(last)
    assert "wearable_stale" not in _decide(facts, now=last + timedelta(hours=47, minutes=59))
    d = _decide(facts, now=last + timedelta(hours=48))["wearable_stale"]
    assert (d.action, d.level, d.reason) == ("open", "soon", "alert.wearable_stale.reason")
    assert d.evidence == {"last": last.isoformat(), "hours": 48.0}
    # never connected a device: nothing is expected, no alert
    assert "wearable_stale" not in _decide(ActivityFacts(None), now=last + timedelta(days=9))
    # not evaluated at all without the facts (the check-in sweep): neither opened nor closed
    opened = {"wearable_stale": OpenAlert("wearable_stale", "soon", last + timedelta(days=2))}
    assert "wearable_stale" not in _decide(None, now=last + timedelta(days=3),
                                           open_alerts=opened)
    # data again: it resolves itself
    d = _decide(ActivityFacts(last + timedelta(days=3)), now=last + timedelta(days=3, hours=1),
                open_alerts=opened)["wearable_stale"]
    assert d.action == "resolve"


def test_stale_wearable_not_after_the_programme_ends() -> None:
    last = datetime(2026, 3, 27, 8, tzinfo=UTC)       # day 81 of 84 (days 0-83)
    assert "wearable_stale" not in _decide(ActivityFacts(last), now=last + timedelta(days=3))
    assert "wearable_stale" in _decide(ActivityFacts(last), now=last + timedelta(days=2))


def test_only_the_after_surgery_programme_carries_the_movement_rules_with_their_sources() -> None:
    for pid in ("after_vte", "pregnancy_postpartum", "after_journey"):
        assert "immobile" not in get_programme(pid).rules
    assert {"immobile", "wearable_stale"} <= set(get_programme("after_surgery").rules)
    for rule in ("immobile", "wearable_stale"):
        assert all(s in SOURCES for s in RULES[rule].sources)
    assert "10.1016/j.bjpt.2019.12.002" in SOURCES["lebleu_2021"].citation
    assert "PMID 31874729" in SOURCES["lebleu_2021"].citation
    # a patient page's escalation: "soon" alerts wait on the worklist, they do not escalate
    assert RULES["immobile"].levels == ("soon",)


def test_bad_facts_are_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as err:
        ActivityFacts(datetime(2026, 1, 5))
    assert err.value.field == "last_data_at"
    with pytest.raises(InputError) as err:
        ActivityFacts(None, days=((INDEX, -1),))
    assert err.value.field == "days"
