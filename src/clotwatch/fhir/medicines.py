"""Findings from medicines (MedicationRequest, MedicationStatement, Medication): oestrogen,
anticoagulants, antiplatelets/NSAIDs, cytotoxic chemotherapy. By code only; RxNorm
products through their ingredients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clotwatch.fhir.codes import codeset
from clotwatch.fhir.records import Derivation, _code_of, _ref, _set, _when

MEDICATION_FINDINGS = (("estrogen_use", "estrogen", "estrogen"),
                       ("anticoagulant", "anticoagulant", "anticoagulant"),
                       ("antiplatelet_or_nsaid", "antiplatelet_nsaid", "antiplatelet or NSAID"))


@dataclass(frozen=True)
class Medicine:
    """What a MedicationRequest/MedicationStatement orders: its codings and text, or the
    reference to a Medication that could not be found (``unresolved``)."""

    codings: list[Any]
    text: str | None
    unresolved: str | None = None


def medicine_of(resource: Any, catalogue: Mapping[str, Any]) -> Medicine:
    """The medicine of an order or statement: its medicationCodeableConcept, or the code of
    the Medication it refers to (contained ``#id``, ``Medication/id`` or a fullUrl in
    ``catalogue``)."""
    codings, text = _code_of(resource, "medicationCodeableConcept")
    ref = getattr(resource, "medicationReference", None)
    target = getattr(ref, "reference", None) if ref is not None else None
    if not target:
        return Medicine(codings, text)
    medication = None
    if target.startswith("#"):
        medication = next((c for c in getattr(resource, "contained", None) or []
                           if c.get_resource_type() == "Medication" and c.id == target[1:]),
                          None)
    else:
        medication = catalogue.get(target)
        if medication is None and "/Medication/" in target:  # an absolute URL on the server
            medication = catalogue.get("Medication/" + target.rsplit("/Medication/", 1)[1])
    if medication is None:
        return Medicine(codings, text or getattr(ref, "display", None), unresolved=target)
    m_codings, m_text = _code_of(medication)
    return Medicine(m_codings, m_text or text)


def _chemotherapy(d: Derivation, meds: list[Any], catalogue: Mapping[str, Any]) -> list[str]:
    """Orders of cytotoxic chemotherapy (code set antineoplastic) written before now, any
    status: treatment given shows the cancer, even once the course is over."""
    cs = codeset("antineoplastic")
    out = []
    for m in meds:
        t = _when(m, "authoredOn", "dateAsserted", "effectiveDateTime", "effectivePeriod")
        if t is not None and t > d.now or m.status in ("entered-in-error", "draft"):
            continue
        if cs.match(medicine_of(m, catalogue).codings) is not None:
            out.append(_ref(m))
    return out


def _order_age(d: Derivation, m: Any) -> str:
    """When an order was written (or a statement asserted), and how long before now."""
    t = _when(m, "authoredOn", "dateAsserted", "effectiveDateTime", "effectivePeriod")
    if t is None:
        return "no date on the record"
    days = (d.now - t).days
    if days < 0:
        return f"dated {t:%Y-%m-%d}, after now"
    if days < 60:
        age = f"{days} days ago"
    elif days < 730:
        age = f"{days // 30} months ago"
    else:
        age = f"{days // 365} years ago"
    what = "authored" if getattr(m, "authoredOn", None) is not None else "recorded"
    note = "; nothing newer shows it is still taken" if days > 365 else ""
    return f"{what} {t:%Y-%m-%d}, {age}{note}"


def _begun(m: Any) -> Any:
    """When an order was written (a statement asserted, or its use began), or None."""
    t = _when(m, "authoredOn", "dateAsserted", "effectiveDateTime")
    period = getattr(m, "effectivePeriod", None)
    return t if t is not None or period is None else _when(period, "start")


def _medications(d: Derivation, meds: list[Any], catalogue: Mapping[str, Any]) -> None:
    """Active medicines by code set. A medicine counts only by its code (directly, or an
    RxNorm product through its ingredients); one named only in text, or referring to a
    Medication not in the Bundle, leaves the finding unknown and is named in the reason.
    An order written after now is not read: it did not exist then (a whole record holds the
    orders of later years, still active at the export; the Conditions and the chemotherapy
    orders are read the same way)."""
    active = [(m, medicine_of(m, catalogue)) for m in meds if m.status == "active"
              and not ((t := _begun(m)) is not None and t > d.now)]
    for concept, name, label in MEDICATION_FINDINGS:
        cs = codeset(name)
        hits: list[tuple[str, str]] = []
        doubts: list[tuple[str, str]] = []
        for m, medicine in active:
            ref = _ref(m)
            match = cs.match(medicine.codings)
            if match is not None:
                hits.append((ref, f"{ref} ({match.display}; {_order_age(d, m)})"))
                continue
            mention = cs.mentioned(medicine.codings, medicine.text)
            if medicine.unresolved is not None:
                doubts.append((ref, f"{ref} refers to {medicine.unresolved}, which is not in "
                                    "the Bundle, so what it orders is not known"))
            elif mention is not None:
                codes = ", ".join(f"{c.system or '?'}|{c.code or '?'}"
                                  for c in medicine.codings) or "no code"
                doubts.append((ref, f"{ref} names '{mention}' in its text, but its code "
                                    f"({codes}) is not one clotwatch recognises; a finding is "
                                    "never taken from text alone"))
        if hits:
            why = f"active {label} medication: {', '.join(h for _, h in hits)}"
            if doubts:
                why += "; also " + "; ".join(w for _, w in doubts)
            _set(d, concept, True, why, [r for r, _ in hits])
        elif doubts:
            _set(d, concept, None, f"no active {label} medication recognised by its code "
                 "(absence of a record is not read as 'no'); "
                 + "; ".join(w for _, w in doubts), [r for r, _ in doubts])
        else:
            _set(d, concept, None, f"no active {label} medication in the Bundle "
                 "(absence of a record is not read as 'no')")
