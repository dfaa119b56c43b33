"""Findings from Conditions: cancer, previous DVT/PE, pregnancy, and the rules of
``CONDITION_RULES``; status as of ``now``; unrecognised codes named in the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clotwatch.fhir.matching import names_of, names_of_kind
from clotwatch.fhir.records import (
    ACTIVE,
    NOT_EVIDENCE,
    RECENT_DAYS,
    Derivation,
    _code_of,
    _ref,
    _set,
    _status,
    _when,
)


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
    ConditionRule("heart_failure", ("heart_failure",), "heart failure", "active"),
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
class _Evidence:
    """A Condition usable as evidence: its codings, whether active, and its onset; ``sets``:
    the code sets its codings fall in (``matching.names_of``, all sets in one pass)."""

    resource: Any
    codings: list[Any]
    active: bool
    onset: datetime | None
    sets: frozenset[str] = frozenset()

    def coded(self, *names: str) -> bool:
        """Whether a coding falls in any of these code sets."""
        return not self.sets.isdisjoint(names)


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
        out.append(_Evidence(c, codings, _active_at(c, d.now), onset, names_of(codings)))
    return out


def _active_at(condition: Any, now: datetime) -> bool:
    """Whether a Condition was active at ``now``: an abatement date decides when there is one
    (after now: still active then, whatever the status says today; on or before now: over),
    otherwise the clinicalStatus."""
    abated = _when(condition, "abatementDateTime", "abatementPeriod")
    if abated is not None:
        return abated > now
    return _status(condition.clinicalStatus) in ACTIVE


def _unrecognised(evidence: list[_Evidence]) -> list[_Evidence]:
    """Conditions whose codes fall in none of the condition code sets."""
    names = names_of_kind("condition")
    return [e for e in evidence if not e.sets & names]


def _none_reason(label: str, unknown: list[_Evidence], tail: str | None = None) -> str:
    """Why a Condition finding is unknown: nothing recognised, and which codes were not
    (``tail``: ``_unrecognised_tail(unknown)``, when the caller has it already)."""
    reason = (f"no {label} recognised among the Bundle's Conditions (absence of a record is "
              "not read as 'no')")
    return reason + (_unrecognised_tail(unknown) if tail is None else tail)


def _unrecognised_tail(unknown: list[_Evidence]) -> str:
    """What ``_none_reason`` adds about the Conditions coded with codes not recognised: the
    same for every finding of one Bundle, so made once (issue 13: CPU per CDS call)."""
    if not unknown:
        return ""
    shown = []
    for e in unknown[:3]:
        coding = next((c for c in e.codings if c.code), None)
        if coding is None:
            shown.append(f"{_ref(e.resource)} (no code)")
        else:
            system = str(coding.system or "?").rsplit("/", 1)[-1]
            shown.append(f"{_ref(e.resource)} coded {system} {coding.code}"
                         + (f" '{coding.display}'" if coding.display else ""))
    more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
    return (f"; a Condition coded with a code clotwatch does not recognise may be one: "
            f"{', '.join(shown)}{more}")


def _conditions(d: Derivation, evidence: list[_Evidence],
                chemotherapy: list[str] | None = None) -> None:
    hits: dict[str, list[tuple[Any, bool]]] = {"cancer": [], "dvt": [], "pe": [], "pregnancy": []}
    for e in evidence:
        for name in hits:
            if e.coded(name):
                hits[name].append((e.resource, e.active))
    treated = []
    if chemotherapy:
        # A neoplasm whose code does not say malignant, treated with cytotoxic chemotherapy:
        # the two codes together show a cancer.
        treated = [(e.resource, e.active) for e in evidence
                   if e.coded("neoplasm_uncertain") and not e.coded("cancer")]
        hits["cancer"].extend(treated)
    unknown = _unrecognised(evidence)
    tail = _unrecognised_tail(unknown)

    def none_reason(label: str) -> str:
        return _none_reason(label, unknown, tail)

    cancer = hits["cancer"]
    active_cancer = [c for c, a in cancer if a]
    how = "malignant neoplasm"
    if treated:
        orders = list(chemotherapy or [])
        shown = ", ".join(orders[:2]) + (f" and {len(orders) - 2} more orders"
                                         if len(orders) > 2 else "")
        how += (f" ({', '.join(_ref(c) for c, _ in treated)}: a neoplasm treated with "
                f"cytotoxic chemotherapy, {shown})")
    if active_cancer:
        _set(d, "active_cancer", True, f"active Condition: {how}",
             [_ref(c) for c in active_cancer] + (list(chemotherapy or [])[:2] if treated else []))
    elif cancer:
        _set(d, "active_cancer", None, "cancer recorded but not active; whether it was treated "
             "in the last 6 months is not known", [_ref(c) for c, _ in cancer])
    else:
        _set(d, "active_cancer", None, none_reason("cancer"))
    if cancer:
        _set(d, "cancer_any", True, f"Condition: {how} (present or previous)",
             [_ref(c) for c, _ in cancer])
    else:
        _set(d, "cancer_any", None, none_reason("cancer"))
    dvt = [c for c, _ in hits["dvt"]]
    vte = dvt + [c for c, _ in hits["pe"]]
    if dvt:
        _set(d, "previous_dvt", True, "Condition: deep vein thrombosis", [_ref(c) for c in dvt])
    else:
        _set(d, "previous_dvt", None, none_reason("DVT"))
    if vte:
        _set(d, "previous_vte", True, "Condition: DVT or PE", [_ref(c) for c in vte])
    else:
        _set(d, "previous_vte", None, none_reason("DVT or PE"))
    pregnant = [c for c, a in hits["pregnancy"] if a]
    if pregnant:
        _set(d, "pregnant", True, "active Condition: pregnancy", [_ref(c) for c in pregnant])
    else:
        _set(d, "pregnant", None, none_reason("current pregnancy"))
    for rule in CONDITION_RULES:
        _condition_rule(d, rule, evidence, unknown, tail)


def _condition_rule(d: Derivation, rule: ConditionRule, evidence: list[_Evidence],
                    unknown: list[_Evidence] | None = None, tail: str | None = None) -> None:
    """One finding from Conditions: True on positive evidence, otherwise None and why."""
    names = rule.codesets
    hits = [e for e in evidence if not e.sets.isdisjoint(names)]  # e.coded(*names), inline
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
        _set(d, rule.concept, None,
             f"{_none_reason(rule.label, unknown or [], tail)}{unread}")
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
