"""A patient's follow-up data as a FHIR R4 Bundle (type ``collection``), validated by R4B.

- ``Patient``: the account's name and email;
- ``Questionnaire``: the check-in as asked (warning signs, leg signs, calf circumference of both
  legs, leg pain 0-10, doses taken/missed, the patient-rated Villalta symptoms);
- one ``QuestionnaireResponse`` per check-in: an answer left unknown ("don't know") has no
  ``answer`` at all, never ``false``;
- ``Observation``s for each calf circumference (cm, UCUM) and for each complete Villalta
  patient-rated symptom score (0-15).

No invented codes: where no standard code is known to us for an item (calf circumference, the
Villalta symptom sub-score), the Observation carries text and a code in clotwatch's own system
``urn:clotwatch:followup``.
"""

from __future__ import annotations

import uuid
from typing import Any

from clotwatch.core.errors import MappingError
from clotwatch.core.followup import LEG_SIGNS, WARNING_KEYS

SYSTEM = "urn:clotwatch:followup"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
QUESTIONNAIRE_URL = "urn:clotwatch:questionnaire:followup-checkin"
# The check-in's yes/no questions (the core declares them once): the warning signs, the leg
# signs, the venous ulcer. The yes/no "leg pain" is linkId "sign.leg_pain": "leg_pain" is the
# 0-10 score.
WARNING = WARNING_KEYS
BOOLEAN_ITEMS = (*WARNING_KEYS, *LEG_SIGNS, "venous_ulcer")


def _link(key: str) -> str:
    return "sign.leg_pain" if key == "leg_pain" else key
NUMBER_ITEMS = {"calf_left_cm": ("decimal", "Left calf circumference (cm)"),
                "calf_right_cm": ("decimal", "Right calf circumference (cm)"),
                "leg_pain": ("integer", "Leg pain (0-10)"),
                "doses_taken": ("integer", "Anticoagulant doses taken"),
                "doses_missed": ("integer", "Anticoagulant doses missed"),
                "daily_steps": ("integer", "Steps that day")}
VILLALTA = ("pain", "cramps", "heaviness", "paresthesia", "pruritus")


def _urn(namespace: uuid.UUID, resource_type: str, resource_id: str) -> str:
    """The entry's fullUrl: a uuid derived from the export's namespace and the resource id, so
    references inside the Bundle resolve (``urn:uuid:``) without a server base."""
    return f"urn:uuid:{uuid.uuid5(namespace, f'{resource_type}/{resource_id}')}"


def questionnaire() -> dict[str, Any]:
    """The check-in Questionnaire."""
    items: list[dict[str, Any]] = [{"linkId": _link(k), "text": k.replace("_", " "),
                                    "type": "boolean"} for k in BOOLEAN_ITEMS]
    items.append({"linkId": "leg_side", "text": "Which leg", "type": "choice",
                  "answerOption": [{"valueCoding": {"system": SYSTEM, "code": c}}
                                   for c in ("left", "right", "both", "none")]})
    items += [{"linkId": k, "text": text, "type": kind} for k, (kind, text) in NUMBER_ITEMS.items()]
    items += [{"linkId": f"villalta.{k}", "text": f"Villalta symptom: {k} (0-3)",
               "type": "integer"} for k in VILLALTA]
    return {"resourceType": "Questionnaire", "id": "followup-checkin", "url": QUESTIONNAIRE_URL,
            "status": "active", "title": "clotwatch follow-up check-in", "item": items}


def _answer(kind: str, value: Any) -> dict[str, Any]:
    if kind == "boolean":
        return {"valueBoolean": bool(value)}
    if kind == "integer":
        return {"valueInteger": int(value)}
    if kind == "decimal":
        return {"valueDecimal": float(value)}
    return {"valueCoding": {"system": SYSTEM, "code": str(value)}}


def response(checkin: dict[str, Any], patient_ref: str) -> dict[str, Any]:
    """One check-in as a QuestionnaireResponse."""
    answers = dict(checkin.get("answers") or {})
    items: list[dict[str, Any]] = []
    for key in BOOLEAN_ITEMS:
        if key in answers:
            item: dict[str, Any] = {"linkId": _link(key)}
            if answers[key] is not None:
                item["answer"] = [_answer("boolean", answers[key])]
            items.append(item)
    if answers.get("leg_side") is not None:
        items.append({"linkId": "leg_side", "answer": [_answer("choice", answers["leg_side"])]})
    for key, (kind, _text) in NUMBER_ITEMS.items():
        if checkin.get(key) is not None:
            items.append({"linkId": key, "answer": [_answer(kind, checkin[key])]})
    for key, grade in (checkin.get("villalta_symptoms") or {}).items():
        if grade is not None:
            items.append({"linkId": f"villalta.{key}", "answer": [_answer("integer", grade)]})
    return {"resourceType": "QuestionnaireResponse", "id": f"checkin-{checkin['id']}",
            "questionnaire": QUESTIONNAIRE_URL, "status": "completed",
            "subject": {"reference": patient_ref}, "authored": checkin["at"], "item": items}


def observations(checkin: dict[str, Any], patient_ref: str,
                 response_ref: str) -> list[dict[str, Any]]:
    """Calf circumference (each leg) and the Villalta symptom score of one check-in."""
    found = []
    derived = [{"reference": response_ref}]
    for key, side in (("calf_left_cm", "left"), ("calf_right_cm", "right")):
        if checkin.get(key) is None:
            continue
        found.append({
            "resourceType": "Observation", "id": f"calf-{side}-{checkin['id']}",
            "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": "exam"}]}],
            "code": {"coding": [{"system": SYSTEM, "code": "calf-circumference"}],
                     "text": "Calf circumference"},
            "bodySite": {"text": f"{side} calf"},
            "subject": {"reference": patient_ref}, "effectiveDateTime": checkin["at"],
            "valueQuantity": {"value": float(checkin[key]), "unit": "cm", "system": UCUM,
                              "code": "cm"},
            "derivedFrom": derived})
    if checkin.get("villalta_symptom_score") is not None:
        found.append({
            "resourceType": "Observation", "id": f"villalta-symptoms-{checkin['id']}",
            "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": "survey"}]}],
            "code": {"coding": [{"system": SYSTEM, "code": "villalta-patient-symptoms"}],
                     "text": "Villalta scale, patient-rated symptoms (5 items, 0-15); the "
                             "clinician-rated signs are not included"},
            "subject": {"reference": patient_ref}, "effectiveDateTime": checkin["at"],
            "valueInteger": int(checkin["villalta_symptom_score"]),
            "derivedFrom": derived})
    return found


def bundle(export: dict[str, Any]) -> dict[str, Any]:
    """The whole export (``clotwatch.service.followup.export``) as a validated R4 Bundle."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    namespace = uuid.uuid4()
    patient_id = "patient"
    patient_ref = _urn(namespace, "Patient", patient_id)
    account = export["account"]
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": patient_id, "name": [{"text": account["name"]}],
         "telecom": [{"system": "email", "value": account["email"]}]},
        questionnaire(),
    ]
    for checkin in export["checkins"]:
        answered = response(checkin, patient_ref)
        resources.append(answered)
        resources.extend(observations(
            checkin, patient_ref, _urn(namespace, "QuestionnaireResponse", answered["id"])))
    data = {"resourceType": "Bundle", "id": str(namespace), "type": "collection",
            "timestamp": export["exported_at"],
            "entry": [{"fullUrl": _urn(namespace, r["resourceType"], r["id"]), "resource": r}
                      for r in resources]}
    try:
        model = Bundle.model_validate(data)
    except ValidationError as exc:  # a bug here, reported without the data
        raise MappingError(f"follow-up Bundle failed R4B validation: {exc.error_count()} "
                           "errors") from None
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped
