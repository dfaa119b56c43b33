"""FHIR R4 in and out: read a patient's Bundle, derive instrument inputs, write RiskAssessments.

Public functions (stable; CDS Hooks builds on them):

- ``load_bundle(data) -> fhir.resources.R4B.bundle.Bundle``: parse and validate (JSON text,
  bytes, dict or Bundle); ``InputError`` if it is not a Bundle, ``MappingError`` naming the
  path of the first invalid element.
- ``read_bundle(data) -> ReadBundle(bundle, problems)``: the lenient reader ``derive`` uses:
  each resource of a type clotwatch reads read on its own (the elements used, checked per R4
  datatype, ``fhir.elements``; forms it is unsure of, and the Patient, by the R4B models), an
  invalid one left out and named by its path in ``problems``, other types not validated;
  ``MappingError`` for an invalid Patient or a Bundle that looks like FHIR STU3.
  ``full=True``: every resource read validated whole by its R4B model.
- ``bundle_from_resources(resources) -> dict``: a collection Bundle dict from loose resources
  or searchset Bundles (e.g. CDS Hooks prefetch values).
- ``derive(bundle, now, *, recent=24 h, body_window=365 days, bp_window=30 days,
  lab_window=90 days) -> Derivation``: findings about the one Patient (``MappingError`` if
  none or several).
- ``answers(derivation, instrument_id) -> dict`` and ``explain(derivation, instrument_id)``:
  instrument answers (None = unknown) and, per input, the value with its sources or why it is
  missing.
- ``score(bundle, now, instrument_ids=None) -> (Derivation, [Scored])`` and
  ``score_derivation(derivation, instrument_ids=None)``.
- ``risk_assessment(scored, derivation) -> dict``: an R4 RiskAssessment validated by the R4B
  model.
- ``codeset(name)`` / ``all_codesets()``: the code sets with their sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clotwatch.fhir.codes import CodeSet, all_codesets, codeset
from clotwatch.fhir.read import Derivation, Finding, ReadBundle, derive, load_bundle, read_bundle
from clotwatch.fhir.score import (
    INPUT_MAP,
    InputSource,
    Scored,
    answers,
    explain,
    score,
    score_derivation,
)
from clotwatch.fhir.write import risk_assessment


def bundle_from_resources(resources: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """A ``collection`` Bundle dict from resources and/or Bundles (their entries are unpacked).

    ``None`` items (a prefetch the EHR could not fill) are skipped.
    """
    entries: list[dict[str, Any]] = []
    for item in resources:
        if item is None:
            continue
        if not isinstance(item, Mapping):
            from clotwatch.core.errors import InputError

            raise InputError("resource", f"expected a FHIR resource object, got "
                             f"{type(item).__name__}")
        if item.get("resourceType") == "Bundle":
            for entry in item.get("entry") or []:
                if isinstance(entry, Mapping) and entry.get("resource") is not None:
                    e = {"resource": entry["resource"]}
                    if entry.get("fullUrl"):
                        e["fullUrl"] = entry["fullUrl"]
                    entries.append(e)
        else:
            entries.append({"resource": dict(item)})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


__all__ = [
    "INPUT_MAP",
    "CodeSet",
    "Derivation",
    "Finding",
    "InputSource",
    "ReadBundle",
    "Scored",
    "all_codesets",
    "answers",
    "bundle_from_resources",
    "codeset",
    "derive",
    "explain",
    "load_bundle",
    "read_bundle",
    "risk_assessment",
    "score",
    "score_derivation",
]
