"""FHIR R4 step-count Observations, in a Bundle or as NDJSON (one resource a line).

LOINC 41950-7 "Number of steps in 24 hour Measured" is a day's total: its effectivePeriod, or
the local day of its effectiveDateTime (a bare date is read in the --tz zone). LOINC 55423-8
"Number of steps in unspecified time Pedometer" needs an effectivePeriod. The value is
``valueQuantity.value``; the source is the device's display name, else ``meta.source``.
Observations that are ``entered-in-error`` or ``cancelled`` are refused with that reason;
other resources and other codes are not step records and are passed over.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from clotwatch.activity import jsondoc
from clotwatch.activity.common import (
    FirstBadGuard,
    Item,
    ReadContext,
    Refused,
    Unreadable,
    day_bounds,
    guess_kind,
    make,
    parse_iso,
)
from clotwatch.core.activity import parse_count
from clotwatch.core.errors import InputError

FORMAT = "fhir"
LOINC = "http://loinc.org"
DAILY = "41950-7"
INTERVAL = "55423-8"
_REFUSED_STATUS = {"entered-in-error", "cancelled"}


def sniff(head: bytes, name: str) -> bool:
    """JSON with a resourceType (a Bundle, an Observation, or NDJSON of resources)."""
    start = head.lstrip()
    return start.startswith(b"{") and b'"resourceType"' in start[:4096]


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield a sample for each step Observation."""
    guard = FirstBadGuard("a FHIR file of step Observations")
    for got in jsondoc.objects(stream, ctx.head):
        if isinstance(got, Refused):
            guard.failed(got)
            yield got
            continue
        place, value = got
        for where, resource in _resources(value, place):
            item = _observation(resource, where, ctx)
            if item is None:
                continue
            if isinstance(item, Refused):
                guard.failed(item)
            else:
                guard.ok()
            yield item


def _resources(value: Any, place: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(value, dict):
        raise Unreadable(f"{place}: expected a FHIR resource (a JSON object)")
    if value.get("resourceType") == "Bundle":
        for index, entry in enumerate(value.get("entry") or [], start=1):
            where = f"entry {index}" if place == "document" else f"{place} entry {index}"
            yield where, entry.get("resource") if isinstance(entry, dict) else None
    else:
        yield ("resource 1" if place == "document" else place), value


def _codes(resource: dict[str, Any]) -> set[str]:
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return {str(c["code"]) for c in codings or [] if isinstance(c, dict)
            and c.get("system") == LOINC and isinstance(c.get("code"), str)}


def _observation(resource: Any, place: str, ctx: ReadContext) -> Item | None:
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        return None
    codes = _codes(resource)
    if DAILY not in codes and INTERVAL not in codes:
        return None
    status = resource.get("status")
    if status in _REFUSED_STATUS:
        return Refused(place, f"status: {status}")
    try:
        quantity = resource.get("valueQuantity")
        if not isinstance(quantity, dict) or "value" not in quantity:
            raise InputError("valueQuantity", "missing")
        steps = parse_count(quantity["value"])
        start, end = _when(resource, DAILY in codes, ctx)
    except InputError as exc:
        return Refused(place, str(exc))
    device = resource.get("device")
    display = device.get("display") if isinstance(device, dict) else None
    meta = resource.get("meta")
    meta_source = meta.get("source") if isinstance(meta, dict) else None
    source = display or meta_source or "FHIR"
    return make(str(source), guess_kind(display, meta_source), start, end, steps, place)


def _when(resource: dict[str, Any], daily: bool, ctx: ReadContext) -> tuple[datetime, datetime]:
    period = resource.get("effectivePeriod")
    if isinstance(period, dict):
        return (parse_iso(period.get("start"), ctx, "effectivePeriod.start"),
                parse_iso(period.get("end"), ctx, "effectivePeriod.end"))
    moment = resource.get("effectiveDateTime")
    if not daily:
        raise InputError("effectivePeriod", f"LOINC {INTERVAL} needs the interval it counts")
    if isinstance(moment, str) and len(moment.strip()) == 10:
        try:
            day = date.fromisoformat(moment.strip())
        except ValueError:
            raise InputError("effectiveDateTime", f"{moment!r} is not a date") from None
        ctx.naive_seen = True
        return day_bounds(day, ctx.zone)
    when = parse_iso(moment, ctx, "effectiveDateTime")
    zone = when.tzinfo
    assert zone is not None
    return day_bounds(when.date(), zone)
