"""The fast reader of the elements ``derive`` uses (``clotwatch.fhir.elements``) gives the same
findings and the same problems as validating each resource whole with its fhir.resources R4B
model (``read_bundle(..., full=True)``, the reader before it), for valid and malformed forms of
every element it reads. The forms come from the FHIR R4 datatypes
(https://hl7.org/fhir/R4/datatypes.html): ``id``, ``code``, ``string``, ``uri``, ``decimal``,
``date``, ``dateTime``, ``instant``, ``Coding``, ``CodeableConcept``, ``Quantity``, ``Period``,
``Reference``, and the backbone elements read (``Observation.component``,
``Observation.referenceRange``, a contained Medication).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from clotwatch.core.errors import InputError, MappingError
from clotwatch.fhir import bundle as bundle_module
from clotwatch.fhir import derive
from clotwatch.fhir.elements import view

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
ME = {"reference": "Patient/p"}
ABSENT = object()  # the element left out


def _obs(oid: str, code: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code, "display": "x"}], "text": "t"},
            "subject": dict(ME), "effectiveDateTime": "2026-11-24T10:00:00Z", **more}


def _qty(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


BASE: dict[str, dict[str, Any]] = {
    "patient": {"resourceType": "Patient", "id": "p", "birthDate": "1956-11-24",
                "gender": "female"},
    "heart_rate": _obs("hr", "8867-4", valueQuantity=_qty(88, "/min")),
    "bp": _obs("bp", "85354-9", component=[
        {"code": _concept(LOINC, "8480-6"), "valueQuantity": _qty(172, "mm[Hg]")}]),
    "bilirubin": _obs("bili", "1975-2", valueQuantity=_qty(60, "umol/L"),
                      referenceRange=[{"high": _qty(20, "umol/L")}]),
    "ast": _obs("ast", "1920-8", valueQuantity=_qty(200, "U/L"),
                referenceRange=[{"high": _qty(40, "U/L")}]),
    "audit_often": _obs("a1", "68518-0", valueCodeableConcept=_concept(LOINC, "LA18929-2")),
    "audit_many": _obs("a2", "68519-8", valueCodeableConcept=_concept(LOINC, "LA15694-5")),
    "condition": {"resourceType": "Condition", "id": "c", "subject": dict(ME),
                  "clinicalStatus": _concept("http://terminology.hl7.org/CodeSystem/"
                                             "condition-clinical", "active"),
                  "verificationStatus": _concept("http://terminology.hl7.org/CodeSystem/"
                                                 "condition-ver-status", "confirmed"),
                  "code": {"coding": [{"system": SNOMED, "code": "363406005",
                                       "display": "Malignant tumor of colon"}], "text": "t"},
                  "onsetDateTime": "2026-11-10", "abatementDateTime": "2026-12-01"},
    "order": {"resourceType": "MedicationRequest", "id": "mr", "status": "active",
              "intent": "order", "subject": dict(ME), "authoredOn": "2026-11-20",
              "medicationReference": {"reference": "#med", "display": "apixaban"},
              "contained": [{"resourceType": "Medication", "id": "med",
                             "code": _concept(RXNORM, "1364430")}]},
    "statement": {"resourceType": "MedicationStatement", "id": "ms", "status": "active",
                  "subject": dict(ME), "effectiveDateTime": "2026-01-01",
                  "dateAsserted": "2026-11-01T09:00:00Z",
                  "medicationReference": {"reference": "Medication/m1"}},
    "medication": {"resourceType": "Medication", "id": "m1",
                   "code": {"coding": [{"system": RXNORM, "code": "1364430"}],
                            "text": "apixaban"}},
    "procedure": {"resourceType": "Procedure", "id": "pr", "status": "completed",
                  "subject": dict(ME), "performedDateTime": "2026-11-20T08:00:00Z",
                  "category": _concept(SNOMED, "387713003"),
                  "code": _concept(SNOMED, "232717009"),
                  "encounter": {"reference": "Encounter/e"}},
    "encounter": {"resourceType": "Encounter", "id": "e", "status": "in-progress",
                  "subject": dict(ME),
                  "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                            "code": "IMP"},
                  "period": {"start": "2026-11-19T08:00:00Z"}},
}

# --- forms of each datatype (valid ones first; then partial, out of range, wrong type) ----

BAD_TYPES: list[Any] = [5, True, 1.5, None, [], {}, ABSENT]
DATETIMES: list[Any] = [
    "2026-11-24T10:00:00Z", "2026-11-24T10:00:00+01:00", "2026-11-24T03:00:00-05:30",
    "2026-11-24T10:00:00.5Z", "2026-11-24T10:00:00.123456Z", "2026-11-24T10:00:00.1234567Z",
    "2026-11-24T10:00:00+14:00", "2026-11-24T10:00:00-00:00", "2026-11-24", "2026-11-01",
    "2025-01-01", "2026-11", "2026", "2026-11-23T23:59:60Z", "2026-11-24T10:00:00+14:30",
    "2026-11-24T10:00:00+13:60", "2026-11-24T10:00:00", "2026-11-24T10:00Z", "2026-02-30",
    "0000-01-01", "2026-13-01", "2026-11-24T24:00:00Z", " 2026-11-24", "20261124",
    "2026-11-24T10:00:00+1:00", "2026-11-24t10:00:00z",
    "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0664", "2026-11-24T10:00:00\uff3a", "",
    *BAD_TYPES]
DATES: list[Any] = ["1956-11-24", "1956-11-25", "2030-01-01", "1956-11", "1956",
                    "\u0661\u0669\u0665\u0666-\u0661\u0661-\u0662\u0664",
                    "1956-02-30", "0000-01-01", "1956-11-24T00:00:00Z", " 1956-11-24", "",
                    *BAD_TYPES]
DECIMALS: list[Any] = [88, 88.5, 0, -0.0, 172, 1e300, 2 ** 53 - 1, 2 ** 53, 2 ** 70, "88",
                       "88.50", "lots", "", *BAD_TYPES]
BAD_CODES: list[Any] = [" x", "x ", "x  y", "x\ty", "x\ny", "f\u00efnal", "", *BAD_TYPES]
STRINGS: list[Any] = ["x", "  x  ", "a\nb", "a\tb", " ", "\u00a0", "\x1c", "\u0413\u0438",
                      "", "a\ud800", *BAD_TYPES]
URIS: list[Any] = ["", "http://lo inc.org", "urn:oid:2.16.840", "\u00e9", "a\ud800",
                   *BAD_TYPES]
IDS: list[Any] = ["abc", "a.b-1", "A" * 65, "a b", "", "\u00e4", "a/b", *BAD_TYPES]
OBJECTS: list[Any] = [{}, {"unknown": 1}, {"id": "x"}, "x", [{}], *BAD_TYPES]
LISTS: list[Any] = [[], [None], ["x"], [{}], {}, *BAD_TYPES]


def codes(*valid: str) -> list[Any]:
    return [*valid, *BAD_CODES]


# (base resource, path to the element, forms, elements dropped first: e.g. the other choice)
ELEMENTS: list[tuple[str, tuple[Any, ...], list[Any], tuple[str, ...]]] = [
    ("patient", ("birthDate",), DATES, ()),
    ("patient", ("gender",), codes("female", "male", "other", "unknown"), ()),
    ("patient", ("id",), IDS, ()),
    ("patient", ("unknownElement",), [1, None], ()),
    ("patient", ("deceasedDateTime",), DATETIMES, ()),
    ("patient", ("deceasedBoolean",), [True, False, "true", 1, None, {}], ()),
    ("patient", ("_birthDate",), [{"extension": []}, None], ("birthDate",)),
    ("heart_rate", ("status",), codes("final", "amended", "preliminary", "cancelled"), ()),
    ("heart_rate", ("id",), IDS, ()),
    ("heart_rate", ("code",), OBJECTS, ()),
    ("heart_rate", ("code", "coding"), LISTS, ()),
    ("heart_rate", ("code", "coding", 0), OBJECTS, ()),
    ("heart_rate", ("code", "coding", 0, "system"), [LOINC, *URIS], ()),
    ("heart_rate", ("code", "coding", 0, "code"), codes("8867-4", "59408-5"), ()),
    ("heart_rate", ("code", "coding", 0, "display"), STRINGS, ()),
    ("heart_rate", ("code", "coding", 0, "sytem"), [LOINC], ()),
    ("heart_rate", ("code", "text"), STRINGS, ()),
    ("heart_rate", ("effectiveDateTime",), DATETIMES, ()),
    ("heart_rate", ("effectiveInstant",), DATETIMES, ("effectiveDateTime",)),
    ("heart_rate", ("effectiveInstant",), ["2026-11-24T10:00:00Z"], ()),  # two effective[x]
    ("heart_rate", ("issued",), DATETIMES, ("effectiveDateTime",)),
    ("heart_rate", ("effectivePeriod",), OBJECTS, ("effectiveDateTime",)),
    ("heart_rate", ("effectivePeriod", "start"), DATETIMES, ("effectiveDateTime",)),
    ("heart_rate", ("effectivePeriod", "end"), DATETIMES, ("effectiveDateTime",)),
    ("heart_rate", ("valueQuantity",), OBJECTS, ()),
    ("heart_rate", ("valueQuantity", "value"), DECIMALS, ()),
    ("heart_rate", ("valueQuantity", "unit"), STRINGS, ()),
    ("heart_rate", ("valueQuantity", "system"), [UCUM, *URIS], ()),
    ("heart_rate", ("valueQuantity", "code"), codes("/min", "{beats}/min", "kg"), ()),
    ("heart_rate", ("valueString",), ["88"], ()),  # a second value[x]
    ("heart_rate", ("subject",), OBJECTS, ()),
    ("heart_rate", ("subject", "reference"), ["Patient/p", "Patient/q", *STRINGS], ()),
    ("heart_rate", ("subject", "display"), STRINGS, ()),
    ("heart_rate", ("_status",), [{"extension": []}], ("status",)),
    ("bp", ("component",), LISTS, ()),
    ("bp", ("component", 0), OBJECTS, ()),
    ("bp", ("component", 0, "code", "coding", 0, "code"), codes("8480-6", "8462-4"), ()),
    ("bp", ("component", 0, "valueQuantity", "value"), DECIMALS, ()),
    ("bp", ("component", 0, "valueString"), ["x"], ()),
    ("bilirubin", ("referenceRange",), LISTS, ()),
    ("bilirubin", ("referenceRange", 0, "high"), OBJECTS, ()),
    ("bilirubin", ("referenceRange", 0, "high", "value"), DECIMALS, ()),
    ("bilirubin", ("referenceRange", 0, "high", "code"), codes("umol/L", "mg/dL"), ()),
    ("ast", ("referenceRange", 0, "high", "unit"), STRINGS, ()),
    ("audit_often", ("valueCodeableConcept",), OBJECTS, ()),
    ("audit_often", ("valueCodeableConcept", "coding", 0, "code"),
     codes("LA18929-2", "LA6270-8"), ()),
    ("audit_many", ("valueCodeableConcept", "coding", 0, "system"), [LOINC, *URIS], ()),
    ("condition", ("clinicalStatus",), OBJECTS, ()),
    ("condition", ("clinicalStatus", "coding", 0, "code"),
     codes("active", "resolved", "recurrence"), ()),
    ("condition", ("verificationStatus", "coding", 0, "code"),
     codes("confirmed", "refuted", "provisional"), ()),
    ("condition", ("code", "coding", 0, "code"), codes("363406005", "88805009", "C18.9"), ()),
    ("condition", ("code", "coding", 0, "display"), STRINGS, ()),
    ("condition", ("onsetDateTime",), DATETIMES, ()),
    ("condition", ("onsetPeriod", "start"), DATETIMES, ("onsetDateTime",)),
    ("condition", ("onsetPeriod", "end"), DATETIMES, ("onsetDateTime",)),
    ("condition", ("recordedDate",), DATETIMES, ("onsetDateTime",)),
    ("condition", ("abatementDateTime",), DATETIMES, ()),
    ("condition", ("abatementPeriod", "end"), DATETIMES, ("abatementDateTime",)),
    ("condition", ("abatementString",), ["x"], ()),  # a second abatement[x]
    ("condition", ("subject",), OBJECTS, ()),
    ("order", ("status",), codes("active", "stopped", "draft"), ()),
    ("order", ("intent",), codes("order", "plan"), ()),
    ("order", ("authoredOn",), DATETIMES, ()),
    ("order", ("medicationReference",), OBJECTS, ()),
    ("order", ("medicationReference", "reference"), ["#med", "#other", *STRINGS], ()),
    ("order", ("medicationReference", "display"), STRINGS, ("contained",)),
    ("order", ("medicationCodeableConcept",), [_concept(RXNORM, "1364430")], ()),
    ("order", ("medicationCodeableConcept",), [_concept(RXNORM, "1364430"), *OBJECTS],
     ("medicationReference",)),
    ("order", ("contained",), LISTS, ()),
    ("order", ("contained", 0), OBJECTS, ()),
    ("order", ("contained", 0, "resourceType"),
     ["Medication", "Substance", "Nonsense", "Coding", "", 5, None, ABSENT], ()),
    ("order", ("contained", 0, "id"), IDS, ()),
    ("order", ("contained", 0, "code", "coding", 0, "code"), codes("1364430", "197361"), ()),
    ("statement", ("status",), codes("active", "completed"), ()),
    ("statement", ("effectiveDateTime",), DATETIMES, ()),
    ("statement", ("effectivePeriod", "start"), DATETIMES, ("effectiveDateTime",)),
    ("statement", ("dateAsserted",), DATETIMES, ()),
    ("statement", ("medicationReference", "reference"),
     ["Medication/m1", "Medication/m2", "https://ehr.example.org/fhir/Medication/m1",
      *STRINGS], ()),
    ("statement", ("taken",), ["y"], ()),  # STU3
    ("medication", ("id",), IDS, ()),
    ("medication", ("code",), OBJECTS, ()),
    ("medication", ("code", "text"), STRINGS, ()),
    ("medication", ("code", "coding", 0, "code"), codes("1364430", "197361"), ()),
    ("procedure", ("status",), codes("completed", "in-progress"), ()),
    ("procedure", ("performedDateTime",), DATETIMES, ()),
    ("procedure", ("performedPeriod", "end"), DATETIMES, ("performedDateTime",)),
    ("procedure", ("performedString",), ["x"], ()),
    ("procedure", ("category",), OBJECTS, ()),
    ("procedure", ("category", "coding", 0, "code"), codes("387713003", "103693007"),
     ("code",)),
    ("procedure", ("code", "coding", 0, "code"), codes("232717009", "80146002"), ()),
    ("procedure", ("code", "coding", 0, "system"), [SNOMED, *URIS], ()),
    ("procedure", ("encounter",), OBJECTS, ()),
    ("procedure", ("encounter", "reference"), ["Encounter/e", "Encounter/f", *STRINGS], ()),
    ("encounter", ("status",), codes("finished"), ()),
    ("encounter", ("class",), OBJECTS, ()),
    ("encounter", ("class", "code"), codes("IMP", "AMB"), ()),
    ("encounter", ("class", "system"), URIS, ()),
    ("encounter", ("period",), OBJECTS, ()),
    ("encounter", ("period", "start"), DATETIMES, ()),
    ("encounter", ("period", "end"), DATETIMES, ()),
]


# Forms all sent to the R4B model: a second value of a choice, an unknown element name, STU3,
# a primitive given by its extension only.
NEVER_FAST = {("heart_rate", ("code", "coding", 0, "sytem"), ()),
              ("heart_rate", ("effectiveInstant",), ()), ("heart_rate", ("valueString",), ()),
              ("heart_rate", ("_status",), ("status",)),
              ("bp", ("component", 0, "valueString"), ()),
              ("condition", ("abatementString",), ()),
              ("order", ("medicationCodeableConcept",), ()),
              ("statement", ("taken",), ()), ("procedure", ("performedString",), ()),
              ("patient", ("unknownElement",), ())}


def _with(resource: dict[str, Any], path: tuple[Any, ...], value: Any,
          drop: tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    for key in drop:
        out.pop(key, None)
    node: Any = out
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
    if value is ABSENT:
        if isinstance(node, dict):
            node.pop(path[-1], None)
        else:
            del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(value)
    return out


# The resources a finding needs beside the one changed (the rest are left out: faster).
WITH = {"procedure": ("encounter",), "encounter": ("procedure",), "bilirubin": ("ast",),
        "ast": ("bilirubin",), "audit_often": ("audit_many",), "audit_many": ("audit_often",),
        "statement": ("medication",), "medication": ("statement",)}


def _bundle(changed: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The Patient, the changed resource and what it needs; the whole BASE record for ''."""
    names = [n for n in BASE if not changed or n in ("patient", changed, *WITH.get(changed, ()))]
    resources = [resource if name == changed else copy.deepcopy(BASE[name]) for name in names]
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


@contextmanager
def _whole_r4b() -> Iterator[None]:
    """``derive`` reading each resource with its whole R4B model (the reader before)."""
    with mock.patch.object(bundle_module, "read_view", bundle_module.read_resource):
        yield


def _outcome(data: Any) -> tuple[Any, ...]:
    try:
        d = derive(data, NOW)
    except (InputError, MappingError) as exc:
        return ("refused", type(exc).__name__, str(exc))
    return ("derived", d.patient_id, d.findings, d.notes)


def _both(data: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    fast = _outcome(data)
    with _whole_r4b():
        whole = _outcome(data)
    return fast, whole


def test_the_base_record_is_read_on_the_fast_path_and_derives_findings() -> None:
    for name, resource in BASE.items():
        assert view(resource) is not None, name
    fast, whole = _both(_bundle("", {}))
    assert fast == whole
    d = derive(_bundle("", {}), NOW)
    assert d.notes == []
    for concept in ("age", "sex", "heart_rate", "active_cancer", "anticoagulant",
                    "surgery_4_weeks", "hospitalised_surgery_4_weeks",
                    "abnormal_liver_function"):
        assert d.value(concept) is not None, concept
    assert d.findings["hypertension_uncontrolled"].value is True
    assert "AUDIT-C" in d.findings["alcohol_8_drinks_week"].reason


@pytest.mark.parametrize(("name", "path", "forms", "drop"), ELEMENTS,
                         ids=[f"{n}.{'.'.join(map(str, p))}" + ("-" + "-".join(d) if d else "")
                              for n, p, _, d in ELEMENTS])
def test_every_form_of_an_element_read_gives_what_the_r4b_models_give(
        name: str, path: tuple[Any, ...], forms: list[Any], drop: tuple[str, ...]) -> None:
    fast_path = 0
    for form in forms:
        resource = _with(BASE[name], path, form, drop)
        fast, whole = _both(_bundle(name, resource))
        assert fast == whole, (form, fast, whole)
        fast_path += view(resource) is not None
    if (name, path, drop) not in NEVER_FAST:
        assert fast_path, "no form of this element was read on the fast path"


def test_a_malformed_element_read_is_named_by_its_r4b_path() -> None:
    bad = _with(BASE["heart_rate"], ("valueQuantity", "value"), "lots", ())
    assert view(bad) is None
    d = derive(_bundle("heart_rate", bad), NOW)
    assert "Bundle.entry[1](Observation).resource.valueQuantity.value" in d.notes[0]
    assert d.value("heart_rate") is None
    with pytest.raises(MappingError, match=r"entry\[0\]\(Patient\).resource.birthDate"):
        derive(_bundle("patient", _with(BASE["patient"], ("birthDate",), "last year", ())),
               NOW)


@pytest.mark.parametrize(("name", "path", "value", "concept"), [
    ("condition", ("note",), [{"text": 5}], "active_cancer"),
    ("condition", ("code", "coding", 0, "userSelected"), "maybe", "active_cancer"),
    ("condition", ("code", "coding", 0, "version"), 5, "active_cancer"),
    ("heart_rate", ("valueQuantity", "comparator"), 5, "heart_rate"),
    ("heart_rate", ("category",), "vital-signs", "heart_rate"),
    ("order", ("dosageInstruction",), [{"text": 5}], "anticoagulant"),
    ("order", ("contained",), [{"resourceType": "Patient", "birthDate": "last year"},
                               BASE["order"]["contained"][0]], "anticoagulant"),
    ("order", ("contained", 0, "status"), 5, "anticoagulant"),
    ("encounter", ("location",), [{"location": {"reference": 5}}],
     "hospitalised_surgery_4_weeks"),
])
def test_an_invalid_element_that_is_not_read_no_longer_drops_the_resource(
        name: str, path: tuple[Any, ...], value: Any, concept: str) -> None:
    """The one difference, by design: elements ``derive`` does not read are not validated
    (the whole R4B model left the resource out for them)."""
    resource = _with(BASE[name], path, value, ())
    ref = f"{resource['resourceType']}/{resource['id']}"
    fast, whole = _both(_bundle(name, resource))
    assert fast[0] == whole[0] == "derived"
    assert fast[2][concept].value is not None and ref in fast[2][concept].sources
    assert fast[3] == []
    assert ref not in whole[2][concept].sources
    assert "could not be read" in whole[3][0]


def test_an_invalid_patient_element_that_is_not_read_no_longer_refuses_the_bundle() -> None:
    """The Patient too (issue 13): its id, birthDate and gender are read and checked; a bad
    name is not read, so it no longer refuses the Bundle (the whole R4B model did)."""
    for path, value, drop in ((("name",), [{"family": 5}], ()),
                              (("_birthDate",), 5, ("birthDate",))):
        fast, whole = _both(_bundle("patient", _with(BASE["patient"], path, value, drop)))
        assert fast[0] == "derived" and fast[2]["sex"].value == "female" and fast[3] == []
        assert whole[0] == "refused" and f"entry[0](Patient).resource.{path[0]}" in whole[2]


@pytest.mark.parametrize("path", sorted(
    [p for p in (FIXTURES / "synthea").rglob("*.json")] + [
        FIXTURES / n for n in ("patient-full.json", "patient-partial.json",
                               "patient-bleeding-risk.json", "hl7-r4-examples.json",
                               "malformed-observation.json")]), ids=lambda p: p.name)
def test_real_records_give_the_same_findings_on_both_readers(path: Path) -> None:
    data = json.loads(path.read_text())
    fast, whole = _both(data)
    assert fast == whole


def test_codings_references_and_concepts_of_strings_are_read_once_unsure_ones_every_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Codings, References and CodeableConcepts made of strings are remembered by an exact
    image of themselves (issue 13: CPU per CDS call); anything else is read every time."""
    from clotwatch.fhir import elements

    monkeypatch.setattr(elements, "_flat", {})
    monkeypatch.setattr(elements, "FLAT_CACHE_SIZE", 3)
    coding = {"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}
    first = elements.read_coding(coding)
    assert elements.read_coding(dict(coding)) is first
    assert (first.system, first.code, first.display) == ("http://loinc.org", "8867-4",
                                                           "Heart rate")
    with pytest.raises(elements.Unsure):  # two spaces: not a code R4B reads the same way
        elements.read_coding({**coding, "code": "88  67"})
    with pytest.raises(elements.Unsure):
        elements.read_coding({**coding, "code": "88  67"})  # judged again, not remembered
    selected = {**coding, "userSelected": True}  # not all strings: read, not remembered
    assert elements.read_coding(selected) is not elements.read_coding(selected)
    for n in range(5):
        elements.read_reference({"reference": f"Patient/p{n}"})
    assert len(elements._flat) <= 3
    concept = {"coding": [coding, {"system": "http://snomed.info/sct", "code": "364075005"}],
               "text": "Heart rate"}
    read = elements.read_concept(concept)
    assert elements.read_concept(copy.deepcopy(concept)) is read
    assert [c.code for c in read.coding] == ["8867-4", "364075005"] and read.text == "Heart rate"
    # a list that is not of objects of strings is no key: read every time
    odd = {"coding": [{**coding, "userSelected": True}]}
    assert elements.read_concept(odd) is not elements.read_concept(odd)
