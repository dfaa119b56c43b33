"""Apple Health ``export.xml`` (inside ``export.zip``): HKQuantityTypeIdentifierStepCount records.

The export's internal DTD declares ``<!ELEMENT HealthData (ExportDate,Me,(Record|...)*)>`` and
``<!ATTLIST Record type ... unit ... value ... sourceName ... device ... startDate ...
endDate ...>``; times are written ``2026-11-02 08:00:00 +0100``. Real exports are hundreds of MB
to several GB, so the file is streamed: lxml's parser is fed it a chunk at a time and calls a
target for each start tag (no tree is built), no DTD loaded, no entity expanded, no network.
For a summary the times are read straight to wall-clock seconds (:class:`_WallTimes`).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any, NamedTuple, cast

from clotwatch.activity.common import (
    FirstBadGuard,
    Item,
    ReadContext,
    Refused,
    Unreadable,
    guess_kind,
    make,
)
from clotwatch.core.activity import Kind, Sample, WallSample, parse_count
from clotwatch.core.activity.samples import YEARS
from clotwatch.core.errors import InputError

FORMAT = "apple-health"
_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
STEP_TYPE = "HKQuantityTypeIdentifierStepCount"
_MODEL = re.compile(r"model:([^,>]*)")


def sniff(head: bytes, name: str) -> bool:
    """An XML document whose root is HealthData."""
    start = head.lstrip()[:4096]
    return start.startswith((b"<?xml", b"<!DOCTYPE", b"<HealthData")) and b"HealthData" in start


def apple_time(text: str | None, field_name: str) -> datetime:
    """``2026-11-02 08:00:00 +0100`` (the export's only time format) -> aware datetime."""
    if text is None:
        raise InputError(field_name, "missing")
    if len(text) == 25 and text[19] == " " and text[20] in "+-":
        try:
            # "YYYY-MM-DD HH:MM:SS+HHMM" is ISO 8601 that the C parser reads fast.
            return datetime.fromisoformat(text[:19] + text[20:])
        except ValueError:
            pass
    raise InputError(field_name, f"{text!r} is not YYYY-MM-DD HH:MM:SS +HHMM")


def device_kind(source: str, device: str | None) -> Kind:
    """watch/phone from the HKDevice model ("model:Watch", "model:iPhone"), else the names."""
    if device:
        match = _MODEL.search(device)
        if match:
            model = match.group(1).strip().lower()
            if "watch" in model:
                return "watch"
            if "iphone" in model:
                return "phone"
    return guess_kind(source, device)


NEWLINE = b"\n"
#: How much of the file is given to the parser at a time.
CHUNK_BYTES = 64 * 1024


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield each step record of an Apple Health export as it streams.

    lxml's parser is fed the file a chunk at a time with a *target*: it calls
    :meth:`_Target.start` for each start tag and builds no tree, so nothing has to be cleared
    and memory stays flat (about a third less work per record than ``iterparse``). A
    target is not told where a tag is, so a refused record's line is found afterwards from
    the chunks still held (:class:`_Places`).
    """
    from lxml import etree

    target = _Target(_WallTimes() if ctx.wall_samples else None)
    parser = etree.XMLParser(target=cast(Any, target), resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False, remove_comments=True)
    guard = FirstBadGuard("an Apple Health export")
    places = _Places()
    items = target.items
    while True:
        chunk = stream.read(CHUNK_BYTES)
        failure = None
        try:
            if chunk:
                places.add(chunk)
                parser.feed(chunk)
            else:
                parser.close()
        except etree.XMLSyntaxError as exc:
            failure = exc
        for item in items:
            if isinstance(item, _Bad):
                refused = Refused(places.place(item.record, item.attrib), item.reason)
                guard.failed(refused)
                yield refused
            else:
                if not guard.good:
                    guard.ok()
                yield item
        items.clear()
        if failure is not None:
            line = failure.lineno if failure.lineno else "?"
            if not target.records:
                raise Unreadable(f"not well-formed XML (line {line}: {failure.msg})")
            # The records before the break were good; the rest cannot be read (contract: a
            # bad record is reported with its place, the rest of the file is used as far as
            # it can be).
            yield Refused(f"line {line}", f"XML not well-formed ({failure.msg}); the rest of "
                          "the file could not be read")
            return
        if not chunk:
            return


class _Bad(NamedTuple):
    """A refused step record, until its place is known: the how-manyth Record it is."""

    record: int
    attrib: dict[str, str]
    reason: str


class _Target:
    """The parser's target: turns each step Record's attributes into an item."""

    def __init__(self, wall: _WallTimes | None) -> None:
        self.wall = wall
        self.kinds: dict[tuple[str, str | None], Kind] = {}
        self.items: list[Sample | WallSample | _Bad] = []
        self.records = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag != "Record":
            return
        self.records += 1
        if attrib.get("type") != STEP_TYPE:
            return
        if self.wall is not None:
            fast = _wall_record(attrib, self.wall, self.kinds)
            if fast is not None:
                self.items.append(fast)
                return
        item = _record(attrib, self.kinds)
        if isinstance(item, str):
            self.items.append(_Bad(self.records, dict(attrib), item))
        else:
            self.items.append(item)

    def close(self) -> None:
        return None


class _Places:
    """Where the n-th ``<Record`` of the file is, as "line N", from the last chunks read.

    Every chunk's ``<Record`` tags and newlines are counted as it is read (two C-level
    counts); the last 256 KB or more are kept, so the line of a refused record (always in them:
    the parser is never more than a tag behind what it was given) is found by looking for
    its tag and checking that it is the same record. When the check fails (a ``<Record``
    inside a comment, say) the place is "record N", the n-th Record element of the file.
    """

    #: Chunks are kept while the older ones hold less than this (a tag is well under it).
    KEEP_BYTES = 256 * 1024

    def __init__(self) -> None:
        self.kept: deque[tuple[int, int, bytes]] = deque()
        self.kept_bytes = 0
        self.records = 0  # "<Record" seen starting before the next chunk
        self.lines = 0  # newlines before the next chunk
        self.tail = b""

    def add(self, chunk: bytes) -> None:
        # A "<Record" split across two chunks starts in the earlier one.
        split = (self.tail + chunk[:6]).count(b"<Record") if self.tail else 0
        self.records += split
        self.kept.append((self.records, self.lines, chunk))
        self.kept_bytes += len(chunk)
        while len(self.kept) > 2 and self.kept_bytes - len(self.kept[0][2]) >= self.KEEP_BYTES:
            self.kept_bytes -= len(self.kept.popleft()[2])
        self.records += chunk.count(b"<Record")
        self.lines += chunk.count(NEWLINE)
        self.tail = chunk[-6:]

    #: How far past its chunk a tag is looked for (a Record start tag is well under 1 KB).
    TAG_BYTES = 16 * 1024

    def place(self, record: int, attrib: dict[str, str]) -> str:
        """"line N" of the ``record``-th ``<Record`` if it is in the kept chunks and is the
        record with these attributes, else "record N". Costs one chunk's search, not a copy
        of the chunks, so a file with many refused records stays fast."""
        kept = self.kept
        for index, (before, lines, data) in enumerate(kept):
            if index + 1 < len(kept) and record > kept[index + 1][0]:
                continue
            if record <= before:
                break
            # The tag starts in this chunk; it may run on into the next one(s).
            parts = [data]
            size = 0
            for later in list(kept)[index + 1:]:
                if size >= self.TAG_BYTES:
                    break
                parts.append(later[2][:self.TAG_BYTES - size])
                size += len(parts[-1])
            text = b"".join(parts) if size else data
            at = -1
            for _ in range(record - before):
                at = text.find(b"<Record", at + 1)
                if at < 0:
                    break
            end = text.find(b">", at) if at >= 0 else -1
            if at < 0 or at >= len(data) or end < 0:
                break
            tag = text[at:end]
            if all(f'{key}="{attrib[key]}"'.encode() in tag
                   for key in ("startDate", "endDate") if key in attrib):
                return f"line {lines + data.count(NEWLINE, 0, at) + 1}"
            break
        return f"record {record}"


def _record(attrib: dict[str, str],
            kinds: dict[tuple[str, str | None], Kind]) -> Sample | str:
    """A checked sample from a step record's attributes, or why it is refused."""
    source = attrib.get("sourceName") or ""
    device = attrib.get("device")
    try:
        start = apple_time(attrib.get("startDate"), "startDate")
        end = apple_time(attrib.get("endDate"), "endDate")
        raw = attrib.get("value")
        try:
            steps = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            steps = parse_count(raw)
    except InputError as exc:
        return str(exc)
    key = (source, device)
    kind = kinds.get(key)
    if kind is None:
        kind = kinds[key] = device_kind(source, device)
    if steps >= 0 and end > start and source and YEARS[0] <= start.year and end.year <= YEARS[1]:
        return Sample(source, kind, start, end, steps)
    item = make(source, kind, start, end, steps, "")
    return item.reason if isinstance(item, Refused) else cast(Sample, item)


class _WallTimes:
    """Apple's times read straight to wall-clock seconds, without a datetime per record.

    A time ``2026-11-02 08:03:00 +0100`` is three parts: the date, the time of day (with the
    separator before it) and the offset. Each distinct part is checked once, by reading a
    whole time with :func:`apple_time` (the same check as the slow path), and remembered:
    ``days`` holds the wall seconds of each date's midnight (only dates in the accepted
    years), ``clock`` the seconds of each time of day, ``offsets`` the offsets seen. There
    are at most 86,400 times of day and one date per day, so the memory is bounded.
    """

    __slots__ = ("days", "clock", "offsets")

    def __init__(self) -> None:
        self.days: dict[str, int] = {}
        self.clock: dict[str, int] = {}
        self.offsets: set[str] = set()

    def learn(self, text: str | None) -> bool:
        """Check one whole time and remember its parts; False when it is not a good one."""
        if text is None:
            return False
        try:
            moment = apple_time(text, "time")
        except InputError:
            return False
        if not YEARS[0] <= moment.year <= YEARS[1]:
            return False
        self.days[text[:10]] = (moment.toordinal() - _EPOCH_ORDINAL) * 86400
        self.clock[text[10:19]] = moment.hour * 3600 + moment.minute * 60 + moment.second
        self.offsets.add(text[19:])
        return True


def _wall_record(attrib: dict[str, str], wall: _WallTimes,
                 kinds: dict[tuple[str, str | None], Kind]) -> WallSample | None:
    """The fast path: a good step record as a WallSample, or None to take the checked path
    (anything unusual: a part not seen before, start and end in different offsets, a count
    that is not a plain whole number, no source, an end not after the start)."""
    start_text = attrib.get("startDate")
    end_text = attrib.get("endDate")
    if start_text is None or end_text is None:
        return None
    offset = start_text[19:]
    days = wall.days
    clock = wall.clock
    try:
        start = days[start_text[:10]] + clock[start_text[10:19]]
        end = days[end_text[:10]] + clock[end_text[10:19]]
    except KeyError:
        # Learn the parts for the next records; this record takes the checked path.
        wall.learn(start_text)
        wall.learn(end_text)
        return None
    if offset != end_text[19:] or offset not in wall.offsets or end <= start:
        if offset not in wall.offsets:
            wall.learn(start_text)
        return None
    source = attrib.get("sourceName")
    raw = attrib.get("value")
    if not source or raw is None:
        return None
    try:
        steps = int(raw)
    except ValueError:
        return None
    if steps < 0:
        return None
    device = attrib.get("device")
    key = (source, device)
    kind = kinds.get(key)
    if kind is None:
        kind = kinds[key] = device_kind(source, device)
    return WallSample(source, kind, start, end, steps)
