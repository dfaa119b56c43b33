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
from clotwatch.core.activity import Kind, Sample, parse_count
from clotwatch.core.activity.samples import YEARS
from clotwatch.core.errors import InputError

FORMAT = "apple-health"
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
    try:
        for _event, element in parser:
            seen_any = True
            attrib = element.attrib
            if attrib.get("type") == STEP_TYPE:
                item = _record(attrib, element.sourceline, kinds)
                if isinstance(item, Refused):
                    guard.failed(item)
                else:
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


def _place(line: int | None) -> str:
    return f"line {line}" if line else "record"
