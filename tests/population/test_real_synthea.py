"""The screening on real records no one here wrote: Synthea patients of SMART's sample bulk
export and of the Blaze test set (tests/population/fixtures/real-synthea, README there).

Every expected value below was read from the records by hand (dates, codes, statuses; the
reading is written out in docs/validation/population-synthea.md, "Checked by hand"), not taken
from the screening's output. The risk columns are also held to ``clotwatch fhir score`` on each
patient's own records, as for the synthetic export (test_agrees_with_fhir_score.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.population import records

from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export

FIXTURE = Path(__file__).parent / "fixtures" / "real-synthea"
AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
LUNG = "129c6ac7-8d06-89de-ad63-0204a93e76c3"  # SMART: NSCLC, chemotherapy stays 1984-1989
# one-day stays (admission and discharge on consecutive UTC days: 1 calendar day, CMS108's
# "Encounter Less Than 2 Days"), with the patient's age on the admission date
SHORT = {
    "782b2899-8455-546a-2aa9-7673269ba1e2": 50,  # LUNG, 1977-06-15T14:41-04:00 to 06-16
    "aa1e5e89-847a-beaa-4ea7-da6e1ac3f571": 25,  # 6a4160eb, sterilisation 1989-05-30 to 05-31
    "8dee71b9-9de3-8d2d-3ebc-a816fb44c39c": 41,  # a4a401d1, sleep apnoea 2022-11-10 to 11-11
    "5dc4ca94-8715-5a65-e26e-542195a07205": 51,  # Blaze ad0b4b7a, colectomy 2013-12-04 to 12-05
}
COLECTOMY = "5dc4ca94-8715-5a65-e26e-542195a07205"
COVID = "971377bd-3acf-6613-a0c8-81fa7efebde3"  # Blaze ad0b4b7a, 2020-03-08 to 03-16


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any],
                                                                dict[str, dict[str, str]]]:
    out = tmp_path_factory.mktemp("real") / "out"
    rows = records.screen_rows(FIXTURE, out, AS_OF)
    return json.loads((out / "summary.json").read_text(encoding="utf-8")), rows


def test_every_inpatient_stay_and_the_populations(screened: Any) -> None:
    summary, rows = screened
    # 45 stays of LUNG, one each of 6a4160eb and a4a401d1, two of ad0b4b7a: class IMP
    assert len(rows) == 49
    assert summary["initial_population"] == summary["denominator"] == 49  # all adults
    assert summary["denominator_exclusions"] == 4 and summary["numerator"] == 1
    assert summary["gaps"] == 44


def test_one_day_stays_are_excluded(screened: Any) -> None:
    _, rows = screened
    for eid, age in SHORT.items():
        row = rows[eid]
        assert row["in_initial_population"] == "true", eid
        assert row["age"] == str(age), eid
        assert row["length_of_stay_days"] == "1", eid
        assert row["exclusion_reason"] == "length of stay under 2 days", eid
        assert row["gap"] == "false", eid


def test_the_chemotherapy_stays_are_gaps_scored_by_padua(screened: Any) -> None:
    """No MedicationAdministration and no mechanical prophylaxis Procedure in SMART's export
    (the Procedures of these stays: hearing examinations, combined chemotherapy and radiation
    therapy, CT of the chest); NSCLC (SNOMED CT 424132000) active since 1984-11-01: Padua's
    active cancer, 3 points; aged 57-61: no age point; nothing else coded."""
    _, rows = screened
    chemo = [r for r in rows.values() if r["patient_id"] == LUNG
             and not r["encounter_id"].startswith("782b2899")]
    assert len(chemo) == 44
    for r in chemo:
        assert (r["in_denominator"], r["excluded"], r["in_numerator"], r["gap"]) == (
            "true", "false", "false", "true"), r["encounter_id"]
        assert (r["instrument"], r["patient_group"]) == ("padua", "medical")
        assert (r["risk_total"], r["risk_total_min"], r["risk_total_max"]) == ("3", "3", "19")
        assert r["risk_category"] == ""  # 3 answered; 4 or more is high: not settled
        assert 57 <= int(r["age"]) <= 61


def test_a_stay_with_an_operation_is_scored_by_caprini(screened: Any) -> None:
    """Partial resection of colon (SNOMED CT 43075005), completed on the admission day, linked
    to the stay; Caprini: age 51 (1 point), BMI 27.2 on 2013-10-09 (over 25: 1 point), colon
    cancer since 2013-11-22 (malignancy: 2 points)."""
    _, rows = screened
    row = rows[COLECTOMY]
    assert (row["patient_group"], row["instrument"]) == ("surgical", "caprini-2005")
    assert row["risk_total"] == "4"
    assert all(r["instrument"] == "padua" for e, r in rows.items() if e != COLECTOMY)


def test_enoxaparin_on_the_admission_day_is_in_the_numerator(screened: Any) -> None:
    """Enoxaparin 0.4 mL of 100 mg/mL (RxNorm 854235, CMS108's low-molecular-weight heparin
    value set) given 2020-03-08T05:13:41+01:00, the admission day (admitted 04:36:34+01:00).
    The stay's acute DVT (SNOMED CT 132281000119108, recorded at discharge) is not in CMS108's
    Venous Thromboembolism value set (2.16.840.1.113883.3.117.1.7.1.279, as bundled), so the
    stay stays in the initial population. Padua at 24 h: pneumonia and acute respiratory
    failure, both since 2020-03-08 and ended 2020-03-16 (1 point each); age 57."""
    _, rows = screened
    row = rows[COVID]
    assert row["in_initial_population"] == "true" and row["excluded"] == "false"
    assert row["in_numerator"] == "true"
    assert row["numerator_reason"] == "prophylaxis by the end of the day after admission"
    assert row["numerator_evidence"] == (
        "MedicationAdministration/bbe5d7ec-d36e-3ee5-0811-c7c50bf03a39")
    assert row["length_of_stay_days"] == "8"
    assert (row["instrument"], row["risk_total"]) == ("padua", "2")


def test_the_export_log_and_unread_types_are_named(screened: Any) -> None:
    summary, _ = screened
    p = summary["problems"]
    assert p["total"] == 0 and "(none)" not in p["resources_read"]
    assert [(Path(x["file"]).name, x["lines"], x["what"]) for x in p["not_resources"]] == [
        ("log.ndjson", 4, "a Bulk Data export log: its events, not FHIR resources")]
    # the Blaze orders give their medicine by reference to these Medications, now read: every
    # one resolves (no input problem)
    assert p["types_not_used"] == {}


def test_the_risk_columns_equal_fhir_score_on_each_patient(screened: Any) -> None:
    _, rows = screened
    assert list(records.risk_disagreements(records.by_patient(FIXTURE), rows.values(),
                                           AS_OF)) == []


def test_orders_whose_medication_is_not_in_the_export_are_input_problems(
        tmp_path: Path) -> None:
    """Blaze's orders give their medicine as ``medicationReference`` to a Medication
    (US Core MedicationRequest; enoxaparin 0.4 mL of 100 mg/mL, acetaminophen 500 mg,
    enoxaparin 1 mL of 150 mg/mL); an export without those Medications leaves the medicines
    unknown, and each order is named with its file and line, not read as no medicine."""
    export = tmp_path / "export"
    export.mkdir()
    for src in FIXTURE.iterdir():
        if src.name.endswith(".gz") and not src.name.startswith("Medication."):
            (export / src.name).write_bytes(src.read_bytes())
    engine = DuckDBScreening(threads=2)
    try:
        summary = screen(open_export(export), engine, tmp_path / "out", as_of=AS_OF).to_dict()
    finally:
        engine.close()
    p = summary["problems"]
    assert p["counts"] == {"unresolved_medication": 3}
    got = sorted((Path(e["file"]).name, e["line"], e["detail"].split(":")[0])
                 for e in p["examples"]["unresolved_medication"])
    orders = ("97bac118-b5f6-edd0-afb3-95697d4201f2", "043c56d1-fadd-bb43-972a-5c6113cb7d02",
              "45163af9-0b86-ce64-3bd3-8bc40f5e18c4")  # lines 3, 4, 5 of the file
    assert got == [("MedicationRequest.001.ndjson.gz", n, f"MedicationRequest/{o}")
                   for n, o in enumerate(orders, 3)]
