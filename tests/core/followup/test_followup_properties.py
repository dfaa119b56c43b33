"""Invariants of the follow-up rules, over generated check-ins (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from clotwatch.core.followup import (
    QuietHours,
    Schedule,
    evaluate,
    get_programme,
    validate_checkin,
)
from clotwatch.core.followup.checkin import VILLALTA_SYMPTOMS
from clotwatch.core.triage.rules import WARNING_SIGNS, rank

from .helpers import ENROLLED, at_day, schedule

TRI = st.sampled_from([True, False, None])
LEG_KEYS = ("swelling", "warmth", "redness", "hard_tender_vein", "pain_on_toes_up",
            "getting_worse", "leg_pain", "cramp")


@st.composite
def raw_checkins(draw: st.DrawFn) -> dict[str, Any]:
    answers = {k: draw(TRI) for k in (*WARNING_SIGNS, "cold_pale_numb_leg", "fast_heartbeat",
                                      *LEG_KEYS)}
    answers["leg_side"] = draw(st.sampled_from(["left", "right", "both", "none", None]))
    left = draw(st.one_of(st.none(), st.floats(25, 50)))
    right = draw(st.one_of(st.none(), st.floats(25, 50)))
    return {"answers": answers, "calf_cm": {"left": left, "right": right},
            "doses_missed": draw(st.one_of(st.none(), st.integers(0, 5))),
            "villalta": {k: draw(st.integers(0, 3)) for k in VILLALTA_SYMPTOMS}}


PROGRAMME = st.sampled_from(["after_surgery", "after_vte", "pregnancy_postpartum",
                             "after_journey"])
DAY = st.floats(0, 40)


def _levels(pid: str, raw: dict[str, Any], day: float) -> dict[str, int]:
    ck = validate_checkin(raw, at_day(day))
    return {d.rule: rank(d.level) for d in evaluate(schedule(pid), ck, (), {}, ck.at, ENROLLED)
            if d.action == "open"}


@settings(max_examples=150, deadline=None)
@given(raw_checkins(), PROGRAMME, DAY, st.sampled_from([*WARNING_SIGNS, "cold_pale_numb_leg"]))
def test_a_warning_sign_always_opens_an_emergency_alert(raw: dict[str, Any], pid: str,
                                                        day: float, sign: str) -> None:
    raw["answers"][sign] = True
    ck = validate_checkin(raw, at_day(day))
    decisions = evaluate(schedule(pid), ck, (), {}, ck.at, ENROLLED)
    assert any(d.rule == "warning_sign" and d.level == "emergency" and d.action == "open"
               for d in decisions)


@st.composite
def worse(draw: st.DrawFn, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with one finding made worse (an answer to yes, a bigger calf, more doses missed,
    a higher Villalta grade)."""
    out = {"answers": dict(raw["answers"]), "calf_cm": dict(raw["calf_cm"]),
           "doses_missed": raw["doses_missed"], "villalta": dict(raw["villalta"])}
    kind = draw(st.sampled_from(["answer", "calf", "doses", "villalta"]))
    if kind == "answer":
        # cramp = yes is reassuring (an ordinary cramp), not a worse finding
        keys = sorted(out["answers"].keys() - {"leg_side", "cramp"})
        out["answers"][draw(st.sampled_from(keys))] = True
    elif kind == "calf" and out["calf_cm"]["left"] is not None \
            and out["calf_cm"]["right"] is not None:
        big = max(out["calf_cm"].values())
        side = "left" if out["calf_cm"]["left"] >= out["calf_cm"]["right"] else "right"
        out["calf_cm"][side] = min(90.0, big + draw(st.floats(0, 10)))
    elif kind == "doses" and out["doses_missed"] is not None:
        out["doses_missed"] += draw(st.integers(0, 3))
    elif kind == "villalta":
        item = draw(st.sampled_from(VILLALTA_SYMPTOMS))
        out["villalta"][item] = min(3, out["villalta"][item] + draw(st.integers(0, 3)))
    return out


@settings(max_examples=200, deadline=None)
@given(st.data(), raw_checkins(), PROGRAMME, st.floats(0, 120))
def test_adding_a_worse_finding_never_lowers_an_alerts_level(data: st.DataObject,
                                                             raw: dict[str, Any], pid: str,
                                                             day: float) -> None:
    before = _levels(pid, raw, day)
    after = _levels(pid, data.draw(worse(raw)), day)
    for rule, level in before.items():
        if rule == "warning_sign" and level == rank("soon"):
            continue   # "don't know" answered "no" is a better answer, not a worse finding
        assert after.get(rule, -1) >= level, (rule, before, after)
    assert max(after.values(), default=-1) >= max(before.values(), default=-1) or \
        before.get("warning_sign") == rank("soon")


@settings(max_examples=200, deadline=None)
@given(PROGRAMME, st.floats(-3, 100), st.integers(0, 24 * 3600 * 10))
def test_stale_exactly_from_its_deadline(pid: str, day: float, seconds_after: int) -> None:
    s: Schedule = schedule(pid)
    last = at_day(day)
    deadline = s.stale_at(last)
    if deadline is None:
        assert not s.is_stale(last, last + timedelta(days=400))
        return
    assert deadline > last
    assert not s.is_stale(last, deadline - timedelta(microseconds=1))
    assert s.is_stale(last, deadline)
    now = last + timedelta(seconds=seconds_after)
    assert s.is_stale(last, now) == (now >= deadline)
    # The gap never exceeds the longest interval of the programme plus its grace period.
    longest = max(p.every_days for p in s.phases)
    assert deadline - last <= timedelta(days=longest * 1.5 + 1,
                                        hours=s.programme.stale_grace_hours)


ZONES = st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe",
                         "Asia/Kolkata", "Pacific/Chatham", "America/Santiago", "UTC"])


@settings(max_examples=300, deadline=None)
@given(ZONES, st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 83),
       st.times(), st.sampled_from([None, QuietHours(time(22), time(7)),
                                    QuietHours(time(12), time(13))]))
# Lord Howe Island skips 02:00-02:30 on 2020-10-04; a chosen 02:00 with fold=1 was due at 01:30
@example("Australia/Lord_Howe", date(2020, 9, 1), 33, time(2, 0, fold=1), None)
@example("Australia/Lord_Howe", date(2020, 9, 1), 33, time(2, 0), None)
@example("Europe/London", date(2021, 10, 1), 30, time(1, 30, fold=1), None)  # shown twice
def test_a_due_time_is_the_chosen_local_time_or_just_after_it(
        tz: str, index: date, day: int, chosen: time, quiet: QuietHours | None) -> None:
    s = Schedule(get_programme("after_surgery"), index, tz, checkin_time=chosen,
                 quiet_hours=quiet)
    local = s.due_time(day).astimezone(ZoneInfo(tz))
    wall = datetime.combine(index + timedelta(days=day), chosen)
    shift = local.replace(tzinfo=None) - wall
    assert shift >= timedelta(0)                     # never earlier than the chosen time
    if quiet is None:
        assert shift <= timedelta(hours=1)           # only a daylight-saving gap moves it
    else:
        assert not quiet.contains(local.time())      # never inside the quiet hours
        assert shift <= timedelta(hours=10)
