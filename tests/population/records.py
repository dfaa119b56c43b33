"""Small hand-written FHIR R4 records for the screening tests: one patient per situation."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export

ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"


def patient(pid: str, birth: str = "1950-03-01", gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": gender, "birthDate": birth}


def stay(eid: str, pid: str, start: str, end: str | None, ward: str = "Ward 4A Medicine",
         **extra: Any) -> dict[str, Any]:
    period = {"start": start} | ({"end": end} if end else {})
    r = {"resourceType": "Encounter", "id": eid, "status": "finished" if end else "in-progress",
         "class": {"system": ACT, "code": "IMP"}, "subject": {"reference": f"Patient/{pid}"},
         "period": period, "location": [{"location": {"display": ward}}]}
    r.update(extra)
    return r


def condition(cid: str, pid: str, code: str, onset: str, eid: str | None = None,
              status: str = "active") -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "Condition", "id": cid,
        "clinicalStatus": {"coding": [{"code": status}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "code": {"coding": [{"system": ICD, "code": code}]},
        "subject": {"reference": f"Patient/{pid}"}, "onsetDateTime": onset}
    if eid:
        r["encounter"] = {"reference": f"Encounter/{eid}"}
    return r


def enoxaparin(aid: str, pid: str, eid: str, when: str, status: str = "completed",
               refused: bool = False) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "MedicationAdministration", "id": aid, "status": status,
        # RxNorm 854235: 0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe (40 mg), in CMS108's
        # "Low Molecular Weight Heparin for VTE Prophylaxis" 2.16.840.1.113883.3.117.1.7.1.219
        "medicationCodeableConcept": {"coding": [{"system": RX, "code": "854235",
                                                  "display": "enoxaparin"}]},
        "subject": {"reference": f"Patient/{pid}"}, "context": {"reference": f"Encounter/{eid}"},
        "effectiveDateTime": when}
    if refused:
        r["statusReason"] = [{"coding": [{"system": SCT, "code": "105480006"}]}]
    return r


def bmi(oid: str, pid: str, value: float, when: str, unit: str = "kg/m2") -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "39156-5"}]},
            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                              "code": unit}}


def surgery(prid: str, pid: str, eid: str, start: str, end: str) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": prid, "status": "completed",
            "category": {"coding": [{"system": SCT, "code": "387713003"}]},
            "code": {"coding": [{"system": SCT, "code": "52734007"}],
                     "text": "Total replacement of hip"},
            "subject": {"reference": f"Patient/{pid}"},
            "encounter": {"reference": f"Encounter/{eid}"},
            "performedPeriod": {"start": start, "end": end}}


def write(folder: Path, resources: list[dict[str, Any]]) -> Path:
    """Write resources as Type.ndjson files (in the order given)."""
    folder.mkdir(parents=True, exist_ok=True)
    by_type: dict[str, list[str]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(json.dumps(r))
    for t, lines in by_type.items():
        (folder / f"{t}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def screened(tmp: Path, resources: list[dict[str, Any]],
             as_of: datetime) -> dict[str, dict[str, str]]:
    """Screen ``resources`` (written as an export under ``tmp``) on DuckDB: the rows of
    encounters.csv by encounter id without its ``e-`` prefix."""
    folder = write(tmp / "export", resources)
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(folder), engine, tmp / "out", as_of=as_of)
    finally:
        engine.close()
    with (tmp / "out" / "encounters.csv").open(encoding="utf-8") as f:
        return {r["encounter_id"][2:]: r for r in csv.DictReader(f)}


def situations() -> list[dict[str, Any]]:
    """One patient per CMS108 situation; ids say what each one is."""
    d = "2026-03-02T09:00:00Z"  # admission, a Monday
    out: list[dict[str, Any]] = []
    for pid in ("ontime", "late", "refused", "short", "child", "vte", "lowrisk", "surgical",
                "comfort", "padua"):
        birth = "2012-01-01" if pid == "child" else "1950-03-01"
        out.append(patient(pid, birth=birth))
        end = "2026-03-03T08:00:00Z" if pid == "short" else "2026-03-08T10:00:00Z"
        ward = "Ward 5A Orthopaedics" if pid == "surgical" else "Ward 4A Medicine"
        out.append(stay(f"e-{pid}", pid, d, end, ward=ward))
    out.append(enoxaparin("a-ontime", "ontime", "e-ontime", "2026-03-03T20:00:00Z"))
    out.append(enoxaparin("a-late", "late", "e-late", "2026-03-04T10:00:00Z"))
    out.append(enoxaparin("a-refused", "refused", "e-refused", "2026-03-02T20:00:00Z",
                          status="not-done", refused=True))
    out.append(enoxaparin("a-short", "short", "e-short", "2026-03-04T10:00:00Z"))
    out.append(condition("c-vte", "vte", "I82.401", "2026-03-02T10:00:00Z", "e-vte"))
    out.append({"resourceType": "Observation", "id": "o-lowrisk", "status": "final",
                "code": {"coding": [{"system": LOINC, "code": "72136-5"}]},
                "subject": {"reference": "Patient/lowrisk"},
                "effectiveDateTime": "2026-03-02T12:00:00Z",
                # SNOMED CT 723505004 |Low risk|, in CMS108's "Low Risk" value set
                "valueCodeableConcept": {"coding": [{"system": SCT, "code": "723505004"}],
                                         "text": "Low risk"}})
    out.append(surgery("p-surgical", "surgical", "e-surgical", "2026-03-03T08:00:00Z",
                       "2026-03-03T10:00:00Z"))
    # general anesthesia (SNOMED CT 50697003, CMS108 "General or Neuraxial Anesthesia") ending
    # the day after admission: prophylaxis the day after it counts
    out.append({"resourceType": "Procedure", "id": "p-anesthesia", "status": "completed",
                "code": {"coding": [{"system": SCT, "code": "50697003"}]},
                "subject": {"reference": "Patient/surgical"},
                "encounter": {"reference": "Encounter/e-surgical"},
                "performedPeriod": {"start": "2026-03-03T07:45:00Z",
                                    "end": "2026-03-03T10:15:00Z"}})
    out.append(enoxaparin("a-surgical", "surgical", "e-surgical", "2026-03-04T18:00:00Z"))
    out.append({"resourceType": "Procedure", "id": "p-comfort", "status": "completed",
                "code": {"coding": [{"system": SCT, "code": "133918004"}]},
                "subject": {"reference": "Patient/comfort"},
                "encounter": {"reference": "Encounter/e-comfort"},
                "performedDateTime": "2026-03-02T15:00:00Z"})
    # Padua: active cancer 3 + age >= 70 1 + BMI >= 30 1 = 5 -> high, whatever is unknown
    out.append(condition("c-cancer", "padua", "C34.90", "2025-10-01T00:00:00Z"))
    out.append(bmi("o-bmi", "padua", 31.2, "2026-03-02T10:00:00Z"))
    return out
