"""REST API for follow-up apps and integrations, authorised by scoped API tokens.

``Authorization: Bearer cwt_...`` (issued by ``clotwatch admin create-token``); each route
needs one scope. Access to a patient's data is decided by ``clotwatch.service.policy`` exactly
as for the web pages: a token never reaches further than its account.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from clotwatch.api.deps import get_now, get_store
from clotwatch.api.errors import LocatedInputError
from clotwatch.errors import InputError
from clotwatch.service import accounts, followup, rules
from clotwatch.service.accounts import Principal
from clotwatch.service.followup import CheckInInput, NotFound
from clotwatch.service.policy import AccessDenied
from clotwatch.store import Store

router = APIRouter(prefix="/api/v1/followup", tags=["follow-up"])
T = TypeVar("T")
AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "no valid API token"},
        403: {"description": "the token lacks the scope, or the account may not do this"}}


def _json(content: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(content), media_type="application/json",
                    status_code=status_code)


def _principal(request: Request, authorization: str | None) -> Principal:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "send Authorization: Bearer <API token>",
                            headers={"WWW-Authenticate": "Bearer"})
    store: Store = request.app.state.store
    now: datetime = request.app.state.clock()
    with store.session() as session:
        principal = accounts.token_principal(session, authorization[7:].strip(), now)
    if principal is None:
        raise HTTPException(401, "unknown, expired or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def needs(scope: str) -> Callable[..., Any]:
    """A dependency: the token's principal, if the token carries ``scope`` (else 403)."""

    async def dependency(request: Request, authorization: Annotated[
            str | None, Header(description="Bearer <API token>")] = None) -> Principal:
        principal = await run_in_threadpool(_principal, request, authorization)
        if not principal.has_scope(scope):
            raise HTTPException(403, f"the token lacks the scope {scope!r}")
        return principal

    return dependency


async def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except NotFound:
        raise HTTPException(404, "not found") from None
    except AccessDenied:
        raise HTTPException(403, "not allowed") from None


class WarningSignsIn(BaseModel):
    """The warning signs, asked first; ``null`` means "don't know" (never read as no)."""

    model_config = ConfigDict(extra="forbid")
    short_of_breath: bool | None
    chest_pain: bool | None
    coughing_blood: bool | None
    fainting: bool | None
    cold_pale_numb_leg: bool | None
    fast_heartbeat: bool | None = Field(
        None, description="a racing or pounding heart at rest; absent or null: don't know "
                          "(the triage: an emergency unless the legs are ruled out)")


class LegSignsIn(BaseModel):
    """The other leg findings the triage reads before it can say that nothing needs a doctor
    (its vocabulary, ``clotwatch.triage/1``: ``leg_pain`` here is yes/no, the 0-10 score is the
    check-in's ``leg_pain``); absent or null: don't know, never "no"."""

    model_config = ConfigDict(extra="forbid")
    leg_pain: bool | None = None
    cramp: bool | None = None
    pain_on_toes_up: bool | None = None
    getting_worse: bool | None = None
    worse_walking_standing: bool | None = None
    hard_tender_vein: bool | None = None
    new_visible_veins: bool | None = None
    fever: bool | None = None
    leg_ulcer: bool | None = None
    chronic_skin_changes: bool | None = None
    recurrent_cramps: bool | None = None


class VillaltaSymptomsIn(BaseModel):
    """Patient-rated Villalta symptoms, 0 none .. 3 severe (Kahn 2009, ISTH)."""

    model_config = ConfigDict(extra="forbid")
    pain: int | None = Field(None, ge=0, le=3)
    cramps: int | None = Field(None, ge=0, le=3)
    heaviness: int | None = Field(None, ge=0, le=3)
    paresthesia: int | None = Field(None, ge=0, le=3)
    pruritus: int | None = Field(None, ge=0, le=3)


class CheckInIn(BaseModel):
    """A check-in from an app."""

    model_config = ConfigDict(extra="forbid")
    warning_signs: WarningSignsIn
    leg_side: Literal["left", "right", "both", "none"] | None = None
    swelling: bool | None = None
    warmth: bool | None = None
    redness: bool | None = None
    leg_signs: LegSignsIn = Field(default_factory=lambda: LegSignsIn.model_validate({}))
    calf_left_cm: float | None = Field(None, ge=15, le=80)
    calf_right_cm: float | None = Field(None, ge=15, le=80)
    leg_pain: int | None = Field(None, ge=0, le=10)
    doses_taken: int | None = Field(None, ge=0, le=10)
    doses_missed: int | None = Field(None, ge=0, le=10)
    villalta_symptoms: VillaltaSymptomsIn = Field(
        default_factory=lambda: VillaltaSymptomsIn.model_validate({}))
    venous_ulcer: bool | None = None
    daily_steps: int | None = Field(None, ge=0, le=200_000,
                                    description="the day's steps, if a wearable counted them")


class CheckInOut(BaseModel):
    """What a check-in led to. ``emergency`` true: show the emergency screen first.
    ``disposition`` is what to tell the person: the triage's disposition on the check-in's
    facts (``clotwatch check`` says the same on the same answers), ``triage`` its result."""

    id: int
    emergency: bool
    alerts_opened: list[str]
    advice: str | None
    disposition: Literal["emergency", "urgent", "soon", "self_care"]
    triage: dict[str, Any]


class AlertActionIn(BaseModel):
    """Acknowledge (with a note), snooze (hours) or resolve."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=2000)
    hours: float | None = Field(None, gt=0, le=168)


class ProgrammeOut(BaseModel):
    """A follow-up programme."""

    id: str
    name: str
    length_days: int
    interval_days: int
    citation: str


class WorklistRowOut(BaseModel):
    """One patient of the worklist."""

    patient_id: int
    name: str
    programme_id: str
    clinic_id: int
    open_alerts: int
    last_checkin_at: datetime | None
    top_alert: dict[str, Any] | None


EMERGENCY_ADVICE = ("Call your emergency number now (112 / 999 / 911 / 103). Your care team "
                    "has been alerted, but that does not replace calling.")


@router.get("/programmes", response_model=list[ProgrammeOut])
async def programmes() -> Response:
    """The follow-up programmes, with their sources."""
    return _json([p.__dict__ for p in rules.programmes()])


@router.get("/me", responses=AUTH)
async def me(actor: Annotated[Principal, Depends(needs("profile"))]) -> dict[str, Any]:
    """The token's account and roles."""
    return {"id": actor.user_id, "email": actor.email, "name": actor.name,
            "staff": {str(k): v for k, v in actor.staff.items()},
            "caregiver_of": sorted(actor.caregiver_of), "scopes": sorted(actor.scopes or ())}


@router.post("/checkins", response_model=CheckInOut, status_code=201, responses=AUTH)
async def checkin(body: CheckInIn,
                  actor: Annotated[Principal, Depends(needs("checkins:write"))],
                  store: Annotated[Store, Depends(get_store)],
                  now: Annotated[datetime, Depends(get_now)]) -> Response:
    """Submit a check-in (one transaction with the alerts it opens)."""
    data = CheckInInput(
        warning_signs=body.warning_signs.model_dump(),
        leg={k: v for k, v in (("leg_side", body.leg_side), ("swelling", body.swelling),
                               ("warmth", body.warmth), ("redness", body.redness),
                               *body.leg_signs.model_dump().items())
             if v is not None},
        calf_left_cm=body.calf_left_cm, calf_right_cm=body.calf_right_cm,
        leg_pain=body.leg_pain, doses_taken=body.doses_taken, doses_missed=body.doses_missed,
        villalta_symptoms=body.villalta_symptoms.model_dump(), venous_ulcer=body.venous_ulcer,
        daily_steps=body.daily_steps)
    try:
        outcome = await _call(followup.submit_checkin, store, actor, data, now)
    except InputError as exc:
        raise LocatedInputError(exc, ("body",)) from None
    from clotwatch import followup as core
    from clotwatch import triage

    return _json({"id": outcome.checkin_id, "emergency": outcome.emergency,
                  "alerts_opened": list(outcome.alerts_opened),
                  "advice": EMERGENCY_ADVICE if outcome.emergency else None,
                  "disposition": outcome.disposition,
                  "triage": triage.assess(dict(outcome.triage_answers),
                                          asked=core.TRIAGE_QUESTIONS)}, 201)


@router.get("/patients/{patient_id}", responses={**AUTH, 404: {"description": "not found"}})
async def patient(patient_id: Annotated[int, Path(ge=1, le=2**31 - 1,
                                                  description="the patient's id")],
                  actor: Annotated[Principal, Depends(needs("checkins:read"))],
                  store: Annotated[Store, Depends(get_store)],
                  now: Annotated[datetime, Depends(get_now)]) -> Response:
    """A patient's enrolments, check-ins (newest first) and alerts with their history."""
    return _json(await _call(followup.patient_record, store, actor, patient_id, now))


@router.get("/worklist", response_model=list[WorklistRowOut], responses=AUTH)
async def worklist(actor: Annotated[Principal, Depends(needs("worklist:read"))],
                   store: Annotated[Store, Depends(get_store)],
                   now: Annotated[datetime, Depends(get_now)],
                   programme: Annotated[str | None, Query(
                       max_length=64, description="only this programme's patients")] = None,
                   limit: Annotated[int, Query(ge=1, le=1000,
                                               description="at most this many rows")] = 200,
                   offset: Annotated[int, Query(ge=0, le=10_000_000,
                                                description="rows to skip (paging)")] = 0,
                   ) -> Response:
    """The token holder's clinics' patients, most urgent first."""
    try:
        rows = await _call(followup.worklist, store, actor, now, programme=programme,
                           limit=limit, offset=offset)
    except InputError as exc:
        raise LocatedInputError(exc, ("query",)) from None
    return _json([{**r.__dict__, "last_checkin_at": r.last_checkin_at.isoformat()
                   if r.last_checkin_at else None} for r in rows])


@router.post("/alerts/{alert_id}/{action}", responses={**AUTH, 404: {"description": "no such "
                                                                     "alert"}})
async def alert_action(alert_id: Annotated[int, Path(ge=1, le=2**31 - 1,
                                                      description="the alert's id")],
                       action: Annotated[Literal["acknowledge", "snooze", "resolve"], Path(
                           description="what to do with the alert")],
                       body: AlertActionIn,
                       actor: Annotated[Principal, Depends(needs("alerts:write"))],
                       store: Annotated[Store, Depends(get_store)],
                       now: Annotated[datetime, Depends(get_now)]) -> Response:
    """Acknowledge, snooze or resolve one alert (and only that one)."""
    try:
        return _json(await _call(followup.act_on_alert, store, actor, alert_id, action, now,
                                 note=body.note, snooze_hours=body.hours))
    except InputError as exc:
        raise LocatedInputError(exc, ("body",)) from None


@router.get("/export", responses=AUTH)
async def export(actor: Annotated[Principal, Depends(needs("export"))],
                 store: Annotated[Store, Depends(get_store)],
                 now: Annotated[datetime, Depends(get_now)],
                 format: Annotated[Literal["json", "fhir"], Query(
                     description="json: clotwatch's own; fhir: a FHIR R4 Bundle")] = "json",
                 ) -> Response:
    """All the token holder's own data: JSON, or a FHIR R4 Bundle (``format=fhir``)."""
    from clotwatch.fhir import followup_export

    data = await _call(followup.export, store, actor, now)
    if format == "fhir":
        return Response(orjson.dumps(followup_export.bundle(data)),
                        media_type="application/fhir+json")
    return _json(data)

