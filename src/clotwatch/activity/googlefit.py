"""Google Fit in Google Takeout: ``Takeout/Fit/Daily activity metrics/``.

Two kinds of CSV live there (header names as Takeout writes them):
- one file per day, named ``YYYY-MM-DD.csv``, one row per 15 minutes: ``Start time,End time,
  Move Minutes count,Calories (kcal),Distance (m),...,Step count,...`` with times of day such
  as ``07:15:00.000+01:00`` (the date comes from the file name);
- ``Daily activity metrics.csv``: one row per day, ``Date,...,Step count,...``. A day's total
  is spread over the whole day, so it tells nothing about still spells; when a folder holds
  both kinds, the per-day files are used and the totals file is skipped (said in the summary).

An empty ``Step count`` cell means the interval has no step data, not zero steps: no sample.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import IO

from clotwatch.activity.common import (
    FirstBadGuard,
    Item,
    ReadContext,
    Refused,
    Unreadable,
    day_bounds,
    lines,
    make,
)
from clotwatch.core.activity import parse_count
from clotwatch.core.errors import InputError

FORMAT = "google-fit"
SOURCE = "Google Fit"
TOTALS_NAMES = ("daily activity metrics.csv", "daily summaries.csv")
_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _columns(text: str) -> list[str]:
    return [c.strip() for c in next(csv.reader([text]), [])]


def sniff(head: bytes, name: str) -> bool:
    """A Takeout header: Start time/End time or Date, with a Step count column."""
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    columns = _columns(first)
    if "Step count" not in columns:
        return False
    return ("Start time" in columns and "End time" in columns) or "Date" in columns


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield a sample per row that has a step count."""
    next_line, _ = lines(stream)
    first = next_line()
    if first is None:
        raise Unreadable("empty file")
    columns = _columns(first[1])
    steps_at = columns.index("Step count")
    guard = FirstBadGuard("a Google Fit daily activity metrics file")
    if "Start time" in columns and "End time" in columns:
        match = _DAY_FILE.search(PurePath(name).name)
        if not match:
            raise Unreadable("a Google Fit per-day file must keep its name YYYY-MM-DD.csv "
                             "(the rows give only the time of day)")
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            raise Unreadable(f"{match.group(1)!r} in the file name is not a date") from None
        at = (columns.index("Start time"), columns.index("End time"), steps_at)
        rows = _interval_rows(next_line, day, at, ctx)
    else:
        rows = _daily_rows(next_line, (columns.index("Date"), steps_at), ctx)
    for item in rows:
        if item is None:
            continue
        if isinstance(item, Refused):
            guard.failed(item)
        else:
            guard.ok()
        yield item


def _cells(text: str, place: str) -> list[str] | Refused:
    try:
        return next(csv.reader([text]))
    except (csv.Error, StopIteration) as exc:
        return Refused(place, f"malformed CSV: {exc}")


def _data_rows(next_line, width: int  # type: ignore[no-untyped-def]
               ) -> Iterator[tuple[str, list[str]] | Refused]:
    """(place, cells) for each non-blank data line that has at least ``width`` cells, or a
    Refused naming the line (what both kinds of file share)."""
    while (got := next_line()) is not None:
        number, text = got
        if not text.strip():
            continue
        place = f"line {number}"
        row = _cells(text, place)
        if isinstance(row, Refused):
            yield row
        elif width > len(row):
            yield Refused(place, str(InputError(
                "row", f"{len(row)} cells, expected at least {width}")))
        else:
            yield place, row


def _interval_rows(next_line, day: date, at: tuple[int, int, int],  # type: ignore[no-untyped-def]
                   ctx: ReadContext) -> Iterator[Item | None]:
    for got in _data_rows(next_line, max(at) + 1):
        if isinstance(got, Refused):
            yield got
            continue
        place, row = got
        try:
            steps_text = row[at[2]].strip()
            if not steps_text:
                yield None  # no step data in this interval
                continue
            steps = parse_count(steps_text)
            start = _time_of_day(day, row[at[0]], "Start time", ctx)
            end = _time_of_day(day, row[at[1]], "End time", ctx)
            if end <= start and end.time() == datetime.min.time():
                end += timedelta(days=1)  # the last row of a day ends at the next midnight
        except InputError as exc:
            yield Refused(place, str(exc))
            continue
        yield make(SOURCE, "phone", start, end, steps, place)


def _time_of_day(day: date, text: str, field_name: str, ctx: ReadContext) -> datetime:
    try:
        moment = datetime.fromisoformat(f"{day.isoformat()}T{text.strip()}")
    except ValueError:
        raise InputError(field_name, f"{text!r} is not a time of day like 07:15:00.000+01:00") \
            from None
    return ctx.localize(moment)


def _daily_rows(next_line, at: tuple[int, int],  # type: ignore[no-untyped-def]
                ctx: ReadContext) -> Iterator[Item | None]:
    for got in _data_rows(next_line, max(at) + 1):
        if isinstance(got, Refused):
            yield got
            continue
        place, row = got
        try:
            steps_text = row[at[1]].strip()
            if not steps_text:
                yield None
                continue
            steps = parse_count(steps_text)
            try:
                day = date.fromisoformat(row[at[0]].strip())
            except ValueError:
                raise InputError("Date", f"{row[at[0]]!r} is not YYYY-MM-DD") from None
        except InputError as exc:
            yield Refused(place, str(exc))
            continue
        ctx.naive_seen = True
        start, end = day_bounds(day, ctx.zone)
        yield make(SOURCE, "phone", start, end, steps, place)
