"""Apple Health ``export.xml`` (inside ``export.zip``): HKQuantityTypeIdentifierStepCount records.

The export's internal DTD declares ``<!ELEMENT HealthData (ExportDate,Me,(Record|...)*)>`` and
``<!ATTLIST Record type ... unit ... value ... sourceName ... device ... startDate ...
endDate ...>``; times are written ``2026-11-02 08:00:00 +0100``. Real exports are hundreds of MB
to several GB, so the file is streamed with lxml's iterparse (only ``Record`` elements, each
cleared with its earlier siblings once read), no DTD loaded, no entity expanded, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO

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


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield each step record of an Apple Health export as it streams."""
    from lxml import etree

    kinds: dict[tuple[str, str | None], Kind] = {}
    guard = FirstBadGuard("an Apple Health export")
    parser = etree.iterparse(
        stream, events=("end",), tag="Record", resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False, remove_comments=True,
    )
    seen_any = False
    wall = _WallTimes() if ctx.wall_samples else None
    try:
        for _event, element in parser:
            seen_any = True
            attrib = element.attrib
            if attrib.get("type") == STEP_TYPE:
                item: Item | None = None
                if wall is not None:
                    item = _wall_record(attrib, wall, kinds)
                if item is None:
                    item = _record(attrib, element.sourceline, kinds)
                    if isinstance(item, Refused):
                        guard.failed(item)
                    elif not guard.good:
                        guard.ok()
                elif not guard.good:
                    guard.ok()
                yield item
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        if not seen_any:
            raise Unreadable(f"not well-formed XML (line {line}: {exc.msg})") from None
        # The records before the break were good; the rest cannot be read (contract: a bad
        # record is reported with its place, the rest of the file is used as far as it can be).
        yield Refused(f"line {line}", f"XML not well-formed ({exc.msg}); the rest of the file "
                      "could not be read")


def _record(attrib: dict[str, str], line: int | None,
            kinds: dict[tuple[str, str | None], Kind]) -> Item:
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
        return Refused(_place(line), str(exc))
    key = (source, device)
    kind = kinds.get(key)
    if kind is None:
        kind = kinds[key] = device_kind(source, device)
    if steps >= 0 and end > start and source and YEARS[0] <= start.year and end.year <= YEARS[1]:
        return Sample(source, kind, start, end, steps)
    return make(source, kind, start, end, steps, _place(line))


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


def _place(line: int | None) -> str:
    return f"line {line}" if line else "record"
