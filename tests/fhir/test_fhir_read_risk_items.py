"""HAS-BLED, Padua, Caprini and IMPROVE items read from a FHIR R4 Bundle.

Every finding is True only on positive evidence (with the resource it came from) and None
otherwise, with the reason: a missing record is never "no". Cut-offs are Pisters R et al.
Chest 2010;138:1093-100, doi:10.1378/chest.10-0134: systolic > 160 mmHg; creatinine
>= 200 umol/L.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clotwatch.fhir import answers, derive, explain

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"


def bundle_with(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1950-01-01",
               "gender": "female"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": patient}] + [{"resource": r} for r in resources]}


def condition(system: str, code: str, clinical: str = "active", onset: str | None = None,
              verification: str = "confirmed", cid: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {
        "resourceType": "Condition", "id": cid or f"c-{code.replace('.', '-')}",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": clinical}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": verification}]},
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p"}}
    if onset:
        c["onsetDateTime"] = onset
    return c


def observation(code: str, value: float, ucum: str, when: str = "2026-11-20T10:00:00Z",
                status: str = "final", oid: str | None = None) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid or f"o-{code}", "status": status,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": ucum, "system": UCUM, "code": ucum}}


def bp_panel(systolic: float | None, when: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    components = [{"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                   "valueQuantity": {"value": 90, "unit": "mmHg", "system": UCUM,
                                     "code": "mm[Hg]"}}]
    if systolic is not None:
        components.insert(0, {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
            "valueQuantity": {"value": systolic, "unit": "mmHg", "system": UCUM,
                              "code": "mm[Hg]"}})
    return {"resourceType": "Observation", "id": "bp", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "component": components}


def medication(system: str, code: str, text: str = "", status: str = "active",
               kind: str = "MedicationRequest") -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        concept["text"] = text
    m: dict[str, Any] = {"resourceType": kind, "id": f"m-{code}", "status": status,
                         "subject": {"reference": "Patient/p"},
                         "medicationCodeableConcept": concept}
    if kind == "MedicationRequest":
        m["intent"] = "order"
    return m


def fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "patient-bleeding-risk.json").read_text())
    return data


# --- the example bundle ----------------------------------------------------------------------

def test_bleeding_risk_bundle_answers_seven_has_bled_items_with_their_sources() -> None:
    d = derive(fixture(), NOW)
    got = answers(d, "has-bled")
    assert got == {"hypertension": True, "abnormal_renal_function": True,
                   "abnormal_liver_function": True, "stroke_history": True,
                   "bleeding_history": True, "labile_inr": None, "age": 76,
                   "antiplatelet_or_nsaid": True, "alcohol": None}
    sources = {s.input: s.sources for s in explain(d, "has-bled")}
    assert sources["hypertension"] == ("Observation/bp-panel",)  # the panel, not the old 134
    assert sources["abnormal_renal_function"] == ("Observation/creat",)
    assert sources["abnormal_liver_function"] == ("Condition/cirrhosis",)
    assert sources["stroke_history"] == ("Condition/stroke-2023",)
    assert sources["bleeding_history"] == ("Condition/gi-bleed-2025",)
    assert sources["antiplatelet_or_nsaid"] == ("MedicationRequest/mr-aspirin",
                                                "MedicationStatement/ms-ibuprofen")
    assert d.value("creatinine_umol_l") == pytest.approx(229.8)  # 2.6 mg/dL x 88.4


def test_labile_inr_and_alcohol_stay_missing_and_say_why() -> None:
    why = {s.input: s.reason for s in explain(derive(fixture(), NOW), "has-bled")}
    assert "time in therapeutic range" in why["labile_inr"]
    assert "8 or more drinks a week" in why["alcohol"] and "AUDIT-C" in why["alcohol"]


# --- alcohol: AUDIT-C questions 1 and 2 --------------------------------------------------------

def audit(question: str, answer: str, when: str = "2026-10-01T09:00:00Z",
          oid: str | None = None) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid or f"q-{question}", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": question}]},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "valueCodeableConcept": {"coding": [{"system": "http://loinc.org",
                                                 "code": answer}]}}


@pytest.mark.parametrize(
    ("often", "many", "expected"),
    [
        ("LA18928-4", "LA18930-0", True),     # 2-3 times a week x 5 or 6: at least 10
        ("LA18929-2", "LA15695-2", True),     # 4 or more times a week x 3 or 4: at least 12
        ("LA18928-4", "LA15695-2", None),     # 2 x 3 = 6: does not show 8
        ("LA18929-2", "LA15694-5", None),     # 4 x 1 = 4
        ("LA18927-6", "LA18932-6", None),     # 2-4 a month x 10 or more: 4.6
        ("LA6270-8", "LA15694-5", None),      # never drinks: still not "no"
    ],
)
def test_alcohol_is_eight_or_more_drinks_a_week_only_when_audit_c_answers_guarantee_it(
        often: str, many: str, expected: bool | None) -> None:
    d = derive(bundle_with(audit("68518-0", often), audit("68519-8", many)), NOW)
    assert answers(d, "has-bled")["alcohol"] is expected
    finding = d.findings["alcohol_8_drinks_week"]
    assert finding.sources == ("Observation/q-68518-0", "Observation/q-68519-8")
    if not expected:
        assert "does not show 8 or more" in finding.reason


def test_audit_c_answers_from_different_days_or_free_text_are_not_combined() -> None:
    apart = derive(bundle_with(audit("68518-0", "LA18929-2"),
                               audit("68519-8", "LA18932-6", when="2026-08-01T09:00:00Z")), NOW)
    assert apart.value("alcohol_8_drinks_week") is None
    assert "from the same day" in apart.findings["alcohol_8_drinks_week"].reason
    text = audit("68518-0", "LA18929-2")
    text["valueCodeableConcept"] = {"text": "most days"}
    d = derive(bundle_with(text, audit("68519-8", "LA18932-6")), NOW)
    assert d.value("alcohol_8_drinks_week") is None
    assert "not a LOINC answer code" in d.findings["alcohol_8_drinks_week"].reason


def test_audit_c_older_than_a_year_and_drinks_per_drinking_day_are_not_read() -> None:
    old = derive(bundle_with(audit("68518-0", "LA18929-2", when="2025-10-01T09:00:00Z"),
                             audit("68519-8", "LA18932-6", when="2025-10-01T09:00:00Z")), NOW)
    assert old.value("alcohol_8_drinks_week") is None
    per_day = derive(bundle_with(observation("11287-0", 12, "{drinks}/d")), NOW)
    assert per_day.value("alcohol_8_drinks_week") is None
    assert "11287-0" in per_day.findings["alcohol_8_drinks_week"].reason


def test_bleeding_risk_bundle_answers_padua_caprini_and_improve_items() -> None:
    d = derive(fixture(), NOW)
    padua = answers(d, "padua")
    assert padua["thrombophilia"] is True
    assert padua["heart_or_respiratory_failure"] is True
    assert padua["acute_infection_or_rheumatologic"] is True      # pneumonia 6 days ago
    assert padua["acute_mi_or_stroke"] is None                    # the 2023 stroke is old
    assert "not active" in d.findings["acute_mi_or_stroke"].reason
    caprini = answers(d, "caprini-2005")
    assert caprini["factor_v_leiden"] is True
    assert caprini["chf_past_month"] is True
    assert caprini["serious_lung_disease_past_month"] is True
    assert caprini["sepsis_past_month"] is None
    assert caprini["stroke_past_month"] is None
    assert answers(d, "improve-vte")["thrombophilia"] is True


# --- hypertension: a measurement, never a diagnosis ------------------------------------------

@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (observation("8480-6", 161, "mm[Hg]"), True),
        (observation("8480-6", 160, "mm[Hg]"), None),         # > 160, not >= 160
        (observation("8480-6", 120, "mm[Hg]"), None),         # never "no"
        (bp_panel(175), True),
        (observation("8480-6", 175, "mm[Hg]", when="2026-10-01T10:00:00Z"), None),  # > 30 days
        (observation("8480-6", 175, "mm[Hg]", status="preliminary"), None),
    ],
)
def test_uncontrolled_hypertension_is_a_systolic_reading_above_160(
        resource: dict[str, Any], expected: bool | None) -> None:
    d = derive(bundle_with(resource), NOW)
    assert d.value("hypertension_uncontrolled") is expected
    if expected:
        assert d.findings["hypertension_uncontrolled"].sources == (f"Observation/{resource['id']}",)


def test_the_most_recent_systolic_reading_decides() -> None:
    old_high = observation("8480-6", 180, "mm[Hg]", when="2026-11-10T10:00:00Z", oid="high")
    new_normal = bp_panel(128, when="2026-11-23T10:00:00Z")
    d = derive(bundle_with(old_high, new_normal), NOW)
    assert d.value("hypertension_uncontrolled") is None
    assert "128 mmHg, not above 160" in d.findings["hypertension_uncontrolled"].reason


def test_a_hypertension_diagnosis_alone_does_not_mean_uncontrolled() -> None:
    d = derive(bundle_with(condition(ICD10, "I10")), NOW)
    assert d.value("hypertension_uncontrolled") is None
    reason = d.findings["hypertension_uncontrolled"].reason
    assert "Condition/c-I10 records hypertension" in reason
    assert "does not show it is uncontrolled" in reason


def test_a_systolic_reading_in_an_unknown_unit_is_not_used() -> None:
    d = derive(bundle_with(observation("8480-6", 21.3, "kPa")), NOW)
    assert d.value("hypertension_uncontrolled") is None
    assert "unit 'kPa' not understood" in d.findings["hypertension_uncontrolled"].reason


def test_a_blood_pressure_panel_without_a_systolic_component_says_so() -> None:
    d = derive(bundle_with(bp_panel(None)), NOW)
    assert d.value("hypertension_uncontrolled") is None
    assert "no component 8480-6" in d.findings["hypertension_uncontrolled"].reason


# --- renal function --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("code", "value", "unit", "expected"),
    [
        ("14682-9", 200, "umol/L", True),         # >= 200 umol/L
        ("14682-9", 199, "umol/L", None),
        ("14682-9", 0.25, "mmol/L", True),
        ("2160-0", 2.3, "mg/dL", True),           # 203.3 umol/L
        ("2160-0", 2.26, "mg/dL", None),          # 199.8 umol/L: the umol/L cut-off applies
        ("2160-0", 1.0, "mg/dL", None),           # never "no": dialysis could still apply
        ("2160-0", 3.0, "mg/mmol", None),         # a ratio unit: not a serum concentration
    ],
)
def test_creatinine_of_200_umol_l_or_more_is_abnormal_renal_function(
        code: str, value: float, unit: str, expected: bool | None) -> None:
    d = derive(bundle_with(observation(code, value, unit)), NOW)
    assert d.value("abnormal_renal_function") is expected
    if expected:
        assert d.findings["abnormal_renal_function"].sources == (f"Observation/o-{code}",)
    else:
        assert d.findings["abnormal_renal_function"].reason


def test_creatinine_in_an_unknown_unit_is_missing_with_the_reason() -> None:
    d = derive(bundle_with(observation("2160-0", 3.0, "mg/mmol")), NOW)
    assert d.value("creatinine_umol_l") is None
    assert "unit 'mg/mmol' not understood" in d.findings["abnormal_renal_function"].reason


def test_creatinine_older_than_90_days_is_not_used() -> None:
    old = observation("14682-9", 350, "umol/L", when="2026-07-01T10:00:00Z")
    assert derive(bundle_with(old), NOW).value("abnormal_renal_function") is None


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (condition(ICD10, "Z99.2"), True),          # dependence on renal dialysis
        (condition(ICD10CM, "Z94.0"), True),        # kidney transplant status
        (condition(ICD10, "T86.1"), True),          # kidney transplant failure and rejection
        (condition(ICD10, "Z99.2", clinical="resolved"), None),  # no longer on dialysis
        (condition(ICD10CM, "Z49.01"), None),       # preparing for dialysis is not dialysis
        (condition(ICD10, "N18.5"), None),          # CKD stage 5 alone: not dialysis
    ],
)
def test_chronic_dialysis_or_a_kidney_transplant_is_abnormal_renal_function(
        resource: dict[str, Any], expected: bool | None) -> None:
    d = derive(bundle_with(resource), NOW)
    assert d.value("abnormal_renal_function") is expected
    if expected:
        assert d.findings["abnormal_renal_function"].sources == (f"Condition/{resource['id']}",)


# --- conditions: liver, stroke, bleeding -----------------------------------------------------

@pytest.mark.parametrize(
    ("resource", "concept", "expected"),
    [
        (condition(ICD10, "K70.3"), "abnormal_liver_function", True),
        (condition(ICD10CM, "K74.60"), "abnormal_liver_function", True),
        (condition(SNOMED, "19943007"), "abnormal_liver_function", True),
        (condition(ICD10, "K76.0"), "abnormal_liver_function", None),   # fatty liver
        (condition(ICD10, "K74.6", verification="refuted"), "abnormal_liver_function", None),
        (condition(ICD10, "I63.9", clinical="resolved"), "stroke_history", True),
        (condition(ICD10, "I64"), "stroke_history", True),
        (condition(ICD10, "I69.3"), "stroke_history", True),
        (condition(SNOMED, "230690007"), "stroke_history", True),
        (condition(ICD10CM, "Z86.73"), "stroke_history", None),       # includes TIA
        (condition(ICD10, "G45.9"), "stroke_history", None),          # TIA is not a stroke
        (condition(ICD10, "K92.2", clinical="resolved"), "bleeding_history", True),
        (condition(ICD10, "K92.0"), "bleeding_history", True),
        (condition(ICD10, "I61.9"), "bleeding_history", True),
        (condition(ICD10CM, "I62.00"), "bleeding_history", True),
        (condition(ICD10, "D66"), "bleeding_history", True),
        (condition(ICD10, "D68.0"), "bleeding_history", True),
        (condition(SNOMED, "74474003"), "bleeding_history", True),
        (condition(ICD10, "D64.9"), "bleeding_history", None),        # anaemia: not read
        (condition(ICD10, "K92.8"), "bleeding_history", None),
        (condition(ICD10, "I61.9"), "stroke_history", None),          # counted once: bleeding
    ],
)
def test_has_bled_conditions_map_through_the_code_sets(
        resource: dict[str, Any], concept: str, expected: bool | None) -> None:
    d = derive(bundle_with(resource), NOW)
    assert d.value(concept) is expected
    if expected:
        assert d.findings[concept].sources == (f"Condition/{resource['id']}",)
    else:
        assert d.findings[concept].reason


def lab(code: str, value: float, high: float | None, unit: str = "U/L",
        when: str = "2026-11-20T07:00:00Z", high_unit: str | None = None,
        oid: str | None = None) -> dict[str, Any]:
    o = observation(code, value, unit, when=when, oid=oid)
    if high is not None:
        hu = high_unit or unit
        o["referenceRange"] = [{"high": {"value": high, "unit": hu, "system": UCUM,
                                         "code": hu}}]
    return o


BILIRUBIN_HIGH = lab("1975-2", 3.0, 1.2, "mg/dL", oid="bili")        # 2.5x ULN


@pytest.mark.parametrize(
    ("enzyme", "expected"),
    [
        (lab("1742-6", 150, 40, oid="alt"), True),                    # ALT 3.75x
        (lab("1920-8", 130, 40, oid="ast"), True),                    # AST 3.25x
        (lab("6768-6", 400, 130, oid="alp"), True),                   # ALP 3.1x
        (lab("1742-6", 120, 40, oid="alt"), None),                    # exactly 3x: not above
        (lab("1742-6", 150, None, oid="alt"), None),                  # no reference range
        (lab("1742-6", 150, 40, when="2026-11-14T07:00:00Z", oid="alt"), None),  # 6 days apart
        (lab("1742-6", 2.5, 0.67, "ukat/L", high_unit="U/L", oid="alt"), None),  # units differ
    ],
)
def test_liver_tests_count_only_against_their_own_upper_reference_limits(
        enzyme: dict[str, Any], expected: bool | None) -> None:
    d = derive(bundle_with(BILIRUBIN_HIGH, enzyme), NOW)
    assert d.value("abnormal_liver_function") is expected
    finding = d.findings["abnormal_liver_function"]
    if expected:
        assert finding.sources == ("Observation/bili", f"Observation/{enzyme['id']}")
        assert "bilirubin 2.5x the upper limit of normal" in finding.reason
    else:
        assert "not read as 'no'" in finding.reason


@pytest.mark.parametrize(
    ("bilirubin", "why"),
    [
        (lab("1975-2", 2.0, 1.2, "mg/dL"), "not above 2x"),                  # 1.7x
        (lab("1975-2", 3.0, None, "mg/dL"), "no upper reference limit"),
        (lab("1975-2", 51, 1.2, "umol/L", high_unit="mg/dL"), "is not compared"),
        (lab("14631-6", 3.0, 1.2, "mg/dL", when="2026-07-01T07:00:00Z"), "older than 90 days"),
    ],
)
def test_a_bilirubin_that_cannot_show_twice_normal_leaves_the_liver_item_missing(
        bilirubin: dict[str, Any], why: str) -> None:
    d = derive(bundle_with(bilirubin, lab("1742-6", 300, 40, oid="alt")), NOW)
    assert d.value("abnormal_liver_function") is None
    assert why in d.findings["abnormal_liver_function"].reason


def test_liver_tests_in_moles_are_read_against_a_range_in_moles() -> None:
    bili = lab("14631-6", 60, 21, "umol/L", oid="bili")                     # 2.9x
    d = derive(bundle_with(bili, lab("1920-8", 200, 35, oid="ast")), NOW)
    assert d.value("abnormal_liver_function") is True


def test_no_liver_record_says_both_arms_are_absent() -> None:
    reason = derive(bundle_with(), NOW).findings["abnormal_liver_function"].reason
    assert "not read as 'no'" in reason
    assert "no total bilirubin" in reason


# --- antiplatelets and NSAIDs ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (medication(ATC, "B01AC06", "aspirin"), True),
        (medication(ATC, "B01AC04"), True),                         # clopidogrel
        (medication(ATC, "M01AE02", kind="MedicationStatement"), True),  # naproxen
        (medication(ATC, "M01AH01"), True),                         # celecoxib
        (medication(RXNORM, "1116632"), True),                      # ticagrelor
        (medication(RXNORM, "3355"), True),                         # diclofenac
        (medication("urn:local", "x", "Prasugrel 10 mg tablets"), None),  # text alone
        (medication(RXNORM, "309362"), True),                       # clopidogrel 75 MG tablet
        (medication(RXNORM, "849574"), True),                       # naproxen sodium 220 MG
        (medication(ATC, "M01AX05", "glucosamine"), None),          # not an NSAID
        (medication(ATC, "M02AA15", "diclofenac gel"), None),       # topical, not systemic
        (medication(ATC, "N02BE01", "paracetamol"), None),
        (medication(ATC, "B01AF01", "rivaroxaban"), None),          # anticoagulant, not this
        (medication(ATC, "B01AC06", "aspirin", status="stopped"), None),
    ],
)
def test_antiplatelets_and_nsaids_map_through_the_code_set(
        resource: dict[str, Any], expected: bool | None) -> None:
    d = derive(bundle_with(resource), NOW)
    assert d.value("antiplatelet_or_nsaid") is expected
    if expected:
        assert d.findings["antiplatelet_or_nsaid"].sources == (
            f"{resource['resourceType']}/{resource['id']}",)
    else:
        assert "not read as 'no'" in d.findings["antiplatelet_or_nsaid"].reason


# --- Padua, Caprini, IMPROVE -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("resource", "concept", "expected"),
    [
        (condition(ICD10, "I50.9"), "heart_or_respiratory_failure", True),
        (condition(ICD10CM, "J96.01"), "heart_or_respiratory_failure", True),
        (condition(SNOMED, "84114007", clinical="resolved"), "heart_or_respiratory_failure",
         None),
        (condition(ICD10, "I21.4", onset="2026-11-20"), "acute_mi_or_stroke", True),
        (condition(ICD10, "I63.5", onset="2026-11-02"), "acute_mi_or_stroke", True),
        (condition(ICD10, "I21.4", onset="2026-09-01"), "acute_mi_or_stroke", None),  # old
        (condition(ICD10, "I21.4"), "acute_mi_or_stroke", None),      # no date: not "acute"
        (condition(ICD10, "A41.9", onset="2026-11-21"), "acute_infection", True),
        (condition(ICD10, "J15.9", onset="2026-11-21"), "acute_infection", True),
        (condition(ICD10, "J18.9", onset="2026-11-21", clinical="resolved"), "acute_infection",
         None),                                                       # Padua: current
        (condition(ICD10, "J18.9", onset="2026-11-21", clinical="resolved"),
         "recent_pneumonia", True),                                   # Caprini: past month
        (condition(ICD10, "J20.9", onset="2026-11-21"), "acute_infection", None),  # bronchitis
        (condition(ICD10, "D68.5"), "thrombophilia", True),
        (condition(ICD10CM, "D68.51"), "thrombophilia", True),
        (condition(ICD10CM, "D68.61"), "thrombophilia", True),
        (condition(ICD10CM, "D68.69"), "thrombophilia", None),        # not a named defect
        (condition(ICD10CM, "D68.51"), "factor_v_leiden", True),
        (condition(ICD10CM, "D68.52"), "prothrombin_mutation", True),
        (condition(ICD10CM, "D68.62"), "lupus_anticoagulant", True),
        (condition(ICD10, "D68.5"), "factor_v_leiden", None),         # not specific enough
        (condition(ICD10, "J44.9"), "copd", True),
        (condition(ICD10, "K50.9", clinical="inactive"), "inflammatory_bowel_disease", True),
        (condition(ICD10, "I83.9"), "varicose_veins", True),
        (condition(ICD10, "I50.9", onset="2026-11-15"), "recent_heart_failure", True),
        (condition(ICD10, "I50.9", onset="2024-01-15"), "recent_heart_failure", None),
        (condition(ICD10, "A41.9", onset="2026-11-01", clinical="resolved"), "recent_sepsis",
         True),
    ],
)
def test_vte_risk_conditions_map_through_the_code_sets(
        resource: dict[str, Any], concept: str, expected: bool | None) -> None:
    d = derive(bundle_with(resource), NOW)
    assert d.value(concept) is expected
    if expected:
        assert d.findings[concept].sources == (f"Condition/{resource['id']}",)
    else:
        assert d.findings[concept].reason


def test_acute_infection_says_what_else_is_not_read() -> None:
    reason = derive(bundle_with(), NOW).findings["acute_infection"].reason
    assert "rheumatological" in reason and "not read as 'no'" in reason


def test_a_condition_without_a_date_cannot_be_told_recent() -> None:
    d = derive(bundle_with(condition(ICD10, "A41.9")), NOW)
    assert d.value("recent_sepsis") is None
    assert "cannot be told recent" in d.findings["recent_sepsis"].reason


def test_an_empty_record_answers_none_of_the_new_items_and_never_false() -> None:
    d = derive(bundle_with(), NOW)
    for instrument in ("has-bled", "padua", "caprini-2005", "improve-vte"):
        for source in explain(d, instrument):
            assert source.value is not False, (instrument, source.input)
            if source.input not in ("age", "sex"):
                assert source.value is None and source.reason, (instrument, source.input)
