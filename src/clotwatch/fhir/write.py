"""Write an instrument result back as a FHIR R4 RiskAssessment, validated by the R4B model."""

from __future__ import annotations

from typing import Any

from clotwatch import DISCLAIMER
from clotwatch.core.errors import MappingError
from clotwatch.fhir.read import Derivation
from clotwatch.fhir.score import OUTCOMES, Scored

INSTRUMENT_SYSTEM = "urn:clotwatch:instrument"
CATEGORY_SYSTEM = "urn:clotwatch:category"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
SNOMED = "http://snomed.info/sct"


def risk_assessment(scored: Scored, derivation: Derivation) -> dict[str, Any]:
    """A RiskAssessment (R4) for one scored instrument, as a JSON-ready dict.

    ``status`` is ``final`` when the category is determined from what the bundle holds, and
    ``preliminary`` while missing inputs could still change it. The method codes the
    instrument; ``basis`` references the resources the answered inputs came from; the
    prediction names the outcome and the category as qualitative risk (with the HL7
    risk-probability code where the category is literally low/moderate/high). No probability
    number is written: the instruments do not carry a structured, cited probability per band.
    """
    from fhir.resources.R4B.riskassessment import RiskAssessment
    from pydantic import ValidationError

    result = scored.result
    inst = result.instrument
    code, outcome_text = OUTCOMES.get(inst.id, (None, "Venous thromboembolism"))
    outcome: dict[str, Any] = {"text": outcome_text}
    if code:
        outcome["coding"] = [{"system": SNOMED, "code": code, "display": outcome_text}]
    category = result.category
    if category is not None:
        qualitative: dict[str, Any] = {
            "coding": [{"system": f"{CATEGORY_SYSTEM}:{inst.id}", "code": category}],
            "text": f"{category} ({inst.primary})",
        }
        if category in ("low", "moderate", "high"):
            qualitative["coding"].append({"system": RISK_PROBABILITY, "code": category})
    else:
        possible = " or ".join(result.possible_categories.get(inst.primary, ()))
        qualitative = {"text": f"undetermined: could be {possible}"}
    missing = ", ".join(result.missing) or "none"
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": f"clotwatch-{inst.id}-{derivation.patient_id}"[:64],
        "status": "final" if category is not None else "preliminary",
        "subject": {"reference": f"Patient/{derivation.patient_id}"},
        "occurrenceDateTime": derivation.now.isoformat(),
        "method": {
            "coding": [{"system": INSTRUMENT_SYSTEM, "code": inst.id,
                        "display": f"{inst.name} (version {inst.version})"}],
            "text": inst.name,
        },
        "prediction": [{"outcome": outcome, "qualitativeRisk": qualitative}],
        "note": [
            {"text": f"Source: {inst.citation}"},
            {"text": f"Total {result.total} {inst.total_label}; inputs not available from the "
                     f"record (never read as 'no'): {missing}."},
            {"text": DISCLAIMER},
        ],
    }
    basis = [{"reference": ref} for ref in scored.basis]
    if basis:
        resource["basis"] = basis
    try:
        model = RiskAssessment.model_validate(resource)
    except ValidationError as exc:  # a bug in this module, reported without a traceback
        raise MappingError(f"RiskAssessment for {inst.id} failed R4B validation: {exc}") from None
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped
