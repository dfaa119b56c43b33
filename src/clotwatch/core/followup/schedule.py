"""When check-ins are due, in the patient's own time zone, and when data has gone stale.

Pure: the time zone is a zoneinfo name (``"Europe/London"``) and ``now`` is always passed in.
Due times are the patient's chosen local time on each due day; a day whose chosen time falls
in a daylight-saving gap moves forward by the gap, an ambiguous one takes the first occurrence.
Quiet hours move a reminder to the end of the quiet period, never earlier.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clotwatch.core.errors import InputError
from clotwatch.core.followup.programmes import Phase, Programme

DAY = timedelta(days=1)


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; ``InputError("time_zone", ...)`` if there is none."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise InputError("time_zone", f"not a time zone name: {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("time_zone", f"unknown time zone {name!r} (use an IANA name such as "
                                      "Europe/London)") from None


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(name, "must be a timezone-aware datetime")
    return value


def _wall(d: date, t: time, tz: ZoneInfo) -> datetime:
    """The moment the clock on the wall in ``tz`` shows ``t`` on ``d``: a time the clocks skip
    (a daylight-saving gap) is the moment just after the gap, and a time they show twice is the
    first. ``t``'s own ``fold`` is not used: with fold=1 a skipped time is the moment before
    the gap (02:00 on Lord Howe Island's spring-forward day was 01:30), which put a check-in
    before the chosen time (found by the property test in a clean-clone run)."""
    return datetime.combine(d, t.replace(tzinfo=None, fold=0), tzinfo=tz)


@dataclass(frozen=True)
class QuietHours:
    """A local period (``start`` to ``end``, may wrap past midnight) with no reminders."""

    start: time
    end: time

    def contains(self, t: time) -> bool:
        t = t.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


@dataclass(frozen=True)
class Adjustment:
    """A clinician's change: from day ``from_day`` (to ``until_day``, default the end of the
    programme) a check-in every ``every_days`` days."""

    from_day: int
    every_days: int
    until_day: int | None = None

    def __post_init__(self) -> None:
        if self.every_days < 1 or self.every_days > 90:
            raise InputError("every_days", f"must be between 1 and 90, got {self.every_days!r}")
        if self.until_day is not None and self.until_day <= self.from_day:
            raise InputError("until_day", "must be after from_day")


def adjusted_phases(phases: tuple[Phase, ...], adjustments: tuple[Adjustment, ...]
                    ) -> tuple[Phase, ...]:
    """The phases with each adjustment applied in turn (a later one wins where they overlap).

    An adjustment past the programme's end extends it (a clinician may keep watching longer).
    """
    out = list(phases)
    for adj in adjustments:
        end = adj.until_day if adj.until_day is not None else max(out[-1].end, adj.from_day + 1)
        kept: list[Phase] = []
        for ph in out:
            if ph.end <= adj.from_day or ph.start >= end:
                kept.append(ph)
                continue
            if ph.start < adj.from_day:
                kept.append(Phase(ph.start, adj.from_day, ph.every_days))
            if ph.end > end:
                kept.append(Phase(end, ph.end, ph.every_days))
        kept.append(Phase(adj.from_day, end, adj.every_days))
        out = sorted(kept, key=lambda p: p.start)
    return tuple(out)


@dataclass(frozen=True)
class Schedule:
    """A patient's check-in schedule in one programme."""

    programme: Programme
    index_date: date                 # local date of the index event (day 0)
    time_zone: str                   # IANA name
    checkin_time: time = time(9, 0)  # the patient's chosen local time
    quiet_hours: QuietHours | None = QuietHours(time(22, 0), time(8, 0))
    adjustments: tuple[Adjustment, ...] = ()
    # A clinician's length of the dose questions, in days from the index date (e.g. 14 days of
    # prophylaxis after a knee replacement instead of the programme's 28; or until the end of
    # anticoagulation); None keeps the programme's.
    doses_until_day: int | None = None

    def __post_init__(self) -> None:
        zone(self.time_zone)
        if self.doses_until_day is not None and not 0 <= self.doses_until_day <= 3650:
            raise InputError("doses_until_day", "must be between 0 and 3650")

    def asks(self, group: str, day: float) -> bool:
        """Whether a check-in on ``day`` asks ``group`` (the programme's, with this schedule's
        dose length)."""
        if group == "doses" and self.doses_until_day is not None:
            return group in self.programme.questions and day < self.doses_until_day
        return self.programme.asks(group, day)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.time_zone)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return adjusted_phases(self.programme.phases, self.adjustments)

    @property
    def end(self) -> datetime:
        """The start (local midnight, as UTC) of the first day after the programme."""
        return self._local_midnight(self.phases[-1].end)

    def adjust(self, *adjustments: Adjustment) -> Schedule:
        """This schedule with a clinician's adjustments added."""
        return replace(self, adjustments=(*self.adjustments, *adjustments))

    def _local_midnight(self, day: int) -> datetime:
        d = self.index_date + timedelta(days=day)
        return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(UTC)

    def day_of(self, moment: datetime) -> float:
        """Days since local midnight of the index date (fractional, in the patient's zone)."""
        local = _aware("moment", moment).astimezone(self.tz)
        whole = (local.date() - self.index_date).days
        since_midnight = local - datetime.combine(local.date(), time(0), tzinfo=self.tz)
        return whole + since_midnight / DAY

    def interval_on(self, day: float) -> int | None:
        """The check-in interval in days in force on ``day``, or None outside the programme."""
        for ph in self.phases:
            if ph.start <= day < ph.end:
                return ph.every_days
        return None

    def due_time(self, day: int) -> datetime:
        """The UTC instant of the check-in due on ``day`` (chosen time, out of quiet hours)."""
        d = self.index_date + timedelta(days=day)
        local = _wall(d, self.checkin_time, self.tz)
        return self.outside_quiet_hours(local.astimezone(UTC))

    def due_days(self) -> Iterator[int]:
        """Every due day, in order."""
        for ph in self.phases:
            yield from range(ph.start, ph.end, ph.every_days)

    def due_times(self, start: datetime, end: datetime) -> list[datetime]:
        """Due check-in times t with ``start <= t < end`` (UTC)."""
        _aware("start", start)
        _aware("end", end)
        first = int(self.day_of(start)) - 2
        last = int(self.day_of(end)) + 2
        out = []
        for day in self.due_days():
            if day < first:
                continue
            if day > last:
                break
            t = self.due_time(day)
            if start <= t < end:
                out.append(t)
        return out

    def next_due(self, after: datetime) -> datetime | None:
        """The first due time strictly after ``after`` (None when the programme is over)."""
        first = int(self.day_of(after)) - 2
        for day in self.due_days():
            if day >= first:
                t = self.due_time(day)
                if t > after:
                    return t
        return None

    def outside_quiet_hours(self, moment: datetime) -> datetime:
        """``moment`` if it is outside the quiet hours, else the end of the quiet period (UTC)."""
        local = _aware("moment", moment).astimezone(self.tz)
        quiet = self.quiet_hours
        if quiet is None or not quiet.contains(local.timetz()):
            return moment.astimezone(UTC)
        end_date = local.date()
        if quiet.start > quiet.end and local.time() >= quiet.start:
            end_date += DAY
        return _wall(end_date, quiet.end, self.tz).astimezone(UTC)

    def expected_by(self, last: datetime) -> datetime | None:
        """When the next check-in is expected after one made (or an enrolment) at ``last``.

        The first due time at least half an interval after ``last``: a check-in made a little
        before its due time counts for it. None when no check-in is due any more.
        """
        _aware("last", last)
        first = int(self.day_of(last)) - 2
        for day in self.due_days():
            if day < first:
                continue
            t = self.due_time(day)
            every = self.interval_on(day) or 1
            if t - last >= every * DAY / 2:
                return t
        return None

    def stale_at(self, last: datetime) -> datetime | None:
        """The instant from which the data counts as stale (the expected check-in missed by
        more than the programme's grace period), or None."""
        expected = self.expected_by(last)
        if expected is None:
            return None
        return expected + timedelta(hours=self.programme.stale_grace_hours)

    def is_stale(self, last: datetime, now: datetime) -> bool:
        """No check-in since ``last`` (the last check-in, or the enrolment) and now past
        ``stale_at(last)`` (the boundary instant itself counts as stale)."""
        deadline = self.stale_at(last)
        return deadline is not None and _aware("now", now) >= deadline
