"""Reading FHIR R4 Bundles into instrument inputs: real shapes, partial and malformed bundles."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clotwatch.core.errors import InputError, MappingError
from clotwatch.fhir import answers, bundle_from_resources, derive, explain, load_bundle

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def bundle_with(
    *resources: dict[str, Any], patient: dict[str, Any] | None = None
) -> dict[str, Any]:
    pat = patient or {"resourceType": "Patient", "id": "p", "birthDate": "1980-01-01",
                      "gender": "male"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": pat}] + [{"resource": r} for r in resources]}


def observation(code: str, value: float, unit: str, when: str = "2026-11-24T10:00:00Z",
                status: str = "final", ucum: str | None = None) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"o-{code}", "status": status,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": ucum or unit}}


def condition(system: str, code: str, clinical: str = "active",
              verification: str = "confirmed") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": f"c-{code}",
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": clinical}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                "code": verification}]},
            "code": {"coding": [{"system": system, "code": code}]},
            "subject": {"reference": "Patient/p"}}


def medication(system: str, code: str, text: str = "", status: str = "active") -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        concept["text"] = text
    return {"resourceType": "MedicationRequest", "id": f"m-{code}", "status": status,
            "intent": "order", "subject": {"reference": "Patient/p"},
            "medicationCodeableConcept": concept}


ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"


def test_full_bundle_gives_every_derivable_input() -> None:
    d = derive(fixture("patient-full.json"), NOW)
    assert d.patient_id == "pat-1"
    assert d.value("age") == 70
    assert d.value("sex") == "female"
    assert d.value("heart_rate") == 108  # the recent reading, not the October one
    assert d.value("spo2") == 93
    assert d.value("ddimer_ng_ml_feu") == 820
    assert d.value("bmi") == pytest.approx(30.1)
    assert d.value("active_cancer") is True
    assert d.value("previous_dvt") is True and d.value("previous_vte") is True
    assert d.value("surgery_4_weeks") is True
    assert d.value("hospitalised_surgery_4_weeks") is True
    assert d.value("estrogen_use") is True
    assert d.value("anticoagulant") is True
    assert d.findings["heart_rate"].sources == ("Observation/hr",)


def test_another_patients_resources_are_ignored_and_said_so() -> None:
    d = derive(fixture("patient-full.json"), NOW)
    assert d.value("heart_rate") != 150
    assert any("ignored" in n for n in d.notes)


def test_wells_pe_answers_from_the_record_with_sources_and_reasons() -> None:
    d = derive(fixture("patient-full.json"), NOW)
    got = answers(d, "wells-pe")
    assert got == {"dvt_signs": None, "pe_most_likely": None, "heart_rate": 108.0,
                   "immobilization_or_surgery": True, "previous_vte": True,
                   "hemoptysis": None, "malignancy": True}
    why = {s.input: s for s in explain(d, "wells-pe")}
    assert "bedside" in why["dvt_signs"].reason
    assert why["malignancy"].sources == ("Condition/ca",)


def test_partial_bundle_leaves_unknowns_missing_never_false() -> None:
    d = derive(fixture("patient-partial.json"), NOW)
    for concept in ("active_cancer", "previous_vte", "estrogen_use", "pregnant",
                    "surgery_4_weeks", "anticoagulant", "heart_rate", "spo2", "bmi"):
        assert d.value(concept) is None, concept
        assert d.findings[concept].reason
    assert "preliminary" in d.findings["heart_rate"].reason
    assert "not read as 'no'" in d.findings["active_cancer"].reason


def test_ddu_loinc_with_a_plain_unit_is_doubled_to_feu() -> None:
    d = derive(fixture("patient-partial.json"), NOW)
    assert d.value("ddimer_ng_ml_feu") == 620
    assert "DDU" in d.findings["ddimer_ng_ml_feu"].reason


@pytest.mark.parametrize(
    ("code", "value", "unit", "expected"),
    [
        ("48065-7", 450, "ng/mL", 450),
        ("48065-7", 0.45, "mg/L{FEU}", 450),
        ("48066-5", 0.3, "ug/mL", 600),
        ("30240-6", 0.5, "ug/mL{FEU}", 500),
        ("30240-6", 500, "ng/mL", None),        # neither code nor unit says FEU or DDU
        ("48066-5", 3.2, "mg/L FEU", None),     # the code says DDU, the unit FEU
        ("48065-7", 5, "mmol/L", None),
    ],
)
def test_d_dimer_units_and_loinc_basis(code: str, value: float, unit: str,
                                       expected: float | None) -> None:
    d = derive(bundle_with(observation(code, value, unit)), NOW)
    assert d.value("ddimer_ng_ml_feu") == expected
    if expected is None:
        assert d.findings["ddimer_ng_ml_feu"].reason


def test_old_and_future_vital_signs_are_not_used() -> None:
    old = observation("8867-4", 120, "/min", when="2026-11-22T10:00:00Z")
    d = derive(bundle_with(old), NOW)
    assert d.value("heart_rate") is None
    assert "older than 24 h" in d.findings["heart_rate"].reason
    future = observation("8867-4", 120, "/min", when="2026-11-25T10:00:00Z")
    assert derive(bundle_with(future), NOW).value("heart_rate") is None


def test_vital_sign_in_an_unknown_unit_is_not_guessed() -> None:
    d = derive(bundle_with(observation("8867-4", 2, "Hz")), NOW)
    assert d.value("heart_rate") is None
    assert "not understood" in d.findings["heart_rate"].reason


def test_bmi_observation_wins_over_height_and_weight() -> None:
    d = derive(bundle_with(observation("39156-5", 27.4, "kg/m2"),
                           observation("8302-2", 1.8, "m"), observation("29463-7", 100, "kg")), NOW)
    assert d.value("bmi") == 27.4


def test_bmi_from_height_in_metres_and_weight_in_pounds() -> None:
    d = derive(bundle_with(observation("8302-2", 1.8, "m"),
                           observation("29463-7", 220.462, "[lb_av]")), NOW)
    assert d.value("bmi") == pytest.approx(30.9, abs=0.05)


@pytest.mark.parametrize(
    ("resource", "concept", "expected"),
    [
        (condition(ICD10, "C18.7"), "active_cancer", True),
        (condition(ICD10, "C97"), "active_cancer", True),
        (condition(ICD10, "D05.1"), "active_cancer", None),   # in situ: not C00-C97
        (condition(SNOMED, "363346000"), "active_cancer", True),
        (condition(ICD10, "C50.9", clinical="remission"), "active_cancer", None),
        (condition(ICD10, "C50.9", clinical="remission"), "cancer_any", True),
        (condition(ICD10, "C50.9", verification="refuted"), "cancer_any", None),
        (condition(ICD10, "I26.9", clinical="resolved"), "previous_vte", True),
        (condition(ICD10, "I26.9", clinical="resolved"), "previous_dvt", None),
        (condition(ICD10, "I80.2"), "previous_dvt", True),
        (condition(ICD10, "I80.0"), "previous_dvt", None),     # superficial: not a DVT
        (condition("http://hl7.org/fhir/sid/icd-10-cm", "Z86.718"), "previous_vte", True),
        (condition(SNOMED, "77386006"), "pregnant", True),
        # descendants Synthea's records send (docs/validation/population-synthea.md)
        (condition(SNOMED, "72892002"), "pregnant", True),  # Normal pregnancy
        (condition(SNOMED, "65710008"), "heart_or_respiratory_failure", True),  # acute
        (condition(SNOMED, "185086009"), "copd", True),  # Chronic obstructive bronchitis
        (condition(SNOMED, "87433001"), "copd", True),  # Pulmonary emphysema
    ],
)
def test_conditions_map_through_the_code_sets(resource: dict[str, Any], concept: str,
                                              expected: bool | None) -> None:
    assert derive(bundle_with(resource), NOW).value(concept) is expected


@pytest.mark.parametrize(
    ("resource", "concept", "expected"),
    [
        (medication(ATC, "G03AA07", "levonorgestrel and ethinylestradiol"), "estrogen_use", True),
        (medication(ATC, "G03AC03", "levonorgestrel"), "estrogen_use", None),  # progestogen-only
        (medication(ATC, "B01AF01"), "anticoagulant", True),
        (medication(ATC, "B01AC06", "aspirin"), "anticoagulant", None),          # antiplatelet
        (medication("http://www.nlm.nih.gov/research/umls/rxnorm", "1114195"), "anticoagulant",
         True),
        (medication("urn:local", "x1", "Rivaroxaban 20 mg tablets"), "anticoagulant", None),
        (medication(RXNORM, "1364445"), "anticoagulant", True),   # apixaban 5 MG Oral Tablet
        (medication(RXNORM, "854235"), "anticoagulant", True),    # enoxaparin 40 MG syringe
        (medication(RXNORM, "748856"), "estrogen_use", True),     # Yaz 28 Day Pack
        (medication(RXNORM, "978950"), "estrogen_use", True),     # Natazia 28 Day Pack
        (medication(RXNORM, "751905"), "estrogen_use", True),     # Trinessa 28 Day Pack
        (medication(RXNORM, "749762"), "estrogen_use", True),     # Seasonique 91 Day Pack
        (medication(RXNORM, "757594"), "estrogen_use", None),     # Jolivette: progestogen only
        (medication(RXNORM, "99999999", "Yaz 28 Day Pack ethinyl estradiol"), "estrogen_use",
         None),                                                  # display text alone
        (medication(ATC, "B01AF01", status="stopped"), "anticoagulant", None),
    ],
)
def test_medications_map_through_the_code_sets(resource: dict[str, Any], concept: str,
                                               expected: bool | None) -> None:
    assert derive(bundle_with(resource), NOW).value(concept) is expected


@pytest.mark.parametrize(("dated", "expected"), [
    ({"authoredOn": "2026-11-25T08:00:00Z"}, None),  # written after NOW: not yet there
    ({"authoredOn": "2026-11-24T11:00:00Z"}, True),
    ({}, True),  # no date: an active order, as before
])
def test_an_active_order_written_after_now_is_not_read(dated: dict[str, Any],
                                                       expected: bool | None) -> None:
    """A whole record's export holds orders of later years still active (Synthea: a vaginal
    ring ordered in 2021 read as hormonal treatment for a stay of March 2020); as of a time,
    only what was ordered by then counts, as for Conditions and chemotherapy."""
    for concept, code in (("estrogen_use", "748856"), ("anticoagulant", "1364445")):
        order = medication(RXNORM, code) | dated
        statement = {"resourceType": "MedicationStatement", "id": "s", "status": "active",
                     "medicationCodeableConcept": order["medicationCodeableConcept"],
                     "subject": {"reference": "Patient/p"}}
        if "authoredOn" in dated:
            statement["effectivePeriod"] = {"start": dated["authoredOn"],
                                            "end": "2027-06-01T00:00:00Z"}
        assert derive(bundle_with(order), NOW).value(concept) is expected
        assert derive(bundle_with(statement), NOW).value(concept) is expected


def test_a_medicine_named_only_in_text_is_unknown_and_the_reason_says_why() -> None:
    d = derive(bundle_with(medication("urn:local", "x1", "Rivaroxaban 20 mg tablets")), NOW)
    finding = d.findings["anticoagulant"]
    assert finding.value is None
    assert "names 'rivaroxaban' in its text" in finding.reason
    assert "urn:local|x1" in finding.reason and "never taken from text alone" in finding.reason
    assert finding.sources == ("MedicationRequest/m-x1",)


def test_a_reference_to_a_medication_not_in_the_bundle_is_named() -> None:
    req = {"resourceType": "MedicationRequest", "id": "mr-1", "status": "active",
           "intent": "order", "medicationReference": {"reference": "Medication/enox"},
           "subject": {"reference": "Patient/p"}}
    finding = derive(bundle_with(req), NOW).findings["anticoagulant"]
    assert finding.value is None
    assert "MedicationRequest/mr-1 refers to Medication/enox, which is not in the Bundle" in \
        finding.reason


def test_a_contained_medication_is_read() -> None:
    req = {"resourceType": "MedicationRequest", "id": "mr-1", "status": "active",
           "intent": "order", "medicationReference": {"reference": "#m"},
           "contained": [{"resourceType": "Medication", "id": "m", "code": {"coding": [
               {"system": RXNORM, "code": "1364445"}]}}],
           "subject": {"reference": "Patient/p"}}
    assert derive(bundle_with(req), NOW).value("anticoagulant") is True


def test_the_reason_says_how_old_an_active_order_is() -> None:
    req = medication(RXNORM, "854235")
    req["authoredOn"] = "2019-03-02T10:00:00Z"
    finding = derive(bundle_with(req), NOW).findings["anticoagulant"]
    assert finding.value is True
    assert "authored 2019-03-02, 7 years ago; nothing newer shows it is still taken" in \
        finding.reason


def test_medication_reference_is_resolved_within_the_bundle() -> None:
    med = {"resourceType": "Medication", "id": "med-1",
           "code": {"coding": [{"system": ATC, "code": "G03CA03"}]}}
    req = {"resourceType": "MedicationStatement", "id": "ms-1", "status": "active",
           "medicationReference": {"reference": "Medication/med-1"},
           "subject": {"reference": "Patient/p"}}
    assert derive(bundle_with(med, req), NOW).value("estrogen_use") is True


def _procedure(category: bool = True, when: str = "2026-11-14T10:00:00Z") -> dict[str, Any]:
    p: dict[str, Any] = {"resourceType": "Procedure", "id": "pr", "status": "completed",
                         "code": {"text": "Knee arthroscopy"},
                         "subject": {"reference": "Patient/p"}, "performedDateTime": when}
    if category:
        p["category"] = {"coding": [{"system": SNOMED, "code": "387713003"}]}
    return p


def test_day_case_surgery_counts_for_wells_but_not_perc_hospitalisation() -> None:
    d = derive(bundle_with(_procedure()), NOW)
    assert d.value("surgery_4_weeks") is True
    assert d.value("hospitalised_surgery_4_weeks") is None
    assert "inpatient" in d.findings["hospitalised_surgery_4_weeks"].reason


def test_surgery_six_weeks_ago_is_outside_the_window() -> None:
    d = derive(bundle_with(_procedure(when="2026-10-10T10:00:00Z")), NOW)
    assert d.value("surgery_4_weeks") is None


def test_procedure_without_category_is_not_assumed_to_be_surgery() -> None:
    d = derive(bundle_with(_procedure(category=False)), NOW)
    assert d.value("surgery_4_weeks") is None
    assert "not read as an operation (neither its code nor a surgical category): " \
        "Procedure/pr with no code" in d.findings["surgery_4_weeks"].reason


@pytest.mark.parametrize(("system", "code", "surgery"), [
    (SNOMED, "232717009", True),          # coronary artery bypass grafting, no category
    (SNOMED, "73761001", False),          # colonoscopy
    ("http://www.ama-assn.org/go/cpt", "33533", True),   # CABG, CPT surgery section
    ("http://www.ama-assn.org/go/cpt", "99213", False),  # office visit
    ("http://www.cms.gov/Medicare/Coding/ICD10", "0SRD0JZ", True),  # knee replacement, open
    ("http://www.cms.gov/Medicare/Coding/ICD10", "0DJ08ZZ", False),  # endoscopic inspection
])
def test_surgery_is_read_from_the_procedure_code(system: str, code: str,
                                                 surgery: bool) -> None:
    proc = _procedure(category=False)
    proc["code"] = {"coding": [{"system": system, "code": code}]}
    d = derive(bundle_with(proc), NOW)
    assert d.value("surgery_4_weeks") is (True if surgery else None)
    if not surgery:
        assert f"Procedure/pr coded {system.rsplit('/', 1)[-1]} {code}" in \
            d.findings["surgery_4_weeks"].reason


def test_status_is_read_as_of_now() -> None:
    # Resolved today, but its abatement is after now: it was active at now.
    cond = {"resourceType": "Condition", "id": "c-hf", "subject": {"reference": "Patient/p"},
            "clinicalStatus": {"coding": [{"code": "resolved"}]},
            "code": {"coding": [{"system": SNOMED, "code": "88805009"}]},
            "onsetDateTime": "2026-01-01", "abatementDateTime": "2026-12-20"}
    assert derive(bundle_with(cond), NOW).value("heart_or_respiratory_failure") is True
    cond["abatementDateTime"] = "2026-11-01"
    cond["clinicalStatus"] = {"coding": [{"code": "active"}]}
    assert derive(bundle_with(cond), NOW).value("heart_or_respiratory_failure") is None


def test_an_unrecognised_condition_code_is_named_not_called_absent() -> None:
    cond = {"resourceType": "Condition", "id": "c-x", "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": SNOMED, "code": "999999999", "display": "Odd"}]}}
    reason = derive(bundle_with(cond), NOW).findings["previous_vte"].reason
    assert "no DVT or PE recognised among the Bundle's Conditions" in reason
    assert "Condition/c-x coded sct 999999999 'Odd'" in reason


@pytest.mark.parametrize("code", ["706870000", "132281000119108", "233935004"])
def test_synthea_vte_codes_are_previous_vte(code: str) -> None:
    cond = {"resourceType": "Condition", "id": "c-v", "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": SNOMED, "code": code}]}}
    assert derive(bundle_with(cond), NOW).value("previous_vte") is True


def test_a_neoplasm_treated_with_chemotherapy_is_cancer() -> None:
    cond = {"resourceType": "Condition", "id": "c-np", "subject": {"reference": "Patient/p"},
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": {"coding": [{"system": SNOMED, "code": "126906006"}]}}
    assert derive(bundle_with(cond), NOW).value("active_cancer") is None
    chemo = medication(RXNORM, "1860480", status="stopped")   # docetaxel 20 MG/ML injection
    chemo["authoredOn"] = "2026-05-01"
    d = derive(bundle_with(cond, chemo), NOW)
    assert d.value("active_cancer") is True
    assert "cytotoxic chemotherapy" in d.findings["active_cancer"].reason


@pytest.mark.parametrize(("birth", "age"), [("1956-11-24", 70), ("1956-11-25", 69)])
def test_age_is_whole_years_at_now(birth: str, age: int) -> None:
    pat = {"resourceType": "Patient", "id": "p", "birthDate": birth}
    assert derive(bundle_with(patient=pat), NOW).value("age") == age


def test_year_only_birth_date_leaves_age_missing() -> None:
    pat = {"resourceType": "Patient", "id": "p", "birthDate": "1956"}
    d = derive(bundle_with(patient=pat), NOW)
    assert d.value("age") is None
    assert d.value("sex") is None


def test_malformed_resource_is_named_with_its_path_and_the_rest_is_used() -> None:
    d = derive(fixture("malformed-observation.json"), NOW)
    assert len(d.notes) == 1
    assert "1 resource(s) could not be read and were not used" in d.notes[0]
    assert "Bundle.entry[1](Observation).resource" in d.notes[0]
    assert d.value("age") is not None  # the Patient was read
    with pytest.raises(MappingError, match=r"entry\[1\]\(Observation\)"):
        load_bundle(fixture("malformed-observation.json"))  # the strict reader


def test_a_resource_clotwatch_does_not_read_never_fails_the_bundle() -> None:
    bad_document = {"resourceType": "DocumentReference", "id": "d", "status": "current",
                    "content": [{"attachment": {"data": "bad=base64=="}}]}
    d = derive(bundle_with(bad_document, {"resourceType": "Unknown"}), NOW)
    assert d.notes == []


def test_an_stu3_bundle_is_named_as_such() -> None:
    cond = {"resourceType": "Condition", "id": "c", "clinicalStatus": "active",
            "verificationStatus": "confirmed", "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": SNOMED, "code": "88805009"}]}}
    with pytest.raises(MappingError, match="this looks like FHIR STU3") as err:
        derive(bundle_with(cond), NOW)
    assert "Condition.clinicalStatus is a code string" in str(err.value)
    with pytest.raises(MappingError, match="looks like FHIR STU3"):
        load_bundle(bundle_with(cond))


def test_an_invalid_patient_is_still_refused() -> None:
    with pytest.raises(MappingError, match="birthDate"):
        derive(bundle_with(patient={"resourceType": "Patient", "id": "p",
                                    "birthDate": "last year"}), NOW)


@pytest.mark.parametrize(
    ("data", "field"),
    [("{not json", "bundle"), ("[]", "bundle"),
     ({"resourceType": "Patient", "id": "p"}, "resourceType")],
)
def test_input_that_is_not_a_bundle_is_refused(data: Any, field: str) -> None:
    with pytest.raises(InputError) as err:
        load_bundle(data)
    assert err.value.field == field


def test_bundle_without_a_patient_is_refused() -> None:
    with pytest.raises(MappingError, match="no Patient"):
        derive(fixture("no-patient.json"), NOW)


def test_bundle_with_two_patients_is_refused() -> None:
    b = bundle_with({"resourceType": "Patient", "id": "q"})
    with pytest.raises(MappingError, match="2 Patient"):
        derive(b, NOW)


def test_now_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InputError):
        derive(bundle_with(), datetime(2026, 11, 24, 12, 0))


def test_callers_bundle_is_not_modified() -> None:
    data = fixture("patient-full.json")
    snapshot = copy.deepcopy(data)
    derive(data, NOW)
    assert data == snapshot


def test_prefetch_values_become_one_collection_bundle() -> None:
    full = fixture("patient-full.json")
    patient = full["entry"][0]["resource"]
    searchset = {"resourceType": "Bundle", "type": "searchset",
                 "entry": [e for e in full["entry"][1:4]]}
    merged = bundle_from_resources([patient, searchset, None])
    assert [e["resource"]["resourceType"] for e in merged["entry"]] == [
        "Patient", "Observation", "Observation", "Observation"]
    assert derive(merged, NOW).value("heart_rate") == 108


def test_hl7_specification_examples_are_read_at_their_own_dates() -> None:
    data = fixture("hl7-r4-examples.json")
    july_1999 = derive(data, datetime(1999, 7, 2, 18, 0, tzinfo=UTC))
    assert july_1999.value("age") == 24
    assert july_1999.value("heart_rate") == 44
    assert july_1999.value("bmi") == 16.2
    assert july_1999.value("spo2") is None  # dated 2014: after "now"
    december_2014 = derive(data, datetime(2014, 12, 5, 12, 0, tzinfo=UTC))
    assert december_2014.value("spo2") == 95  # 09:30+01:00 is within the last 24 h
    assert december_2014.value("heart_rate") is None
    assert "older than 24 h" in december_2014.findings["heart_rate"].reason
    assert december_2014.value("bmi") is None


@pytest.mark.parametrize("rtype", ["", "x", None, 5])
@pytest.mark.parametrize("where", ["entry", "contained"])
def test_an_unknown_or_missing_nested_resource_type_is_a_mapping_error(rtype, where) -> None:
    from clotwatch.errors import MappingError
    from clotwatch.fhir import load_bundle

    bad = {"resourceType": rtype}
    resource = bad if where == "entry" else {"resourceType": "Patient", "contained": [bad]}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]}
    with pytest.raises(MappingError, match="resourceType|nested resource"):
        load_bundle(bundle)


@pytest.mark.parametrize(("deceased", "said"), [
    ({"deceasedDateTime": "2013-03-27T18:38:58+00:00"}, "died on 2013-03-27"),
    ({"deceasedDateTime": "2026-11-24"}, "died on 2026-11-24"),  # that day: before the evening
    ({"deceasedDateTime": "2026-11-25T08:00:00Z"}, None),  # after the time scored at
    ({"deceasedBoolean": True}, "has died (deceasedBoolean), with no date"),
    ({"deceasedBoolean": False}, None),
    ({}, None),
])
def test_a_patient_who_died_before_the_time_scored_at_is_said_first(
        deceased: dict[str, Any], said: str | None) -> None:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1926-06-06",
               "gender": "female", **deceased}
    d = derive(bundle_with(patient=patient), NOW)
    assert d.findings["age"].value == 100  # still counted as of the time asked; the note says so
    if said is None:
        assert not any("died" in n for n in d.notes)
    else:
        assert said in d.notes[0] and d.notes[0].startswith("Patient/p: ")


def test_a_synthea_patient_who_died_years_ago_is_not_scored_as_if_alive() -> None:
    """A public Synthea sample record (tests/fhir/fixtures/synthea): died 2013, born 1926;
    scored in 2026 as a 100-year-old with nothing said until this note."""
    data = fixture("synthea/Beatrice_Aufderhar_5451401c-ab1b-4adc-9df6-c02e856e492a.json")
    d = derive(data, NOW)
    assert "the patient died on 2013-03-27" in d.notes[0]
    before = derive(data, datetime(2013, 3, 1, tzinfo=UTC))
    assert not any("died" in n for n in before.notes) and before.findings["age"].value == 86


def test_of_many_observations_too_old_the_latest_is_named_and_the_rest_counted() -> None:
    """A real record holds a BMI a year for decades (the Synthea sample records: 10 and more):
    the reason names the latest, not each one."""
    old = [observation("39156-5", 30 + n, "kg/m2", when=f"{2003 + n}-06-15T18:38:58Z")
           for n in range(10)]
    for n, o in enumerate(old):
        o["id"] = f"bmi-{n}"
    reason = derive(bundle_with(*old), NOW).findings["bmi"].reason
    assert reason == ("Observation/bmi-9 from 2012-06-15T18:38:58+00:00, the latest of 10, is "
                      "older than 365 days")
    one = derive(bundle_with(old[0]), NOW).findings["bmi"].reason
    assert one == "Observation/bmi-0 from 2003-06-15T18:38:58+00:00 is older than 365 days"
