"""FHIRPath ``ofType(T)`` on elements whose items are resources (DomainResource.contained):
the items whose resourceType is T (FHIRPath 2.0 "ofType(type : type specifier)"; SQL on FHIR v2
requires ofType). A choice element's ``ofType`` (``medication.ofType(Reference)``,
``medicationReference``) is read as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.population import records

from clotwatch.population.duckdb import DuckDBEngine
from clotwatch.population.source import open_export


def medication(mid: str, code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Medication", "id": mid, "code": code}


def test_of_type_on_contained_keeps_the_resources_of_that_type(tmp_path: Path) -> None:
    """FHIRPath ofType(T) on DomainResource.contained keeps the resources whose resourceType
    is T (a choice element's ofType, ``medication.ofType(Reference)``, is unchanged)."""
    records.write(tmp_path, [
        {"resourceType": "MedicationRequest", "id": "r1", "medicationReference": {
            "reference": "#m1"}, "contained": [
                {"resourceType": "Patient", "id": "p1"},
                medication("m1", {"coding": [{"system": "s", "code": "c1"},
                                             {"system": "s", "code": "c2"}]}),
                {"resourceType": "Medication", "id": "m2"}]},
        {"resourceType": "MedicationRequest", "id": "r2",
         "medicationCodeableConcept": {"coding": [{"system": "s", "code": "c3"}]}}])
    view = {"resourceType": "ViewDefinition", "resource": "MedicationRequest",
            "status": "active", "select": [
                {"column": [{"name": "id", "path": "getResourceKey()"},
                            {"name": "ref", "path": "medication.ofType(Reference).reference"},
                            {"name": "n", "path": "contained.ofType(Medication).count()",
                             "type": "integer"}]},
                {"forEachOrNull": "contained.ofType(Medication)",
                 "column": [{"name": "cid", "path": "id"}],
                 "select": [{"forEachOrNull": "code.coding",
                             "column": [{"name": "code", "path": "code"}]}]}]}
    engine = DuckDBEngine()
    try:
        _, rows = engine.view_rows(view, open_export(tmp_path))
        got = sorted(rows, key=str)
    finally:
        engine.close()
    assert got == [("r1", "#m1", 2, "m1", "c1"), ("r1", "#m1", 2, "m1", "c2"),
                   ("r1", "#m1", 2, "m2", None), ("r2", None, 0, None, None)]
