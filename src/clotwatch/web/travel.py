"""The long-journey page: a journey and risk factors in, the plan and its calendar file out.

Thin: read the form, call core.travel and service.travel, render. Nothing is stored; the
calendar is made from the same posted form (a POST, so the answers never sit in a URL or a
server log).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from clotwatch.errors import InputError
from clotwatch.web.i18n import clinical, gettext
from clotwatch.web.render import render
from clotwatch.web.routes import PageRoute, checked_form

router = APIRouter(include_in_schema=False, route_class=PageRoute)
ANSWERS = {"yes": True, "no": False, "": None}
ZONES = ("UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Moscow",
         "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Dubai",
         "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney")


def read_form(form: FormData) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(plan arguments, raw values, errors by field) from the travel form."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from clotwatch.core.travel import RISK_FACTORS

    values = {k: v for k, v in form.items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    args: dict[str, Any] = {}
    zone_name = values.get("zone", "").strip() or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        errors["zone"] = "not a time zone name such as Europe/London"
        zone = None
    depart_text = values.get("depart", "").strip()
    if not depart_text:
        errors["depart"] = "missing"
    else:
        try:
            depart = datetime.fromisoformat(depart_text)
            if depart.tzinfo is None and zone is not None:
                depart = depart.replace(tzinfo=zone)
            args["depart"] = depart
        except ValueError:
            errors["depart"] = "not a date and time"
    hours_text = values.get("hours", "").strip().replace(",", ".")
    try:
        args["hours"] = float(hours_text)
    except ValueError:
        errors["hours"] = "missing" if not hours_text else "not a number"
    answers: dict[str, bool | None] = {}
    for factor in RISK_FACTORS:
        raw = values.get(factor.id, "")
        if raw not in ANSWERS:
            errors[factor.id] = "answer yes, no or don't know"
            raw = ""
        answers[factor.id] = ANSWERS[raw]
    args["answers"] = answers
    return args, values, errors


def _plan(request: Request, lang: str, args: dict[str, Any]) -> dict[str, Any]:
    from clotwatch.core.travel import make_plan

    triage = str(request.base_url).rstrip("/") + f"/{lang}/triage"
    return make_plan(args["depart"], args["hours"], args["answers"],
                     now=request.app.state.clock(), triage_url=triage, tr=clinical(lang))


def _form_page(request: Request, lang: str, values: dict[str, str], errors: dict[str, str],
               status: int = 200) -> Response:
    from clotwatch.core.travel import RISK_FACTORS

    return render(request, lang, "travel.html", status_code=status, factors=RISK_FACTORS,
                  values=values, errors=errors, zones=ZONES)


@router.get("/{lang}/travel")
async def form(request: Request, lang: str) -> Response:
    """The journey form."""
    return _form_page(request, lang, {}, {})


async def _posted_plan(request: Request, lang: str
                       ) -> tuple[dict[str, Any], dict[str, str]] | Response:
    """The plan for the posted form and its raw values, or the page to answer with instead
    (the form again with its errors, or a refused token). One reading for the plan page and
    its calendar file."""
    posted = await checked_form(request, lang)
    if isinstance(posted, Response):
        return posted
    args, values, errors = read_form(posted)
    if not errors:
        try:
            return _plan(request, lang, args), values
        except InputError as exc:
            errors[exc.field or "_form"] = exc.reason
    return _form_page(request, lang, values, errors, status=422)


def _signed_in(request: Request) -> bool:
    """Whether someone is signed in (the plan then offers to follow the journey with their
    reminders to move; the service decides whether they may)."""
    from clotwatch.web.followup import SESSION_COOKIE, _session_principal

    if not request.cookies.get(SESSION_COOKIE):
        return False
    found = _session_principal(request)
    return found is not None and found[1]


@router.post("/{lang}/travel")
async def plan(request: Request, lang: str) -> Response:
    """The plan for the posted journey."""
    from starlette.concurrency import run_in_threadpool

    from clotwatch.core.travel import RISK_FACTORS
    from clotwatch.core.travel.plan import DEFAULT_MOVE_EVERY_MINUTES, MOVE_FROM_HOURS

    found = await _posted_plan(request, lang)
    if isinstance(found, Response):
        return found
    result, values = found
    follow = result["journey"]["hours"] >= MOVE_FROM_HOURS \
        and await run_in_threadpool(_signed_in, request)
    return render(request, lang, "travel_plan.html", plan=result, values=values,
                  factors=RISK_FACTORS, depart=_when(result["journey"]["depart"]),
                  arrive=_when(result["journey"]["arrive"]), follow_journey=follow,
                  move_every=DEFAULT_MOVE_EVERY_MINUTES)


def _when(iso: str) -> str:
    """``2026-12-20 10:00 (UTC+01:00)``: a time as people read it, with its offset."""
    moment = datetime.fromisoformat(iso)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


@router.post("/{lang}/travel/plan.ics")
async def calendar_file(request: Request, lang: str) -> Response:
    """The plan's reminders as a calendar file, from the same form."""
    from clotwatch.service.travel import calendar

    found = await _posted_plan(request, lang)
    if isinstance(found, Response):
        return found
    result, _values = found
    _ = gettext(lang)
    body = calendar(result, now=request.app.state.clock(), title=_("Journey"),
                    after_title=_("Check your legs after the journey"))
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="journey-plan.ics"'})
