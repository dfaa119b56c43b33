"""What every step-data importer shares: what it yields, time parsing, limits, source kinds.

An importer is a module with ``FORMAT`` (a short name), ``sniff(head, name) -> bool`` (does the
start of the file look like this format?) and ``read(stream, name, ctx) -> Iterator[Item]``,
yielding a :class:`~clotwatch.core.activity.Sample` for each good step record and a
:class:`Refused` for each bad one, as it streams. Fatal problems (not this format, junk, too
big) raise :class:`Unreadable`; the caller reports them and the file is not used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import IO, NamedTuple

from clotwatch.core.activity import Kind, Sample, WallSample, check_sample
from clotwatch.core.errors import InputError

#: A file whose first records are all bad is not a step file: stop instead of reading 2 GB.
FIRST_BAD_LIMIT = 1000
#: The longest line a line-based format may have (a step record is well under 1 KB).
MAX_LINE_BYTES = 64 * 1024
#: Formats that are one JSON document (not streamed) are refused above this size; their
#: streamable forms (NDJSON) have no limit.
MAX_JSON_DOCUMENT_BYTES = 256 * 1024 * 1024


class Refused(NamedTuple):
    """A bad record: where it is in its file ("line 812", "record 3071") and why."""

    place: str
    reason: str


Item = Sample | WallSample | Refused


class Unreadable(Exception):
    """The file cannot be used at all; the message names why (the caller adds the file name)."""


@dataclass
class ReadContext:
    """Settings and findings shared by the importers while one command runs."""

    zone: tzinfo
    zone_name: str
    naive_seen: bool = False
    notes: list[str] = field(default_factory=list)
    #: The first bytes of the file being read (set by the dispatcher before ``read``).
    head: bytes = b""
    #: Readers may yield WallSample (wall-clock seconds) instead of Sample: set by
    #: ``read_into`` when its tally takes them (a summary), not when samples are stored.
    wall_samples: bool = False

    def localize(self, moment: datetime) -> datetime:
        """Give a time without an offset the --tz zone (contract, "Samples")."""
        if moment.tzinfo is None:
            self.naive_seen = True
            return moment.replace(tzinfo=self.zone)
        return moment


class FirstBadGuard:
    """Stops a file whose first FIRST_BAD_LIMIT records are all bad (junk, not a step file)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.good = False
        self.bad = 0
        self.first_reason = ""

    def ok(self) -> None:
        self.good = True

    def failed(self, item: Refused) -> None:
        if self.good:
            return
        self.bad += 1
        if not self.first_reason:
            self.first_reason = f"{item.place}: {item.reason}"
        if self.bad >= FIRST_BAD_LIMIT:
            raise Unreadable(
                f"the first {FIRST_BAD_LIMIT} records are all bad, so this is not {self.what} "
                f"(first: {self.first_reason}); stopped reading"
            )


def make(source: str, kind: Kind, start: datetime, end: datetime, steps: int,
         place: str) -> Item:
    """A checked sample, or a Refused naming the field and the reason."""
    sample = Sample(source, kind, start, end, steps)
    try:
        check_sample(sample)
    except InputError as exc:
        return Refused(place, str(exc))
    return sample


def parse_iso(text: object, ctx: ReadContext, field_name: str) -> datetime:
    """An ISO 8601 date-time ("2026-11-02T08:00:00+01:00", "...Z"); naive ones get --tz."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(field_name, "missing")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(field_name, f"{text!r} is not an ISO 8601 date and time") from None
    return ctx.localize(moment)


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight of ``day`` in ``zone``."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


_OFFSETS: dict[str, timezone] = {}


def fixed_offset(sign: str, hours: int, minutes: int) -> timezone:
    """A cached fixed-offset zone."""
    key = f"{sign}{hours:02d}{minutes:02d}"
    zone = _OFFSETS.get(key)
    if zone is None:
        delta = timedelta(hours=hours, minutes=minutes)
        zone = _OFFSETS[key] = timezone(-delta if sign == "-" else delta)
    return zone


# Which kind of device a name most likely is, for formats that name a device but not its kind.
# Checked in order; the first match wins. (docs/activity.md lists them.)
_KIND_WORDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("watch", re.compile(r"watch|forerunner|fenix|f[eē]nix|venu|vivoactive|instinct|epix|"
                         r"garmin|suunto|polar|coros|amazfit", re.I)),
    ("band", re.compile(r"band|fitbit|charge|inspire|vivosmart|vivofit|whoop|oura|ring|"
                        r"tracker|pedometer", re.I)),
    ("phone", re.compile(r"phone|pixel|galaxy|android|google fit|samsung health|health connect|"
                         r"mobiletrack", re.I)),
)


def guess_kind(*names: str | None) -> Kind:
    """watch/band/phone/other from device or app names (first match in _KIND_WORDS)."""
    for kind, pattern in _KIND_WORDS:
        for name in names:
            if name and pattern.search(name):
                return kind
    return "other"


class CountingReader:
    """A binary reader that tells ``on_bytes`` how many bytes have been read (for progress)."""

    def __init__(self, raw: IO[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self._on_bytes is not None and data:
            self._on_bytes(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._raw.readline(size)
        if self._on_bytes is not None and data:
            self._on_bytes(len(data))
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()


def lines(stream: IO[bytes]) -> tuple[Callable[[], tuple[int, str] | None], list[int]]:
    """A reader of (line number, text) with the MAX_LINE_BYTES limit; None at the end."""
    counter = [0]

    def next_line() -> tuple[int, str] | None:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return None
        counter[0] += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise Unreadable(f"line {counter[0]} is longer than {MAX_LINE_BYTES} bytes; "
                             "not a step-data file")
        try:
            text = raw.decode("utf-8-sig" if counter[0] == 1 else "utf-8")
        except UnicodeDecodeError:
            if counter[0] == 1:
                raise Unreadable("line 1 is not UTF-8 text") from None
            text = raw.decode("utf-8", errors="replace")
        return counter[0], text.rstrip("\r\n")

    return next_line, counter
