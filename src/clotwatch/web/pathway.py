"""The clinician's page that walks the NICE NG158 pathway for suspected DVT or PE.

Each post re-runs the pathway on everything entered so far and shows the next step on top,
with the fields it needs next first. Thin: read the form, call service.pathway, render.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from clotwatch.errors import InputError
from clotwatch.web.forms import convert
from clotwatch.web.i18n import clinical
from clotwatch.web.render import capfirst, render
from clotwatch.web.routes import PageRoute, checked_form, not_found

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PATHWAYS = ("dvt", "pe")


def _fields(pathway_id: str) -> list[Any]:
    """The inputs shown on the page: all but item-by-item instrument answers (the
    calculators page scores those; here the total or the category is entered)."""
    from clotwatch.core.pathway import inputs_for

    return [i for i in inputs_for(pathway_id) if i.kind != "answers"]


ZONE_FIELD = "tz"
UTC_ZONE = UTC
OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_zone(text: str) -> tzinfo:
    """A time zone as a person or a browser gives it: an IANA name (``Europe/London``, what
    ``Intl.DateTimeFormat().resolvedOptions().timeZone`` gives), ``UTC``, or an offset
    (``+01:00``, ``UTC-5``). Empty means UTC. Raises InputError naming the field."""
    name = text.strip()
    if name.upper() in ("", "UTC", "Z", "GMT"):
        return UTC_ZONE
    match = OFFSET.match(name)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            raise InputError(ZONE_FIELD, "an offset from UTC is at most 14 hours")
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(ZONE_FIELD, "unknown time zone; give a name such as Europe/London "
                                     "or an offset such as +01:00") from None


UTC_ZONE = UTC


def zoned(field: str, raw: str, zone: tzinfo) -> str:
    """A date-time input's value as ISO 8601 with its offset: the browser's ``datetime-local``
    value (``2026-11-24T09:30``, a wall-clock time) is read in ``zone``; a value typed with
    its own zone (``...Z``, ``...+01:00``) keeps it."""
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(field, "give a date and time, e.g. 2026-11-24 09:30") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.isoformat()


def read_form(pathway_id: str, form: FormData) -> tuple[dict[str, Any], dict[str, str],
                                                        dict[str, str]]:
    """(inputs, raw values, errors by input id) from the pathway form.

    Date-times come from the browser's date and time inputs as wall-clock times, read in the
    form's time zone field (filled from the browser's zone by app.js, typed without it).
    """
    inputs: dict[str, Any] = {}
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    raw_zone = form.get(ZONE_FIELD)
    # Once posted, the field shows the zone the times were read in (empty was UTC), so that
    # app.js never swaps in the browser's zone under times already read in another.
    values[ZONE_FIELD] = raw_zone.strip() if isinstance(raw_zone, str) and raw_zone.strip() \
        else "UTC"
    zone: tzinfo = UTC_ZONE
    try:
        zone = parse_zone(values[ZONE_FIELD])
    except InputError as exc:
        errors[ZONE_FIELD] = exc.reason
    for item in _fields(pathway_id):
        raw = form.get(item.id)
        raw = raw if isinstance(raw, str) else None
        values[item.id] = raw or ""
        if raw is None or not raw.strip():
            continue
        try:
            if item.kind in ("bool", "number", "integer", "enum"):
                value = convert(item.id, item.kind, raw, item.options)
            elif item.kind == "datetime":
                value = zoned(item.id, raw, zone)
            else:
                value = raw.strip()
        except InputError as exc:
            errors[item.id] = exc.reason
            continue
        if value is not None:
            inputs[item.id] = value
    return inputs, values, errors


def _page(request: Request, lang: str, pathway_id: str, inputs: dict[str, Any],
          values: dict[str, str], errors: dict[str, str]) -> Response:
    from clotwatch.core.pathway import ACCEPTED_UNITS, get_pathway
    from clotwatch.service import pathway as service

    step = None
    if not errors:
        try:
            step = service.next_step(pathway_id, inputs, request.app.state.clock(),
                                     clinical(lang))
        except InputError as exc:
            errors[exc.field or "_form"] = exc.reason
    fields = _fields(pathway_id)
    needed: list[str] = []
    if step is not None:
        for m in step["missing"]:
            needed += [i for i in m["inputs"] if i not in needed]
    first = [f for f in fields if f.id in needed]
    rest = [f for f in fields if f.id not in needed]
    zone = _zone_or_utc(values.get(ZONE_FIELD, ""))
    return render(request, lang, "pathway.html", status_code=422 if errors else 200,
                  pathway=get_pathway(pathway_id), step=step, first=first, rest=rest,
                  values=values, errors=errors, units=ACCEPTED_UNITS,
                  zone_field=ZONE_FIELD, local=lambda iso: local_time(iso, zone),
                  local_in=lambda text: ISO_TIME.sub(lambda m: local_time(m[0], zone), text),
                  labels={f.id: capfirst(clinical(lang)(f.meaning)) for f in fields})


def _zone_or_utc(text: str) -> tzinfo:
    try:
        return parse_zone(text)
    except InputError:
        return UTC_ZONE


# An ISO 8601 date-time with its offset as the pathway writes them into notes.
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)")


def local_time(iso: str, zone: tzinfo) -> str:
    """An ISO 8601 date-time from the pathway as the clinician reads it: in the form's time
    zone, to the minute, with the zone's name (``2026-11-25 09:30 Europe/London``)."""
    when = datetime.fromisoformat(iso).astimezone(zone)
    name = getattr(zone, "key", None) or when.strftime("UTC%z")
    if name == "UTC+0000":
        name = "UTC"
    return f"{when:%Y-%m-%d %H:%M} {name}"


@router.get("/{lang}/pathway")
async def choose(request: Request, lang: str) -> Response:
    """Pick the DVT or the PE pathway."""
    return render(request, lang, "pathway_choose.html")


@router.get("/{lang}/pathway/{pathway_id}")
async def start(request: Request, lang: str, pathway_id: str) -> Response:
    """The pathway from nothing known: the first question."""
    if pathway_id not in PATHWAYS:
        return not_found(request, lang)
    return _page(request, lang, pathway_id, {}, {}, {})


@router.post("/{lang}/pathway/{pathway_id}")
async def walk(request: Request, lang: str, pathway_id: str) -> Response:
    """The next step from everything entered so far."""
    if pathway_id not in PATHWAYS:
        return not_found(request, lang)
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    inputs, values, errors = read_form(pathway_id, form)
    return _page(request, lang, pathway_id, inputs, values, errors)
