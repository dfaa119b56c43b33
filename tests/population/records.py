"""Small hand-written FHIR R4 records for the screening tests: one patient per situation."""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

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


def screen_rows(folder: Path, out: Path, as_of: datetime) -> dict[str, dict[str, str]]:
    """Screen the export ``folder`` into ``out`` on DuckDB: the rows of encounters.csv by
    encounter id."""
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(folder), engine, out, as_of=as_of)
    finally:
        engine.close()
    with (out / "encounters.csv").open(encoding="utf-8") as f:
        return {r["encounter_id"]: r for r in csv.DictReader(f)}


def screened(tmp: Path, resources: list[dict[str, Any]],
             as_of: datetime) -> dict[str, dict[str, str]]:
    """Screen ``resources`` (written as an export under ``tmp``) on DuckDB: the rows of
    encounters.csv by encounter id without its ``e-`` prefix."""
    rows = screen_rows(write(tmp / "export", resources), tmp / "out", as_of)
    return {eid[2:]: r for eid, r in rows.items()}


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


# -- Real records: Synthea bundles as a bulk export, and the single-patient path as the check --

_URN = re.compile(r'"urn:uuid:([^"]+)"')


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    if path.name.endswith(".bz2"):
        return bz2.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def bundle_resources(bundle: Path) -> list[dict[str, Any]]:
    """A Synthea bundle's resources as its bulk NDJSON export writes them: references as
    ``Type/id`` (the bundle's ``urn:uuid:`` references resolved by the entries' ids; any other
    reference, e.g. Synthea's conditional ``Practitioner?identifier=...``, left as written)."""
    with _open_text(bundle) as f:
        resources = [e["resource"] for e in json.load(f)["entry"]]
    types = {r["id"]: r["resourceType"] for r in resources}
    text = _URN.sub(lambda m: f'"{types[m[1]]}/{m[1]}"' if m[1] in types else m[0],
                    json.dumps(resources))
    out: list[dict[str, Any]] = json.loads(text)
    return out


def synthea_as_bulk_export(bundles: Iterable[Path], folder: Path) -> dict[str, Path]:
    """Synthea bundles (``.json``, ``.json.gz``, ``.json.bz2``) as one bulk export in
    ``folder``: one ``Type.ndjson`` per resource type, resources in the bundles' order. Gives
    each patient's id with the bundle that holds it (to read one patient back, one at a time:
    a whole sample set does not fit in memory as Python objects)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, IO[str]] = {}
    patients: dict[str, Path] = {}
    try:
        for bundle in bundles:
            for r in bundle_resources(bundle):
                t = r["resourceType"]
                if t not in files:
                    files[t] = (folder / f"{t}.ndjson").open("w", encoding="utf-8")
                files[t].write(json.dumps(r) + "\n")
                if t == "Patient":
                    patients[r["id"]] = bundle
    finally:
        for f in files.values():
            f.close()
    return patients


class BundlePatients(Mapping[str, list[dict[str, Any]]]):
    """Patient id -> that patient's resources, read from its bundle when asked (the last one
    kept): ``risk_disagreements`` over a sample set too large to hold."""

    def __init__(self, patients: Mapping[str, Path]) -> None:
        self._patients = patients
        self._last: tuple[str, list[dict[str, Any]]] | None = None

    def __getitem__(self, pid: str) -> list[dict[str, Any]]:
        if self._last is None or self._last[0] != pid:
            # the patient's own resources and those of no patient (its Medications)
            self._last = (pid, [r for r in bundle_resources(self._patients[pid])
                                if _patient_of(r) in (pid, None)])
        return self._last[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._patients)

    def __len__(self) -> int:
        return len(self._patients)


def _patient_of(r: dict[str, Any]) -> str | None:
    if r.get("resourceType") == "Patient":
        return str(r.get("id"))
    for attr in ("subject", "patient"):
        ref = (r.get(attr) or {}).get("reference") if isinstance(r.get(attr), dict) else None
        if isinstance(ref, str) and ref.startswith("Patient/"):
            return ref.split("/", 1)[1]
    return None


def by_patient(export: Path) -> dict[str, list[dict[str, Any]]]:
    """Every resource of an export (``*.ndjson``, ``*.ndjson.gz``) that belongs to a patient
    (the Patient itself, or ``subject``/``patient`` pointing at one), with the Medications
    its resources refer to, by patient id."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    medications: dict[str, dict[str, Any]] = {}
    for path in sorted(export.iterdir()):
        if not path.name.endswith((".ndjson", ".ndjson.gz")):
            continue
        with _open_text(path) as f:
            for line in f:
                r = json.loads(line) if line.strip() else None
                if not isinstance(r, dict) or "resourceType" not in r:
                    continue
                pid = _patient_of(r)
                if pid is not None:
                    out[pid].append(r)
                elif r["resourceType"] == "Medication":
                    medications[f"Medication/{r.get('id')}"] = r
    for resources in out.values():
        refs = {(r.get("medicationReference") or {}).get("reference") for r in resources}
        resources += [medications[ref] for ref in sorted(x for x in refs if x is not None)
                      if ref in medications]
    return out


@dataclass(frozen=True)
class Disagreement:
    """An encounter whose risk columns differ from ``clotwatch fhir score`` on the patient's
    own records: (total, min, max, category) as the screening and as fhir score give them."""

    encounter_id: str
    instrument: str
    screening: tuple[str, str, str, str]
    fhir_score: tuple[str, str, str, str]


def _columns(d: dict[str, Any]) -> tuple[str, str, str, str]:
    return (str(d["total"]), str(d["total_range"][0]), str(d["total_range"][1]),
            d["category"] or "")


def risk_disagreements(resources: Mapping[str, list[dict[str, Any]]],
                       rows: Iterable[dict[str, str]], as_of: datetime,
                       with_notes: bool = False) -> Iterator[Disagreement]:
    """Each encounter row (encounters.csv) against ``clotwatch fhir score`` on the patient's
    records as a Bundle, as of 24 h after admission (never after ``as_of``): the total, range
    and category must be equal. The screening reads the coded record only, so by default so
    does fhir score here (``derive`` and ``score_derivation``); ``with_notes`` is fhir score
    as the command runs it, its clinical notes filling what the coded record leaves unknown.
    ``resources``: each patient's resources (``by_patient(export)``, ``BundlePatients``)."""
    from clotwatch.fhir import score
    from clotwatch.fhir.read import derive
    from clotwatch.fhir.score import score_derivation

    for row in sorted(rows, key=lambda r: r["patient_id"]):  # one patient's rows together
        admitted = datetime.fromisoformat(row["admitted"].replace("Z", "+00:00"))
        now = min(admitted + timedelta(days=1), as_of.astimezone(UTC))
        bundle = {"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": r} for r in resources[row["patient_id"]]]}
        if with_notes:
            _, results = score(bundle, now, [row["instrument"]])
        else:
            results = score_derivation(derive(bundle, now), [row["instrument"]])
        expected = _columns(results[0].result.to_dict())
        got = (row["risk_total"], row["risk_total_min"], row["risk_total_max"],
               row["risk_category"])
        if got != expected:
            yield Disagreement(row["encounter_id"], row["instrument"], got, expected)
