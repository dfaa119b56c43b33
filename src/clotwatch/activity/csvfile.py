"""Plain CSV: ``start,end,steps[,source]`` with a header line; ISO 8601 times.

A time without an offset is read in the --tz zone. Without a source column the source is the
file's name; its kind is guessed from the name (docs/activity.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO

from clotwatch.activity.common import (
    FirstBadGuard,
    Item,
    ReadContext,
    Refused,
    Unreadable,
    guess_kind,
    lines,
    make,
    parse_iso,
)
from clotwatch.core.activity import parse_count
from clotwatch.core.errors import InputError

FORMAT = "csv"
REQUIRED = ("start", "end", "steps")


def _header(head: bytes) -> list[str]:
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    return [c.strip().lower() for c in next(csv.reader([first]), [])]


def sniff(head: bytes, name: str) -> bool:
    """A header line naming start, end and steps."""
    columns = _header(head)
    return all(c in columns for c in REQUIRED)


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield one sample per data line."""
    next_line, _ = lines(stream)
    first = next_line()
    if first is None:
        raise Unreadable("empty file")
    columns = [c.strip().lower() for c in next(csv.reader([first[1]]), [])]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise Unreadable(f"the header has no {', '.join(missing)} column")
    at = {c: columns.index(c) for c in (*REQUIRED, "source", "kind") if c in columns}
    default_source = PurePath(name).stem
    guard = FirstBadGuard("a start,end,steps CSV file")
    while (got := next_line()) is not None:
        number, text = got
        if not text.strip():
            continue
        place = f"line {number}"
        try:
            row = next(csv.reader([text]))
        except csv.Error as exc:
            item: Item = Refused(place, f"malformed CSV: {exc}")
        else:
            item = _row(row, at, default_source, ctx, place)
        if isinstance(item, Refused):
            guard.failed(item)
        else:
            guard.ok()
        yield item


def _row(row: list[str], at: dict[str, int], default_source: str, ctx: ReadContext,
         place: str) -> Item:
    def cell(column: str) -> str | None:
        index = at.get(column)
        if index is None or index >= len(row):
            return None
        return row[index].strip()

    try:
        start = parse_iso(cell("start"), ctx, "start")
        end = parse_iso(cell("end"), ctx, "end")
        steps_text = cell("steps")
        if not steps_text:
            raise InputError("steps", "missing")
        steps = parse_count(steps_text)
    except InputError as exc:
        return Refused(place, str(exc))
    source = cell("source") or default_source
    kind_text = (cell("kind") or "").lower()
    kind = kind_text if kind_text in ("watch", "band", "phone", "other") else guess_kind(source)
    return make(source, kind, start, end, steps, place)  # type: ignore[arg-type]
