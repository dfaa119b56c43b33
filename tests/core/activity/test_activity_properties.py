"""Invariants of the activity summary (contracts/activity.md), checked with hypothesis.

Samples are drawn with a whole number of steps per minute so that splitting one at a minute
boundary gives pieces whose counts are whole numbers, as real files would hold.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clotwatch.core.activity import Sample, summarize

ZONE = timezone(timedelta(hours=1))
T0 = datetime(2026, 11, 2, 0, 0, tzinfo=ZONE)
SOURCES = [("Ann's Watch", "watch"), ("Fitbit", "band"), ("iPhone", "phone"), ("Scale", "other"),
           ("B phone", "phone")]


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    name, kind = draw(st.sampled_from(SOURCES))
    start = draw(st.integers(0, 3 * 1440))
    minutes = draw(st.integers(1, 300))
    per_minute = draw(st.integers(0, 40))
    return Sample(name, kind, T0 + timedelta(minutes=start),  # type: ignore[arg-type]
                  T0 + timedelta(minutes=start + minutes), per_minute * minutes)


sample_lists = st.lists(samples(), min_size=1, max_size=25)
FAST = settings(max_examples=60, deadline=None)


@FAST
@given(sample_lists, st.randoms(use_true_random=False))
def test_reordering_changes_nothing(items: list[Sample], rnd: random.Random) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert summarize(shuffled) == summarize(items)


@FAST
@given(sample_lists)
def test_importing_twice_changes_no_figure(items: list[Sample]) -> None:
    once = summarize(items)
    twice = summarize(items + items)
    assert twice["days"] == once["days"]
    assert twice["sources"] == once["sources"]
    assert twice["duplicates_ignored"] == once["duplicates_ignored"] + len(items)


@FAST
@given(sample_lists, st.data())
def test_splitting_a_sample_into_pieces_changes_no_figure(items: list[Sample],
                                                          data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(items) - 1))
    whole = items[index]
    minutes = int((whole.end - whole.start).total_seconds() // 60)
    assume(minutes >= 2)
    cuts = sorted(data.draw(st.sets(st.integers(1, minutes - 1), min_size=1, max_size=4)))
    per_minute = whole.steps // minutes
    bounds = [0, *cuts, minutes]
    pieces = [whole._replace(start=whole.start + timedelta(minutes=a),
                             end=whole.start + timedelta(minutes=b), steps=per_minute * (b - a))
              for a, b in zip(bounds, bounds[1:], strict=False)]
    # A piece that equals another sample exactly would be read as a re-import (rule 2).
    # and a sample listed twice is one sample (rule 2): split only one that is listed once.
    assume(not set(pieces) & set(items) and items.count(whole) == 1)
    split = items[:index] + pieces + items[index + 1:]
    assert summarize(split)["days"] == summarize(items)["days"]


@FAST
@given(sample_lists, samples())
def test_adding_steps_never_lengthens_a_still_spell(items: list[Sample], extra: Sample) -> None:
    assume(extra.steps > 0 and extra not in items)
    before = {d["date"]: d for d in summarize(items)["days"]}
    after = {d["date"]: d for d in summarize([*items, extra])["days"]}
    for iso, old in before.items():
        if old["steps"] is None:
            continue
        new = after[iso]
        assert new["longest_still_minutes"] <= old["longest_still_minutes"]
        # (With other sources, a higher-priority one may replace a larger count: rule 2.)
        if all(item.source == extra.source for item in items):
            assert new["steps"] >= old["steps"]


@FAST
@given(sample_lists)
def test_every_date_between_first_and_last_is_listed_and_no_data_is_null(
        items: list[Sample]) -> None:
    days = summarize(items)["days"]
    dates = [datetime.fromisoformat(d["date"]) for d in days]
    assert dates == [dates[0] + timedelta(days=i) for i in range(len(dates))]
    assert days[0]["steps"] is not None and days[-1]["steps"] is not None
    for d in days:
        values = (d["steps"], d["longest_still_minutes"], d["still_bouts_120"])
        assert all(v is None for v in values) or all(v is not None for v in values)
        if d["longest_still_minutes"] is not None:
            assert 0 <= d["longest_still_minutes"] <= 960
