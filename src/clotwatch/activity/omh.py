"""Open mHealth / IEEE 1752.1 step-count data points (``omh:step-count`` 1.0 to 3.0).

A data point is ``{"header": {...}, "body": {...}}``; a file may hold one, a JSON array of
them, bare bodies, or NDJSON (one a line). The body has ``step_count`` (an integer in 1.x and
2.0, ``{"value": n, "unit": "steps"}`` in 3.0 / IEEE 1752.1) and ``effective_time_frame.
time_interval`` given as start and end, or start or end with a ``duration`` ({value, unit}).
A body with a ``descriptive_statistic`` (an average, a maximum) is not a count and is refused.
The source is ``header.acquisition_provenance.source_name`` when given.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO, Any

from clotwatch.activity import jsondoc
from clotwatch.activity.common import (
    FirstBadGuard,
    Item,
    ReadContext,
    Refused,
    Unreadable,
    guess_kind,
    make,
    parse_iso,
)
from clotwatch.core.activity import parse_count
from clotwatch.core.errors import InputError

FORMAT = "open-mhealth"
DEFAULT_SOURCE = "Open mHealth"
_UNITS = {"ps": 1e-12, "ns": 1e-9, "us": 1e-6, "ms": 1e-3, "sec": 1.0, "s": 1.0, "min": 60.0,
          "h": 3600.0, "d": 86400.0, "wk": 604800.0}


def sniff(head: bytes, name: str) -> bool:
    """JSON mentioning step_count (data points or bodies)."""
    start = head.lstrip()
    return start[:1] in (b"{", b"[") and b'"step_count"' in start[:8192]


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield a sample for each step-count data point."""
    guard = FirstBadGuard("an Open mHealth step-count file")
    for got in jsondoc.objects(stream, ctx.head):
        if isinstance(got, Refused):
            guard.failed(got)
            yield got
            continue
        place, value = got
        points = value if isinstance(value, list) else [value]
        if place == "document" and not isinstance(value, (list, dict)):
            raise Unreadable("expected Open mHealth data points (JSON objects)")
        for index, point in enumerate(points, start=1):
            where = f"record {index}" if place == "document" else place
            item = _point(point, where, ctx)
            if isinstance(item, Refused):
                guard.failed(item)
            else:
                guard.ok()
            yield item


def _point(point: Any, place: str, ctx: ReadContext) -> Item:
    if not isinstance(point, dict):
        return Refused(place, "not a JSON object")
    body = point.get("body", point)
    header = point.get("header") if isinstance(point.get("header"), dict) else {}
    try:
        if not isinstance(body, dict) or "step_count" not in body:
            raise InputError("body.step_count", "missing")
        if body.get("descriptive_statistic"):
            raise InputError("body.descriptive_statistic",
                             f"{body['descriptive_statistic']!r} is a statistic, not a count")
        count = body["step_count"]
        if isinstance(count, dict):
            unit = count.get("unit", "steps")
            if unit not in ("steps", "{steps}", "count"):
                raise InputError("body.step_count.unit", f"{unit!r} is not steps")
            count = count.get("value")
        steps = parse_count(count)
        start, end = _interval(body, ctx)
    except InputError as exc:
        return Refused(place, str(exc))
    provenance = header.get("acquisition_provenance") if isinstance(header, dict) else None
    source = None
    if isinstance(provenance, dict):
        source = provenance.get("source_name")
    source = str(source or DEFAULT_SOURCE)
    return make(source, guess_kind(source), start, end, steps, place)


def _interval(body: dict[str, Any], ctx: ReadContext) -> tuple[datetime, datetime]:
    frame = body.get("effective_time_frame")
    interval = frame.get("time_interval") if isinstance(frame, dict) else None
    if not isinstance(interval, dict):
        raise InputError("body.effective_time_frame.time_interval",
                         "missing (a step count needs the interval it covers)")
    start_text = interval.get("start_date_time")
    end_text = interval.get("end_date_time")
    duration = interval.get("duration")
    span = _duration(duration) if duration is not None else None
    prefix = "body.effective_time_frame.time_interval."
    if start_text is not None and end_text is not None:
        return (parse_iso(start_text, ctx, prefix + "start_date_time"),
                parse_iso(end_text, ctx, prefix + "end_date_time"))
    if start_text is not None and span is not None:
        start = parse_iso(start_text, ctx, prefix + "start_date_time")
        return start, start + span
    if end_text is not None and span is not None:
        end = parse_iso(end_text, ctx, prefix + "end_date_time")
        return end - span, end
    raise InputError(prefix[:-1], "needs start and end, or one of them and a duration")


def _duration(value: Any) -> timedelta:
    if not isinstance(value, dict):
        raise InputError("duration", "expected {value, unit}")
    unit = value.get("unit")
    number = value.get("value")
    if unit not in _UNITS:
        raise InputError("duration.unit", f"{unit!r} is not one of {', '.join(_UNITS)}")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise InputError("duration.value", f"{number!r} is not a number")
    return timedelta(seconds=number * _UNITS[unit])
