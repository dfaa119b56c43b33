"""Request (*In) and response (*Out) schemas of REST v1. Pydantic lives only in ``api``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["en", "ru"]


class _Out(BaseModel):
    # Engines may add keys to their results; pass them through rather than drop them.
    model_config = ConfigDict(extra="allow")


class ReasonOut(_Out):
    """One reason behind a triage disposition."""

    key: str
    text: str


class TriageOut(_Out):
    """The triage result (contract ``clotwatch.triage-result/1``)."""

    schema_: str = Field(alias="schema", serialization_alias="schema")
    disposition: Literal["emergency", "urgent", "soon", "self_care"]
    headline: str
    reasons: list[ReasonOut]
    possible_causes: list[str]
    advice: list[str]
    safety_net: list[str]
    unanswered: list[str]
    sources: list[str]


class InstrumentSummaryOut(BaseModel):
    """An instrument in the list."""

    id: str
    name: str
    version: str
    citation: str


class OptionOut(BaseModel):
    """One allowed value of an enum input."""

    value: str
    label: str


class InstrumentInputOut(BaseModel):
    """One input of an instrument's declaration."""

    id: str
    meaning: str
    kind: Literal["bool", "number", "integer", "enum"]
    options: list[OptionOut] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None


class InstrumentOut(InstrumentSummaryOut):
    """An instrument's declaration, with the JSON Schema of its answers object."""

    purpose: str = ""
    primary: str
    schemes: list[str]
    inputs: list[InstrumentInputOut]
    input_schema: dict[str, Any]


class ContributionOut(_Out):
    """What one input added to the total."""

    input: str
    points: float | int | None = None
    answer: Any = None


class InstrumentResultOut(_Out):
    """An instrument's result: total, category, contributions, interpretation and citation.

    ``category`` is null when missing inputs could still change it.
    """

    instrument: str
    name: str
    version: str
    total: float | int | None
    category: str | None
    categories: dict[str, Any]
    complete: bool
    missing: list[str]
    contributions: list[ContributionOut]
    citation: str


class AssessmentIn(BaseModel):
    """Save an assessment and get a share code. The result is recomputed from the answers."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["triage", "instrument"]
    instrument: str | None = Field(None, description="instrument id; required for 'instrument'",
                                   max_length=64)
    answers: dict[str, Any] = Field(description="the answers object, as for POST /triage or "
                                                "POST /instruments/{id}/evaluate")
    lang: Lang = Field("en", description="language the result is worded in and shown to a "
                                         "clinician in: `en` English or `ru` Russian")


class AssessmentOut(BaseModel):
    """A saved assessment, read-only."""

    kind: Literal["triage", "instrument"]
    subject: str
    lang: Lang = Field(description="language the result was saved in: `en` or `ru`")
    answers: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime
    expires_at: datetime


class AssessmentCreatedOut(BaseModel):
    """The share code (give it to your clinician) and the revoke token (keep it to withdraw)."""

    code: str = Field(description="share code: 20 letters and digits in groups of five")
    revoke_token: str = Field(description="secret needed to withdraw the shared assessment; "
                                          "shown once, never stored in clear")
    expires_at: datetime
    assessment: AssessmentOut


class HealthOut(BaseModel):
    """Liveness."""

    status: str
    database: str
    version: str
