"""CDS Hooks 2.0 routes: discovery, the services, feedback. Thin: route -> service.cds.

- ``GET /cds-services``: the discovery document (public: it holds no patient data; a bearer
  token, if sent, is still verified).
- ``POST /cds-services/{id}``: a hook call; needs a signed JWT from a trusted EHR
  (``clotwatch.cdshooks.trust``). 401 for a missing or refused token, 404 for an unknown
  service, 422 naming the field for a malformed request or prefetch, 412 when the Patient is
  neither prefetched nor obtainable from ``fhirServer``.
- ``POST /cds-services/{id}/feedback``: accepted/overridden outcomes, stored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from starlette.concurrency import run_in_threadpool

from clotwatch.api.deps import get_now, get_settings, get_store
from clotwatch.api.limits import LIMITS, BodyRefused, parse_json
from clotwatch.cdshooks.trust import Caller, ReplayCache, TokenRejected, Trust, verify
from clotwatch.config import Settings
from clotwatch.errors import ConfigError, InputError
from clotwatch.service import cds
from clotwatch.store import Store, StoreReplayCache

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])
Body = TypeVar("Body", bound=BaseModel)

FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
ServiceId = Annotated[str, Path(description="the CDS Service id from discovery",
                                max_length=64)]


# --- schemas ---------------------------------------------------------------------------------

class FhirAuthorizationIn(BaseModel):
    """The OAuth 2.0 access token the EHR grants for its FHIR server."""

    access_token: str = Field(min_length=1, max_length=8192)
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0)
    scope: str = Field(max_length=4096)
    subject: str = Field(max_length=512)
    patient: str | None = Field(None, max_length=64)


class HookRequestIn(BaseModel):
    """A CDS Hooks request (specification 2.0). ``extension`` and other extra fields pass."""

    model_config = ConfigDict(extra="allow")

    hook: str = Field(min_length=1, max_length=100)
    hookInstance: str = Field(min_length=1, max_length=100)  # noqa: N815 (the wire name)
    fhirServer: AnyHttpUrl | None = None  # noqa: N815
    fhirAuthorization: FhirAuthorizationIn | None = None  # noqa: N815
    context: dict[str, Any]
    # Values are checked per key by the service: keys clotwatch did not ask for are ignored.
    prefetch: dict[str, Any] | None = None


class PatientViewContextIn(BaseModel):
    """``patient-view`` context."""

    userId: str = Field(min_length=1, max_length=256)  # noqa: N815
    patientId: str = Field(pattern=FHIR_ID)  # noqa: N815
    encounterId: str | None = Field(None, pattern=FHIR_ID)  # noqa: N815


class OrderSignContextIn(PatientViewContextIn):
    """``order-sign`` context: the draft orders as a FHIR Bundle."""

    draftOrders: dict[str, Any]  # noqa: N815


class OrderSelectContextIn(OrderSignContextIn):
    """``order-select`` context: the selected orders and all draft orders."""

    selections: list[str] = Field(min_length=1, max_length=100)


CONTEXTS: dict[str, type[BaseModel]] = {
    "patient-view": PatientViewContextIn,
    "order-sign": OrderSignContextIn,
    "order-select": OrderSelectContextIn,
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CodingOut(_Open):
    """A FHIR-style Coding."""

    system: str | None = None
    code: str
    display: str | None = None


class SourceOut(_Open):
    """Where a card's guidance comes from."""

    label: str
    url: str | None = None


class ActionOut(_Open):
    """A suggested create, update or delete."""

    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None  # noqa: N815


class SuggestionOut(_Open):
    """A suggestion the clinician may accept."""

    label: str
    uuid: str | None = None
    isRecommended: bool | None = None  # noqa: N815
    actions: list[ActionOut] = []


class LinkOut(_Open):
    """A link to open in the browser."""

    label: str
    url: str
    type: Literal["absolute", "smart"]


class CardOut(_Open):
    """A CDS Hooks card."""

    uuid: str | None = None
    summary: str = Field(max_length=139)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: SourceOut
    suggestions: list[SuggestionOut] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None  # noqa: N815
    overrideReasons: list[CodingOut] | None = None  # noqa: N815
    links: list[LinkOut] | None = None


class HookResponseOut(_Open):
    """The cards for one hook call."""

    cards: list[CardOut]


class ServiceOut(_Open):
    """One service in discovery."""

    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None  # noqa: N815


class DiscoveryOut(BaseModel):
    """The discovery document."""

    services: list[ServiceOut]


class OverrideCodingIn(BaseModel):
    """The override reason chosen (one of the card's ``overrideReasons``)."""

    system: str | None = Field(None, max_length=255)
    code: str = Field(min_length=1, max_length=100)
    display: str | None = Field(None, max_length=255)


class OverrideReasonIn(BaseModel):
    """Why the clinician overrode the card."""

    reason: OverrideCodingIn | None = None
    userComment: str | None = Field(None, max_length=2000)  # noqa: N815


class AcceptedSuggestionIn(BaseModel):
    """A suggestion the clinician accepted."""

    id: str = Field(min_length=1, max_length=100)


class FeedbackItemIn(BaseModel):
    """One feedback item."""

    card: str = Field(min_length=1, max_length=100)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestionIn] | None = Field(  # noqa: N815
        None, max_length=100)
    overrideReason: OverrideReasonIn | None = None  # noqa: N815
    outcomeTimestamp: AwareDatetime  # noqa: N815

    @model_validator(mode="after")
    def _accepted_names_its_suggestions(self) -> FeedbackItemIn:
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is required for an accepted outcome")
        return self


class FeedbackIn(BaseModel):
    """``POST /cds-services/{id}/feedback``."""

    feedback: list[FeedbackItemIn] = Field(min_length=1, max_length=1000)


class FeedbackOut(BaseModel):
    """How many feedback items were stored."""

    stored: int


# --- trust -----------------------------------------------------------------------------------

@dataclass
class CdsRuntime:
    """Per-app CDS Hooks state: the trust configuration and the replay cache."""

    trust: Trust
    replay: ReplayCache | StoreReplayCache


_runtime_lock = threading.Lock()


def load_trust(settings: Settings) -> Trust:
    """The trust configuration from the settings (no EHR trusted when none is given)."""
    import json

    allow = settings.cds_allow_unsigned and settings.environment == "development"
    if settings.cds_trust_file is not None:
        return Trust.load(settings.cds_trust_file, allow_unsigned=allow)
    if settings.cds_trust:
        try:
            document = json.loads(settings.cds_trust)
        except ValueError as exc:
            raise ConfigError(f"CLOTWATCH_CDS_TRUST is not JSON: {exc}") from exc
        return Trust.from_document(document, allow_unsigned=allow)
    return Trust(issuers={}, allow_unsigned=allow)


def runtime_of(request: Request) -> CdsRuntime:
    """The app's CDS runtime, made on first use (503 if the trust configuration is bad)."""
    state = request.app.state
    runtime: CdsRuntime | None = getattr(state, "cds_runtime", None)
    if runtime is None:
        with _runtime_lock:
            runtime = getattr(state, "cds_runtime", None)
            if runtime is None:
                try:
                    trust = load_trust(state.settings)
                except ConfigError as exc:
                    raise HTTPException(status_code=503, detail=f"CDS Hooks is not available: "
                                                                f"{exc}") from exc
                # Seen token ids live in the store: a replay through another worker process
                # or instance is refused too.
                runtime = CdsRuntime(trust=trust, replay=StoreReplayCache(state.store))
                state.cds_runtime = runtime
    return runtime


def public_base_url(request: Request, settings: Settings) -> str:
    """The URL the EHR calls us at: CLOTWATCH_CDS_BASE_URL, else the request's own base."""
    return (settings.cds_base_url or str(request.base_url)).rstrip("/")


def authenticate(request: Request,
                 authorization: Annotated[str | None, Header(
                     description="Bearer JWT signed by the EHR (ES384 or RS384)")] = None,
                 ) -> Caller:
    """The verified EHR behind this call; 401 with the reason otherwise."""
    settings: Settings = request.app.state.settings
    runtime = runtime_of(request)
    # Settings refuse a trust configuration without CLOTWATCH_CDS_BASE_URL outside
    # development, so the request's own base (its Host header) is used only where no token
    # can pass anyway, or in development.
    audience = public_base_url(request, settings) + request.url.path
    now = request.app.state.clock().timestamp()
    try:
        return verify(authorization, audience=audience, trust=runtime.trust,
                      replay=runtime.replay, now=now)
    except TokenRejected as exc:
        raise HTTPException(status_code=401, detail=exc.reason,
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) \
            from exc


def authenticate_if_present(request: Request,
                            authorization: Annotated[str | None, Header(
                                description="optional `Bearer <JWT>`: discovery is public, "
                                            "but a token that is sent must verify")] = None,
                            ) -> Caller | None:
    """Discovery is public; a token that is sent must still verify."""
    if not authorization:
        return None
    return authenticate(request, authorization)


# --- bodies, read after authentication ------------------------------------------------------

CDS_LIMIT = next(lim for lim in LIMITS if lim.prefix == "/cds-services")


def _validated(model: type[Body], value: Any) -> Body:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise RequestValidationError([
            {"type": e["type"], "loc": ("body", *e["loc"]), "msg": e["msg"],
             "input": e.get("input")} for e in exc.errors()]) from None


async def raw_body(request: Request) -> bytes:
    """The request's bytes (already read and size-checked by ``BodyLimitMiddleware``)."""
    return await request.body()


def _json_body(raw: bytes) -> Any:
    try:
        return parse_json(raw, CDS_LIMIT)
    except BodyRefused as exc:
        if exc.status == 400:
            raise HTTPException(400, exc.detail["msg"]) from None
        raise RequestValidationError([exc.detail]) from None


# The parse (orjson and the shape count) and the model check are CPU work: sync dependencies,
# so FastAPI runs them in its thread pool, never on the event loop (which would hold up every
# other connection of this worker, discovery included, for the length of the parse).
def hook_body(caller: Annotated[Caller, Depends(authenticate)],
              raw: Annotated[bytes, Depends(raw_body)]) -> HookRequestIn:
    """The hook call's body, parsed only once the caller is authenticated (401 comes first)."""
    return _validated(HookRequestIn, _json_body(raw))


def feedback_body(caller: Annotated[Caller, Depends(authenticate)],
                  raw: Annotated[bytes, Depends(raw_body)]) -> FeedbackIn:
    """The feedback body, parsed only once the caller is authenticated."""
    return _validated(FeedbackIn, _json_body(raw))


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """The request body in the OpenAPI document (the body is read by a dependency)."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


# --- errors ----------------------------------------------------------------------------------

def _unprocessable(error: InputError, prefix: tuple[str, ...] = ("body",)) -> JSONResponse:
    loc = [*prefix, *(error.field.split(".") if error.field else [])]
    return JSONResponse(status_code=422, content={"detail": [
        {"type": "value_error", "loc": loc, "msg": error.reason, "input": None}]})


def _context_of(hook: str, context: dict[str, Any]) -> None:
    model = CONTEXTS.get(hook)
    if model is None:
        return
    try:
        model.model_validate(context)
    except ValidationError as exc:
        raise RequestValidationError([
            {"type": e["type"], "loc": ("body", "context", *e["loc"]), "msg": e["msg"],
             "input": None} for e in exc.errors()]) from None


def _feedback_item(item: FeedbackItemIn) -> cds.FeedbackItem:
    override = item.overrideReason
    reason = override.reason if override else None
    return cds.FeedbackItem(
        card=item.card, outcome=item.outcome, outcome_at=item.outcomeTimestamp,
        accepted_suggestions=tuple(s.id for s in item.acceptedSuggestions or ()),
        override_system=reason.system if reason else None,
        override_code=reason.code if reason else None,
        override_display=reason.display if reason else None,
        user_comment=override.userComment if override else None)


# --- routes ----------------------------------------------------------------------------------

@router.get("", response_model=DiscoveryOut, summary="CDS Hooks discovery",
            dependencies=[Depends(authenticate_if_present)],
            responses={401: {"description": "a bearer JWT was sent and did not verify"}})
def discovery() -> dict[str, Any]:
    """The CDS Services offered, with their hooks and prefetch templates."""
    return cds.discovery()


AUTHORIZATION_DOC = {"name": "authorization", "in": "header", "required": False,
                     "description": "Bearer JWT signed by the EHR (ES384 or RS384)",
                     "schema": {"type": "string", "title": "Authorization"}}


@router.post("/{service_id}", response_model=HookResponseOut, response_model_exclude_none=True,
             summary="Call a CDS Service",
             openapi_extra=_body_doc(HookRequestIn) | {"parameters": [AUTHORIZATION_DOC]},
             responses={400: {"description": "the body is not JSON in UTF-8, or names another "
                                             "hook than the service answers"},
                        401: {"description": "missing, invalid or untrusted bearer JWT"},
                        404: {"description": "no such service"},
                        412: {"description": "required prefetch data cannot be had"},
                        422: {"description": "malformed request or prefetch"}})
async def call_service(service_id: ServiceId, request: Request) -> Any:
    """Cards computed from the prefetch (Wells/Caprini/Padua for patient-view; VTE and
    bleeding risk for anticoagulant orders). Decision support, not a diagnosis."""
    # The bytes were read and size-checked by BodyLimitMiddleware; everything else (the
    # token, then the parse, then the cards) is CPU work, done in one trip to the thread pool
    # (issue 13: each sync dependency or route was a trip of its own; the token and the
    # headers were read through FastAPI's parameter machinery, which cost more than the
    # reading itself). The event loop stays free for the worker's other connections.
    raw = await request.body()
    return await run_in_threadpool(_answer_call, service_id, request, raw)


def _answer_call(service_id: str, request: Request, raw: bytes) -> Any:
    """The caller checked (401 before the body is parsed), the body read, the cards made."""
    caller = authenticate(request, request.headers.get("authorization"))
    body = hook_body(caller, raw)
    settings = get_settings(request)
    now = get_now(request)
    try:
        svc = cds.service(service_id)
    except cds.UnknownService as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    if body.hook != svc.hook:
        return JSONResponse(status_code=400, content={"detail": [
            {"type": "value_error", "loc": ["body", "hook"], "input": body.hook,
             "msg": f"service {svc.id!r} answers the {svc.hook!r} hook"}]})
    _context_of(svc.hook, body.context)
    call = cds.HookCall(
        hook=body.hook, hook_instance=body.hookInstance, context=body.context,
        prefetch=body.prefetch,
        fhir_server=str(body.fhirServer) if body.fhirServer else None,
        fhir_token=body.fhirAuthorization.access_token if body.fhirAuthorization else None)
    fetch = getattr(request.app.state, "cds_fetch", cds.fetch_fhir)
    try:
        cards = cds.invoke(service_id, call, now=now,
                           base_url=public_base_url(request, settings), fetch=fetch)
    except cds.PrefetchUnavailable as exc:
        return JSONResponse(status_code=412, content={"detail": str(exc),
                                                      "missing": list(exc.keys)})
    except InputError as exc:
        return _unprocessable(exc)
    # The cards are built by clotwatch itself (tests check them against HookResponseOut):
    # serialised directly, without a second validation.
    return Response(orjson.dumps(cards), media_type="application/json")


@router.post("/{service_id}/feedback", response_model=FeedbackOut,
             summary="Feedback on a card: accepted or overridden",
             openapi_extra=_body_doc(FeedbackIn),
             responses={401: {"description": "missing, invalid or untrusted bearer JWT"},
                        404: {"description": "no such service"}})
def feedback(service_id: ServiceId,
             caller: Annotated[Caller, Depends(authenticate)],
             body: Annotated[FeedbackIn, Depends(feedback_body)],
             store: Annotated[Store, Depends(get_store)],
             now: Annotated[datetime, Depends(get_now)]) -> FeedbackOut:
    """Stores each outcome with its accepted suggestions or override reason and comment."""
    items = [_feedback_item(item) for item in body.feedback]
    try:
        stored = cds.record_feedback(store, service_id, items, now=now,
                                     client_iss=caller.iss, tenant=caller.tenant)
    except cds.UnknownService as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return FeedbackOut(stored=stored)
