"""Turn derived findings into instrument answers, score them, and explain every input."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clotwatch.core import instruments
from clotwatch.fhir.read import Derivation, derive

# Which finding answers which instrument input. Inputs not listed here need the clinician's
# bedside assessment (signs, gestalt) or data FHIR rarely holds in a form we can read.
INPUT_MAP: Mapping[str, Mapping[str, str]] = {
    "wells-dvt": {"active_cancer": "active_cancer", "previous_dvt": "previous_dvt"},
    "wells-pe": {"heart_rate": "heart_rate", "previous_vte": "previous_vte",
                 "malignancy": "active_cancer", "immobilization_or_surgery": "surgery_4_weeks"},
    "geneva-revised": {"age": "age", "previous_vte": "previous_vte",
                       "active_malignancy": "active_cancer", "heart_rate": "heart_rate"},
    "geneva-simplified": {"age": "age", "previous_vte": "previous_vte",
                          "active_malignancy": "active_cancer", "heart_rate": "heart_rate"},
    "perc": {"age": "age", "heart_rate": "heart_rate", "spo2": "spo2",
             "estrogen_use": "estrogen_use", "previous_vte": "previous_vte",
             "recent_surgery_or_trauma": "hospitalised_surgery_4_weeks"},
    "years": {"ddimer_ng_ml_feu": "ddimer_ng_ml_feu"},
    "ddimer-age-adjusted": {"age": "age", "ddimer_ng_ml_feu": "ddimer_ng_ml_feu"},
    "caprini-2005": {"age": "age", "sex": "sex", "bmi": "bmi",
                     "oral_contraceptives_or_hrt": "estrogen_use",
                     "pregnant_or_postpartum": "pregnant", "malignancy": "cancer_any",
                     "history_of_vte": "previous_vte", "acute_mi": "acute_mi",
                     "chf_past_month": "recent_heart_failure",
                     "sepsis_past_month": "recent_sepsis",
                     "serious_lung_disease_past_month": "recent_pneumonia", "copd": "copd",
                     "inflammatory_bowel_disease": "inflammatory_bowel_disease",
                     "varicose_veins": "varicose_veins", "factor_v_leiden": "factor_v_leiden",
                     "prothrombin_20210a": "prothrombin_mutation",
                     "lupus_anticoagulant": "lupus_anticoagulant",
                     "stroke_past_month": "recent_ischaemic_stroke"},
    "padua": {"active_cancer": "active_cancer", "previous_vte": "previous_vte",
              "recent_trauma_or_surgery": "surgery_1_month", "age": "age", "bmi": "bmi",
              "hormonal_treatment": "estrogen_use", "thrombophilia": "thrombophilia",
              "heart_or_respiratory_failure": "heart_or_respiratory_failure",
              "acute_mi_or_stroke": "acute_mi_or_stroke",
              "acute_infection_or_rheumatologic": "acute_infection"},
    "improve-vte": {"previous_vte": "previous_vte", "current_cancer": "active_cancer",
                    "age": "age", "thrombophilia": "thrombophilia"},
    "khorana": {"bmi": "bmi"},
    "has-bled": {"age": "age", "hypertension": "hypertension_uncontrolled",
                 "abnormal_renal_function": "abnormal_renal_function",
                 "abnormal_liver_function": "abnormal_liver_function",
                 "stroke_history": "stroke_history", "bleeding_history": "bleeding_history",
                 "antiplatelet_or_nsaid": "antiplatelet_or_nsaid",
                 "alcohol": "alcohol_8_drinks_week"},
}

# Why some unmapped inputs cannot come from FHIR (the default reason covers the rest).
WHY_NOT: Mapping[str, str] = {
    "surgery_or_fracture_1_month": "needs the anaesthesia type (general) or a lower-limb "
    "fracture, which clotwatch does not read from FHIR",
    "bedridden_or_major_surgery": "needs 'major surgery under general or regional anaesthesia' "
    "or bed rest of 3 days or more, which clotwatch does not read from FHIR",
    "labile_inr": "needs the time in therapeutic range (TTR) of the INR over months of "
    "warfarin treatment, which a Bundle does not hold as a result; a few INR values cannot "
    "give it, and the item does not apply to direct oral anticoagulants",
}
DEFAULT_WHY = "a bedside finding or clinical judgement: FHIR data cannot answer it"

# What each instrument predicts, for RiskAssessment.prediction.outcome.
OUTCOMES: Mapping[str, tuple[str | None, str]] = {
    "wells-dvt": ("128053003", "Deep venous thrombosis"),
    "constans": (None, "Upper-extremity deep vein thrombosis"),
    "wells-pe": ("59282003", "Pulmonary embolism"),
    "geneva-revised": ("59282003", "Pulmonary embolism"),
    "geneva-simplified": ("59282003", "Pulmonary embolism"),
    "perc": ("59282003", "Pulmonary embolism"),
    "years": ("59282003", "Pulmonary embolism"),
    "ddimer-age-adjusted": ("59282003", "Pulmonary embolism"),
    "caprini-2005": (None, "Venous thromboembolism"),
    "padua": (None, "Venous thromboembolism"),
    "improve-vte": (None, "Venous thromboembolism"),
    "khorana": (None, "Venous thromboembolism in ambulatory cancer patients"),
    "villalta": (None, "Post-thrombotic syndrome"),
    "has-bled": (None, "Major bleeding"),
}


@dataclass(frozen=True)
class InputSource:
    """Where an instrument input came from, or why it is missing."""

    input: str
    value: Any
    concept: str | None
    reason: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"input": self.input, "value": self.value, "from": self.concept,
                "reason": self.reason, "sources": list(self.sources)}


@dataclass(frozen=True)
class Scored:
    """One instrument evaluated on what the bundle could answer."""

    result: Any  # clotwatch.core.instruments.Result
    inputs: tuple[InputSource, ...]

    @property
    def basis(self) -> tuple[str, ...]:
        """References of the resources the answered inputs came from (deduplicated)."""
        seen: dict[str, None] = {}
        for src in self.inputs:
            if src.value is not None:
                for ref in src.sources:
                    seen.setdefault(ref, None)
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the instrument result plus where every input came from."""
        out: dict[str, Any] = self.result.to_dict()
        out["inputs"] = [i.to_dict() for i in self.inputs]
        return out


def explain(derivation: Derivation, instrument_id: str) -> tuple[InputSource, ...]:
    """Every input of an instrument with its value from the bundle or why it is missing."""
    inst = instruments.get(instrument_id)
    mapping = INPUT_MAP.get(inst.id, {})
    out = []
    for inp in inst.inputs:
        concept = mapping.get(inp.id)
        if concept is None:
            out.append(InputSource(inp.id, None, None, WHY_NOT.get(inp.id, DEFAULT_WHY), ()))
            continue
        finding = derivation.findings.get(concept)
        if finding is None:
            out.append(InputSource(inp.id, None, concept, "not derived", ()))
        else:
            out.append(InputSource(inp.id, finding.value, concept, finding.reason,
                                   finding.sources))
    return tuple(out)


def answers(derivation: Derivation, instrument_id: str) -> dict[str, Any]:
    """Instrument answers from the bundle: every input id -> value or None (unknown)."""
    return {s.input: s.value for s in explain(derivation, instrument_id)}


def score_derivation(
    derivation: Derivation, instrument_ids: Iterable[str] | None = None
) -> list[Scored]:
    """Evaluate instruments (default: every one with an input FHIR can answer)."""
    ids = list(instrument_ids) if instrument_ids is not None else list(INPUT_MAP)
    out = []
    for iid in ids:
        inst = instruments.get(iid)
        sources = explain(derivation, inst.id)
        result = instruments.evaluate(inst, {s.input: s.value for s in sources})
        out.append(Scored(result, sources))
    return out


def score(
    bundle: Any, now: datetime, instrument_ids: Iterable[str] | None = None
) -> tuple[Derivation, list[Scored]]:
    """Read a Bundle and score instruments on it in one call."""
    from clotwatch.notes.fhir import fill_from_notes

    derivation = derive(bundle, now)
    # The notes fill what the coded record leaves unknown; coded data wins (docs/notes.md).
    return derivation, fill_from_notes(bundle, derivation,
                                       score_derivation(derivation, instrument_ids))
