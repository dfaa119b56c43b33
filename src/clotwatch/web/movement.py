"""Reminders to move on the person's and the clinician's pages (issue #9): the threshold, gap
and channel form, the in-app notice, and a journey added from the travel page.

Thin: read the form (CSRF-checked), call ``clotwatch.service.movement`` (which asks
``clotwatch.service.policy``), redirect back. ``section(request, actor, patient_id)`` gives the
pages what ``_movement_settings.html`` shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from clotwatch.errors import InputError
from clotwatch.service import movement
from clotwatch.service.accounts import Principal
from clotwatch.service.followup import NotFound
from clotwatch.web.followup import _now, _text, form_action
from clotwatch.web.routes import PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)


async def section(request: Request, actor: Principal, patient_id: int) -> dict[str, Any]:
    """What the movement-settings section shows (empty for a reader who may not set them)."""
    store = request.app.state.store
    now = _now(request)
    try:
        settings = await run_in_threadpool(movement.movement_settings, store, actor,
                                           patient_id, now)
    except NotFound:
        return {}
    notice = await run_in_threadpool(movement.current_notice, store, actor, now) \
        if actor.user_id == patient_id else None
    return {"move_settings": settings, "move_notice": notice,
            "move_own": actor.user_id == patient_id, "move_patient_id": patient_id}


@router.post("/{lang}/me/movement")
async def my_movement(request: Request, lang: str) -> Response:
    """The person's threshold, gap and channel (each checked; nothing stored on a bad one)."""
    store = request.app.state.store
    return await form_action(request, lang, lambda actor, form: movement.set_movement(
        store, actor, actor.user_id, _now(request), threshold=_text(form, "move_threshold", 10),
        gap=_text(form, "move_gap", 10), channel=_text(form, "move_channel", 10)),
        then=f"/{lang}/me#movement-settings-h")


@router.post("/{lang}/care/patients/{patient_id}/movement")
async def patient_movement(request: Request, lang: str, patient_id: int) -> Response:
    """A clinician of the patient's clinic sets the threshold."""
    store = request.app.state.store
    return await form_action(request, lang, lambda actor, form: movement.set_movement(
        store, actor, patient_id, _now(request), threshold=_text(form, "move_threshold", 10)),
        then=f"/{lang}/care/patients/{patient_id}#movement-settings-h")


def _moment(field: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(field, "not a date and time") from None
    if moment.utcoffset() is None:
        raise InputError(field, "give the time with its time zone")
    return moment


def _journey(request: Request, actor: Principal, depart: str, arrive: str,
             every: str) -> None:
    now = _now(request)
    journey = movement.check_journey(_moment("depart", depart), _moment("arrive", arrive),
                                     every, now)
    movement.add_journey(request.app.state.store, actor, journey, now)


@router.post("/{lang}/me/journey")
async def add_journey(request: Request, lang: str) -> Response:
    """A journey from the travel plan: the reminders to move follow its cadence while it
    lasts."""
    return await form_action(request, lang, lambda actor, form: _journey(
        request, actor, _text(form, "depart", 40), _text(form, "arrive", 40),
        _text(form, "move_every", 10)), then=f"/{lang}/me#movement-settings-h")


@router.post("/{lang}/me/journey/off")
async def remove_journey(request: Request, lang: str) -> Response:
    """Forget the journey: the usual reminders again."""
    store = request.app.state.store
    return await form_action(
        request, lang, lambda actor, form: movement.remove_journey(store, actor, _now(request)),
        then=f"/{lang}/me#movement-settings-h")
