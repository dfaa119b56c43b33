"""Which risk assessment applies: Caprini for a surgical stay, Padua for a medical one.

A stay is surgical when a completed operation is linked to it or performed during it, an
operation being a Procedure whose code is in ``surgical_procedure_code`` (the same code set,
and the same ``CodeEntry`` rules, that ``clotwatch fhir score`` reads for "recent surgery",
issue 13), or one that carries the surgical category (SNOMED CT 387713003) when the record
has one. Real records carry no Procedure.category (Synthea never writes it), so the code
decides; the tests below hold the SQL to ``CodeSet.match`` on each kind of entry (exact
SNOMED CT code, ICD-10-PCS section 0 by approach, CPT surgery range).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tests.population import records
from tests.population.records import SCT, patient, stay

from clotwatch.fhir.codes import codeset

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
ADMIT = "2026-03-02T09:00:00Z"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
CPT = "http://www.ama-assn.org/go/cpt"
SYNTHEA = Path(__file__).resolve().parents[1] / "fhir" / "fixtures" / "synthea"

# (patient id, code system, code, category?) -> surgical?
CASES: list[tuple[str, str, str, bool, bool]] = [
    ("sct-colectomy", SCT, "43075005", False, True),  # Partial resection of colon
    ("sct-tkr", SCT, "609588000", False, True),  # Total knee replacement
    ("sct-kidney-tx", SCT, "70536003", False, True),  # Transplant of kidney (Synthea)
    ("sct-salpingectomy", SCT, "445912000", False, True),  # for ectopic pregnancy (Synthea)
    ("pcs-open", PCS, "0QS604Z", False, True),  # femur fixation, open approach (5th char 0)
    ("pcs-endoscopic", PCS, "0FT44ZZ", False, True),  # gallbladder, percutaneous endoscopic
    ("pcs-percutaneous", PCS, "0W9930Z", False, False),  # drainage, percutaneous (3): not open
    ("pcs-short", PCS, "0FT44Z", False, False),  # 6 characters: not an ICD-10-PCS code
    ("cpt-hip", CPT, "27130", False, True),  # total hip arthroplasty, CPT surgery section
    ("cpt-visit", CPT, "99223", False, False),  # an admission visit: outside 10004-69990
    ("sct-colonoscopy", SCT, "73761001", False, False),  # an endoscopy is not an operation
    ("category-only", SCT, "73761001", True, True),  # the surgical category still counts
    ("sct-appendix-cat", SCT, "80146002", True, True),  # both signals
]


def _operation(pid: str, system: str, code: str, category: bool) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "Procedure", "id": f"p-{pid}", "status": "completed",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
        "encounter": {"reference": f"Encounter/e-{pid}"},
        "performedPeriod": {"start": "2026-03-02T14:00:00Z", "end": "2026-03-02T16:00:00Z"}}
    if category:
        r["category"] = {"coding": [{"system": SCT, "code": "387713003"}]}
    return r


def situations() -> list[dict[str, Any]]:
    """One stay per case, a stay with no procedure, and one whose operation was not done."""
    resources: list[dict[str, Any]] = []
    for pid, system, code, category, _ in CASES:
        resources += [patient(pid), stay(f"e-{pid}", pid, ADMIT, "2026-03-08T10:00:00Z"),
                      _operation(pid, system, code, category)]
    # a stay with no procedure at all, and an operation not done
    resources += [patient("none"), stay("e-none", "none", ADMIT, "2026-03-08T10:00:00Z")]
    not_done = _operation("not-done", SCT, "43075005", False) | {"status": "not-done"}
    resources += [patient("not-done"),
                  stay("e-not-done", "not-done", ADMIT, "2026-03-08T10:00:00Z"), not_done]
    return resources


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("instrument")
    return records.screen_rows(records.write(tmp / "export", situations()), tmp / "out", AS_OF)


@pytest.mark.parametrize(("pid", "system", "code", "category", "surgical"), CASES)
def test_the_operation_code_decides_the_instrument(rows: dict[str, dict[str, str]], pid: str,
                                                   system: str, code: str, category: bool,
                                                   surgical: bool) -> None:
    coding = SimpleNamespace(system=system, code=code)
    by_code = codeset("surgical_procedure_code").match([coding]) is not None
    assert (by_code or category) == surgical  # the expectation is the FHIR reader's own rule
    row = rows[f"e-{pid}"]
    assert row["patient_group"] == ("surgical" if surgical else "medical")
    assert row["instrument"] == ("caprini-2005" if surgical else "padua")


def test_no_completed_operation_is_a_medical_stay(rows: dict[str, dict[str, str]]) -> None:
    for pid in ("none", "not-done"):
        assert rows[f"e-{pid}"]["instrument"] == "padua", pid


@pytest.mark.parametrize(("name", "procedure"), [
    ("Lavelle_Kuvalis_9f0fb46c-c9f5-4c50-a983-9f87bf591ce9.json",
     "69d3c34a-dd62-42e4-a872-391b62aacbad"),  # Partial resection of colon, inpatient
    ("Kris_Welch_ad0b4b7a-2285-7a3c-5fd2-edbe4d67b7e7.json",
     "7eea7fdd"),  # Partial resection of colon, inpatient (id prefix)
])
def test_a_synthea_operation_without_category_is_surgical(tmp_path: Path, name: str,
                                                          procedure: str) -> None:
    records.synthea_as_bulk_export([SYNTHEA / name], tmp_path / "export")
    by_id = {r["id"]: r for r in records.bundle_resources(SYNTHEA / name)}
    proc = next(r for rid, r in by_id.items() if rid.startswith(procedure)
                and r["resourceType"] == "Procedure")
    assert "category" not in proc  # as Synthea writes every Procedure
    eid = proc["encounter"]["reference"].split("/")[1]
    start = datetime.fromisoformat(by_id[eid]["period"]["start"]).astimezone(UTC)
    rows = records.screen_rows(tmp_path / "export", tmp_path / "out",
                               start.replace(hour=23, minute=59))
    assert rows[eid]["patient_group"] == "surgical"
    assert rows[eid]["instrument"] == "caprini-2005"
    # every other inpatient stay of the record has no operation: medical
    for other, row in rows.items():
        if other != eid:
            assert row["instrument"] == "padua", other
