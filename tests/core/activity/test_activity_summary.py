"""Golden tests for the activity summary, each written from a rule of contracts/activity.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from clotwatch.core.activity import Sample, Tally, parse_count, parse_waking, summarize
from clotwatch.core.errors import InputError

CET = timezone(timedelta(hours=1))


def at(text: str, tz: timezone = CET) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def s(start: str, end: str, steps: int, source: str = "Watch", kind: str = "watch",
      tz: timezone = CET) -> Sample:
    return Sample(source, kind, at(start, tz), at(end, tz), steps)  # type: ignore[arg-type]


def day(summary: dict, iso: str) -> dict:
    return next(d for d in summary["days"] if d["date"] == iso)


def test_output_has_the_contract_keys_and_schema() -> None:
    out = summarize([s("2026-11-02 08:00", "2026-11-02 08:10", 500)])
    assert list(out) == ["schema", "samples_read", "samples_used", "duplicates_ignored",
                         "overlap_minutes_resolved", "errors", "sources", "waking", "days"]
    assert out["schema"] == "clotwatch.activity-summary/1"
    assert out["errors"] == []
    assert out["waking"] == "07:00-23:00"
    assert out["sources"] == [{"name": "Watch", "kind": "watch", "samples": 1}]
    assert out["days"] == [{"date": "2026-11-02", "steps": 500, "longest_still_minutes": 890,
                            "still_bouts_120": 1}]


def test_steps_are_spread_evenly_and_a_partly_covered_minute_gets_its_share() -> None:
    # Rule 1: 60 steps over 10:00:30-10:01:30 give 30 to the 10:00 minute and 30 to 10:01.
    # A phone covering 10:00:00-10:00:30 must then lose the whole 10:00 minute to the watch.
    out = summarize([
        s("2026-11-02 10:00:30", "2026-11-02 10:01:30", 60),
        s("2026-11-02 10:00:00", "2026-11-02 10:00:30", 40, "Phone", "phone"),
    ])
    assert day(out, "2026-11-02")["steps"] == 60
    assert out["overlap_minutes_resolved"] == 1
    assert out["samples_used"] == 1


def test_a_day_split_by_midnight_is_shared_by_time() -> None:
    out = summarize([s("2026-11-02 23:30", "2026-11-03 00:30", 600)])
    assert [(d["date"], d["steps"]) for d in out["days"]] == [("2026-11-02", 300),
                                                              ("2026-11-03", 300)]


@pytest.mark.parametrize(("winner", "loser"), [
    (("Watch", "watch"), ("Band", "band")),
    (("Band", "band"), ("Phone", "phone")),
    (("Phone", "phone"), ("Scale", "other")),
    (("A watch", "watch"), ("B watch", "watch")),   # same kind: the name that sorts first
])
def test_priority_between_sources_covering_the_same_minutes(winner, loser) -> None:
    out = summarize([
        s("2026-11-02 09:00", "2026-11-02 09:30", 300, *winner),
        s("2026-11-02 09:00", "2026-11-02 09:30", 900, *loser),
    ])
    assert day(out, "2026-11-02")["steps"] == 300
    assert out["overlap_minutes_resolved"] == 30
    assert out["samples_used"] == 1
    assert [x["name"] for x in out["sources"]] == [winner[0], loser[0]]


def test_priority_is_per_minute_so_the_lower_source_fills_the_gaps() -> None:
    out = summarize([
        s("2026-11-02 09:00", "2026-11-02 09:10", 100),
        s("2026-11-02 09:00", "2026-11-02 09:20", 400, "Phone", "phone"),  # 20 a minute
    ])
    assert day(out, "2026-11-02")["steps"] == 100 + 10 * 20
    assert out["overlap_minutes_resolved"] == 10
    assert out["samples_used"] == 2


def test_one_sources_overlapping_samples_are_summed() -> None:
    out = summarize([
        s("2026-11-02 09:00", "2026-11-02 09:10", 100),
        s("2026-11-02 09:05", "2026-11-02 09:15", 50),
    ])
    assert day(out, "2026-11-02")["steps"] == 150
    assert out["overlap_minutes_resolved"] == 0


def test_the_same_sample_twice_counts_once() -> None:
    one = s("2026-11-02 09:00", "2026-11-02 09:10", 100)
    out = summarize([one, one, one])
    assert day(out, "2026-11-02")["steps"] == 100
    assert out["duplicates_ignored"] == 2
    assert out["samples_read"] == 3 and out["samples_used"] == 1
    assert out["sources"][0]["samples"] == 1


def test_days_are_local_dates_of_the_samples_own_offset() -> None:
    # 00:30 at +01:00 is 23:30 UTC the day before; the person's day is the 3rd.
    out = summarize([s("2026-11-03 00:30", "2026-11-03 00:40", 70)])
    assert [d["date"] for d in out["days"]] == ["2026-11-03"]
    out = summarize([s("2026-11-02 23:30", "2026-11-02 23:40", 70, tz=UTC)])
    assert [d["date"] for d in out["days"]] == ["2026-11-02"]


def test_a_day_without_data_is_null_never_zero() -> None:
    out = summarize([s("2026-11-02 09:00", "2026-11-02 09:10", 100),
                     s("2026-11-04 09:00", "2026-11-04 09:10", 100)])
    assert day(out, "2026-11-03") == {"date": "2026-11-03", "steps": None,
                                      "longest_still_minutes": None, "still_bouts_120": None}
    assert len(out["days"]) == 3


def test_still_bouts_inside_waking_hours() -> None:
    # Steps 09:00-09:10 and 16:00-16:10: still 07:00-09:00 (120), 09:10-16:00 (410),
    # 16:10-23:00 (410). Night minutes never count.
    samples = [s("2026-11-02 09:00", "2026-11-02 09:10", 100),
               s("2026-11-02 16:00", "2026-11-02 16:10", 100),
               s("2026-11-02 02:00", "2026-11-02 02:10", 100)]
    d = day(summarize(samples), "2026-11-02")
    assert d["longest_still_minutes"] == 410
    assert d["still_bouts_120"] == 3
    d = day(summarize(samples, waking=parse_waking("09:10-16:10")), "2026-11-02")
    assert (d["longest_still_minutes"], d["still_bouts_120"]) == (410, 1)
    d = day(summarize(samples, waking=parse_waking("07:01-09:00")), "2026-11-02")
    assert (d["longest_still_minutes"], d["still_bouts_120"]) == (119, 0)


def test_a_zero_count_from_the_winning_source_is_still() -> None:
    # The watch says nothing happened 12:00-14:00; the phone's steps there do not count.
    samples = [s("2026-11-02 07:00", "2026-11-02 12:00", 3000),
               s("2026-11-02 12:00", "2026-11-02 14:00", 0),
               s("2026-11-02 14:00", "2026-11-02 23:00", 3000),
               s("2026-11-02 12:00", "2026-11-02 14:00", 500, "Phone", "phone")]
    d = day(summarize(samples), "2026-11-02")
    assert (d["steps"], d["longest_still_minutes"], d["still_bouts_120"]) == (6000, 120, 1)


def test_minutes_after_now_are_not_still() -> None:
    samples = [s("2026-11-02 09:00", "2026-11-02 09:10", 100)]
    d = day(summarize(samples, now=at("2026-11-02 10:00")), "2026-11-02")
    assert (d["longest_still_minutes"], d["still_bouts_120"]) == (120, 1)
    d = day(summarize(samples, now=at("2026-11-02 09:05")), "2026-11-02")
    assert (d["longest_still_minutes"], d["still_bouts_120"]) == (120, 1)
    d = day(summarize(samples, now=at("2026-11-02 08:00")), "2026-11-02")
    assert d["longest_still_minutes"] == 60


def test_steps_round_half_up_to_a_whole_number() -> None:
    out = summarize([s("2026-11-02 09:00", "2026-11-02 09:02", 1),       # 0.5 + 0.5 = 1
                     s("2026-11-02 23:00", "2026-11-03 01:00", 1)])      # 0.5 each day
    assert [d["steps"] for d in out["days"]] == [2, 1]


@pytest.mark.parametrize(("sample", "field", "words"), [
    (s("2026-11-02 09:10", "2026-11-02 09:00", 10), "end", "before the start"),
    (s("2026-11-02 09:00", "2026-11-02 09:00", 10), "end", "same as the start"),
    (s("2026-11-02 09:00", "2026-11-02 09:10", -5), "steps", "negative"),
    (Sample("Watch", "watch", datetime(2026, 11, 2, 9), datetime(2026, 11, 2, 10), 5),
     "start", "without a UTC offset"),
    (Sample("Watch", "ring", at("2026-11-02 09:00"), at("2026-11-02 10:00"), 5), "kind", "ring"),
    (s("1970-01-01 09:00", "2026-11-02 09:00", 10), "start", "outside 1990-2100"),
])
def test_refused_samples_name_the_field_and_reason(sample, field, words) -> None:
    tally = Tally()
    with pytest.raises(InputError) as caught:
        tally.add(sample)
    assert caught.value.field == field and words in caught.value.reason
    assert tally.summary()["days"] == []


def test_refused_records_are_listed_and_the_rest_is_used() -> None:
    tally = Tally()
    tally.add(s("2026-11-02 09:00", "2026-11-02 09:10", 100))
    tally.refused("a.csv", "line 3", "steps: a negative count (-5)")
    out = tally.summary()
    assert out["errors"] == [{"file": "a.csv", "place": "line 3",
                              "reason": "steps: a negative count (-5)"}]
    assert out["samples_read"] == 2 and day(out, "2026-11-02")["steps"] == 100


@pytest.mark.parametrize(("text", "value"), [("532", 532), ("532.0", 532), (7, 7), (3.0, 3)])
def test_counts_as_files_write_them(text, value) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["-1", "1.5", "abc", "", None, True, float("nan")])
def test_bad_counts_are_refused(text) -> None:
    with pytest.raises(InputError):
        parse_count(text)


@pytest.mark.parametrize("text", ["7-23", "23:00-07:00", "25:00-26:00", "07:00-07:00"])
def test_bad_waking_hours_are_refused(text) -> None:
    with pytest.raises(InputError) as caught:
        parse_waking(text)
    assert caught.value.field == "waking"


def test_empty_input_has_no_days() -> None:
    out = Tally().summary()
    assert out["days"] == [] and out["samples_read"] == 0
