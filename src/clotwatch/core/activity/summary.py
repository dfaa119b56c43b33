"""The activity summary (``clotwatch.activity-summary/1``, contracts/activity.md).

Samples go into a :class:`Tally` one at a time, in any order, from any number of files; the
figures come out of :meth:`Tally.summary`. Memory grows with the number of distinct samples
(about 30 bytes each, held in typed arrays bucketed by local day), never with the size of the
files they came from; the per-minute work is done one day at a time at the end.

How the figures are counted, rule by rule (the numbers refer to the contract's "Counting"):

1. A sample's steps are spread evenly over ``[start, end)``; a minute it covers in part gets
   the share of that part.
2. In a minute that samples of several sources cover, only the highest-priority source counts
   (watch, band, phone, other; then the name that sorts first). One source's overlapping samples
   are summed; the same sample (source, kind, start, end, steps) seen again counts once.
3. Days are local calendar dates (the wall time the sample's own offset gives); ``steps`` is
   the day's sum rounded half up; a day without any sample is ``None``.
4. A waking minute (07:00-23:00 unless set) with no counted steps is still; per day the longest
   run of still minutes and the number of runs of 120 minutes or more (Healy et al. 2010).

Decisions where the contract is silent (docs/activity.md says why):
- Minutes are minutes of local wall time, so that a day's waking hours are the person's clock.
  Two sources with different offsets for the same moment are therefore not seen as overlapping.
- Waking minutes at or after ``now`` are not yet known and are never still.
- A minute that the winning source covers with a count of 0 is still (the source says so).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from clotwatch.core.activity.samples import (
    DEFAULT_WAKING,
    KIND_RANK,
    Kind,
    Sample,
    Waking,
    check_sample,
    wall_seconds,
)

SCHEMA = "clotwatch.activity-summary/1"
#: Healy B, Levin E, Perrin K, Weatherall M, Beasley R. Prolonged work- and computer-related
#: seated immobility and risk of venous thromboembolism. J R Soc Med 2010;103(11):447-454,
#: doi:10.1258/jrsm.2010.100155 (PMC2966881): exposure defined as "at least 2 hours at a time
#: without getting up" (odds ratio 2.8 for VTE). Contract rule 4.
LONG_BOUT_MINUTES = 120
MAX_LISTED_ERRORS = 10_000
_DAY = 86400
_MINUTES = 1440
_EPOCH = date(1970, 1, 1)


class StillSpell(NamedTuple):
    """A still spell going on now: its length so far and when it began (``now``'s zone)."""

    minutes: int
    since: datetime


class _Bucket:
    """The samples whose start falls on one local day, as typed arrays (compact)."""

    __slots__ = ("starts", "ends", "steps", "sources")

    def __init__(self) -> None:
        self.starts = array("d")
        self.ends = array("d")
        self.steps = array("q")
        self.sources = array("H")


class Tally:
    """Collects samples and rejected records; :meth:`summary` gives the contract's figures."""

    def __init__(self) -> None:
        self._source_ids: dict[tuple[str, str], int] = {}
        self._source_list: list[tuple[str, Kind]] = []
        self._buckets: dict[int, _Bucket] = {}
        self.samples_read = 0
        self.errors: list[dict[str, str]] = []
        self.errors_not_listed = 0

    # -- input -------------------------------------------------------------------------------

    def add(self, sample: Sample) -> None:
        """Count one sample; InputError(field, reason) if the contract refuses it."""
        self.samples_read += 1
        check_sample(sample)
        self._add_checked(sample)

    def add_valid(self, sample: Sample) -> None:
        """Count a sample that has already passed :func:`check_sample` (importers' fast path)."""
        self.samples_read += 1
        self._add_checked(sample)

    def add_all(self, samples: Iterable[Sample]) -> None:
        """Add every sample (each must be valid)."""
        for sample in samples:
            self.add(sample)

    def reject(self, file: str, place: str, reason: str) -> None:
        """Record a bad record (``place``: "line 812", "record 3071"); it is never dropped.

        Past MAX_LISTED_ERRORS the rest are counted in ``errors_not_listed`` (memory stays
        bounded on a file of junk) and the summary says how many there were.
        """
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append({"file": file, "place": place, "reason": reason})
        else:
            self.errors_not_listed += 1

    def refused(self, file: str, place: str, reason: str) -> None:
        """A step record read but refused: counted in ``samples_read`` and listed in errors."""
        self.samples_read += 1
        self.reject(file, place, reason)

    def _add_checked(self, sample: Sample) -> None:
        source, kind, start_at, end_at, steps = sample
        source_id = self._source_ids.get((source, kind))
        if source_id is None:
            source_id = self._source_ids[(source, kind)] = len(self._source_list)
            self._source_list.append((source, kind))
        start = wall_seconds(start_at)
        day = int(start // _DAY)
        bucket = self._buckets.get(day)
        if bucket is None:
            bucket = self._buckets[day] = _Bucket()
        bucket.starts.append(start)
        bucket.ends.append(wall_seconds(end_at))
        bucket.steps.append(steps)
        bucket.sources.append(source_id)

    # -- output ------------------------------------------------------------------------------

    def summary(
        self,
        now: datetime | None = None,
        waking: Waking = DEFAULT_WAKING,
        assumed_zone: str | None = None,
    ) -> dict[str, Any]:
        """The contract's summary. ``now`` (aware or wall time) ends what can be still."""
        now_s = wall_seconds(now) if now is not None else math.inf
        order, rank = self._priority()
        per_source = [0] * len(self._source_list)
        days: list[dict[str, Any]] = []
        duplicates = used = overlap = 0
        carry: list[list[Any]] = []  # [source, start, end, steps, used] still running
        first_day = min(self._buckets, default=None)
        last_bucket = max(self._buckets, default=-1)
        last_data_day = -1
        day = first_day if first_day is not None else 0
        while first_day is not None and (day <= last_bucket or carry):
            todays, dupes = self._distinct(day)
            duplicates += dupes
            for sample in todays:
                per_source[sample[0]] += 1
            running = carry + todays
            day_start = day * _DAY
            day_end = day_start + _DAY
            figures, resolved = _count_day(running, day_start, rank, waking, now_s)
            overlap += resolved
            carry = []
            for sample in running:
                if sample[2] > day_end:
                    carry.append(sample)
                elif sample[4]:
                    used += 1
            iso = (_EPOCH + timedelta(days=day)).isoformat()
            if figures is not None:
                last_data_day = day
                days.append({"date": iso, **figures})
            else:
                days.append(_no_data(iso))
            day += 1
        if first_day is not None:
            # `days` runs from the first to the last date with data (contract, "Output").
            days = days[: last_data_day - first_day + 1]
        sources = [
            {"name": self._source_list[i][0], "kind": self._source_list[i][1],
             "samples": per_source[i]}
            for i in order
        ]
        result: dict[str, Any] = {
            "schema": SCHEMA,
            "samples_read": self.samples_read,
            "samples_used": used,
            "duplicates_ignored": duplicates,
            "overlap_minutes_resolved": overlap,
            "errors": list(self.errors),
            "sources": sources,
            "waking": str(waking),
            "days": days,
        }
        if self.errors_not_listed:
            result["errors_not_listed"] = self.errors_not_listed
        if assumed_zone is not None:
            result["times_without_offset_read_in"] = assumed_zone
        return result

    def _priority(self) -> tuple[list[int], list[int]]:
        """Source ids from highest priority down (rule 2), and each source's position."""
        order = sorted(
            range(len(self._source_list)),
            key=lambda i: (KIND_RANK[self._source_list[i][1]], self._source_list[i][0]),
        )
        rank = [0] * len(self._source_list)
        for position, source_id in enumerate(order):
            rank[source_id] = position
        return order, rank

    def still_spell(
        self,
        now: datetime,
        waking: Waking = DEFAULT_WAKING,
        known_until: datetime | None = None,
    ) -> StillSpell | None:
        """The still spell going on at ``now``: waking minutes of today without steps, back
        from ``now`` (or from ``known_until``, the time up to which the data is complete, if
        earlier) to the last minute with steps or the start of waking hours.

        None when today (``now``'s local date) has no data at all, or ``now`` is outside
        waking hours: no data is never read as being still (contract rule 4).
        """
        now_s = wall_seconds(now)
        day = int(now_s // _DAY)
        day_start = day * _DAY
        running: list[list[Any]] = []
        for bucket_day in self._buckets:
            if bucket_day <= day:
                running.extend(s for s in self._distinct(bucket_day)[0] if s[2] > day_start)
        found = _day_minutes(running, day_start, self._priority()[1])
        now_minute = int((now_s - day_start) // 60)
        if found is None or not waking.start <= now_minute < waking.end:
            return None
        end_minute = now_minute
        if known_until is not None:
            end_minute = min(end_minute, int((wall_seconds(known_until) - day_start) // 60))
        counted = found[0]
        last_active = max((m for m, v in counted.items()
                           if v > 0 and waking.start <= m < end_minute), default=waking.start - 1)
        minutes = max(0, end_minute - last_active - 1)
        since = now - timedelta(seconds=now_s - (day_start + (last_active + 1) * 60))
        return StillSpell(minutes, since)

    def _distinct(self, day: int) -> tuple[list[list[Any]], int]:
        """This day's samples with exact repeats removed, and how many repeats there were."""
        bucket = self._buckets.get(day)
        if bucket is None:
            return [], 0
        rows = sorted(zip(bucket.sources, bucket.starts, bucket.ends, bucket.steps, strict=True))
        distinct: list[list[Any]] = []
        previous = None
        for row in rows:
            if row == previous:
                continue
            previous = row
            distinct.append([row[0], row[1], row[2], row[3], False])
        return distinct, len(rows) - len(distinct)


def _no_data(iso: str) -> dict[str, Any]:
    return {"date": iso, "steps": None, "longest_still_minutes": None, "still_bouts_120": None}


def _day_minutes(
    running: list[list[Any]], day_start: float, rank: list[int]
) -> tuple[dict[int, float], dict[int, set[int]], set[int]] | None:
    """(counted steps by minute of the day, minutes each source counts in, minutes covered by
    more than one source) from the samples that touch the day; None when none does.

    Sparse: only the minutes some sample covers are held (minute -> share, per source), so a
    day costs in proportion to its data, not to 1,440 minutes per source.
    """
    day_end = day_start + _DAY
    minutes: dict[int, dict[int, float]] = {}  # source -> {minute of the day: steps}
    for sample in running:
        source, start, end, steps = sample[0], sample[1], sample[2], sample[3]
        lo = start if start > day_start else day_start
        hi = end if end < day_end else day_end
        if hi <= lo:
            continue
        row = minutes.get(source)
        if row is None:
            row = minutes[source] = {}
        get = row.get
        offset_lo = lo - day_start
        offset_hi = hi - day_start
        first = int(offset_lo // 60)
        last = min(_MINUTES, int(math.ceil(offset_hi / 60)))
        if offset_lo == first * 60 and offset_hi == last * 60 and start == lo and end == hi:
            # Whole minutes (the common case): an equal share per minute (rule 1).
            share = steps / (last - first)
            covered = range(first, last)
            if row.keys().isdisjoint(covered):
                row.update(dict.fromkeys(covered, share))
            else:
                for m in covered:
                    row[m] = get(m, 0.0) + share
            continue
        rate = steps / (end - start)
        for m in range(first, last):
            m_start = m * 60
            part = min(offset_hi, m_start + 60) - max(offset_lo, m_start)
            if part > 0:
                row[m] = get(m, 0.0) + rate * part
    if not minutes:
        return None
    counted: dict[int, float] = {}
    won: dict[int, set[int]] = {}  # source -> the minutes it counts in
    shared: set[int] = set()
    for source in sorted(minutes, key=rank.__getitem__):
        row = minutes[source]
        taken = row.keys() & counted.keys()
        shared |= taken
        mine = row.keys() - taken if taken else set(row)
        won[source] = mine
        for m in mine:
            counted[m] = row[m]
    return counted, won, shared


def _count_day(
    running: list[list[Any]],
    day_start: float,
    rank: list[int],
    waking: Waking,
    now_s: float,
) -> tuple[dict[str, Any] | None, int]:
    """One day's figures from the samples that touch it (None when none does)."""
    day_end = day_start + _DAY
    found = _day_minutes(running, day_start, rank)
    if found is None:
        return None, 0
    counted, won, shared = found
    # A sample is used when its source counts in at least one minute it covers.
    for sample in running:
        if sample[4]:
            continue
        lo = max(sample[1], day_start) - day_start
        hi = min(sample[2], day_end) - day_start
        if hi <= 0 or lo >= _DAY:
            continue
        covered = range(int(lo // 60), min(_MINUTES, int(math.ceil(hi / 60))))
        if not won[sample[0]].isdisjoint(covered):
            sample[4] = True
    total = math.fsum(counted.values())
    wake_start = waking.start
    wake_end = waking.end
    if now_s < day_end:
        wake_end = min(wake_end, max(0, int((now_s - day_start) // 60)))
    longest = bouts = 0
    previous = wake_start - 1  # the last minute with steps (or just before waking hours)
    active = [m for m, v in counted.items() if v > 0 and wake_start <= m < wake_end]
    active.sort()
    for m in active:
        run = m - previous - 1
        if run > longest:
            longest = run
        if run >= LONG_BOUT_MINUTES:
            bouts += 1
        previous = m
    run = max(0, wake_end - previous - 1)
    if run > longest:
        longest = run
    if run >= LONG_BOUT_MINUTES:
        bouts += 1
    return (
        {"steps": int(math.floor(total + 0.5)), "longest_still_minutes": longest,
         "still_bouts_120": bouts},
        len(shared),
    )


def summarize(
    samples: Iterable[Sample],
    now: datetime | None = None,
    waking: Waking = DEFAULT_WAKING,
) -> dict[str, Any]:
    """The summary of ``samples`` (each must be valid); a convenience over :class:`Tally`."""
    tally = Tally()
    tally.add_all(samples)
    return tally.summary(now=now, waking=waking)
