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

from collections.abc import Callable, Mapping
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
from clotwatch.fhir.modifiers import of_model, unused_reason
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
    entries = [(e.fullUrl, e.resource, _modifiers_of(e)) for e in (b.entry or [])
               if e.resource is not None]
    patients = [(u, r, m) for u, r, m in entries if r.get_resource_type() == "Patient"]
    if not patients:
        raise MappingError("the Bundle holds no Patient resource: cannot tell whose data it is")
    if len(patients) > 1:
        ids = ", ".join(str(r.id) for _, r, _ in patients)
        raise MappingError(f"the Bundle holds {len(patients)} Patient resources ({ids}); "
                           "give one patient's Bundle")
    full_url, patient, patient_modifiers = patients[0]
    refs = {f"Patient/{patient.id}"} | ({str(full_url)} if full_url else set())
    d = Derivation(patient_id=str(patient.id or ""), now=now, findings={})
    if read.problems:
        shown = "; ".join(read.problems[:5])
        more = f" and {len(read.problems) - 5} more" if len(read.problems) > 5 else ""
        d.notes.append(f"{len(read.problems)} resource(s) could not be read and were not used "
                       f"(the rest of the Bundle was): {shown}{more}")
    by_type: dict[str, list[Any]] = {t: [] for t in USED_TYPES}
    # Resources carrying a modifier extension clotwatch does not understand (FHIR R4,
    # Extensibility): not used; the items they could have answered say so.
    unsafe: dict[str, list[str]] = {t: [] for t in USED_TYPES}
    medications: dict[str, Any] = {}
    unsafe_medications: dict[str, tuple[str, tuple[str, ...]]] = {}
    skipped = 0
    for url, r, modifiers in entries:
        if r.get_resource_type() == "Medication":
            for key in (f"Medication/{r.id}", str(url) if url else None):
                if key and modifiers:
                    unsafe_medications[key] = (_ref(r), modifiers)
                elif key:
                    medications[key] = r
    for _url, r, modifiers in entries:
        rtype = r.get_resource_type()
        if rtype not in by_type:
            continue
        subject = _subject(r)
        if subject is None or subject not in refs:
            skipped += 1
            continue
        if modifiers:
            unsafe[rtype].append(unused_reason(_ref(r), modifiers))
            continue
        via = _unsafe_medication(r, unsafe_medications)
        if via is not None:
            unsafe[rtype].append(unused_reason(_ref(r), via[1], via=via[0]))
            continue
        by_type[rtype].append(r)
    if skipped:
        d.notes.append(f"{skipped} resource(s) ignored: their subject is not this Patient "
                       f"({', '.join(sorted(refs))}) or is missing.")
    _patient(d, patient)
    if patient_modifiers:  # still says whose data this is; its age and sex are not read
        why = unused_reason(_ref(patient), patient_modifiers)
        for concept in ("age", "sex"):
            _set(d, concept, None, f"{why}, so this is not known", [_ref(patient)])
            d.unread[concept] = (why,)
    meds = by_type["MedicationRequest"] + by_type["MedicationStatement"]
    # Which resource types could answer which items: the items each finding family sets.
    families: dict[str, set[str]] = {"observation": set(), "condition": set(),
                                     "medicine": set(), "procedure": set()}

    def run(names: tuple[str, ...], step: Callable[[], Any]) -> None:
        before = set(d.findings)
        step()
        for name in names:
            families[name] |= set(d.findings) - before

    obs, conditions = ("observation",), ("condition",)
    run(obs, lambda: _observations(d, by_type["Observation"], recent, body_window))
    evidence = _condition_evidence(d, by_type["Condition"])
    # Chemotherapy orders answer cancer too.
    run(("condition", "medicine"),
        lambda: _conditions(d, evidence, _chemotherapy(d, meds, medications)))
    families["medicine"] &= {"active_cancer", "cancer_any"}
    run(("procedure",), lambda: _procedures(d, by_type["Procedure"], by_type["Encounter"]))
    run(("medicine",), lambda: _medications(d, meds, medications))
    # The HAS-BLED items read from results are answered by Conditions too.
    run(obs + conditions,
        lambda: _hypertension(d, by_type["Observation"], evidence, bp_window))
    run(obs + conditions, lambda: _renal(d, by_type["Observation"], lab_window))
    run(obs + conditions, lambda: _liver(d, by_type["Observation"], lab_window))
    run(obs, lambda: _alcohol(d, by_type["Observation"]))
    reached = {"Observation": "observation", "Condition": "condition",
               "MedicationRequest": "medicine", "MedicationStatement": "medicine",
               "Procedure": "procedure", "Encounter": "procedure"}
    not_used: dict[str, list[str]] = {}
    for rtype, reasons in unsafe.items():
        for concept in families[reached[rtype]] if reasons else ():
            not_used.setdefault(concept, []).extend(reasons)
    for concept, reasons in not_used.items():
        _not_used(d, concept, reasons)
    every = [why for reasons in unsafe.values() for why in reasons]
    if every:
        d.notes.append(f"{len(every)} resource(s) not used (FHIR: a modifier extension that is "
                       f"not understood makes a resource unsafe to read): {_shown(every)}")
    return d


def _modifiers_of(entry: Any) -> tuple[str, ...]:
    """The modifier extensions clotwatch does not understand in an entry's resource: found
    when ``read_bundle`` read it, or (an R4B Bundle given whole) from its model."""
    found = getattr(entry, "modifiers", None)
    return found if isinstance(found, tuple) else of_model(entry.resource)


def _unsafe_medication(resource: Any, unsafe: Mapping[str, tuple[str, tuple[str, ...]]]
                       ) -> tuple[str, tuple[str, ...]] | None:
    """The Medication an order or statement refers to, when it carries modifier extensions
    not understood (its reference and their URLs), or None."""
    if not unsafe:
        return None
    ref = getattr(resource, "medicationReference", None)
    target = getattr(ref, "reference", None) if ref is not None else None
    if not target or target.startswith("#"):
        return None  # a contained Medication was scanned with the resource itself
    why = unsafe.get(target)
    if why is None and "/Medication/" in target:
        why = unsafe.get("Medication/" + target.rsplit("/Medication/", 1)[1])
    return why


def _shown(reasons: list[str], limit: int = 3) -> str:
    more = f"; and {len(reasons) - limit} more" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more


def _not_used(d: Derivation, concept: str, reasons: list[str]) -> None:
    """An item that resources not used (``reasons``) could have answered: an answer taken
    from a usable resource stands, with them named; otherwise the item is unknown and says
    why -- never "no"."""
    f = d.findings.get(concept)
    if f is None:
        return
    if f.value is not None and f.value is not False:
        _set(d, concept, f.value, f"{f.reason}; not used: {_shown(reasons)}", f.sources)
        return
    refs = tuple(why.split(" ", 1)[0] for why in reasons)
    d.unread[concept] = tuple(reasons)
    _set(d, concept, None, f"{_shown(reasons)}, so this is not known; of the rest: "
         f"{f.reason}", f.sources + tuple(r for r in refs if r not in f.sources))


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
    _deceased(d, patient, ref)
    gender = patient.gender
    if gender in ("female", "male"):
        _set(d, "sex", gender, "Patient.gender", [ref])
    else:
        _set(d, "sex", None, f"Patient.gender is {gender or 'absent'}; "
             "sex-specific items need female or male", [ref])


def _deceased(d: Derivation, patient: Any, ref: str) -> None:
    """A Patient recorded as dead by ``now`` (real records: Synthea's sample patients who died
    years ago were scored as if alive, a born-1926 woman aged 100): said first, since the age
    and every window ("the last 30 days", "current" orders) are then counted at a time the
    patient did not live to."""
    died = patient.deceasedDateTime
    if isinstance(died, datetime):
        passed = died <= d.now
    elif isinstance(died, date):
        passed = died <= d.now.date()
    else:
        passed = False
    if passed:
        when = died.date() if isinstance(died, datetime) else died
        d.notes.insert(0, f"{ref}: the patient died on {when} (deceasedDateTime), before "
                          f"{d.now.date()}, the time scored at: the age and every time window "
                          "are counted as of that time, not as of the death. To see the record "
                          "as it was, score at a time before the death.")
    elif died is None and patient.deceasedBoolean is True:
        d.notes.insert(0, f"{ref}: the record says the patient has died (deceasedBoolean), "
                          "with no date: the age and every time window are counted as of the "
                          f"time scored at ({d.now.date()}).")


__all__ = ["CONDITION_RULES", "ConditionRule", "Derivation", "Finding", "Medicine", "ReadBundle",
           "derive", "load_bundle", "looks_stu3", "medicine_of", "read_bundle", "read_resource",
           "read_view"]
