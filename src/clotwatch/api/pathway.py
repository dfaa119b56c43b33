"""REST v1: the NICE NG158 diagnostic pathways. Route -> service.pathway -> core.pathway."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel

from clotwatch.api.deps import get_now
from clotwatch.service import pathway as service

router = APIRouter(prefix="/api/v1/pathway", tags=["pathway"])

PathwayId = Annotated[Literal["dvt", "pe"], Path(
    description="`dvt` suspected deep vein thrombosis, `pe` suspected pulmonary embolism")]
Inputs = Annotated[dict[str, Any], Body(
    description="What is known, keyed by input id (GET /api/v1/pathway/{pathway}/inputs). "
    "A missing or null input is unknown: it is asked for, never read as negative.",
    examples=[{"age": 64, "pregnant": False, "wells_dvt_total": 2,
               "ultrasound_within_4h": False}],
)]


class StepOut(BaseModel):
    """The next step and its time limit."""

    id: str
    action: str
    time_limit: str | None
    time_limit_text: str | None
    due_by: str | None
    not_before: str | None
    overdue: bool | None


class ConclusionOut(BaseModel):
    """The conclusion so far."""

    code: str
    text: str


class MissingOut(BaseModel):
    """An item the pathway needs next."""

    item: str
    inputs: list[str]
    question: str


class TrailOut(BaseModel):
    """One state passed on the way, with the fact it looked at."""

    state: str
    fact: str
    value: str | None


class PathwayStepOut(BaseModel):
    """Where the pathway stands."""

    pathway: str
    guideline: str
    step: StepOut
    conclusion: ConclusionOut
    final: bool
    citation: list[str]
    missing: list[MissingOut]
    ddimer: dict[str, Any] | None
    trail: list[TrailOut]
    notes: list[str]
    disclaimer: str


class PathwayInputOut(BaseModel):
    """One input a pathway accepts."""

    id: str
    kind: str
    meaning: str
    options: list[str]
    minimum: float | None
    maximum: float | None
    instrument: str | None


@router.post("/{pathway_id}", response_model=PathwayStepOut,
             summary="Next NICE NG158 step for suspected DVT or PE")
def next_step(pathway_id: PathwayId, inputs: Inputs,
              now: Annotated[datetime, Depends(get_now)]) -> dict[str, Any]:
    """The next step, its time limit (ISO 8601 duration and, given request times, the
    deadline), the conclusion so far, the NG158 citation and what is missing. Decision
    support, not a diagnosis. Nothing is stored. Bad input gets 422 naming the field."""
    return service.next_step(pathway_id, inputs, now)


@router.get("/{pathway_id}/inputs", response_model=list[PathwayInputOut],
            summary="The inputs a pathway accepts")
def inputs(pathway_id: PathwayId) -> list[dict[str, Any]]:
    """Every input with its meaning, kind and allowed values."""
    return service.describe_inputs(pathway_id)
