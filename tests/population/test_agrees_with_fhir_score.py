"""The screening's risk columns equal `clotwatch fhir score` on each patient's own Bundle.

The population SQL re-derives the instrument items from the same finding rules; this test
holds it to the single-patient path: for every encounter, the patient's resources as a Bundle,
scored as of the screening's reference time (24 h after admission), give the same total, range
and category (unanswerable items missing in both). The same check on real Synthea exports:
tests/population/test_real_synthea.py and benchmarks/population_synthea.py.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.population import records

from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export
from clotwatch.population.synth import synthesize

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


def test_risk_columns_equal_fhir_score_per_patient(tmp_path: Path) -> None:
    export = tmp_path / "export"
    synthesize(40, export, seed=11)
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(export), engine, tmp_path / "out", as_of=AS_OF)
    finally:
        engine.close()
    with (tmp_path / "out" / "encounters.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 40
    assert list(records.risk_disagreements(records.by_patient(export), rows, AS_OF)) == []
    assert {r["instrument"] for r in rows} == {"padua", "caprini-2005"}


ADMIT = "2026-03-02T09:00:00Z"  # the reference time is 24 h later: 2026-03-03T09:00Z
# (patient, code, onset, clinical status, abatement, Padua points expected from the rule)
ABATEMENT = [
    # Synthea writes the status a Condition has at the export ("resolved") and the date it
    # ended: the pneumonia of a stay ended after its first day, so at the reference time it
    # was an acute infection (Padua 1 point, Barbar 2010)
    ("pneu-ended-later", "J18.9", "2026-03-02T10:00:00Z", "resolved", "2026-03-10", 1),
    ("pneu-ended-before", "J18.9", "2026-02-20T10:00:00Z", "resolved", "2026-02-28", 0),
    ("pneu-active", "J18.9", "2026-03-02T10:00:00Z", "active", None, 1),
    ("pneu-resolved-undated", "J18.9", "2026-03-02T10:00:00Z", "resolved", None, 0),
    # the abatement date decides over the status: ended before admission, however it reads now
    ("pneu-active-but-ended", "J18.9", "2026-02-20T10:00:00Z", "active", "2026-02-28", 0),
    # active cancer (3 points): the same rule for an "active" finding
    ("cancer-ended-later", "C34.90", "2025-10-01T00:00:00Z", "resolved",
     "2026-04-01T00:00:00Z", 3),
    ("cancer-ended-before", "C34.90", "2025-10-01T00:00:00Z", "resolved",
     "2026-01-01T00:00:00Z", 0),
]


def abatement_situations() -> list[dict[str, Any]]:
    """One stay per case of ``ABATEMENT`` (also screened on Spark, test_spark.py)."""
    resources: list[dict[str, Any]] = []
    for pid, code, onset, status, abated, _ in ABATEMENT:
        c = records.condition(f"c-{pid}", pid, code, onset, status=status)
        if abated:
            c["abatementDateTime"] = abated
        resources += [records.patient(pid, birth="1976-01-01"),
                      records.stay(f"e-{pid}", pid, ADMIT, "2026-03-08T10:00:00Z"), c]
    return resources


def test_a_condition_is_active_as_of_the_reference_time_by_its_abatement(
        tmp_path: Path) -> None:
    rows = records.screened(tmp_path, abatement_situations(), AS_OF)
    for pid, *_, points in ABATEMENT:
        assert rows[pid]["risk_total"] == str(points), pid
    export = tmp_path / "export"
    assert list(records.risk_disagreements(records.by_patient(export), rows.values(),
                                           AS_OF)) == []


def _chemotherapy(rid: str, pid: str, authored: str, status: str = "stopped") -> dict[str, Any]:
    # RxNorm 583214 PACLitaxel 100 MG Injection (paclitaxel: code set antineoplastic, ATC L01)
    return {"resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": records.RX, "code": "583214"}]},
            "subject": {"reference": f"Patient/{pid}"}, "authoredOn": authored}


# (patient, chemotherapy order (authored, status) or None, neoplasm abated, Padua points)
TREATED = [
    ("treated", ("2026-01-10T10:00:00Z", "stopped"), None, 3),  # active cancer: 3 points
    ("untreated", None, None, 0),
    ("treated-later", ("2026-03-04T10:00:00Z", "active"), None, 0),  # after the reference time
    ("order-in-error", ("2026-01-10T10:00:00Z", "entered-in-error"), None, 0),
    ("treated-ended", ("2025-11-10T10:00:00Z", "completed"), "2026-02-01", 0),  # not active
]


def treated_situations() -> list[dict[str, Any]]:
    """One stay per case of ``TREATED``, and two surgical stays (also screened on Spark)."""
    resources: list[dict[str, Any]] = []
    for pid, order, abated, _ in TREATED:
        neoplasm = records.condition(f"c-{pid}", pid, "126713003", "2025-10-01T00:00:00Z")
        neoplasm["code"]["coding"][0]["system"] = records.SCT
        if abated:
            neoplasm["abatementDateTime"] = abated
        resources += [records.patient(pid, birth="1976-01-01"),
                      records.stay(f"e-{pid}", pid, ADMIT, "2026-03-08T10:00:00Z"), neoplasm]
        if order:
            resources.append(_chemotherapy(f"m-{pid}", pid, *order))
    # a surgical stay: Caprini's malignancy (2 points), present or previous
    for pid, order in (("op-treated", True), ("op-untreated", False)):
        neoplasm = records.condition(f"c-{pid}", pid, "126713003", "2025-10-01T00:00:00Z")
        neoplasm["code"]["coding"][0]["system"] = records.SCT
        resources += [records.patient(pid, birth="1976-01-01"),
                      records.stay(f"e-{pid}", pid, ADMIT, "2026-03-08T10:00:00Z"), neoplasm,
                      records.surgery(f"p-{pid}", pid, f"e-{pid}", "2026-03-02T12:00:00Z",
                                      "2026-03-02T14:00:00Z")]
        if order:
            resources.append(_chemotherapy(f"m-{pid}", pid, "2026-01-10T10:00:00Z"))
    return resources


def test_a_neoplasm_treated_with_chemotherapy_is_a_cancer_as_fhir_score_reads_it(
        tmp_path: Path) -> None:
    """SMART's Synthea sample codes some cancers as a neoplasm of unstated behaviour (SNOMED CT
    126713003 Neoplasm of lung) treated with chemotherapy; fhir score reads the two together as
    a cancer (clotwatch.fhir.conditions), the screening did not (17 of 621 stays: Padua 3 points
    and Caprini 2 lower)."""
    rows = records.screened(tmp_path, treated_situations(), AS_OF)
    for pid, *_, points in TREATED:
        assert rows[pid]["instrument"] == "padua"
        assert rows[pid]["risk_total"] == str(points), pid
    assert rows["op-treated"]["instrument"] == "caprini-2005"
    assert int(rows["op-treated"]["risk_total"]) - int(rows["op-untreated"]["risk_total"]) == 2
    assert list(records.risk_disagreements(records.by_patient(tmp_path / "export"),
                                           rows.values(), AS_OF)) == []
