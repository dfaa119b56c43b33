"""Step samples as every importer produces them (contracts/activity.md, "Samples").

A sample is one source's count of steps between a start and an end. Times carry the UTC offset
the file gave them; the analysis works on their local wall time (what the person's clock said),
which is what decides the calendar day and the waking hours.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, NamedTuple, get_args

from clotwatch.core.errors import InputError

Kind = Literal["watch", "band", "phone", "other"]
KINDS: tuple[Kind, ...] = get_args(Kind)
#: Contract rule 2: in a minute covered by several sources, watch beats band beats phone beats
#: other; between sources of one kind, the name that sorts first.
KIND_RANK: dict[str, int] = {kind: rank for rank, kind in enumerate(KINDS)}

_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
#: Step counters are younger than this: a time outside these years is a broken record, and
#: refusing it keeps a summary from listing thousands of empty days (clotwatch's own limit).
YEARS = (1990, 2100)


class Sample(NamedTuple):
    """One source's step count over ``[start, end)``; both times carry a UTC offset."""

    source: str
    kind: Kind
    start: datetime
    end: datetime
    steps: int


class WallSample(NamedTuple):
    """A sample already reduced to what the summary counts: its local wall-clock times as
    seconds since 1970-01-01 00:00 (:func:`wall_seconds`). An importer whose format gives
    the wall time directly (Apple Health) yields these to a :class:`Tally` so that no
    datetime is built per record; it must have checked everything :func:`check_sample`
    checks (start and end in the same UTC offset, end after start, years, a count >= 0)."""

    source: str
    kind: Kind
    start: float
    end: float
    steps: int


def wall_seconds(moment: datetime) -> float:
    """Seconds since 1970-01-01 00:00 of ``moment``'s local wall-clock reading (offset ignored)."""
    return (
        (moment.toordinal() - _EPOCH_ORDINAL) * 86400
        + moment.hour * 3600
        + moment.minute * 60
        + moment.second
        + moment.microsecond / 1_000_000
    )


def check_sample(sample: Sample) -> None:
    """Raise InputError(field, reason) unless ``sample`` is one the contract accepts."""
    if not isinstance(sample.source, str) or not sample.source.strip():
        raise InputError("source", "the source name is empty")
    if sample.kind not in KIND_RANK:
        raise InputError("kind", f"{sample.kind!r} is not one of {', '.join(KINDS)}")
    for field in ("start", "end"):
        moment = getattr(sample, field)
        if not isinstance(moment, datetime):
            raise InputError(field, "not a date and time")
        if moment.utcoffset() is None:
            raise InputError(field, "a time without a UTC offset or zone")
        if not YEARS[0] <= moment.year <= YEARS[1]:
            raise InputError(field, f"the year {moment.year} is outside {YEARS[0]}-{YEARS[1]}")
    steps = sample.steps
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise InputError("steps", f"{steps!r} is not a whole number")
    if steps < 0:
        raise InputError("steps", f"a negative count ({steps})")
    if sample.end < sample.start:
        raise InputError("end", f"the end {sample.end.isoformat()} is before the start "
                         f"{sample.start.isoformat()}")
    if sample.end == sample.start:
        raise InputError("end", f"the end is the same as the start ({sample.start.isoformat()}); "
                         "a sample must cover some time")


def parse_count(text: object) -> int:
    """A step count as files write it ("532", "532.0", 532); InputError('steps', ...) otherwise."""
    if isinstance(text, bool):
        raise InputError("steps", f"{text!r} is not a number")
    if isinstance(text, int):
        value = text
    elif isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise InputError("steps", f"{text!r} is not a number")
        if not text.is_integer():
            raise InputError("steps", f"{text!r} is not a whole number")
        value = int(text)
    elif isinstance(text, str):
        stripped = text.strip()
        try:
            value = int(stripped)
        except ValueError:
            try:
                number = float(stripped)
            except ValueError:
                raise InputError("steps", f"{text!r} is not a number") from None
            return parse_count(number)
    else:
        raise InputError("steps", f"{text!r} is not a number")
    if value < 0:
        raise InputError("steps", f"a negative count ({value})")
    return value


class Waking(NamedTuple):
    """Waking hours as minutes after local midnight, ``[start, end)``."""

    start: int
    end: int

    def __str__(self) -> str:
        a, b = divmod(self.start, 60)
        c, d = divmod(self.end, 60)
        return f"{a:02d}:{b:02d}-{c:02d}:{d:02d}"


#: Contract rule 4: 07:00 to 23:00 unless the person sets their own.
DEFAULT_WAKING = Waking(7 * 60, 23 * 60)
_WAKING = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_waking(text: str) -> Waking:
    """``"06:30-22:00"`` -> Waking; InputError('waking', reason) for anything else."""
    match = _WAKING.match(text)
    if not match:
        raise InputError("waking", f"{text!r} is not HH:MM-HH:MM (for example 07:00-23:00)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise InputError("waking", f"{text!r} is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        # A still bout lives inside one day's waking hours (contract rule 4), so waking hours
        # that cross midnight are refused rather than silently split.
        raise InputError("waking", f"{text!r}: the end must be after the start on the same day")
    return Waking(start, end)
