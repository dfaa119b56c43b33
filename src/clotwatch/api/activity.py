"""``POST /api/v1/activity``: a phone or watch app sends the patient's step samples.

Authorised by the patient's scoped API token (scope ``activity:write``, issued as the
follow-up's tokens are: ``clotwatch admin create-token --scopes "activity:write"``). The body is
a batch of samples in the contract's shape (``../shared/contracts/activity.md``); the batch is
stored all or nothing, and the same batch sent twice is stored once (the answer says how many
samples were new and how many were already there).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from clotwatch.api.deps import get_now, get_store
from clotwatch.api.errors import LocatedInputError
from clotwatch.api.followup import AUTH, _call, needs
from clotwatch.core.activity import Sample
from clotwatch.errors import InputError
from clotwatch.service import activity
from clotwatch.service.accounts import Principal
from clotwatch.store import Store
from clotwatch.store.activity_models import MAX_SOURCE

router = APIRouter(prefix="/api/v1", tags=["activity"])


class SampleIn(BaseModel):
    """One source's step count over ``[start, end)``; times carry their UTC offset."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=MAX_SOURCE,
                        description="the app or device, e.g. \"Ann's Apple Watch\"")
    kind: Literal["watch", "band", "phone", "other"] = Field(
        description="the device kind: where two count the same minute, watch wins, then band, "
                    "phone, other")
    start: AwareDatetime = Field(description="ISO 8601 with its UTC offset")
    end: AwareDatetime = Field(description="after start, with its UTC offset")
    steps: int = Field(ge=0, le=activity.MAX_STEPS)


class BatchIn(BaseModel):
    """A batch of samples, stored all or nothing."""

    model_config = ConfigDict(extra="forbid")
    samples: list[SampleIn] = Field(min_length=1, max_length=activity.MAX_BATCH)


class BatchOut(BaseModel):
    """How many samples came, were stored, and were already stored (not stored again)."""

    received: int
    stored: int
    duplicates: int


@router.post("/activity", response_model=BatchOut, responses={
    **AUTH, 422: {"description": "a sample refused; ``loc`` names it and its field"}})
async def post_activity(body: BatchIn,
                        actor: Annotated[Principal, Depends(needs("activity:write"))],
                        store: Annotated[Store, Depends(get_store)],
                        now: Annotated[datetime, Depends(get_now)]) -> Response:
    """Store the token holder's step samples (idempotent: a re-sent batch adds nothing)."""
    samples = [Sample(s.source, s.kind, s.start, s.end, s.steps) for s in body.samples]
    try:
        batch = await _call(activity.store_samples, store, actor, samples, now)
    except activity.BatchError as exc:
        return _refused(["body", "samples", exc.index, exc.field or ""], str(exc))
    except InputError as exc:
        raise LocatedInputError(exc, ("body",)) from None
    return Response(orjson.dumps(batch.__dict__), media_type="application/json")


def _refused(loc: list[Any], message: str) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [
        {"type": "value_error", "loc": loc, "msg": message, "input": None}]})
