"""The patient's FHIR R4 export: valid R4B, "don't know" left unanswered (never false), the
calf circumferences and the Villalta symptom score as Observations derived from the response."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from clotwatch.fhir import followup_export

EXPORT = {
    "exported_at": "2026-11-24T10:00:00+00:00",
    "account": {"email": "pat@example.org", "name": "Pat"},
    "checkins": [{
        "id": 7, "at": "2026-11-24T09:00:00+00:00",
        "answers": {"chest_pain": False, "fainting": None, "leg_side": "left",
                    "fast_heartbeat": True, "leg_pain": True, "cramp": False},
        "calf_left_cm": 38.5, "calf_right_cm": 35.0, "leg_pain": 3, "doses_taken": 2,
        "doses_missed": 0, "villalta_symptoms": {"pain": 1, "cramps": 0, "heaviness": 2,
                                                 "paresthesia": 0, "pruritus": 1},
        "villalta_symptom_score": 4, "daily_steps": None, "warning_sign": False,
    }],
}


def test_bundle_is_valid_r4b_and_keeps_unknown_unanswered() -> None:
    bundle = followup_export.bundle(EXPORT)
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    response = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse")
    items = {i["linkId"]: i for i in response["item"]}
    assert items["chest_pain"]["answer"] == [{"valueBoolean": False}]
    assert "answer" not in items["fainting"]
    assert items["calf_left_cm"]["answer"] == [{"valueDecimal": 38.5}]
    # Every check-in question is exported: the racing heart, the leg signs (the yes/no leg
    # pain apart from the 0-10 score), each an item of the Questionnaire.
    assert items["fast_heartbeat"]["answer"] == [{"valueBoolean": True}]
    assert items["sign.leg_pain"]["answer"] == [{"valueBoolean": True}]
    assert items["leg_pain"]["answer"] == [{"valueInteger": 3}]
    assert items["cramp"]["answer"] == [{"valueBoolean": False}]
    questionnaire = next(r for r in resources if r["resourceType"] == "Questionnaire")
    link_ids = [i["linkId"] for i in questionnaire["item"]]
    assert len(link_ids) == len(set(link_ids)) and set(items) <= set(link_ids)
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    calf = {o["bodySite"]["text"]: o["valueQuantity"]["value"] for o in observations
            if "bodySite" in o}
    assert calf == {"left calf": 38.5, "right calf": 35.0}
    villalta = next(o for o in observations if "valueInteger" in o)
    assert villalta["valueInteger"] == 4
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert all(o["derivedFrom"][0]["reference"] in full_urls for o in observations)
    assert all(o["subject"]["reference"] in full_urls for o in observations)
