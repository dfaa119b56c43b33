"""The medicine given by reference: FHIR R4 MedicationRequest.medication[x] and
MedicationAdministration.medication[x] are a CodeableConcept or a Reference(Medication); real
exports often give the Reference, to a Medication of the export (``Medication/<id>``, or an
absolute URL ending so, FHIR R4 "References", 2.3.0.1 "Literal References") or to a contained
Medication (``#id``, FHIR R4 "Contained Resources" 2.4.0.7). The screening reads the
Medication's code as ``clotwatch fhir score`` does (``clotwatch.fhir.medicines.medicine_of``):
a prophylaxis dose given so is in the VTE-1 numerator (CMS108 reads a MedicationAdministration's
medication as a code, whichever form it had: QI-Core resolves the reference), an oestrogen
ordered so answers the instruments' hormonal item, and a reference the export cannot resolve
leaves the medicine unknown and is an input problem with file and line, never "no medicine".
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.population import records
from tests.population.records import RX, patient, stay

from clotwatch.core.errors import InputError
from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
ADMIT = "2026-03-02T09:00:00Z"  # a Monday: the VTE-1 window ends with Tuesday 2026-03-03
DISCHARGE = "2026-03-08T10:00:00Z"
ATC = "http://www.whocc.no/atc"
# RxNorm 854235: 0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe, in CMS108's "Low
# Molecular Weight Heparin for VTE Prophylaxis" 2.16.840.1.113883.3.117.1.7.1.219
ENOXAPARIN = {"coding": [{"system": RX, "code": "854235"}], "text": "enoxaparin 40 mg"}
# ATC G03CA03 estradiol: clotwatch's estrogen code set (ATC G03C)
ESTRADIOL = {"coding": [{"system": ATC, "code": "G03CA03"}], "text": "estradiol"}


def medication(mid: str, code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Medication", "id": mid, "code": code}


def given(aid: str, pid: str, ref: str, contained: list[dict[str, Any]] | None = None,
          when: str = "2026-03-02T20:00:00Z") -> dict[str, Any]:
    """A completed MedicationAdministration of the stay e-<pid> whose medicine is ``ref``."""
    r: dict[str, Any] = {
        "resourceType": "MedicationAdministration", "id": aid, "status": "completed",
        "medicationReference": {"reference": ref},
        "subject": {"reference": f"Patient/{pid}"}, "context": {"reference": f"Encounter/e-{pid}"},
        "effectiveDateTime": when}
    if contained is not None:
        r["contained"] = contained
    return r


def ordered(rid: str, pid: str, ref: str, contained: list[dict[str, Any]] | None = None
            ) -> dict[str, Any]:
    """An active MedicationRequest written before the stay whose medicine is ``ref``."""
    r: dict[str, Any] = {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "medicationReference": {"reference": ref}, "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": "2026-01-10T10:00:00Z"}
    if contained is not None:
        r["contained"] = contained
    return r


# (patient, what the record shows, in the VTE-1 numerator)
GIVEN = [
    ("ref", "enoxaparin given by reference to a Medication of the export", True),
    ("url", "enoxaparin given by an absolute URL ending in Medication/<id>", True),
    ("contained", "enoxaparin given by #id of a contained Medication", True),
    ("contained-other", "#id names no contained Medication (one of another id is there)", False),
    ("unresolved", "a Medication the export does not hold", False),
]


def situations() -> list[dict[str, Any]]:
    """One patient per way of giving the medicine by reference (the Spark comparison reads
    them too)."""
    out: list[dict[str, Any]] = [medication("enox-40", ENOXAPARIN),
                                 medication("estradiol-1", ESTRADIOL)]
    for pid, _, _ in GIVEN:
        out += [patient(pid), stay(f"e-{pid}", pid, ADMIT, DISCHARGE)]
    out += [given("a-ref", "ref", "Medication/enox-40"),
            given("a-url", "url", "https://ehr.example.org/fhir/Medication/enox-40"),
            given("a-contained", "contained", "#m", [medication("m", ENOXAPARIN)]),
            given("a-contained-other", "contained-other", "#other",
                  [medication("m", ENOXAPARIN)]),
            given("a-unresolved", "unresolved", "Medication/not-in-the-export")]
    # an oestrogen ordered by reference, and by a contained Medication (Padua: ongoing hormonal
    # treatment, 1 point; Barbar 2010); and an order of nothing resolvable
    for pid in ("estrogen-ref", "estrogen-contained", "estrogen-unresolved"):
        out += [patient(pid), stay(f"e-{pid}", pid, ADMIT, DISCHARGE)]
    out += [ordered("r-estrogen-ref", "estrogen-ref", "Medication/estradiol-1"),
            ordered("r-estrogen-contained", "estrogen-contained", "#e",
                    [{"resourceType": "Patient", "id": "e"}, medication("e", ESTRADIOL)]),
            ordered("r-estrogen-unresolved", "estrogen-unresolved", "Medication/gone")]
    return out


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("medref")
    rows = records.screened(tmp, situations(), AS_OF)
    return tmp, rows


@pytest.mark.parametrize("pid, what, numerator", GIVEN, ids=[g[0] for g in GIVEN])
def test_prophylaxis_given_by_reference_is_in_the_numerator(
        screened: tuple[Path, dict[str, dict[str, str]]], pid: str, what: str,
        numerator: bool) -> None:
    row = screened[1][pid]
    assert row["in_denominator"] == "true", what
    assert row["in_numerator"] == ("true" if numerator else "false"), what
    assert row["gap"] == ("false" if numerator else "true"), what
    if numerator:
        assert f"MedicationAdministration/a-{pid}" in row["prophylaxis_evidence"]


def test_an_oestrogen_ordered_by_reference_answers_the_hormonal_item_as_fhir_score_does(
        screened: tuple[Path, dict[str, dict[str, str]]]) -> None:
    tmp, rows = screened
    # Padua: age >= 70 (1) + hormonal treatment (1); the unresolved order leaves it unknown
    assert rows["estrogen-ref"]["risk_total"] == rows["estrogen-contained"]["risk_total"] == "2"
    assert rows["estrogen-unresolved"]["risk_total"] == "1"
    assert rows["estrogen-unresolved"]["risk_total_max"] == rows["estrogen-ref"]["risk_total_max"]
    with (tmp / "out" / "encounters.csv").open(encoding="utf-8") as f:
        out = list(csv.DictReader(f))
    assert list(records.risk_disagreements(records.by_patient(tmp / "export"), out, AS_OF)) == []


def test_a_reference_the_export_cannot_resolve_is_an_input_problem_with_file_and_line(
        screened: tuple[Path, dict[str, dict[str, str]]]) -> None:
    tmp, _ = screened
    problems = json.loads((tmp / "out" / "summary.json").read_text(encoding="utf-8"))["problems"]
    assert problems["counts"]["unresolved_medication"] == 3
    examples = problems["examples"]["unresolved_medication"]
    details = [e["detail"] for e in examples]
    assert "MedicationAdministration/a-unresolved: medication 'Medication/not-in-the-export' " \
           "is not a Medication of the export (the medicine is not known)" in details
    assert any(d.startswith("MedicationAdministration/a-contained-other: medication '#other'")
               for d in details)
    assert any(d.startswith("MedicationRequest/r-estrogen-unresolved:") for d in details)
    lines = (tmp / "export" / "MedicationAdministration.ndjson").read_text(
        encoding="utf-8").splitlines()
    where = {e["detail"].split(":")[0]: (Path(e["file"]).name, e["line"]) for e in examples}
    n = next(i for i, line in enumerate(lines, 1) if '"a-unresolved"' in line)
    assert where["MedicationAdministration/a-unresolved"] == ("MedicationAdministration.ndjson", n)


def test_on_error_fail_stops_at_a_reference_the_export_cannot_resolve(tmp_path: Path) -> None:
    folder = records.write(tmp_path / "export", [
        patient("p"), stay("e-p", "p", ADMIT, DISCHARGE),
        given("a-p", "p", "Medication/nowhere")])
    engine = DuckDBScreening(threads=2)
    try:
        with pytest.raises(InputError) as caught:
            screen(open_export(folder), engine, tmp_path / "out", as_of=AS_OF, on_error="fail")
    finally:
        engine.close()
    assert "MedicationAdministration.ndjson:1: MedicationAdministration/a-p: medication " \
           "'Medication/nowhere' is not a Medication of the export" in caught.value.reason


def test_resolved_references_are_no_problem(tmp_path: Path) -> None:
    folder = records.write(tmp_path / "export", [
        patient("p"), stay("e-p", "p", ADMIT, DISCHARGE), medication("enox-40", ENOXAPARIN),
        given("a-p", "p", "Medication/enox-40"),
        given("a-q", "p", "#m", [medication("m", ENOXAPARIN)])])
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(folder), engine, tmp_path / "out", as_of=AS_OF, on_error="fail")
    finally:
        engine.close()
