"""Fitbit account archive: ``Physical Activity/steps-YYYY-MM-DD.json``.

Each file is a JSON array of one entry a minute, ``{"dateTime": "11/02/26 07:30:00",
"value": "40"}`` (month/day/two-digit year), the steps taken in that minute. The times carry
no offset, so they are read in the --tz zone and the summary says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO

from clotwatch.activity import jsondoc
from clotwatch.activity.common import FirstBadGuard, Item, ReadContext, Refused, Unreadable, make
from clotwatch.core.activity import parse_count
from clotwatch.core.errors import InputError

FORMAT = "fitbit"
SOURCE = "Fitbit"
MINUTE = timedelta(minutes=1)


def sniff(head: bytes, name: str) -> bool:
    """A JSON array whose entries have dateTime and value."""
    start = head.lstrip()
    return start.startswith(b"[") and b'"dateTime"' in start[:2048] and b'"value"' in start[:2048]


def fitbit_time(text: object) -> datetime:
    """``11/02/26 07:30:00`` -> datetime (no offset)."""
    if not isinstance(text, str):
        raise InputError("dateTime", "missing")
    try:
        return datetime.strptime(text.strip(), "%m/%d/%y %H:%M:%S")
    except ValueError:
        raise InputError("dateTime", f"{text!r} is not MM/DD/YY HH:MM:SS") from None


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield one one-minute sample per entry."""
    for got in jsondoc.objects(stream, ctx.head):
        if isinstance(got, Refused):
            yield got
            continue
        _place, document = got
        if not isinstance(document, list):
            raise Unreadable("expected a JSON array of {dateTime, value} entries")
        guard = FirstBadGuard("a Fitbit steps file")
        for index, entry in enumerate(document, start=1):
            place = f"record {index}"
            try:
                if not isinstance(entry, dict):
                    raise InputError("entry", "not a JSON object")
                start = ctx.localize(fitbit_time(entry.get("dateTime")))
                steps = parse_count(entry.get("value"))
            except InputError as exc:
                refused = Refused(place, str(exc))
                guard.failed(refused)
                yield refused
                continue
            guard.ok()
            yield make(SOURCE, "band", start, start + MINUTE, steps, place)
