"""Findings from Observations: vital signs, BMI, D-dimer, and the HAS-BLED items read from
results (uncontrolled hypertension, renal and liver function, alcohol).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.pathway import ddimer as dd
from clotwatch.fhir.codes import CodeEntry, codeset
from clotwatch.fhir.conditions import _Evidence
from clotwatch.fhir.records import OBS_OK, Derivation, _code_of, _ref, _set, _span, _when

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
    old: list[tuple[datetime, str]] = []
    for obs in observations:
        codings, text = _code_of(obs)
        entry = cs.match(codings)
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
            old.append((t, _ref(obs)))
            continue
        found.append((t, obs, entry))
    if not found:
        if old:  # the latest named (a real record holds years of yearly BMIs, hourly vitals)
            t, ref = max(old)
            of = f", the latest of {len(old)}," if len(old) > 1 else ""
            other.append(f"{ref} from {t.isoformat()}{of} is older than {_span(window)}")
        return "; ".join(other) if other else f"no {cs.description.lower()} in the Bundle"
    t, obs, entry = max(found, key=lambda x: x[0])
    return obs, entry, t


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
        entry = enzymes.match(codings)
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
        entry = cs.match(codings)
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
