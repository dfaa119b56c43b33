"""REST API v1: triage, instruments, shared assessments. Routes stay thin: route -> service."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import (
    APIRouter,
    Body,
    Depends,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
)

from clotwatch.api.deps import get_now, get_settings, get_store, limit_share_lookups
from clotwatch.api.errors import LocatedInputError
from clotwatch.api.schemas import (
    AssessmentCreatedOut,
    AssessmentIn,
    AssessmentOut,
    InstrumentOut,
    InstrumentResultOut,
    InstrumentSummaryOut,
    Lang,
    TriageOut,
)
from clotwatch.config import Settings
from clotwatch.errors import InputError
from clotwatch.service import assessments, compute
from clotwatch.service.assessments import SharedAssessment
from clotwatch.store import Store

router = APIRouter(prefix="/api/v1")

ANSWERS_EXAMPLE = {"leg_side": "left", "leg_pain": True, "swelling": True, "cramp": False,
                   "short_of_breath": False, "chest_pain": False}
Answers = Annotated[dict[str, Any], Body(
    description="The answers object (contract clotwatch.triage/1 for triage, the instrument's "
                "input schema for an instrument). Absent or null means 'not known'.",
    examples=[ANSWERS_EXAMPLE])]
InstrumentId = Annotated[str, Path(description="instrument id, e.g. wells-dvt",
                                   max_length=64)]
UNKNOWN_INSTRUMENT: dict[int | str, dict[str, Any]] = {
    404: {"description": "no instrument has this id (`GET /api/v1/instruments` lists them)"}}
Code = Annotated[str, Path(description="share code, e.g. ABCDE-12345-FGHJK-67890",
                           max_length=64)]


def _json(content: Any) -> Response:
    # The engines' results are plain JSON-ready dicts, produced and tested by the engines:
    # returning them directly skips a second validation against the *Out model, which stays
    # the documented response schema (and is checked by the API tests).
    return Response(orjson.dumps(content), media_type="application/json")


def triage_input_schema() -> dict[str, Any]:
    """JSON Schema of the answers object (contract clotwatch.triage/1), from the engine's keys.

    For the OpenAPI document only: the engine validates the answers itself, so that its rules
    (types, ranges, unknown keys) are written once.
    """
    from clotwatch import triage as engine

    properties: dict[str, Any] = {}
    for key in engine.KEYS.values():
        prop: dict[str, Any]
        if key.kind == "bool":
            prop = {"type": ["boolean", "null"]}
        elif key.kind == "enum":
            prop = {"enum": [*key.options, None]}
        else:
            prop = {"type": ["integer" if key.kind == "integer" else "number", "null"]}
            if key.minimum is not None:
                prop["minimum"] = key.minimum
            if key.maximum is not None:
                prop["maximum"] = key.maximum
        if key.unit:
            prop["description"] = f"unit: {key.unit}"
        properties[key.id] = prop
    return {"title": "Triage answers (clotwatch.triage/1)", "type": "object",
            "additionalProperties": False, "properties": properties,
            "description": "Every key is optional; absent or null means not asked / don't "
                           "know and is never read as 'no'.", "example": ANSWERS_EXAMPLE}


@router.post("/triage", response_model=TriageOut, tags=["triage"],
             summary="Leg cramp or blood clot? Triage a person's answers",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": triage_input_schema()}}}})
async def triage(request: Request, lang: Annotated[Lang, Query(
        description="language of the result's words (reasons, advice, safety net): "
                    "`en` English or `ru` Russian; the keys and codes are the same in both")
        ] = "en") -> Response:
    """The disposition (emergency / urgent / soon / self_care) with reasons, advice and a
    safety net. Decision support, not a diagnosis. Nothing is stored. A key given twice, a
    number JSON does not allow or one out of range is refused with 422 naming the key."""
    from clotwatch import triage as engine

    # The answers are read by the triage's own parser (not FastAPI's), which refuses a
    # duplicate key instead of silently keeping the last value.
    body = await request.body()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "the body is not UTF-8 text") from None
    answers = engine.parse_answers_json(body)
    return _json(compute.triage(answers, lang))


def _known_instrument(instrument_id: str) -> str:
    from clotwatch import instruments

    if instrument_id not in instruments.INSTRUMENTS:
        raise HTTPException(status_code=404, detail=f"no instrument {instrument_id!r}; "
                                                    "GET /api/v1/instruments lists them")
    return instrument_id


@router.get("/instruments", response_model=list[InstrumentSummaryOut], tags=["instruments"],
            summary="List the validated clinical scores")
async def list_instruments() -> list[dict[str, Any]]:
    """Every instrument with its id, name, version and citation."""
    return compute.list_instruments()


@router.get("/instruments/{instrument_id}", response_model=InstrumentOut, tags=["instruments"],
            summary="An instrument's declaration and input schema", responses=UNKNOWN_INSTRUMENT)
async def get_instrument(instrument_id: InstrumentId) -> dict[str, Any]:
    """The inputs (meaning, kind, options, range, unit) and the JSON Schema of the answers."""
    return compute.describe_instrument(_known_instrument(instrument_id))


@router.post("/instruments/{instrument_id}/evaluate", response_model=InstrumentResultOut,
             tags=["instruments"], summary="Evaluate an instrument",
             responses=UNKNOWN_INSTRUMENT)
async def evaluate(instrument_id: InstrumentId, answers: Answers) -> Response:
    """Total, category (null while missing inputs could change it), contributions,
    interpretation and citation."""
    return _json(compute.evaluate(_known_instrument(instrument_id), answers))


def _out(shared: SharedAssessment) -> AssessmentOut:
    return AssessmentOut(kind=shared.kind, subject=shared.subject, lang=shared.lang,  # type: ignore[arg-type]
                         answers=shared.answers, result=shared.result,
                         created_at=shared.created_at, expires_at=shared.expires_at)


@router.post("/assessments", response_model=AssessmentCreatedOut, status_code=201,
             tags=["assessments"], summary="Save an assessment and get a share code")
def create_assessment(body: AssessmentIn, store: Annotated[Store, Depends(get_store)],
                      now: Annotated[datetime, Depends(get_now)],
                      settings: Annotated[Settings, Depends(get_settings)],
                      response: Response) -> AssessmentCreatedOut:
    """Stores the answers and clotwatch's result for them; returns a share code for a
    clinician and a revoke token for the person. Both are shown only once."""
    ttl = timedelta(days=settings.share_ttl_days)
    try:
        saved = assessments.save(store, kind=body.kind, subject=body.instrument,
                                 answers=body.answers, lang=body.lang, now=now, ttl=ttl)
    except InputError as exc:
        top = exc.field in {"kind", "instrument", "lang"} or exc.field is None
        raise LocatedInputError(exc, ("body",) if top else ("body", "answers")) from exc
    response.headers["Cache-Control"] = "no-store"
    return AssessmentCreatedOut(code=saved.code, revoke_token=saved.revoke_token,
                                expires_at=saved.assessment.expires_at,
                                assessment=_out(saved.assessment))


@router.get("/assessments/{code}", response_model=AssessmentOut, tags=["assessments"],
            dependencies=[Depends(limit_share_lookups)],
            summary="Open a shared assessment (read-only)",
            responses={404: {"description": "unknown, expired or withdrawn"},
                       429: {"description": "too many lookups from this address"}})
def read_assessment(code: Code, store: Annotated[Store, Depends(get_store)],
                    now: Annotated[datetime, Depends(get_now)]) -> AssessmentOut:
    """The saved answers and result. Rate-limited per client address."""
    try:
        return _out(assessments.open_shared(store, code, now=now))
    except InputError as exc:
        raise LocatedInputError(exc, ("path",)) from exc


@router.delete("/assessments/{code}", status_code=204, tags=["assessments"],
               dependencies=[Depends(limit_share_lookups)],
               summary="Withdraw a shared assessment",
               responses={403: {"description": "wrong revoke token"},
                          404: {"description": "unknown, expired or withdrawn"},
                          429: {"description": "too many lookups from this address"}})
def revoke_assessment(code: Code, store: Annotated[Store, Depends(get_store)],
                      now: Annotated[datetime, Depends(get_now)],
                      revoke_token: Annotated[str, Header(
                          alias="X-Revoke-Token", max_length=200,
                          description="the revoke token given when the assessment was saved")],
                      ) -> Response:
    """After this the code opens nothing."""
    try:
        assessments.revoke(store, code, revoke_token, now=now)
    except InputError as exc:
        raise LocatedInputError(exc, ("path",)) from exc
    return Response(status_code=204)
