"""Due check-ins in the patient's time zone, quiet hours, a clinician's adjustments, staleness."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from clotwatch.core.followup import Adjustment, QuietHours, Schedule, get_programme
from clotwatch.errors import InputError

LONDON = "Europe/London"


def _schedule(pid: str = "after_vte", **kw: object) -> Schedule:
    return Schedule(get_programme(pid), date(2026, 3, 20), kw.pop("tz", LONDON), **kw)  # type: ignore[arg-type]


def test_due_times_keep_the_local_time_across_a_daylight_saving_change() -> None:
    s = _schedule()
    times = s.due_times(datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    # 9:00 in London: GMT before 29 March 2026, BST from then on.
    assert times == [datetime(2026, 3, 28, 9, tzinfo=UTC), datetime(2026, 3, 29, 8, tzinfo=UTC),
                     datetime(2026, 3, 30, 8, tzinfo=UTC)]


def test_a_chosen_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    s = _schedule(checkin_time=time(1, 30), quiet_hours=None)
    # 01:30 on 29 March does not exist in London (01:00 -> 02:00): 02:30 BST = 01:30 UTC.
    assert s.due_time(9) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_time_zones_far_from_utc_put_the_due_time_on_the_local_day() -> None:
    s = _schedule(tz="Pacific/Auckland", checkin_time=time(8, 0))
    due = s.due_time(0)
    assert due == datetime(2026, 3, 19, 19, tzinfo=UTC)   # 08:00 NZDT on 20 March


def test_quiet_hours_move_a_reminder_to_their_end_never_earlier() -> None:
    s = _schedule(checkin_time=time(23, 0), quiet_hours=QuietHours(time(22), time(7, 30)))
    assert s.due_time(1) == datetime(2026, 3, 22, 7, 30, tzinfo=UTC)
    early = _schedule(checkin_time=time(6, 0), quiet_hours=QuietHours(time(22), time(7, 30)))
    assert early.due_time(1) == datetime(2026, 3, 21, 7, 30, tzinfo=UTC)
    daytime = QuietHours(time(13), time(14))
    assert daytime.contains(time(13, 30)) and not daytime.contains(time(14))


def test_schedule_follows_the_programme_phases() -> None:
    s = _schedule("after_journey")
    days = list(s.due_days())
    assert days[:8] == [0, 1, 2, 3, 4, 5, 6, 7] and days[8:] == [14, 21, 28, 35, 42, 49]


def test_a_clinician_can_change_the_interval_from_a_day_on() -> None:
    s = _schedule("after_surgery").adjust(Adjustment(from_day=14, every_days=2, until_day=28))
    days = list(s.due_days())
    assert days[:14] == list(range(14))
    assert days[14:21] == [14, 16, 18, 20, 22, 24, 26] and days[21] == 28
    longer = _schedule("after_journey").adjust(Adjustment(from_day=56, every_days=7,
                                                          until_day=84))
    assert list(longer.due_days())[-1] == 77 and longer.phases[-1].end == 84


@pytest.mark.parametrize("every, until", [(0, None), (91, None), (7, 10)])
def test_bad_adjustments_name_the_field(every: int, until: int | None) -> None:
    with pytest.raises(InputError) as err:
        Adjustment(from_day=14, every_days=every, until_day=until)
    assert err.value.field in {"every_days", "until_day"}


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime"])
def test_unknown_time_zones_are_refused_by_name(name: str) -> None:
    with pytest.raises(InputError) as err:
        _schedule(tz=name)
    assert err.value.field == "time_zone"


def test_stale_from_the_missed_due_time_plus_the_grace_period() -> None:
    s = _schedule()            # daily at 09:00 London (GMT until 29 March), 12 h grace
    last = datetime(2026, 3, 21, 9, 5, tzinfo=UTC)
    deadline = datetime(2026, 3, 22, 21, 0, tzinfo=UTC)
    assert s.stale_at(last) == deadline
    assert not s.is_stale(last, deadline - timedelta(microseconds=1))
    assert s.is_stale(last, deadline)


def test_a_check_in_shortly_before_its_due_time_counts_for_it() -> None:
    s = _schedule()
    assert s.expected_by(datetime(2026, 3, 21, 8, 50, tzinfo=UTC)) == \
        datetime(2026, 3, 22, 9, tzinfo=UTC)
    # Late the evening before: the morning's check-in is still expected.
    assert s.expected_by(datetime(2026, 3, 20, 20, 0, tzinfo=UTC)) == \
        datetime(2026, 3, 21, 9, tzinfo=UTC)


def test_weekly_phase_is_stale_only_after_a_week_and_never_after_the_end() -> None:
    s = _schedule("after_journey")
    last = datetime(2026, 3, 27, 9, tzinfo=UTC)         # day 7, weekly from now
    assert s.stale_at(last) == datetime(2026, 4, 3, 20, tzinfo=UTC)   # day 14 09:00 BST + 12h
    end = datetime(2026, 5, 8, 9, tzinfo=UTC)           # day 49, the last due day
    assert s.stale_at(end + timedelta(hours=1)) is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InputError):
        _schedule().is_stale(datetime(2026, 3, 21, 9), datetime(2026, 3, 22, 9, tzinfo=UTC))


def test_a_clinician_can_shorten_the_dose_questions_to_14_days_after_a_knee() -> None:
    s = _schedule("after_surgery")
    assert s.asks("doses", 20)
    knee = Schedule(s.programme, s.index_date, LONDON, doses_until_day=14)
    assert knee.asks("doses", 13.9) and not knee.asks("doses", 14)
    assert not _schedule("after_journey").asks("doses", 1)
    with pytest.raises(InputError) as err:
        Schedule(s.programme, s.index_date, LONDON, doses_until_day=-1)
    assert err.value.field == "doses_until_day"
