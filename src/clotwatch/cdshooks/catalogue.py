"""The CDS Hooks services clotwatch offers, declared once as data.

Discovery (``GET /cds-services``) is generated from ``SERVICES``; so are the prefetch templates
the EHR fills in and the check that a call's hook fits the service called. The observation codes
in the prefetch come from the FHIR code sets (``clotwatch.fhir.codesets``), so the prefetch asks
for exactly the observations the FHIR mapping can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

PATIENT = "Patient/{{context.patientId}}"
CONDITIONS = "Condition?patient={{context.patientId}}"
# _include brings the Medication an order refers to (medicationReference): without it an
# anticoagulant ordered by reference could not be recognised.
MEDICATIONS = ("MedicationRequest?patient={{context.patientId}}&status=active"
               "&_include=MedicationRequest:medication")
STATEMENTS = ("MedicationStatement?patient={{context.patientId}}&status=active"
              "&_include=MedicationStatement:medication")
PROCEDURES = "Procedure?patient={{context.patientId}}"

OVERRIDE_SYSTEM = "urn:clotwatch:cds-hooks:override-reason"
OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("assessed-elsewhere", "Risk already assessed and documented"),
    ("record-incomplete", "The record is incomplete or wrong; the score does not apply"),
    ("clinical-judgement", "Benefit outweighs the risk in this patient (clinical judgement)"),
    ("patient-preference", "The patient declined after discussion"),
    ("planned-switch", "Planned switch or bridging between anticoagulants"),
    ("not-applicable", "Not applicable to this patient or setting"),
)


@dataclass(frozen=True)
class Service:
    """One CDS Service: its id, the hook it answers, and what it asks the EHR to prefetch."""

    id: str
    hook: str
    title: str
    description: str
    prefetch: dict[str, str]
    required_prefetch: frozenset[str]
    instruments: tuple[str, ...]
    usage: str = ""
    extension: dict[str, Any] = field(default_factory=dict)

    def discovery(self) -> dict[str, Any]:
        """This service as the discovery response lists it."""
        entry: dict[str, Any] = {"hook": self.hook, "title": self.title,
                                 "description": self.description, "id": self.id,
                                 "prefetch": dict(self.prefetch)}
        if self.usage:
            entry["usageRequirements"] = self.usage
        return entry


# How many of the most recent observations of each kind to prefetch. The mapping uses the
# latest usable one (final, dated, within its window); a few more allow for preliminary or
# entered-in-error results. Without a bound an inpatient's hourly vital signs would make the
# prefetch grow with every day of the stay.
# liver_enzymes holds three tests (AST, ALT, ALP), so three of each; audit_c two questions.
OBSERVATION_COUNTS = {"heart_rate": 10, "spo2": 10, "liver_enzymes": 9, "audit_c": 4}
DEFAULT_OBSERVATION_COUNT = 3
# Observation code sets the cards never read (population screening's CMS108 "low risk
# documented" reason): prefetching them would only make every call heavier.
NOT_PREFETCHED = frozenset({"vte_risk_assessment"})


def observation_prefetch() -> dict[str, str]:
    """One prefetch key per observation code set of the FHIR mapping (``heart_rate``,
    ``spo2``, ``ddimer``, ...): the patient's most recent observations with those codes."""
    from clotwatch.fhir.codes import all_codesets

    templates: dict[str, str] = {}
    for codeset in all_codesets():
        if codeset.kind != "observation" or codeset.id in NOT_PREFETCHED:
            continue
        codes = ",".join(f"{entry.system}|{entry.code}" for entry in codeset.codes
                         if entry.code is not None)
        if not codes:
            continue
        count = OBSERVATION_COUNTS.get(codeset.id, DEFAULT_OBSERVATION_COUNT)
        templates[codeset.id] = (f"Observation?patient={{{{context.patientId}}}}&code={codes}"
                                 f"&_sort=-date&_count={count}")
    return templates


def _prefetch() -> dict[str, str]:
    from clotwatch.notes.fhir import NOTES_PREFETCH

    return {"patient": PATIENT, "conditions": CONDITIONS, **observation_prefetch(),
            "medications": MEDICATIONS, "medication_statements": STATEMENTS,
            "procedures": PROCEDURES, **NOTES_PREFETCH}


USAGE = ("Send a signed JWT (ES384 or RS384) from an EHR listed in clotwatch's trust "
         "configuration. Only the Patient prefetch is required; other data that is neither "
         "prefetched nor fetchable is reported as missing on the cards, never taken as absent.")


@cache
def services() -> dict[str, Service]:
    """Every service, by id (built once: the prefetch reads the code sets)."""
    prefetch = _prefetch()
    declared = (
        Service(
            id="clotwatch-vte-risk",
            hook="patient-view",
            title="clotwatch: VTE risk and DVT probability from the record",
            description=("Padua and Caprini VTE risk and the two-level Wells DVT score, "
                         "computed from the patient's record; every item the record cannot "
                         "answer is named on the card. Decision support, not a diagnosis."),
            prefetch=prefetch, required_prefetch=frozenset({"patient"}),
            instruments=("padua", "caprini-2005", "wells-dvt"), usage=USAGE),
        Service(
            id="clotwatch-anticoagulant-select",
            hook="order-select",
            title="clotwatch: VTE and bleeding risk for an anticoagulant order",
            description=("When an anticoagulant or VTE prophylaxis is selected: VTE risk "
                         "(Padua), bleeding risk (HAS-BLED, from what the record holds) and a "
                         "check for a second active anticoagulant, with suggestions."),
            prefetch=prefetch, required_prefetch=frozenset({"patient"}),
            instruments=("padua", "has-bled"), usage=USAGE),
        Service(
            id="clotwatch-anticoagulant-sign",
            hook="order-sign",
            title="clotwatch: VTE and bleeding risk before signing an anticoagulant",
            description=("Before an anticoagulant or VTE prophylaxis order is signed: VTE "
                         "risk (Padua), bleeding risk (HAS-BLED, from what the record holds) "
                         "and a check for a second active anticoagulant, with suggestions."),
            prefetch=prefetch, required_prefetch=frozenset({"patient"}),
            instruments=("padua", "has-bled"), usage=USAGE),
    )
    return {service.id: service for service in declared}


def override_reasons() -> list[dict[str, str]]:
    """The override reasons offered on every card (Coding, with display as required)."""
    return [{"system": OVERRIDE_SYSTEM, "code": code, "display": display}
            for code, display in OVERRIDE_REASONS]
