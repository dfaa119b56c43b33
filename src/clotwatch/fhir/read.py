"""Read one patient's FHIR R4 Bundle and derive instrument inputs from it.

Each resource is read on its own (``bundle.read_bundle``): the elements used, checked per
FHIR R4 datatype, or the whole fhir.resources R4B model when a form is unusual. A finding is
derived only from positive evidence (an active Condition, a recent Observation, a current
medication); the absence of a record is never read as "no", so such inputs stay ``None``
with the reason why.

The finding families live beside this module, one each: ``conditions``, ``observations``,
``procedures``, ``medicines``; ``bundle`` reads and validates the Bundle and ``records``
holds what they share. This module puts them together (``derive``) and re-exports the
public names.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from clotwatch.core.errors import InputError, MappingError
from clotwatch.fhir.bundle import (
    USED_TYPES,
    ReadBundle,
    load_bundle,
    looks_stu3,
    read_bundle,
    read_resource,
    read_view,
)
from clotwatch.fhir.conditions import (
    CONDITION_RULES,
    ConditionRule,
    _condition_evidence,
    _conditions,
)
from clotwatch.fhir.medicines import Medicine, _chemotherapy, _medications, medicine_of
from clotwatch.fhir.observations import _alcohol, _hypertension, _liver, _observations, _renal
from clotwatch.fhir.procedures import _procedures
from clotwatch.fhir.records import Derivation, Finding, _ref, _set, _subject


def derive(
    bundle: Any,
    now: datetime,
    *,
    recent: timedelta = timedelta(hours=24),
    body_window: timedelta = timedelta(days=365),
    bp_window: timedelta = timedelta(days=30),
    lab_window: timedelta = timedelta(days=90),
) -> Derivation:
    """Derive findings about the bundle's one patient as of ``now`` (timezone-aware).

    ``recent`` bounds vital signs and the D-dimer (older ones describe another day);
    ``body_window`` bounds BMI, height and weight; ``bp_window`` the systolic blood pressure
    read for HAS-BLED and ``lab_window`` the creatinine. Raises ``MappingError`` when the
    bundle holds no Patient or more than one.
    """
    if now.tzinfo is None:
        raise InputError("now", "give a time zone, e.g. 2026-11-24T12:00:00Z")
    read = read_bundle(bundle)
    b = read.bundle
    entries = [(e.fullUrl, e.resource) for e in (b.entry or []) if e.resource is not None]
    patients = [(u, r) for u, r in entries if r.get_resource_type() == "Patient"]
    if not patients:
        raise MappingError("the Bundle holds no Patient resource: cannot tell whose data it is")
    if len(patients) > 1:
        ids = ", ".join(str(r.id) for _, r in patients)
        raise MappingError(f"the Bundle holds {len(patients)} Patient resources ({ids}); "
                           "give one patient's Bundle")
    full_url, patient = patients[0]
    refs = {f"Patient/{patient.id}"} | ({str(full_url)} if full_url else set())
    d = Derivation(patient_id=str(patient.id or ""), now=now, findings={})
    if read.problems:
        shown = "; ".join(read.problems[:5])
        more = f" and {len(read.problems) - 5} more" if len(read.problems) > 5 else ""
        d.notes.append(f"{len(read.problems)} resource(s) could not be read and were not used "
                       f"(the rest of the Bundle was): {shown}{more}")
    by_type: dict[str, list[Any]] = {t: [] for t in USED_TYPES}
    medications: dict[str, Any] = {}
    skipped = 0
    for url, r in entries:
        rtype = r.get_resource_type()
        if rtype == "Medication":
            for key in (f"Medication/{r.id}", str(url) if url else None):
                if key:
                    medications[key] = r
        if rtype not in by_type:
            continue
        subject = _subject(r)
        if subject is None or subject not in refs:
            skipped += 1
            continue
        by_type[rtype].append(r)
    if skipped:
        d.notes.append(f"{skipped} resource(s) ignored: their subject is not this Patient "
                       f"({', '.join(sorted(refs))}) or is missing.")
    _patient(d, patient)
    _observations(d, by_type["Observation"], recent, body_window)
    evidence = _condition_evidence(d, by_type["Condition"])
    _conditions(d, evidence, _chemotherapy(d, by_type["MedicationRequest"]
                                           + by_type["MedicationStatement"], medications))
    _procedures(d, by_type["Procedure"], by_type["Encounter"])
    _medications(d, by_type["MedicationRequest"] + by_type["MedicationStatement"], medications)
    _hypertension(d, by_type["Observation"], evidence, bp_window)
    _renal(d, by_type["Observation"], lab_window)
    _liver(d, by_type["Observation"], lab_window)
    _alcohol(d, by_type["Observation"])
    return d


def _patient(d: Derivation, patient: Any) -> None:
    ref = _ref(patient)
    birth = patient.birthDate
    if isinstance(birth, date) and not isinstance(birth, datetime):
        today = d.now.date()
        if birth > today:
            _set(d, "age", None, f"birthDate {birth} is after now", [ref])
        else:
            years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
            _set(d, "age", years, f"from birthDate {birth} as of {today}", [ref])
    elif birth is not None:
        _set(d, "age", None, f"birthDate {birth} is not a full date", [ref])
    else:
        _set(d, "age", None, "Patient has no birthDate", [ref])
    gender = patient.gender
    if gender in ("female", "male"):
        _set(d, "sex", gender, "Patient.gender", [ref])
    else:
        _set(d, "sex", None, f"Patient.gender is {gender or 'absent'}; "
             "sex-specific items need female or male", [ref])


__all__ = ["CONDITION_RULES", "ConditionRule", "Derivation", "Finding", "Medicine", "ReadBundle",
           "derive", "load_bundle", "looks_stu3", "medicine_of", "read_bundle", "read_resource",
           "read_view"]
