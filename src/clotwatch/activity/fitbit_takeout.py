"""Fitbit's newer export (Google Takeout, "Fitbit" or "Google Health"):
``Physical Activity_GoogleData/steps_YYYY-MM-DD.csv``.

Google publishes no description of these files (searched 2026-11-30: Takeout's own README
files describe other folders, e.g. ``UserExercises README.txt``, not this one). The layout
below is the one several independent public programs that read these exports agree on (see
docs/activity.md): a header ``timestamp,steps,data source``, then one row per minute with
steps, e.g.

    timestamp,steps,data source
    2026-10-01T06:14:03.552356Z,51,Phone Health Kit
    2026-10-01T06:15:00Z,84,Google Fitbit Air

``timestamp`` is a UTC instant (``Z``), ``steps`` the steps of that minute, ``data source`` the
device or app (the tracker by name; phone rows through Health Connect or HealthKit). Read as:
each row is a one-minute sample from its timestamp (clotwatch's reading: the files do not give
an end), its source the ``data source`` (kind guessed from the name, docs/activity.md).

The times are UTC instants, not the person's clock: they are counted in the ``--tz`` zone
(the summary says which zone, as for times without an offset), so that days and waking hours
are the person's own. A time written with a real offset keeps it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
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
from clotwatch.core.activity import Kind, parse_count
from clotwatch.core.errors import InputError

FORMAT = "fitbit-takeout"
MINUTE = timedelta(minutes=1)
HEADER = ("timestamp", "steps", "data source")
#: A row without a data source (the column is there but empty).
DEFAULT_SOURCE = "Fitbit"


def _columns(text: str) -> list[str]:
    return [c.strip().lower() for c in next(csv.reader([text]), [])]


def sniff(head: bytes, name: str) -> bool:
    """The header ``timestamp,steps,data source``."""
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    return tuple(_columns(first)[:3]) == HEADER


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield a one-minute sample per row."""
    next_line, _ = lines(stream)
    first = next_line()
    if first is None:
        raise Unreadable("empty file")
    if tuple(_columns(first[1])[:3]) != HEADER:
        raise Unreadable("expected the header timestamp,steps,data source")
    guard = FirstBadGuard("a Fitbit Takeout steps file")
    kinds: dict[str, Kind] = {}
    while (got := next_line()) is not None:
        number, text = got
        if not text.strip():
            continue
        place = f"line {number}"
        item = _row(text, place, ctx, kinds)
        if isinstance(item, Refused):
            guard.failed(item)
        else:
            guard.ok()
        yield item


def _row(text: str, place: str, ctx: ReadContext, kinds: dict[str, Kind]) -> Item:
    try:
        row = next(csv.reader([text]))
    except (csv.Error, StopIteration) as exc:
        return Refused(place, f"malformed CSV: {exc}")
    try:
        if len(row) < 2:
            raise InputError("row", f"{len(row)} cells, expected 3")
        start = parse_iso(row[0], ctx, "timestamp")
        offset = start.utcoffset()
        if offset is not None and not offset:
            # A UTC instant: counted on the person's own clock (the --tz zone).
            start = start.astimezone(ctx.zone)
            ctx.naive_seen = True
        steps = parse_count(row[1])
    except InputError as exc:
        return Refused(place, str(exc))
    source = (row[2].strip() if len(row) > 2 else "") or DEFAULT_SOURCE
    kind = kinds.get(source)
    if kind is None:
        kind = kinds[source] = guess_kind(source)
    return make(source, kind, start, start + MINUTE, steps, place)
