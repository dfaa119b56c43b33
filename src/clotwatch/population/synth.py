"""A synthetic, Synthea-shaped FHIR R4 Bulk Data export for screening tests and benchmarks.

Every patient has one or two inpatient stays (medical or surgical) and some outpatient visits,
with the records a VTE-1 screening reads: risk factors as Conditions, vital signs, BMI and INR
as Observations, operations with their anesthesia as Procedures (the operation as the stay's
principal procedure, coded in SNOMED CT or ICD-10-PCS; a third carry the surgical category,
which Synthea never writes), prophylaxis ordered (MedicationRequest) and given on time (some in the
emergency department before admission), late, refused, withheld for a medical reason or not at
all (MedicationAdministration: enoxaparin, low-dose heparin by the subcutaneous route or not,
rivaroxaban; a heparin infusion; the route coded in SNOMED CT, some with the hospital's own
code first), mechanical prophylaxis (mostly as a Procedure, some as the device in use:
Device + DeviceUseStatement; some devices not ordered for a medical reason as a DeviceRequest),
contraindications (bleeding, already
anticoagulated with apixaban), coded low-risk assessments and notes (DocumentReference); some
stays begin with an emergency department visit (a few with an observation stay, some ending
more than an hour before the admission), and the hospital's Locations (an ICU typed by its
NHSN HSLOC code). The codes are those of CMS108's value sets, so every rule of the screening
fires on a few hundred patients. Nothing here is a real person. The same ``n`` and ``seed``
give the same bytes: each patient draws from its own ``random.Random(f"{seed}:{index}")``.

The proportions are illustrative (chosen so every rule of the screening fires), not
epidemiology.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

TYPES = (
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "Procedure",
    "MedicationRequest",
    "MedicationAdministration",
    "DocumentReference",
    "Location",
    "Device",
    "DeviceUseStatement",
    "DeviceRequest",
)
END = datetime(2026, 6, 30, tzinfo=UTC)  # admissions fall in the year before this instant
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
UCUM = "http://unitsofmeasure.org"
HSLOC = "https://www.cdc.gov/nhsn/cdaportal/terminology/codesystem/hsloc.html"
QICORE_PROCEDURE = "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-encounter-procedure"
# Codes of the CMS108FHIR v0.2.003 value sets the synthetic stays use (clotwatch.fhir code sets)
ENOXAPARIN_40 = ("854235", "0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe")  # LMWH
HEPARIN_5000 = ("1659263", "1 ML heparin sodium, porcine 5000 UNT/ML Injection")  # low dose
HEPARIN_DRIP = ("1361607", "500 ML heparin sodium, porcine 40 UNT/ML Injection")  # infusion
RIVAROXABAN_10 = ("1114198", "rivaroxaban 10 MG Oral Tablet")
APIXABAN_5 = ("1364445", "apixaban 5 MG Oral Tablet")  # oral factor Xa inhibitor
SUBCUT = ("34206005", "Subcutaneous route")
IV = ("47625008", "Intravenous route")
LOCAL_ROUTE = "urn:oid:2.16.840.1.113883.3.9999.7.4.698288.330"  # a hospital's own route codes
ROUTE_LOCAL_CODES = {"34206005": "18", "47625008": "11"}
# Mechanical prophylaxis: (procedure "Application of ...", 1110.64/65/66), (device, 7.1.214/256/230)
MECHANICAL = (
    (("443448006", "Application of intermittent pneumatic compression device"),
     ("432441000124100", "Intermittent pneumatic compression device")),
    (("229511001", "Application of graduated compression garment"),
     ("348681001", "Graduated compression elastic hosiery")),
    (("442410008", "Application of venous foot pump"),
     ("442023007", "Venous foot pump, device")),
)
QICORE = "http://hl7.org/fhir/us/qicore/StructureDefinition/"
# The hospital's locations: (id, name, type (system, code, display) or None). The ICU's type
# is an NHSN HSLOC code of CMS108's "Intensive Care Unit" value set; the wards carry no type.
LOCATIONS: tuple[tuple[str, str, tuple[str, str, str] | None], ...] = (
    ("loc-icu", "Intensive Care Unit", (HSLOC, "1027-2", "Medical Critical Care")),
    ("loc-4a", "Ward 4A Medicine", None),
    ("loc-4b", "Ward 4B Medicine", None),
    ("loc-7", "Ward 7 Cardiology", None),
    ("loc-6", "Ward 6 Respiratory", None),
    ("loc-5a", "Ward 5A Orthopaedics", None),
    ("loc-5b", "Ward 5B General Surgery", None),
)
LOCATION_ID = {name: lid for lid, name, *_ in LOCATIONS}

# (icd-10-cm, display, probability) chronic conditions, onset years before admission
CHRONIC = (
    ("C34.90", "Malignant neoplasm of unspecified part of bronchus or lung", 0.05),
    ("C18.9", "Malignant neoplasm of colon, unspecified", 0.03),
    ("I50.9", "Heart failure, unspecified", 0.08),
    ("J44.9", "Chronic obstructive pulmonary disease, unspecified", 0.09),
    (
        "I80.20",
        "Phlebitis and thrombophlebitis of unspecified deep vessels of lower extremity",
        0.03,
    ),
    ("I26.99", "Other pulmonary embolism without acute cor pulmonale", 0.02),
    ("D68.51", "Activated protein C resistance", 0.01),
    ("I83.90", "Asymptomatic varicose veins of unspecified lower extremity", 0.05),
    ("K50.90", "Crohn's disease, unspecified, without complications", 0.01),
    ("I48.91", "Unspecified atrial fibrillation", 0.05),
    ("I10", "Essential (primary) hypertension", 0.25),
)
# principal diagnoses of medical stays (icd-10-cm, display, weight)
MEDICAL = (
    ("J18.9", "Pneumonia, unspecified organism", 5),
    ("A41.9", "Sepsis, unspecified organism", 2),
    ("I50.9", "Heart failure, unspecified", 3),
    ("I21.4", "Non-ST elevation myocardial infarction", 2),
    ("I63.9", "Cerebral infarction, unspecified", 1),
    ("J44.1", "Chronic obstructive pulmonary disease with acute exacerbation", 3),
    ("N39.0", "Urinary tract infection, site not specified", 3),
    ("K92.2", "Gastrointestinal hemorrhage, unspecified", 1),
    ("F32.9", "Major depressive disorder, single episode, unspecified", 1),
    (
        "I82.401",
        "Acute embolism and thrombosis of unspecified deep veins of right lower extremity",
        1,
    ),
    ("O80", "Encounter for full-term uncomplicated delivery", 1),
)
# surgical stays: (reason icd-10-cm, reason display, procedure snomed, procedure display, weight)
SURGICAL = (
    ("M16.9", "Osteoarthritis of hip, unspecified", "52734007", "Total replacement of hip", 3),
    ("M17.9", "Osteoarthritis of knee, unspecified", "609588000", "Total knee replacement", 3),
    ("K35.80", "Unspecified acute appendicitis", "80146002", "Appendectomy", 2),
    (
        "K80.20",
        "Calculus of gallbladder without cholecystitis",
        "45595009",
        "Laparoscopic cholecystectomy",
        2,
    ),
    (
        "S72.001A",
        "Fracture of unspecified part of neck of right femur",
        "0QS604Z",  # ICD-10-PCS (PROCEDURE_SYSTEM)
        "Reposition Right Upper Femur with Internal Fixation Device, Open Approach",
        2,
    ),
)
# The operations coded in ICD-10-PCS rather than SNOMED CT, as US hospitals send them.
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
PROCEDURE_SYSTEM = {"0QS604Z": PCS}
WARDS_MEDICAL = ("Ward 4A Medicine", "Ward 4B Medicine", "Ward 7 Cardiology", "Ward 6 Respiratory")
WARDS_SURGICAL = ("Ward 5A Orthopaedics", "Ward 5B General Surgery")
FIRST_F = ("Maria", "Anna", "Olga", "Emma", "Sofia", "Grace", "Lena", "Chloe", "Ivy", "Ruth")
FIRST_M = ("James", "Ivan", "Oliver", "Noah", "Pavel", "Liam", "Omar", "Hugo", "Leo", "Tom")
FAMILY = (
    "Smith",
    "Ivanova",
    "Jones",
    "Brown",
    "Petrov",
    "Garcia",
    "Novak",
    "Kim",
    "Okafor",
    "Taylor",
    "Walker",
    "Sato",
    "Rossi",
    "Muller",
)


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_DAYS: dict[int, str] = {}  # days since _EPOCH -> "YYYY-MM-DDT"
_TIMES: dict[int, str] = {}  # seconds into the day -> "HH:MM:SS+00:00"


def _iso(t: datetime) -> str:
    """``t.strftime("%Y-%m-%dT%H:%M:%S+00:00")`` of an instant in UTC, from two small caches
    (the generator formats about 70 instants per patient; strftime was a third of its time)."""
    d = t - _EPOCH
    day = _DAYS.get(d.days)
    if day is None:
        day = _DAYS[d.days] = f"{(_EPOCH + timedelta(days=d.days)).date().isoformat()}T"
    clock = _TIMES.get(d.seconds)
    if clock is None:
        s = d.seconds
        clock = _TIMES[s] = f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00:00"
    return day + clock


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _cc(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


class _Patient:
    """Builds one patient's resources into the writers."""

    def __init__(self, rng: random.Random, emit: Callable[[str, dict[str, Any]], None]) -> None:
        self.rng = rng
        self.emit = emit

    def ref(self, rtype: str, rid: str) -> dict[str, str]:
        return {"reference": f"{rtype}/{rid}"}

    def build(self) -> None:
        rng = self.rng
        pid = _uuid(rng)
        self.pid = pid
        female = rng.random() < 0.52
        age = int(min(99, max(16, rng.gauss(64, 18))))
        first_admit = END - timedelta(days=rng.uniform(1, 365), hours=rng.uniform(0, 24))
        birth = (first_admit - timedelta(days=age * 365.25 + rng.uniform(0, 364))).date()
        given = rng.choice(FIRST_F if female else FIRST_M)
        family = rng.choice(FAMILY)
        self.emit(
            "Patient",
            {
                "resourceType": "Patient",
                "id": pid,
                "meta": {
                    "profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]
                },
                "identifier": [
                    {"system": "https://github.com/synthetichealth/synthea", "value": pid},
                    {
                        "type": _cc(
                            "http://terminology.hl7.org/CodeSystem/v2-0203",
                            "MR",
                            "Medical Record Number",
                        ),
                        "system": "http://hospital.example.org",
                        "value": f"MRN{rng.randrange(10**8):08d}",
                    },
                ],
                "name": [
                    {
                        "use": "official",
                        "family": f"{family}{rng.randrange(1000)}",
                        "given": [f"{given}{rng.randrange(1000)}"],
                    }
                ],
                "telecom": [
                    {"system": "phone", "value": f"555-{rng.randrange(10**4):04d}", "use": "home"}
                ],
                "gender": "female" if female else "male",
                "birthDate": birth.isoformat(),
                "address": [
                    {
                        "line": [f"{rng.randrange(1, 999)} Synthetic Street"],
                        "city": "Springfield",
                        "postalCode": f"{rng.randrange(10**5):05d}",
                        "country": "US",
                    }
                ],
            },
        )
        self.female, self.age = female, age
        chronic = [c for c in CHRONIC if rng.random() < c[2]]
        for code, display, _ in chronic:
            onset = first_admit - timedelta(days=rng.uniform(60, 3650))
            # a past DVT or PE is resolved (CMS108 reads it as "prior VTE")
            status = "resolved" if code in ("I80.20", "I26.99") else "active"
            self.condition(code, display, onset, status, None)
        self.anticoagulated = (
            any(c[0] in ("I48.91", "I26.99") for c in chronic) and rng.random() < 0.7
        )
        if self.anticoagulated:
            self.med_request(
                APIXABAN_5[1],
                APIXABAN_5[0],
                None,
                first_admit - timedelta(days=rng.uniform(30, 900)),
                "active",
            )
        if female and 18 <= age <= 55 and rng.random() < 0.15:
            self.med_request(
                "estradiol 1 MG Oral Tablet",
                "4083",
                None,
                first_admit - timedelta(days=rng.uniform(30, 700)),
                "active",
            )
        for _ in range(rng.randrange(1, 4)):
            self.ambulatory(first_admit - timedelta(days=rng.uniform(30, 700)))
        self.stay(first_admit)
        if rng.random() < 0.3:
            second = first_admit + timedelta(days=rng.uniform(20, 200))
            if second < END:
                self.stay(second)

    def condition(
        self, code: str, display: str, onset: datetime, status: str, encounter: str | None
    ) -> str:
        cid = _uuid(self.rng)
        r: dict[str, Any] = {
            "resourceType": "Condition",
            "id": cid,
            "clinicalStatus": _cc(
                "http://terminology.hl7.org/CodeSystem/condition-clinical", status, status
            ),
            "verificationStatus": _cc(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                "confirmed",
                "Confirmed",
            ),
            "category": [
                _cc(
                    "http://terminology.hl7.org/CodeSystem/condition-category",
                    "encounter-diagnosis",
                    "Encounter Diagnosis",
                )
            ],
            "code": _cc(ICD10, code, display),
            "subject": self.ref("Patient", self.pid),
            "onsetDateTime": _iso(onset),
            "recordedDate": _iso(onset),
        }
        if encounter:
            r["encounter"] = self.ref("Encounter", encounter)
        self.emit("Condition", r)
        return cid

    def observation(
        self, code: str, display: str, value: float, unit: str, t: datetime, encounter: str
    ) -> None:
        self.emit(
            "Observation",
            {
                "resourceType": "Observation",
                "id": _uuid(self.rng),
                "status": "final",
                "category": [
                    _cc(
                        "http://terminology.hl7.org/CodeSystem/observation-category",
                        "vital-signs",
                        "Vital signs",
                    )
                ],
                "code": _cc(LOINC, code, display),
                "subject": self.ref("Patient", self.pid),
                "encounter": self.ref("Encounter", encounter),
                "effectiveDateTime": _iso(t),
                "issued": _iso(t),
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            },
        )

    def med_request(
        self,
        display: str,
        rxnorm: str,
        encounter: str | None,
        t: datetime,
        status: str,
        reason: tuple[str, str] | None = None,
    ) -> str:
        mid = _uuid(self.rng)
        r: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "id": mid,
            "status": status,
            "intent": "order",
            "medicationCodeableConcept": _cc(RXNORM, rxnorm, display),
            "subject": self.ref("Patient", self.pid),
            "authoredOn": _iso(t),
        }
        if encounter:
            r["encounter"] = self.ref("Encounter", encounter)
        if reason:
            r["statusReason"] = _cc(SCT, reason[0], reason[1])
        self.emit("MedicationRequest", r)
        return mid

    def administration(
        self,
        drug: tuple[str, str],
        route: tuple[str, str] | None,
        encounter: str,
        t: datetime,
        request: str | None,
        fate: str,
    ) -> None:
        """A MedicationAdministration: given, or not done (refused / a medical reason)."""
        admin: dict[str, Any] = {
            "resourceType": "MedicationAdministration",
            "id": _uuid(self.rng),
            "status": "not-done" if fate in ("refused", "withheld") else "completed",
            "medicationCodeableConcept": _cc(RXNORM, drug[0], drug[1]),
            "subject": self.ref("Patient", self.pid),
            "context": self.ref("Encounter", encounter),
            "effectiveDateTime": _iso(t),
        }
        if request:
            admin["request"] = self.ref("MedicationRequest", request)
        if route:
            admin["dosage"] = {"route": _cc(SCT, route[0], route[1])}
            if self.rng.random() < 0.3:
                # as many EHRs send it: the hospital's own route code first, then SNOMED CT
                local = {"system": LOCAL_ROUTE, "code": ROUTE_LOCAL_CODES[route[0]],
                         "display": route[1]}
                admin["dosage"]["route"]["coding"].insert(0, local)
        if fate == "refused":
            admin["statusReason"] = [_cc(SCT, "105480006", "Procedure declined by patient")]
        elif fate == "withheld":
            admin["statusReason"] = [_cc(SCT, "183966005", "Drug treatment not indicated")]
        self.emit("MedicationAdministration", admin)

    def device_not_ordered(self, encounter: str, t: datetime) -> None:
        """An intermittent pneumatic compression device not ordered for a medical reason
        (QI-Core DeviceNotRequested: the qicore-doNotPerform modifier extension)."""
        self.emit("DeviceRequest", {
            "resourceType": "DeviceRequest", "id": _uuid(self.rng), "status": "completed",
            "intent": "order",
            "modifierExtension": [{"url": QICORE + "qicore-doNotPerform", "valueBoolean": True}],
            "extension": [{"url": QICORE + "qicore-doNotPerformReason",
                           "valueCodeableConcept": _cc(SCT, "183932001",
                                                       "Procedure contraindicated")}],
            "codeCodeableConcept": _cc(SCT, *MECHANICAL[0][1]),
            "subject": self.ref("Patient", self.pid),
            "encounter": self.ref("Encounter", encounter), "authoredOn": _iso(t)})

    def emergency(self, admit: datetime) -> datetime:
        """Some stays begin in the emergency department (and a few in an observation stay):
        the arrival CMS108 counts from when the visit ends 1 hour or less before the next
        encounter starts. Returns the arrival (the admission when there is none)."""
        rng = self.rng
        if rng.random() >= 0.4:
            return admit
        start = admit
        if rng.random() < 0.15:
            obs_end = admit - timedelta(minutes=rng.uniform(0, 50))
            start = obs_end - timedelta(hours=rng.uniform(6, 30))
            self.visit("448951000124107", "Admission to observation unit", "OBSENC", start,
                       obs_end)
        # ending 1 hour or less before: the arrival; otherwise (1 in 8) an earlier, separate visit
        gap = rng.uniform(0, 55) if rng.random() < 0.875 else rng.uniform(65, 180)
        ed_end = start - timedelta(minutes=gap)
        ed_start = ed_end - timedelta(hours=rng.uniform(1, 9))
        self.visit("4525004", "Emergency department patient visit", "EMER", ed_start, ed_end)
        return ed_start if gap <= 60 else start

    def visit(self, code: str, display: str, act: str, start: datetime, end: datetime) -> None:
        """A finished emergency department visit or observation stay before an admission."""
        self.emit(
            "Encounter",
            {
                "resourceType": "Encounter",
                "id": _uuid(self.rng),
                "status": "finished",
                "class": {"system": ACT, "code": act},
                "type": [_cc(SCT, code, display)],
                "subject": self.ref("Patient", self.pid),
                "period": {"start": _iso(start), "end": _iso(end)},
                "serviceProvider": {"display": "Springfield General Hospital"},
            },
        )

    def ambulatory(self, t: datetime) -> None:
        rng = self.rng
        eid = _uuid(rng)
        self.emit(
            "Encounter",
            {
                "resourceType": "Encounter",
                "id": eid,
                "status": "finished",
                "class": {"system": ACT, "code": "AMB", "display": "ambulatory"},
                "type": [_cc(SCT, "185349003", "Encounter for check up")],
                "subject": self.ref("Patient", self.pid),
                "period": {"start": _iso(t), "end": _iso(t + timedelta(minutes=30))},
            },
        )
        self.observation("8867-4", "Heart rate", float(rng.randrange(55, 100)), "/min", t, eid)
        self.observation(
            "8480-6", "Systolic blood pressure", float(rng.randrange(100, 170)), "mm[Hg]", t, eid
        )

    def stay(self, admit: datetime) -> None:
        rng = self.rng
        eid = _uuid(rng)
        surgical = rng.random() < 0.35
        los = rng.choice((0.5, 1.2, 2, 3, 3, 4, 5, 6, 8, 12)) + rng.uniform(0, 0.9)
        discharge = admit + timedelta(days=los)
        ongoing = discharge > END
        if surgical:
            reason_code, reason_display, proc, proc_display, _ = rng.choices(
                SURGICAL, [s[4] for s in SURGICAL]
            )[0]
            ward = rng.choice(WARDS_SURGICAL)
        else:
            reason_code, reason_display, _ = rng.choices(MEDICAL, [m[2] for m in MEDICAL])[0]
            if self.female is False and reason_code == "O80":
                reason_code, reason_display = "J18.9", "Pneumonia, unspecified organism"
            ward = rng.choice(WARDS_MEDICAL)
        icu = rng.random() < 0.05
        arrival = self.emergency(admit)
        cond = self.condition(reason_code, reason_display, admit, "active", eid)
        locations = [
            {
                "location": {"reference": f"Location/{LOCATION_ID[ward]}", "display": ward},
                "status": "active" if ongoing else "completed",
                "period": {"start": _iso(admit)},
            }
        ]
        if icu:
            locations.insert(
                0,
                {
                    "location": {"reference": "Location/loc-icu", "display": "Intensive Care Unit"},
                    "status": "completed",
                    "period": {"start": _iso(admit), "end": _iso(admit + timedelta(days=1.5))},
                },
            )
        enc: dict[str, Any] = {
            "resourceType": "Encounter",
            "id": eid,
            "status": "in-progress" if ongoing else "finished",
            "class": {"system": ACT, "code": "IMP", "display": "inpatient encounter"},
            "type": [_cc(SCT, "32485007", "Hospital admission")],
            "subject": self.ref("Patient", self.pid),
            "period": {"start": _iso(admit)}
            if ongoing
            else {"start": _iso(admit), "end": _iso(discharge)},
            "diagnosis": [
                {
                    "condition": self.ref("Condition", cond),
                    "rank": 1,
                    # the principal diagnosis (CQMCommon principalDiagnosis(): rank 1, billing)
                    "use": _cc(
                        "http://terminology.hl7.org/CodeSystem/diagnosis-role",
                        "billing",
                        "Billing",
                    ),
                }
            ],
            "hospitalization": {
                "admitSource": _cc(
                    "http://terminology.hl7.org/CodeSystem/admit-source",
                    "emd",
                    "From accident/emergency department",
                )
            },
            "location": locations,
            "serviceProvider": {"display": "Springfield General Hospital"},
        }
        surgery_id = _uuid(rng) if surgical else None
        if surgery_id:
            # the operation is the stay's principal procedure (QI-Core encounter-procedure)
            enc["extension"] = [{"url": QICORE_PROCEDURE, "extension": [
                {"url": "type", "valueCodeableConcept": _cc(PROCEDURE_SYSTEM.get(proc, SCT),
                                                            proc, proc_display)},
                {"url": "rank", "valuePositiveInt": 1},
                {"url": "procedure", "valueReference": self.ref("Procedure", surgery_id)}]}]
        self.emit("Encounter", enc)
        height = rng.gauss(162 if self.female else 176, 7)
        bmi = round(min(48.0, max(16.0, rng.gauss(28, 5.5))), 1)
        if rng.random() < 0.85:
            self.observation(
                "39156-5",
                "Body mass index (BMI) [Ratio]",
                bmi,
                "kg/m2",
                admit + timedelta(hours=1),
                eid,
            )
            self.observation(
                "29463-7",
                "Body weight",
                round(bmi * (height / 100) ** 2, 1),
                "kg",
                admit + timedelta(hours=1),
                eid,
            )
            self.observation(
                "8302-2", "Body height", round(height, 1), "cm", admit + timedelta(hours=1), eid
            )
        if rng.random() < 0.3:
            # an INR on admission; above 3.0 is a CMS108 low risk indicator
            inr = rng.uniform(3.1, 4.5) if rng.random() < 0.1 else rng.uniform(0.9, 1.4)
            t = admit + timedelta(hours=rng.uniform(1, 6))
            self.emit(
                "Observation",
                {
                    "resourceType": "Observation",
                    "id": _uuid(rng),
                    "status": "final",
                    "category": [
                        _cc(
                            "http://terminology.hl7.org/CodeSystem/observation-category",
                            "laboratory",
                            "Laboratory",
                        )
                    ],
                    "code": _cc(
                        LOINC, "6301-6", "INR in Platelet poor plasma by Coagulation assay"
                    ),
                    "subject": self.ref("Patient", self.pid),
                    "encounter": self.ref("Encounter", eid),
                    "effectiveDateTime": _iso(t - timedelta(minutes=40)),
                    "issued": _iso(t),
                    "valueQuantity": {"value": round(inr, 1), "unit": "{INR}", "system": UCUM,
                                      "code": "{INR}"},
                },
            )
        for day in range(int(min(los, 8)) + 1):
            t = admit + timedelta(days=day, hours=2)
            self.observation("8867-4", "Heart rate", float(rng.randrange(55, 125)), "/min", t, eid)
            self.observation(
                "9279-1", "Respiratory rate", float(rng.randrange(12, 28)), "/min", t, eid
            )
            self.observation(
                "8310-5", "Body temperature", round(rng.uniform(36.2, 39.2), 1), "Cel", t, eid
            )
        surgery_end = None
        if surgical:
            start = admit + timedelta(hours=rng.uniform(2, 40))
            surgery_end = start + timedelta(minutes=rng.randrange(40, 200))
            operation: dict[str, Any] = {
                "resourceType": "Procedure",
                "id": surgery_id,
                "status": "completed",
                "code": _cc(PROCEDURE_SYSTEM.get(proc, SCT), proc, proc_display),
                "subject": self.ref("Patient", self.pid),
                "encounter": self.ref("Encounter", eid),
                "performedPeriod": {"start": _iso(start), "end": _iso(surgery_end)},
            }
            # Synthea's records never carry Procedure.category; some EHRs do
            if rng.random() < 0.3:
                operation["category"] = _cc(SCT, "387713003", "Surgical procedure")
            self.emit("Procedure", operation)
            # the anesthesia (CMS108 "General or Neuraxial Anesthesia"): when it ends the day
            # after admission, the day after it still counts for prophylaxis
            self.emit(
                "Procedure",
                {
                    "resourceType": "Procedure",
                    "id": _uuid(rng),
                    "status": "completed",
                    "code": _cc(SCT, "50697003", "Administration of general anesthetic"),
                    "subject": self.ref("Patient", self.pid),
                    "encounter": self.ref("Encounter", eid),
                    "performedPeriod": {
                        "start": _iso(start - timedelta(minutes=20)),
                        "end": _iso(surgery_end + timedelta(minutes=15)),
                    },
                },
            )
        if rng.random() < 0.04:
            self.emit(
                "Procedure",
                {
                    "resourceType": "Procedure",
                    "id": _uuid(rng),
                    "status": "completed",
                    "code": _cc(SCT, "133918004", "Comfort measures"),
                    "subject": self.ref("Patient", self.pid),
                    "encounter": self.ref("Encounter", eid),
                    "performedDateTime": _iso(admit + timedelta(hours=6)),
                },
            )
        bleeding = rng.random() < 0.03
        if bleeding:
            self.condition(
                "K92.2",
                "Gastrointestinal hemorrhage, unspecified",
                admit + timedelta(hours=3),
                "active",
                eid,
            )
        low_risk = rng.random() < 0.12
        if low_risk:
            self.emit(
                "Observation",
                {
                    "resourceType": "Observation",
                    "id": _uuid(rng),
                    "status": "final",
                    "code": _cc(LOINC, "72136-5", "Risk for venous thromboembolism"),
                    "subject": self.ref("Patient", self.pid),
                    "encounter": self.ref("Encounter", eid),
                    "effectiveDateTime": _iso(admit + timedelta(hours=4)),
                    "valueCodeableConcept": _cc(SCT, "723505004", "Low risk"),
                },
            )
        # Prophylaxis: given on time (in the emergency department for some), late, refused,
        # withheld for a medical reason, or none (a gap unless excused); the medicine is
        # enoxaparin 40 mg, low-dose heparin (subcutaneous, or with another or no route, which
        # CMS108 does not count) or, after a hip or knee replacement, rivaroxaban 10 mg.
        fate = rng.choices(
            ("on_time", "late", "refused", "none", "mechanical", "withheld"),
            (60, 12, 6, 14, 8, 3),
        )[0]
        if self.anticoagulated or bleeding or low_risk:
            fate = rng.choice(("none", fate))
        if fate in ("on_time", "late", "refused", "withheld"):
            drug = ENOXAPARIN_40
            route: tuple[str, str] | None = SUBCUT
            kind = rng.random()
            if surgical and proc in ("52734007", "609588000") and kind < 0.3:
                drug, route = RIVAROXABAN_10, None
            elif kind < 0.2:
                drug = HEPARIN_5000
                route = rng.choices((SUBCUT, IV, None), (80, 10, 10))[0]
            order_t = admit + timedelta(hours=rng.uniform(1, 10))
            rx = self.med_request(drug[1], drug[0], eid, order_t, "active")
            given = {
                "on_time": rng.uniform(2, 30),
                "late": rng.uniform(56, 90),
                "refused": rng.uniform(2, 20),
                "withheld": rng.uniform(2, 20),
            }[fate]
            t = admit + timedelta(hours=given)
            if fate == "on_time" and arrival < admit and rng.random() < 0.3:
                t = arrival + (admit - arrival) * rng.uniform(0.3, 0.9)  # given in the ED
            self.administration(drug, route, eid, t, rx, fate)
            if fate == "withheld" and rng.random() < 0.8:
                # CMS108 takes a medical reason only when mechanical prophylaxis was not
                # applied for a medical reason too; some records say so with a DeviceRequest
                # not placed (QI-Core DeviceNotRequested), which CMS108 does not read
                if rng.random() < 0.2:
                    self.device_not_ordered(eid, t)
                else:
                    self.emit("Procedure", {
                        "resourceType": "Procedure",
                        "id": _uuid(rng),
                        "status": "not-done",
                        "statusReason": _cc(SCT, "183932001", "Procedure contraindicated"),
                        "code": _cc(SCT, *MECHANICAL[0][0]),
                        "subject": self.ref("Patient", self.pid),
                        "encounter": self.ref("Encounter", eid),
                        "performedDateTime": _iso(t),
                    })
        elif fate == "mechanical":
            t = (surgery_end or admit) + timedelta(hours=rng.uniform(1, 20))
            applied, device = rng.choice(MECHANICAL)
            if rng.random() < 0.25:
                # recorded as the device in use (Device + DeviceUseStatement), which CMS108
                # does not read: shown beside the row, not counted
                did = _uuid(rng)
                self.emit("Device", {"resourceType": "Device", "id": did,
                                     "status": "active", "type": _cc(SCT, *device),
                                     "patient": self.ref("Patient", self.pid)})
                self.emit("DeviceUseStatement", {
                    "resourceType": "DeviceUseStatement", "id": _uuid(rng),
                    "status": "active" if ongoing else "completed",
                    "subject": self.ref("Patient", self.pid),
                    "timingPeriod": {"start": _iso(t)} if ongoing
                    else {"start": _iso(t), "end": _iso(discharge)},
                    "device": self.ref("Device", did)})
            else:
                self.emit("Procedure", {
                    "resourceType": "Procedure",
                    "id": _uuid(rng),
                    "status": "completed",
                    "code": _cc(SCT, *applied),
                    "subject": self.ref("Patient", self.pid),
                    "encounter": self.ref("Encounter", eid),
                    "performedDateTime": _iso(t),
                })
        if self.anticoagulated:
            # apixaban: prophylaxis in CMS108 with atrial fibrillation or a prior VTE
            self.administration(
                APIXABAN_5, None, eid, admit + timedelta(hours=rng.uniform(2, 20)), None, "given"
            )
        if rng.random() < 0.02:
            # a heparin infusion, intravenous: an anticoagulant given (CMS108 low risk indicator)
            self.administration(
                HEPARIN_DRIP, IV, eid, admit + timedelta(hours=rng.uniform(1, 30)), None, "given"
            )
        note = (
            f"Admitted to {ward} with {reason_display}. VTE risk assessed on admission."
        ).encode()
        self.emit(
            "DocumentReference",
            {
                "resourceType": "DocumentReference",
                "id": _uuid(rng),
                "status": "current",
                "type": _cc(LOINC, "34117-2", "History and physical note"),
                "subject": self.ref("Patient", self.pid),
                "date": _iso(admit + timedelta(hours=2)),
                "content": [
                    {
                        "attachment": {
                            "contentType": "text/plain",
                            "data": base64.b64encode(note).decode(),
                        }
                    }
                ],
                "context": {
                    "encounter": [self.ref("Encounter", eid)],
                    "period": {"start": _iso(admit)},
                },
            },
        )


CHUNK = 1000  # patients generated, then written, together


def _chunk(seed: int, start: int, stop: int) -> tuple[dict[str, bytes], dict[str, int]]:
    """Patients ``start`` to ``stop - 1``: each type's NDJSON lines, and counts per type.

    A patient's resources depend only on ``seed`` and its index, so chunks can be generated in
    any process and in any order: written in index order, they give the same bytes."""
    lines: dict[str, list[bytes]] = {t: [] for t in TYPES}
    dumps = orjson.dumps

    def emit(rtype: str, resource: dict[str, Any]) -> None:
        lines[rtype].append(dumps(resource))

    for i in range(start, stop):
        _Patient(random.Random(f"{seed}:{i}"), emit).build()
    return ({t: b"\n".join(v) + b"\n" for t, v in lines.items() if v},
            {t: len(v) for t, v in lines.items()})


def _chunk_star(args: tuple[int, int, int]) -> tuple[dict[str, bytes], dict[str, int]]:
    return _chunk(*args)


def _worker_start() -> None:
    """A worker leaves Ctrl-C to the parent, which ends the pool: Ctrl-C on a terminal
    reaches every process of the group, and each worker printed a KeyboardInterrupt
    traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def synthesize(
    n: int,
    out_dir: str | Path,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> dict[str, int]:
    """Write ``n`` patients as ``Type.ndjson`` files in ``out_dir``; counts per type.

    ``workers`` > 1 generates chunks of patients in that many processes; the files are the
    same bytes whatever the number of workers."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {t: (out / f"{t}.ndjson").open("wb", buffering=1 << 20) for t in TYPES}
    counts = dict.fromkeys(TYPES, 0)
    locations = []
    for lid, name, typ in LOCATIONS:
        loc: dict[str, Any] = {"resourceType": "Location", "id": lid, "status": "active",
                               "name": name}
        if typ:
            loc["type"] = [_cc(*typ)]
        locations.append(orjson.dumps(loc))
    counts["Location"] = len(locations)
    jobs = [(seed, start, min(n, start + CHUNK)) for start in range(0, n, CHUNK)]
    pool = None
    results: Iterator[tuple[dict[str, bytes], dict[str, int]]]
    try:
        files["Location"].write(b"\n".join(locations) + b"\n")
        if workers > 1 and len(jobs) > 1:
            import multiprocessing

            # spawn, not fork: the caller may run threads (a progress bar)
            pool = multiprocessing.get_context("spawn").Pool(min(workers, len(jobs)),
                                                             initializer=_worker_start)
            results = pool.imap(_chunk_star, jobs)
        else:
            results = map(_chunk_star, jobs)
        for (_, _, stop), (data, chunk_counts) in zip(jobs, results, strict=True):
            for t, blob in data.items():
                files[t].write(blob)
            for t, c in chunk_counts.items():
                counts[t] += c
            if progress:
                progress(stop)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        for f in files.values():
            f.close()
    return counts
