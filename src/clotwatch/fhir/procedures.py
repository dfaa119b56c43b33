"""Findings from Procedures: recent surgery, and surgery during an inpatient stay."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from clotwatch.fhir.codes import CodeEntry, codeset
from clotwatch.fhir.records import Derivation, _as_utc, _code_of, _ref, _set, _when


def _procedures(d: Derivation, procedures: list[Any], encounters: list[Any]) -> None:
    surgical = codeset("surgical_procedure")
    operations = codeset("surgical_procedure_code")
    inpatient = codeset("inpatient_encounter")
    stays = []
    for e in encounters:
        cls = getattr(e, "class_fhir", None)
        if cls is not None and isinstance(inpatient.match([cls]), CodeEntry):
            start = _as_utc(e.period.start) if e.period and e.period.start else None
            end = _as_utc(e.period.end) if e.period and e.period.end else d.now
            stays.append((e, start, end))
    recent: list[tuple[Any, datetime, str]] = []
    uncategorised: list[str] = []
    for p in procedures:
        if p.status != "completed":
            continue
        t = _when(p, "performedDateTime", "performedPeriod")
        if t is None or t > d.now or d.now - t > timedelta(days=30):
            continue
        category, _ = _code_of(p, "category")
        codings, _ = _code_of(p)
        operation = operations.match(codings)
        if operation is not None:
            recent.append((p, t, operation.display))
        elif surgical.match(category) is not None:
            recent.append((p, t, "category: surgical procedure"))
        else:
            coding = next((c for c in codings if c.code), None)
            what = (f"coded {str(coding.system or '?').rsplit('/', 1)[-1]} {coding.code}"
                    + (f" '{coding.display}'" if coding.display else "")) if coding else \
                "with no code"
            uncategorised.append(f"{_ref(p)} {what}")
    none_reason = "no completed surgical Procedure in the last {} days in the Bundle"
    if uncategorised:
        none_reason += (f"; not read as an operation (neither its code nor a surgical "
                        f"category): {', '.join(uncategorised[:5])}"
                        + (f" and {len(uncategorised) - 5} more" if len(uncategorised) > 5
                           else ""))
    for concept, days in (("surgery_4_weeks", 28), ("surgery_1_month", 30)):
        within = [(p, t, what) for p, t, what in recent if d.now - t <= timedelta(days=days)]
        if within:
            _set(d, concept, True, f"surgical Procedure within {days} days: " + ", ".join(
                f"{_ref(p)} ({what}, {t:%Y-%m-%d})" for p, t, what in within),
                 [_ref(p) for p, _, _ in within])
        else:
            _set(d, concept, None, none_reason.format(days))
    hospital = []
    for p, t, _what in recent:
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
             [_ref(p) for p, _, _ in recent])
    else:
        _set(d, "hospitalised_surgery_4_weeks", None, none_reason.format(28))
