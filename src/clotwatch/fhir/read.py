"""Read one patient's FHIR R4 Bundle and derive instrument inputs from it.

Every resource is parsed and validated with the fhir.resources R4B models. A finding is
derived only from positive evidence (an active Condition, a recent Observation, a current
medication); the absence of a record is never read as "no", so such inputs stay ``None``
with the reason why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from clotwatch.core.errors import InputError, MappingError
from clotwatch.core.pathway import ddimer as dd
from clotwatch.fhir.codes import CodeEntry, codeset

OBS_OK = {"final", "amended", "corrected"}
ACTIVE = {"active", "recurrence", "relapse"}
NOT_EVIDENCE = {"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"}
USED_TYPES = ("Observation", "Condition", "MedicationRequest", "MedicationStatement",
              "Procedure", "Encounter")

# Accepted units (UCUM code or printed unit) and the factor to the unit we use.
UNITS: Mapping[str, Mapping[str, float]] = {
    "heart_rate": {"/min": 1, "{beats}/min": 1, "beats/min": 1, "bpm": 1, "{Beats}/min": 1},
    "spo2": {"%": 1},
    "bmi": {"kg/m2": 1, "kg/m^2": 1, "kg/m²": 1},
    "body_height": {"cm": 1, "m": 100, "[in_i]": 2.54, "in": 2.54},
    "body_weight": {"kg": 1, "g": 0.001, "[lb_av]": 0.45359237, "lb": 0.45359237},
    "systolic_bp": {"mm[Hg]": 1, "mmHg": 1, "mm Hg": 1},
    # Creatinine to umol/L: molar mass 113.12 g/mol, so 1 mg/dL = 88.4 umol/L.
    "creatinine": {"umol/L": 1, "\u00b5mol/L": 1, "\u03bcmol/L": 1, "mmol/L": 1000,
                   "mg/dL": 88.4, "mg/L": 8.84},
}

# HAS-BLED cut-offs, Pisters R et al. Chest 2010;138:1093-100, doi:10.1378/chest.10-0134
# (table footnote): hypertension = systolic > 160 mmHg; abnormal renal function includes
# serum creatinine >= 200 umol/L (2.26 mg/dL is the rounded equivalent; the umol/L value is
# the one applied).
SYSTOLIC_UNCONTROLLED_ABOVE = 160.0
CREATININE_ABNORMAL_FROM_UMOL_L = 200.0
RECENT_DAYS = 30  # "acute" / "in the past month" conditions: onset in the 30 days before now
# HAS-BLED liver arm (Pisters 2010): bilirubin > 2x the upper limit of normal "in association
# with" AST/ALT/ALP > 3x. Each result is read against its own referenceRange.high; the
# enzyme must be taken within 48 h of the bilirubin (one blood draw or the next day's).
BILIRUBIN_ABOVE_ULN_TIMES = 2.0
ENZYME_ABOVE_ULN_TIMES = 3.0
LIVER_PAIR_WINDOW = timedelta(hours=48)
# HAS-BLED alcohol, as declared by clotwatch: 8 or more drinks a week. From AUDIT-C questions 1
# and 2 answered together (within a day), in the last year (AUDIT-C asks about the past year).
ALCOHOL_DRINKS_A_WEEK_FROM = 8.0
AUDIT_WINDOW = timedelta(days=365)
AUDIT_PAIR_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class ConditionRule:
    """A finding read from Conditions: the code sets, and which records count.

    ``status``: ``any`` (any clinical status: a history), ``active`` (clinicalStatus
    active/recurrence/relapse), ``recent`` (onset in the last ``days``, any clinical status:
    "in the past month"), ``acute`` (active and onset in the last ``days``).
    """

    concept: str
    codesets: tuple[str, ...]
    label: str
    status: str
    days: int = RECENT_DAYS
    unread: str = ""  # what else would answer the item but is not read (said when missing)


CONDITION_RULES: tuple[ConditionRule, ...] = (
    ConditionRule("stroke_history", ("stroke",), "stroke", "any"),
    ConditionRule("bleeding_history", ("bleeding",),
                  "major bleeding or an inherited bleeding disorder", "any"),
    ConditionRule("liver_disease", ("liver_disease",), "chronic liver disease", "active"),
    ConditionRule("renal_replacement", ("renal_replacement",),
                  "chronic dialysis or a kidney transplant", "active"),
    ConditionRule("heart_or_respiratory_failure", ("heart_failure", "respiratory_failure"),
                  "heart or respiratory failure", "active"),
    ConditionRule("recent_heart_failure", ("heart_failure",), "heart failure", "recent"),
    ConditionRule("acute_mi", ("acute_mi",), "myocardial infarction", "acute"),
    ConditionRule("recent_ischaemic_stroke", ("ischaemic_stroke",), "ischaemic stroke",
                  "recent"),
    ConditionRule("acute_mi_or_stroke", ("acute_mi", "ischaemic_stroke"),
                  "myocardial infarction or ischaemic stroke", "acute"),
    ConditionRule("recent_sepsis", ("sepsis",), "sepsis", "recent"),
    ConditionRule("recent_pneumonia", ("pneumonia",), "pneumonia", "recent"),
    ConditionRule("acute_infection", ("sepsis", "pneumonia"), "sepsis or pneumonia", "acute",
                  unread="other acute infections and rheumatological disorders are not read "
                  "from the record"),
    ConditionRule("thrombophilia", ("thrombophilia",), "thrombophilia", "any"),
    ConditionRule("factor_v_leiden", ("factor_v_leiden",), "factor V Leiden", "any"),
    ConditionRule("prothrombin_mutation", ("prothrombin_mutation",),
                  "prothrombin gene mutation", "any"),
    ConditionRule("lupus_anticoagulant", ("lupus_anticoagulant",), "lupus anticoagulant",
                  "any"),
    ConditionRule("copd", ("copd",), "COPD", "active"),
    ConditionRule("inflammatory_bowel_disease", ("inflammatory_bowel_disease",),
                  "inflammatory bowel disease", "any"),
    ConditionRule("varicose_veins", ("varicose_veins",), "varicose veins", "active"),
)


@dataclass(frozen=True)
class Finding:
    """One derived fact: its value (``None`` = unknown), the resources it came from, and why."""

    concept: str
    value: Any
    reason: str
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"value": self.value, "reason": self.reason, "sources": list(self.sources)}


@dataclass
class Derivation:
    """What one bundle says about one patient, as of ``now``."""

    patient_id: str
    now: datetime
    findings: dict[str, Finding]
    notes: list[str] = field(default_factory=list)

    def value(self, concept: str) -> Any:
        """The value of a finding (None when unknown or not derived)."""
        f = self.findings.get(concept)
        return None if f is None else f.value


def load_bundle(data: Any) -> Any:
    """Parse and validate a FHIR R4 Bundle (JSON text, bytes, dict, or an R4B ``Bundle``).

    Raises ``InputError`` for JSON that is not a Bundle and ``MappingError`` naming the path
    of the first problem the R4B models find (e.g. ``entry[1].resource.code: Field required``).
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if isinstance(data, Bundle):
        return data
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError("bundle", f"malformed JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise InputError("bundle", f"expected a JSON object, got {type(data).__name__}")
    if data.get("resourceType") != "Bundle":
        raise InputError("resourceType", f"expected 'Bundle', got {data.get('resourceType')!r}")
    _check_entry_types(data)
    try:
        return Bundle.model_validate(dict(data))
    except ValidationError as exc:
        raise MappingError(_describe(exc, data)) from None
    except (KeyError, TypeError, ValueError) as exc:
        # fhir.resources raises these (not ValidationError) for some malformed nested
        # resources, e.g. a contained resource of an unknown type.
        raise MappingError(
            "invalid FHIR R4 Bundle: a nested resource could not be read (check the "
            f"resourceType of contained resources): {type(exc).__name__}: {exc}"
        ) from None


def _check_entry_types(data: Mapping[str, Any]) -> None:
    """Name an entry whose resourceType is missing or unknown before the models see it.

    fhir.resources answers such entries with a KeyError/TypeError rather than a validation
    error, so the path would be lost.
    """
    from fhir.resources.R4B import get_fhir_model_class

    entries = data.get("entry")
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or "resource" not in entry:
            continue
        resource = entry["resource"]
        where = f"Bundle.entry[{i}].resource"
        if not isinstance(resource, Mapping):
            raise MappingError(f"invalid FHIR R4 Bundle: {where}: expected a resource object")
        rtype = resource.get("resourceType")
        try:
            valid = isinstance(rtype, str) and bool(rtype) and get_fhir_model_class(rtype)
        except ValueError:
            valid = False
        if not valid:
            raise MappingError(
                f"invalid FHIR R4 Bundle: {where}.resourceType: {rtype!r} is not a FHIR R4 "
                "resource type"
            )


def _describe(exc: Any, data: Mapping[str, Any]) -> str:
    errors = exc.errors()
    first = errors[0]
    loc = first.get("loc", ())
    path = "Bundle"
    node: Any = data
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
        if isinstance(node, Mapping):
            node = node.get(part) if not isinstance(part, int) else None
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            rtype = None
            if isinstance(node, Mapping) and isinstance(node.get("resource"), Mapping):
                rtype = node["resource"].get("resourceType")
            if rtype:
                path += f"({rtype})"
        else:
            node = None
    others = len(errors) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return f"invalid FHIR R4 Bundle: {path}: {first.get('msg', 'invalid')}{more}"


def _ref(resource: Any) -> str:
    rtype = str(resource.get_resource_type())
    return f"{rtype}/{resource.id}" if resource.id else rtype


def _subject(resource: Any) -> str | None:
    for attr in ("subject", "patient"):
        ref = getattr(resource, attr, None)
        if ref is not None and getattr(ref, "reference", None):
            return str(ref.reference)
    return None


def _as_utc(value: Any) -> datetime | None:
    """A FHIR dateTime/instant/date as an aware datetime (dates at 00:00 UTC)."""
    from datetime import UTC

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _when(resource: Any, *names: str) -> datetime | None:
    for name in names:
        value = getattr(resource, name, None)
        if value is None:
            continue
        if hasattr(value, "end") or hasattr(value, "start"):  # Period
            t = _as_utc(getattr(value, "end", None)) or _as_utc(getattr(value, "start", None))
        else:
            t = _as_utc(value)
        if t is not None:
            return t
    return None


def _code_of(resource: Any, attr: str = "code") -> tuple[list[Any], str | None]:
    concept = getattr(resource, attr, None)
    if concept is None:
        return [], None
    return list(concept.coding or []), concept.text


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
    b = load_bundle(bundle)
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
    _conditions(d, evidence)
    _procedures(d, by_type["Procedure"], by_type["Encounter"])
    _medications(d, by_type["MedicationRequest"] + by_type["MedicationStatement"], medications)
    _hypertension(d, by_type["Observation"], evidence, bp_window)
    _renal(d, by_type["Observation"], lab_window)
    _liver(d, by_type["Observation"], lab_window)
    _alcohol(d, by_type["Observation"])
    return d


def _set(d: Derivation, concept: str, value: Any, reason: str, sources: Iterable[str] = ()) -> None:
    d.findings[concept] = Finding(concept, value, reason, tuple(sources))


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


def _quantity(obs: Any) -> tuple[float, str] | None:
    q = getattr(obs, "valueQuantity", None)
    if q is None or q.value is None:
        return None
    unit = q.code if q.code and (q.system or "").endswith("unitsofmeasure.org") else q.unit
    return float(q.value), str(unit or q.unit or "")


def _latest(
    d: Derivation, observations: list[Any], name: str, window: timedelta
) -> tuple[Any, CodeEntry, datetime] | str:
    """The latest usable observation of code set ``name`` within ``window``, or why none."""
    cs = codeset(name)
    found: list[tuple[datetime, Any, CodeEntry]] = []
    other: list[str] = []
    for obs in observations:
        codings, text = _code_of(obs)
        entry = cs.match(codings, None)
        if not isinstance(entry, CodeEntry):
            continue
        if obs.status not in OBS_OK:
            other.append(f"{_ref(obs)} has status {obs.status}")
            continue
        t = _when(obs, "effectiveDateTime", "effectiveInstant", "effectivePeriod", "issued")
        if t is None:
            other.append(f"{_ref(obs)} has no time")
            continue
        if t > d.now:
            other.append(f"{_ref(obs)} is dated after now ({t.isoformat()})")
            continue
        if d.now - t > window:
            other.append(f"{_ref(obs)} from {t.isoformat()} is older than {_span(window)}")
            continue
        found.append((t, obs, entry))
    if not found:
        return "; ".join(other) if other else f"no {cs.description.lower()} in the Bundle"
    t, obs, entry = max(found, key=lambda x: x[0])
    return obs, entry, t


def _span(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    return f"{hours:g} h" if hours < 48 else f"{hours / 24:g} days"


def _observations(d: Derivation, obs: list[Any], recent: timedelta, body: timedelta) -> None:
    for concept, window in (("heart_rate", recent), ("spo2", recent), ("bmi", body),
                            ("body_height", body), ("body_weight", body)):
        got = _latest(d, obs, concept, window)
        if isinstance(got, str):
            _set(d, concept, None, got)
            continue
        o, _entry, t = got
        q = _quantity(o)
        factors = UNITS[concept]
        if q is None:
            _set(d, concept, None, f"{_ref(o)} has no valueQuantity", [_ref(o)])
        elif q[1] not in factors:
            _set(d, concept, None, f"{_ref(o)} unit {q[1]!r} not understood "
                 f"(expected {', '.join(factors)})", [_ref(o)])
        else:
            value = round(q[0] * factors[q[1]], 2)
            _set(d, concept, value, f"{_ref(o)} at {t.isoformat()}", [_ref(o)])
    if d.value("bmi") is None and d.value("body_height") and d.value("body_weight"):
        h = d.findings["body_height"]
        w = d.findings["body_weight"]
        bmi = round(w.value / (h.value / 100) ** 2, 1)
        _set(d, "bmi", bmi, f"computed from weight {w.value} kg and height {h.value} cm",
             h.sources + w.sources)
    _ddimer(d, obs, recent)


def _ddimer(d: Derivation, obs: list[Any], recent: timedelta) -> None:
    got = _latest(d, obs, "ddimer", recent)
    if isinstance(got, str):
        _set(d, "ddimer_ng_ml_feu", None, got)
        return
    o, entry, t = got
    ref = _ref(o)
    q = _quantity(o)
    if q is None:
        _set(d, "ddimer_ng_ml_feu", None, f"{ref} has no valueQuantity", [ref])
        return
    value, unit = q
    try:
        parsed = dd.parse_unit(unit)
    except InputError:
        parsed = None
    if parsed is not None and entry.basis and parsed.basis != entry.basis:
        _set(d, "ddimer_ng_ml_feu", None,
             f"{ref}: LOINC {entry.code} is {entry.basis} but the unit says {parsed.basis}; "
             "the two differ about two-fold, so the value is not used", [ref])
        return
    if parsed is None:
        if entry.basis is None:
            _set(d, "ddimer_ng_ml_feu", None,
                 f"{ref}: unit {unit!r} and LOINC {entry.code} do not say FEU or DDU", [ref])
            return
        try:
            parsed = dd.parse_unit(f"{unit} {entry.basis}")
        except InputError:
            _set(d, "ddimer_ng_ml_feu", None, f"{ref}: D-dimer unit {unit!r} not understood",
                 [ref])
            return
    feu = round(value * parsed.factor, 3)
    how = f"{value:g} {unit} ({parsed.basis})" + (
        f" x {dd.DDU_TO_FEU:g} = {feu:g} ng/mL FEU" if parsed.basis == "DDU" else ""
    )
    _set(d, "ddimer_ng_ml_feu", feu, f"{ref} at {t.isoformat()}: {how}", [ref])


@dataclass(frozen=True)
class _Evidence:
    """A Condition usable as evidence: its codings, whether active, and its onset."""

    resource: Any
    codings: list[Any]
    active: bool
    onset: datetime | None
    _coded: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def coded(self, *names: str) -> bool:
        """Whether a coding falls in any of these code sets (each looked up once)."""
        for name in names:
            hit = self._coded.get(name)
            if hit is None:
                hit = isinstance(codeset(name).match(self.codings, None), CodeEntry)
                self._coded[name] = hit
            if hit:
                return True
        return False


def _condition_evidence(d: Derivation, conditions: list[Any]) -> list[_Evidence]:
    """Conditions that may be used: not refuted/unconfirmed, and not dated after now."""
    out = []
    for c in conditions:
        verification = _status(c.verificationStatus)
        if verification in NOT_EVIDENCE:
            continue
        codings, _text = _code_of(c)
        onset = _when(c, "onsetDateTime", "onsetPeriod", "recordedDate")
        if onset is not None and onset > d.now:
            continue
        out.append(_Evidence(c, codings, _status(c.clinicalStatus) in ACTIVE, onset))
    return out


def _conditions(d: Derivation, evidence: list[_Evidence]) -> None:
    hits: dict[str, list[tuple[Any, bool]]] = {"cancer": [], "dvt": [], "pe": [], "pregnancy": []}
    for e in evidence:
        for name in hits:
            if e.coded(name):
                hits[name].append((e.resource, e.active))
    none_reason = "no {} recorded in the Bundle (absence of a record is not read as 'no')"
    cancer = hits["cancer"]
    active_cancer = [c for c, a in cancer if a]
    if active_cancer:
        _set(d, "active_cancer", True, "active Condition: malignant neoplasm",
             [_ref(c) for c in active_cancer])
    elif cancer:
        _set(d, "active_cancer", None, "cancer recorded but not active; whether it was treated "
             "in the last 6 months is not known", [_ref(c) for c, _ in cancer])
    else:
        _set(d, "active_cancer", None, none_reason.format("cancer"))
    if cancer:
        _set(d, "cancer_any", True, "Condition: malignant neoplasm (present or previous)",
             [_ref(c) for c, _ in cancer])
    else:
        _set(d, "cancer_any", None, none_reason.format("cancer"))
    dvt = [c for c, _ in hits["dvt"]]
    vte = dvt + [c for c, _ in hits["pe"]]
    if dvt:
        _set(d, "previous_dvt", True, "Condition: deep vein thrombosis", [_ref(c) for c in dvt])
    else:
        _set(d, "previous_dvt", None, none_reason.format("DVT"))
    if vte:
        _set(d, "previous_vte", True, "Condition: DVT or PE", [_ref(c) for c in vte])
    else:
        _set(d, "previous_vte", None, none_reason.format("DVT or PE"))
    pregnant = [c for c, a in hits["pregnancy"] if a]
    if pregnant:
        _set(d, "pregnant", True, "active Condition: pregnancy", [_ref(c) for c in pregnant])
    else:
        _set(d, "pregnant", None, none_reason.format("current pregnancy"))
    for rule in CONDITION_RULES:
        _condition_rule(d, rule, evidence)


def _condition_rule(d: Derivation, rule: ConditionRule, evidence: list[_Evidence]) -> None:
    """One finding from Conditions: True on positive evidence, otherwise None and why."""
    hits = [e for e in evidence if e.coded(*rule.codesets)]
    window = timedelta(days=rule.days)

    def recent(e: _Evidence) -> bool:
        return e.onset is not None and d.now - e.onset <= window

    if rule.status == "any":
        found, why = hits, f"Condition: {rule.label}"
    elif rule.status == "active":
        found, why = [e for e in hits if e.active], f"active Condition: {rule.label}"
    elif rule.status == "recent":
        found = [e for e in hits if recent(e)]
        why = f"Condition: {rule.label} with onset in the {rule.days} days before now"
    else:  # acute
        found = [e for e in hits if e.active and recent(e)]
        why = f"active Condition: {rule.label} with onset in the {rule.days} days before now"
    if found:
        why += " (" + ", ".join(_ref(e.resource) + (f" from {e.onset:%Y-%m-%d}" if e.onset
                                                    else "") for e in found) + ")"
        _set(d, rule.concept, True, why, [_ref(e.resource) for e in found])
        return
    unread = f"; {rule.unread}" if rule.unread else ""
    if not hits:
        _set(d, rule.concept, None, f"no {rule.label} recorded in the Bundle (absence of a "
             f"record is not read as 'no'){unread}")
        return
    details = []
    for e in hits:
        ref = _ref(e.resource)
        if rule.status in ("active", "acute") and not e.active:
            details.append(f"{ref} is not active")
        elif e.onset is None:
            details.append(f"{ref} has no onset or recorded date, so it cannot be told recent")
        else:
            details.append(f"{ref} began {e.onset:%Y-%m-%d}, more than {rule.days} days ago")
    _set(d, rule.concept, None, f"{rule.label} recorded but not counted: "
         f"{'; '.join(details)}{unread}", [_ref(e.resource) for e in hits])


def _status(concept: Any) -> str | None:
    if concept is None:
        return None
    for coding in concept.coding or []:
        if coding.code:
            return str(coding.code)
    return None


def _procedures(d: Derivation, procedures: list[Any], encounters: list[Any]) -> None:
    surgical = codeset("surgical_procedure")
    inpatient = codeset("inpatient_encounter")
    stays = []
    for e in encounters:
        cls = getattr(e, "class_fhir", None)
        if cls is not None and isinstance(inpatient.match([cls]), CodeEntry):
            start = _as_utc(e.period.start) if e.period and e.period.start else None
            end = _as_utc(e.period.end) if e.period and e.period.end else d.now
            stays.append((e, start, end))
    recent: list[tuple[Any, datetime]] = []
    uncategorised: list[str] = []
    for p in procedures:
        if p.status != "completed":
            continue
        t = _when(p, "performedDateTime", "performedPeriod")
        if t is None or t > d.now or d.now - t > timedelta(days=30):
            continue
        codings, _ = _code_of(p, "category")
        if isinstance(surgical.match(codings), CodeEntry):
            recent.append((p, t))
        else:
            uncategorised.append(_ref(p))
    none_reason = "no completed surgical Procedure in the last {} days in the Bundle"
    if uncategorised:
        none_reason += f"; {', '.join(uncategorised)} has no surgical category"
    for concept, days in (("surgery_4_weeks", 28), ("surgery_1_month", 30)):
        within = [(p, t) for p, t in recent if d.now - t <= timedelta(days=days)]
        if within:
            _set(d, concept, True, f"surgical Procedure within {days} days",
                 [_ref(p) for p, _ in within])
        else:
            _set(d, concept, None, none_reason.format(days))
    hospital = []
    for p, t in recent:
        if d.now - t > timedelta(days=28):
            continue
        for e, start, end in stays:
            linked = p.encounter is not None and p.encounter.reference == _ref(e)
            overlaps = start is not None and end is not None and start <= t <= end
            if linked or overlaps:
                hospital.append(_ref(p))
                hospital.append(_ref(e))
    if hospital:
        _set(d, "hospitalised_surgery_4_weeks", True,
             "surgical Procedure within 4 weeks during an inpatient Encounter", hospital)
    elif recent:
        _set(d, "hospitalised_surgery_4_weeks", None, "surgery within 4 weeks found, but no "
             "inpatient Encounter shows it required hospitalisation",
             [_ref(p) for p, _ in recent])
    else:
        _set(d, "hospitalised_surgery_4_weeks", None, none_reason.format(28))


MEDICATION_FINDINGS = (("estrogen_use", "estrogen", "estrogen"),
                       ("anticoagulant", "anticoagulant", "anticoagulant"),
                       ("antiplatelet_or_nsaid", "antiplatelet_nsaid", "antiplatelet or NSAID"))


def _medications(d: Derivation, meds: list[Any], catalogue: Mapping[str, Any]) -> None:
    for concept, name, label in MEDICATION_FINDINGS:
        cs = codeset(name)
        hits: list[str] = []
        for m in meds:
            if m.status != "active":
                continue
            codings, text = _code_of(m, "medicationCodeableConcept")
            ref = getattr(m, "medicationReference", None)
            if ref is not None and ref.reference in catalogue:
                codings, text = _code_of(catalogue[ref.reference])
            match = cs.match(codings, text)
            if match is not None:
                how = match.display if isinstance(match, CodeEntry) else f"name '{match}'"
                hits.append(f"{_ref(m)} ({how})")
        if hits:
            _set(d, concept, True, f"active {label} medication: {', '.join(hits)}",
                 [h.split(' ')[0] for h in hits])
        else:
            _set(d, concept, None, f"no active {label} medication in the Bundle "
                 "(absence of a record is not read as 'no')")


def _observed(
    d: Derivation, observations: list[Any], name: str, window: timedelta
) -> tuple[float, Any, datetime] | str:
    """The latest usable value of code set ``name`` in its unit (UNITS), or why there is none.

    A panel code (e.g. the blood pressure panel) is read from its component.
    """
    got = _latest(d, observations, name, window)
    if isinstance(got, str):
        return got
    o, entry, t = got
    ref = _ref(o)
    source = o
    if entry.component is not None:
        source = next((c for c in o.component or [] if any(
            x.system == "http://loinc.org" and x.code == entry.component
            for x in (c.code.coding or []))), None)
        if source is None:
            return f"{ref} (LOINC {entry.code}) has no component {entry.component}"
    q = _quantity(source)
    factors = UNITS[name]
    if q is None:
        return f"{ref} has no valueQuantity"
    if q[1] not in factors:
        return f"{ref} unit {q[1]!r} not understood (expected {', '.join(factors)})"
    return round(q[0] * factors[q[1]], 1), o, t


def _hypertension(d: Derivation, observations: list[Any], evidence: list[_Evidence],
                  window: timedelta) -> None:
    """HAS-BLED H: the latest systolic reading above 160 mmHg. A diagnosis never answers it."""
    diagnosed = [_ref(e.resource) for e in evidence if e.coded("hypertension")]
    if diagnosed:
        diagnosis = (f"; {', '.join(diagnosed)} records hypertension, but a diagnosis does not "
                     "show it is uncontrolled")
    else:
        diagnosis = "; a hypertension diagnosis alone would not show it is uncontrolled"
    got = _observed(d, observations, "systolic_bp", window)
    if isinstance(got, str):
        _set(d, "hypertension_uncontrolled", None,
             f"{got}{diagnosis} (HAS-BLED: systolic above 160 mmHg)")
        return
    value, o, t = got
    ref = _ref(o)
    if value > SYSTOLIC_UNCONTROLLED_ABOVE:
        _set(d, "hypertension_uncontrolled", True,
             f"{ref} at {t.isoformat()}: systolic {value:g} mmHg, above 160 (the latest "
             f"reading in {_span(window)}; check it reflects the usual pressure)", [ref])
    else:
        _set(d, "hypertension_uncontrolled", None,
             f"{ref} at {t.isoformat()}: systolic {value:g} mmHg, not above 160; one reading "
             f"does not show the pressure is controlled, so this is left to the clinician"
             f"{diagnosis}", [ref])


def _renal(d: Derivation, observations: list[Any], window: timedelta) -> None:
    """HAS-BLED A (renal): chronic dialysis, kidney transplant, or creatinine >= 200 umol/L."""
    got = _observed(d, observations, "creatinine", window)
    high = False
    if isinstance(got, str):
        _set(d, "creatinine_umol_l", None, got)
        lab = got
    else:
        value, o, t = got
        ref = _ref(o)
        _set(d, "creatinine_umol_l", value, f"{ref} at {t.isoformat()}: {value:g} umol/L",
             [ref])
        high = value >= CREATININE_ABNORMAL_FROM_UMOL_L
        lab = (f"{ref} at {t.isoformat()}: creatinine {value:g} umol/L, "
               + ("200 or more" if high else "below 200"))
    condition = d.findings["renal_replacement"]
    creatinine = d.findings["creatinine_umol_l"]
    if condition.value or high:
        reasons = ([condition.reason] if condition.value else []) + ([lab] if high else [])
        sources = (condition.sources if condition.value else ()) + (
            creatinine.sources if high else ())
        _set(d, "abnormal_renal_function", True, "; ".join(reasons), sources)
    else:
        _set(d, "abnormal_renal_function", None, f"{condition.reason}; {lab}",
             condition.sources + creatinine.sources)


def _times_uln(obs: Any) -> float | str:
    """The result as a multiple of its own upper reference limit, or why it cannot be."""
    ref = _ref(obs)
    q = _quantity(obs)
    if q is None:
        return f"{ref} has no valueQuantity"
    highs = {(float(r.high.value), _unit(r.high)) for r in obs.referenceRange or []
             if r.high is not None and r.high.value is not None}
    if not highs:
        return f"{ref} has no upper reference limit (referenceRange.high)"
    if len(highs) > 1:
        return f"{ref} has several upper reference limits"
    high, unit = highs.pop()
    if unit != q[1]:
        return (f"{ref}: the result is in {q[1]!r} but its reference range in {unit!r}, so "
                "it is not compared")
    if high <= 0:
        return f"{ref}: upper reference limit {high:g} cannot be used"
    return q[0] / high


def _unit(quantity: Any) -> str:
    code = quantity.code if quantity.code and (quantity.system or "").endswith(
        "unitsofmeasure.org") else quantity.unit
    return str(code or quantity.unit or "")


def _liver_tests(d: Derivation, observations: list[Any],
                 window: timedelta) -> tuple[bool, str, tuple[str, ...]]:
    """Bilirubin > 2x ULN with AST/ALT/ALP > 3x ULN within 48 h of it: (yes, why, sources)."""
    got = _latest(d, observations, "bilirubin_total", window)
    if isinstance(got, str):
        return False, got, ()
    bilirubin, _entry, taken = got
    ref = _ref(bilirubin)
    times = _times_uln(bilirubin)
    if isinstance(times, str):
        return False, times, (ref,)
    if times <= BILIRUBIN_ABOVE_ULN_TIMES:
        return False, f"{ref}: bilirubin {times:.1f}x the upper limit of normal, not above 2x", (
            ref,)
    enzymes = codeset("liver_enzymes")
    high: list[str] = []
    other: list[str] = []
    for o in observations:
        codings, _text = _code_of(o)
        entry = enzymes.match(codings, None)
        if not isinstance(entry, CodeEntry) or o.status not in OBS_OK:
            continue
        t = _when(o, "effectiveDateTime", "effectiveInstant", "effectivePeriod", "issued")
        if t is None or t > d.now or abs(t - taken) > LIVER_PAIR_WINDOW:
            continue
        ratio = _times_uln(o)
        if isinstance(ratio, str):
            other.append(ratio)
        elif ratio > ENZYME_ABOVE_ULN_TIMES:
            high.append(f"{_ref(o)} {entry.display.split(' [')[0]} {ratio:.1f}x")
        else:
            other.append(f"{_ref(o)} {ratio:.1f}x, not above 3x")
    what = f"{ref}: bilirubin {times:.1f}x the upper limit of normal"
    if high:
        return True, f"{what} with {', '.join(high)} within 48 h", (ref,) + tuple(
            h.split(" ")[0] for h in high)
    found = "; ".join(other) if other else "no AST, ALT or ALP result within 48 h of it"
    return False, f"{what}, but {found}", (ref,)


def _liver(d: Derivation, observations: list[Any], window: timedelta) -> None:
    """HAS-BLED A (liver): chronic liver disease, or bilirubin > 2x with AST/ALT/ALP > 3x ULN."""
    disease = d.findings["liver_disease"]
    tests, lab, lab_sources = _liver_tests(d, observations, window)
    if disease.value or tests:
        reasons = ([disease.reason] if disease.value else []) + ([lab] if tests else [])
        sources = (disease.sources if disease.value else ()) + (lab_sources if tests else ())
        _set(d, "abnormal_liver_function", True, "; ".join(reasons), sources)
    else:
        _set(d, "abnormal_liver_function", None, f"{disease.reason}; {lab}",
             disease.sources + lab_sources)


def _alcohol(d: Derivation, observations: list[Any]) -> None:
    """HAS-BLED alcohol: AUDIT-C answers whose least product is 8 or more drinks a week."""
    concept = "alcohol_8_drinks_week"
    not_read = ("LOINC 11287-0 (drinks per drinking day) and 74013-4 (drinks per day, no drink "
                "size) are not read")
    cs = codeset("audit_c")
    frequency_code, quantity_code = (e.code for e in cs.codes)
    answered: dict[str, list[tuple[datetime, Any]]] = {frequency_code or "": [],
                                                       quantity_code or "": []}
    for o in observations:
        codings, _text = _code_of(o)
        entry = cs.match(codings, None)
        if not isinstance(entry, CodeEntry) or o.status not in OBS_OK:
            continue
        t = _when(o, "effectiveDateTime", "effectiveInstant", "effectivePeriod", "issued")
        if t is None or t > d.now or d.now - t > AUDIT_WINDOW:
            continue
        answered[entry.code or ""].append((t, o))
    if not answered[frequency_code or ""]:
        _set(d, concept, None, "nothing in the record shows 8 or more drinks a week: no "
             "AUDIT-C answer to 'how often do you have a drink containing alcohol' (LOINC "
             f"{frequency_code}) in the last year; {not_read}")
        return
    t1, first = max(answered[frequency_code or ""], key=lambda x: x[0])
    pair = [(t, o) for t, o in answered[quantity_code or ""] if abs(t - t1) <= AUDIT_PAIR_WINDOW]
    refs = [_ref(first)]
    if not pair:
        _set(d, concept, None, f"{_ref(first)} answers how often, but no AUDIT-C answer on "
             f"drinks per typical day (LOINC {quantity_code}) from the same day; {not_read}",
             refs)
        return
    _t2, second = max(pair, key=lambda x: x[0])
    refs.append(_ref(second))
    answers = []
    for o, question in ((first, frequency_code), (second, quantity_code)):
        value = getattr(o, "valueCodeableConcept", None)
        answer = cs.answer(question, list(value.coding or []) if value is not None else [])
        if answer is None:
            _set(d, concept, None, f"{_ref(o)}: the answer is not a LOINC answer code of "
                 f"AUDIT-C (valueCodeableConcept), so it is not read; {not_read}", refs)
            return
        answers.append(answer)
    often, many = answers
    least = often.at_least * many.at_least
    how = (f"AUDIT-C {refs[0]} '{often.display}' and {refs[1]} '{many.display}' drinks on a "
           f"typical day: at least {least:.3g} standard drinks a week")
    if least >= ALCOHOL_DRINKS_A_WEEK_FROM:
        _set(d, concept, True, how, refs)
    else:
        _set(d, concept, None, f"{how}, which does not show 8 or more (the answers are bands, "
             "so this is left to the clinician)", refs)
