"""Modifier extensions clotwatch does not understand (issue 13, real records).

From the FHIR R4 specification, Extensibility, "modifierExtension"
(https://hl7.org/fhir/R4/extensibility.html#modifierExtension): a modifier extension changes
the meaning of the element that holds it, and an application that processes an element or a
resource carrying one it does not understand SHALL NOT process it as if the extension were
absent: it refuses it or treats the element or resource as not safely processable. So such a
resource is never used for a finding: what it could have answered is unknown (never "no"),
the reason names the resource and the extension, and a "yes" from another usable resource
still stands. clotwatch understands no modifier extension (``modifiers.UNDERSTOOD``).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from clotwatch.fhir import derive, load_bundle, score_derivation
from clotwatch.fhir import modifiers as mod
from clotwatch.fhir.bundle import read_bundle

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
# The kind of extension the specification has in mind: one that negates what it sits on.
NEGATED = "http://example.org/fhir/StructureDefinition/negated"
NOT_GIVEN = "http://example.org/fhir/StructureDefinition/not-given"


def modifier(url: str = NEGATED) -> list[dict[str, Any]]:
    return [{"url": url, "valueBoolean": True}]


def bundle_with(*resources: dict[str, Any], patient: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    patient = patient or {"resourceType": "Patient", "id": "p", "birthDate": "1950-01-01",
                          "gender": "female"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": patient}] + [{"fullUrl": f"urn:uuid:{i}", "resource": r}
                                                for i, r in enumerate(resources)]}


def cancer(cid: str = "abc") -> dict[str, Any]:
    # 363406005 malignant tumour of colon (an issue-13 real code)
    return {"resourceType": "Condition", "id": cid,
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "code": {"coding": [{"system": SNOMED, "code": "363406005"}]},
            "subject": {"reference": "Patient/p"}}


def apixaban(mid: str = "mr-apix", status: str = "active") -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": mid, "status": status,
            "intent": "order", "subject": {"reference": "Patient/p"},
            "authoredOn": "2026-11-20T10:00:00Z",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1364445"}]}}


def with_modifier(resource: dict[str, Any], url: str = NEGATED) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    out["modifierExtension"] = modifier(url)
    return out


@pytest.fixture(params=["view", "full", "model"])
def reader(request: pytest.FixtureRequest) -> Any:
    """The three ways a Bundle reaches ``derive``: the element fast path, each resource
    validated whole by its R4B model, and an R4B Bundle model given whole."""
    def run(bundle: dict[str, Any]) -> Any:
        if request.param == "view":
            return derive(bundle, NOW)
        if request.param == "full":
            return derive(read_bundle(bundle, full=True).bundle, NOW)
        return derive(load_bundle(bundle), NOW)
    return run


def test_the_allow_list_is_empty_and_a_listed_url_is_read_through(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert mod.UNDERSTOOD == frozenset()
    assert mod.not_understood(with_modifier(cancer())) == (NEGATED,)
    monkeypatch.setattr(mod, "UNDERSTOOD", frozenset({NEGATED}))
    assert mod.not_understood(with_modifier(cancer())) == ()


def test_a_condition_without_one_is_read_as_before(reader: Any) -> None:
    d = reader(bundle_with(cancer()))
    assert d.value("active_cancer") is True
    assert d.findings["active_cancer"].sources == ("Condition/abc",)
    assert not any("modifier" in n for n in d.notes)


def test_a_condition_with_one_is_not_used_and_its_items_are_unknown_not_no(reader: Any) -> None:
    d = reader(bundle_with(with_modifier(cancer())))
    expected = (f"Condition/abc carries a modifier extension clotwatch does not understand "
                f"({NEGATED}); it was not used")
    for concept in ("active_cancer", "cancer_any", "previous_vte", "heart_failure",
                    "hypertension_uncontrolled", "renal_replacement"):
        f = d.findings[concept]
        assert f.value is None, concept
        assert expected in f.reason, (concept, f.reason)
        assert "Condition/abc" in f.sources
    assert any(expected in n for n in d.notes)


def test_a_yes_from_another_usable_condition_still_stands(reader: Any) -> None:
    d = reader(bundle_with(with_modifier(cancer("abc")), cancer("other")))
    f = d.findings["active_cancer"]
    assert f.value is True
    assert f.sources == ("Condition/other",)
    assert "Condition/abc carries a modifier extension" in f.reason


def test_an_active_order_with_one_leaves_the_anticoagulant_unknown_and_named(
        reader: Any) -> None:
    assert reader(bundle_with(apixaban())).value("anticoagulant") is True
    d = reader(bundle_with(with_modifier(apixaban(), NOT_GIVEN)))
    f = d.findings["anticoagulant"]
    assert f.value is None
    assert (f"MedicationRequest/mr-apix carries a modifier extension clotwatch does not "
            f"understand ({NOT_GIVEN}); it was not used") in f.reason
    assert "MedicationRequest/mr-apix" in f.sources


def test_a_draft_order_with_one_is_named_too() -> None:
    # A draft order is not evidence of a current medicine either way; with a modifier it is
    # not read at all, and the items it could have answered name it.
    d = derive(bundle_with(with_modifier(apixaban(status="draft"))), NOW)
    f = d.findings["anticoagulant"]
    assert f.value is None and "MedicationRequest/mr-apix carries" in f.reason


@pytest.mark.parametrize("where", ["dosage", "contained", "component"])
def test_a_modifier_inside_an_element_makes_the_resource_unusable(where: str,
                                                                  reader: Any) -> None:
    if where == "dosage":
        order = apixaban()
        order["dosageInstruction"] = [{"text": "5 mg twice daily",
                                       "modifierExtension": modifier()}]
        resources: tuple[dict[str, Any], ...] = (order,)
        concept, ref = "anticoagulant", "MedicationRequest/mr-apix"
    elif where == "contained":
        order = apixaban()
        del order["medicationCodeableConcept"]
        order["contained"] = [{"resourceType": "Medication", "id": "m1",
                               "modifierExtension": modifier(),
                               "code": {"coding": [{"system": RXNORM, "code": "1364445"}]}}]
        order["medicationReference"] = {"reference": "#m1"}
        resources = (order,)
        concept, ref = "anticoagulant", "MedicationRequest/mr-apix"
    else:  # a blood pressure panel whose systolic component carries the modifier
        bp = {"resourceType": "Observation", "id": "bp", "status": "final",
              "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
              "subject": {"reference": "Patient/p"},
              "effectiveDateTime": "2026-11-20T10:00:00Z",
              "component": [{"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                             "modifierExtension": modifier(),
                             "valueQuantity": {"value": 190, "unit": "mm[Hg]",
                                               "system": "http://unitsofmeasure.org",
                                               "code": "mm[Hg]"}}]}
        clean = copy.deepcopy(bp)
        del clean["component"][0]["modifierExtension"]
        before = reader(bundle_with(clean)).findings["hypertension_uncontrolled"]
        assert before.value is True, before.reason
        resources = (bp,)
        concept, ref = "hypertension_uncontrolled", "Observation/bp"
    f = reader(bundle_with(*resources)).findings[concept]
    assert f.value is None
    assert f"{ref} carries a modifier extension clotwatch does not understand" in f.reason


def test_an_order_through_a_medication_with_one_is_not_used(reader: Any) -> None:
    medication = {"resourceType": "Medication", "id": "apx", "modifierExtension": modifier(),
                  "code": {"coding": [{"system": RXNORM, "code": "1364445"}]}}
    order = apixaban()
    del order["medicationCodeableConcept"]
    order["medicationReference"] = {"reference": "Medication/apx"}
    f = reader(bundle_with(order, medication)).findings["anticoagulant"]
    assert f.value is None
    assert ("MedicationRequest/mr-apix refers to Medication/apx, which carries a modifier "
            f"extension clotwatch does not understand ({NEGATED}); it was not used") in f.reason


def test_a_patient_with_one_gives_no_age_or_sex(reader: Any) -> None:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1950-01-01",
               "gender": "female", "modifierExtension": modifier()}
    d = reader(bundle_with(cancer(), patient=patient))
    assert d.value("age") is None and d.value("sex") is None
    assert "Patient/p carries a modifier extension" in d.findings["age"].reason
    assert d.value("active_cancer") is True  # the Patient still says whose data this is


def test_unknown_never_lowers_the_score_range_includes_the_yes() -> None:
    yes = score_derivation(derive(bundle_with(cancer()), NOW), ["padua"])[0].result
    unsafe = score_derivation(derive(bundle_with(with_modifier(cancer())), NOW),
                              ["padua"])[0].result
    assert "active_cancer" in unsafe.missing
    low, high = unsafe.to_dict()["total_range"]
    assert low <= yes.total <= high
    assert high >= yes.to_dict()["total_range"][1]


def test_the_scan_finds_one_in_json_the_fast_check_cannot_serialise() -> None:
    # a lone surrogate or a huge integer elsewhere in the resource: walked, still found
    for odd in ("\ud800", 2 ** 80):
        resource = with_modifier(cancer())
        resource["note"] = [{"text": odd}]
        assert mod.not_understood(resource) == (NEGATED,)
    assert mod.not_understood({"note": [{"text": "modifierExtension"}]}) == ()
    assert mod.not_understood({"modifierExtension": [{"valueBoolean": True}]}) == (mod.NO_URL,)
