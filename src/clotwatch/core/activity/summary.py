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
from itertools import compress
from typing import Any, NamedTuple

from clotwatch.core.activity.samples import (
    DEFAULT_WAKING,
    KIND_RANK,
    Kind,
    Sample,
    Waking,
    WallSample,
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

    #: Importers may give this tally WallSample (``add_wall``) instead of Sample.
    takes_wall_samples = True

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

    def add_wall(self, sample: WallSample) -> None:
        """Count a checked sample given in wall-clock seconds (importers' fastest path)."""
        self.samples_read += 1
        source, kind, start, end, steps = sample
        source_id = self._source_ids.get((source, kind))
        if source_id is None:
            source_id = self._source_ids[(source, kind)] = len(self._source_list)
            self._source_list.append((source, kind))
        day = int(start // _DAY)
        bucket = self._buckets.get(day)
        if bucket is None:
            bucket = self._buckets[day] = _Bucket()
        bucket.starts.append(start)
        bucket.ends.append(end)
        bucket.steps.append(steps)
        bucket.sources.append(source_id)

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
        grid = _day_grid(running, day_start, self._priority()[1])
        now_minute = int((now_s - day_start) // 60)
        if grid is None or not waking.start <= now_minute < waking.end:
            return None
        end_minute = now_minute
        if known_until is not None:
            end_minute = min(end_minute, int((wall_seconds(known_until) - day_start) // 60))
        window = grid.active[waking.start:max(waking.start, end_minute)]
        last_active = waking.start + window.rfind(1)  # waking.start - 1 when none
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


class _DayGrid(NamedTuple):
    """One day's minutes after the priority rule (rule 2), as bytes with one byte a minute."""

    #: 1 where the counted (winning) source has steps in the minute, else 0.
    active: bytes
    #: The day's counted steps (unrounded).
    total: float
    #: For each source id: 1 in each minute where that source is the one counted.
    won: dict[int, bytes]
    #: How many minutes more than one source covers.
    shared: int
    #: The sources that count in every minute they cover.
    whole: set[int]


_ONES = b"\x01" * _MINUTES


def _day_grid(running: list[list[Any]], day_start: float, rank: list[int]) -> _DayGrid | None:
    """The counted minutes of the day from the samples that touch it; None when none does.

    Per source: the steps of each minute (a list of 1,440 floats), which minutes it covers and
    in which it has steps (1,440 bytes each). Whole runs of minutes are written by slices, so
    a sample costs a few C calls, not one Python step per minute; the sources are then merged
    in priority order with bytes-wide AND/OR on integers.
    """
    day_end = day_start + _DAY
    grids: dict[int, tuple[list[float], bytearray, bytearray]] = {}
    for sample in running:
        source, start, end, steps = sample[0], sample[1], sample[2], sample[3]
        lo = start if start > day_start else day_start
        hi = end if end < day_end else day_end
        if hi <= lo:
            continue
        grid = grids.get(source)
        if grid is None:
            grid = grids[source] = ([0.0] * _MINUTES, bytearray(_MINUTES), bytearray(_MINUTES))
        values, covered, stepped = grid
        offset_lo = lo - day_start
        offset_hi = hi - day_start
        first = int(offset_lo // 60)
        last = math.ceil(offset_hi / 60)  # at most 1,440: hi <= day_end
        n = last - first
        fresh = covered.find(1, first, last) == -1
        if offset_lo == first * 60 and offset_hi == last * 60 and start == lo and end == hi:
            # Whole minutes (common): an equal share per minute (rule 1).
            share = steps / n
            if fresh:
                values[first:last] = [share] * n
            else:
                for m in range(first, last):
                    values[m] += share
        else:
            rate = steps / (end - start)
            if fresh and n > 2:
                # Partial first and last minutes, whole minutes between them.
                values[first + 1:last - 1] = [rate * 60] * (n - 2)
                for m in (first, last - 1):
                    m_start = m * 60
                    values[m] = rate * (min(offset_hi, m_start + 60) - max(offset_lo, m_start))
            else:
                for m in range(first, last):
                    m_start = m * 60
                    part = min(offset_hi, m_start + 60) - max(offset_lo, m_start)
                    if part > 0:
                        values[m] += rate * part
        covered[first:last] = _ONES[:n]
        if steps > 0:
            stepped[first:last] = _ONES[:n]
    if not grids:
        return None
    taken = shared = active = 0
    parts: list[float] = []
    won: dict[int, bytes] = {}
    whole: set[int] = set()
    for source in sorted(grids, key=rank.__getitem__):
        values, covered, stepped = grids[source]
        mine = int.from_bytes(covered, "little")
        if taken and mine & taken:
            shared |= mine & taken
            mine &= ~taken
        else:
            whole.add(source)
        taken |= mine
        active |= mine & int.from_bytes(stepped, "little")
        mask = mine.to_bytes(_MINUTES, "little")
        won[source] = mask
        parts.extend(compress(values, mask))
    return _DayGrid(active.to_bytes(_MINUTES, "little"), math.fsum(parts), won,
                    shared.bit_count(), whole)


def _count_day(
    running: list[list[Any]],
    day_start: float,
    rank: list[int],
    waking: Waking,
    now_s: float,
) -> tuple[dict[str, Any] | None, int]:
    """One day's figures from the samples that touch it (None when none does)."""
    day_end = day_start + _DAY
    grid = _day_grid(running, day_start, rank)
    if grid is None:
        return None, 0
    won = grid.won
    # A sample is used when its source counts in at least one minute it covers (every
    # sample of a source that lost no minute, such as the highest-priority one, is used).
    whole = grid.whole
    for sample in running:
        if sample[4]:
            continue
        if sample[0] in whole:
            if sample[2] > day_start and sample[1] < day_end:
                sample[4] = True
            continue
        lo = max(sample[1], day_start) - day_start
        hi = min(sample[2], day_end) - day_start
        if hi <= 0 or lo >= _DAY:
            continue
        mask = won[sample[0]]
        if mask.find(1, int(lo // 60), min(_MINUTES, int(math.ceil(hi / 60)))) != -1:
            sample[4] = True
    wake_start = waking.start
    wake_end = waking.end
    if now_s < day_end:
        wake_end = min(wake_end, max(0, int((now_s - day_start) // 60)))
    # Still bouts: the runs of still (0) minutes between minutes with steps, inside waking
    # hours (minutes at or after ``now`` are cut off: not yet known, never still).
    runs = [len(run) for run in grid.active[wake_start:wake_end].split(b"\x01")]
    longest = max(runs)
    bouts = sum(1 for run in runs if run >= LONG_BOUT_MINUTES)
    return (
        {"steps": int(math.floor(grid.total + 0.5)), "longest_still_minutes": longest,
         "still_bouts_120": bouts},
        grid.shared,
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
