"""RiskAssessment write-back, scoring from a Bundle, and the code set files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.riskassessment import RiskAssessment

from clotwatch.core.instruments import INSTRUMENTS
from clotwatch.fhir import INPUT_MAP, all_codesets, codeset, risk_assessment, score

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _scored(instrument: str):  # type: ignore[no-untyped-def]
    derivation, results = score((FIXTURES / "patient-full.json").read_bytes(), NOW, [instrument])
    return derivation, results[0]


def test_risk_assessment_is_a_valid_r4b_resource_with_method_basis_and_prediction() -> None:
    derivation, scored = _scored("wells-pe")
    ra = risk_assessment(scored, derivation)
    model = RiskAssessment.model_validate(ra)
    assert model.status == "final"
    assert model.subject.reference == "Patient/pat-1"
    assert model.method.coding[0].code == "wells-pe"
    assert {b.reference for b in model.basis} == {
        "Observation/hr", "Procedure/proc-1", "Condition/dvt-2019", "Condition/ca"}
    prediction = model.prediction[0]
    assert prediction.outcome.coding[0].code == "59282003"
    assert prediction.qualitativeRisk.coding[0].code == "likely"
    notes = " ".join(n.text for n in model.note)
    assert "PMID:10744147" in notes
    assert "dvt_signs" in notes
    assert "does not diagnose" in notes


def test_undetermined_category_is_written_as_preliminary() -> None:
    derivation, scored = _scored("wells-dvt")
    ra = risk_assessment(scored, derivation)
    assert ra["status"] == "preliminary"
    assert ra["prediction"][0]["qualitativeRisk"]["text"].startswith("undetermined")


def test_low_moderate_high_categories_also_carry_the_hl7_risk_probability_code() -> None:
    derivation, scored = _scored("geneva-revised")
    ra = risk_assessment(scored, derivation)
    systems = {c["system"] for c in ra["prediction"][0]["qualitativeRisk"]["coding"]}
    assert "http://terminology.hl7.org/CodeSystem/risk-probability" in systems


@pytest.mark.parametrize("instrument", sorted(INSTRUMENTS))
def test_every_instrument_can_be_written_back(instrument: str) -> None:
    derivation, scored = _scored(instrument)
    RiskAssessment.model_validate(risk_assessment(scored, derivation))


def test_input_map_names_only_real_instruments_and_inputs() -> None:
    for inst_id, mapping in INPUT_MAP.items():
        assert set(mapping) <= set(INSTRUMENTS[inst_id].input_ids), inst_id


def test_every_code_set_has_codes_and_sources() -> None:
    sets = all_codesets()
    assert len(sets) >= 14
    # Every set has codes: a finding never comes from display text alone (the ICU ward and
    # mechanical prophylaxis are coded since issue #10: CMS108's VSAC value sets).
    for cs in sets:
        assert cs.codes, cs.id
        assert cs.sources, cs.id


@pytest.mark.parametrize(
    ("name", "code"),
    [("heart_rate", "8867-4"), ("spo2", "59408-5"), ("spo2", "2708-6"), ("ddimer", "48065-7"),
     ("ddimer", "48066-5"), ("bmi", "39156-5")],
)
def test_loinc_codes_named_in_the_issue_are_in_the_code_sets(name: str, code: str) -> None:
    assert any(e.code == code and e.system == "http://loinc.org" for e in codeset(name).codes)


def test_code_set_files_are_valid_json_with_an_id_matching_the_file_name() -> None:
    import clotwatch.fhir as pkg

    for path in (Path(pkg.__file__).parent / "codesets").glob("*.json"):
        assert json.loads(path.read_text())["id"] == path.stem
