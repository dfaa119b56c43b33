"""Every instrument, declared once as data.

Points, cut-offs and bands are transcribed from each primary publication (``citations.py``);
ids follow ``shared/contracts/instruments.json``. Figures quoted in interpretations come from
the cited source next to them; figures that could not be checked against a primary source are
left out rather than shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clotwatch.core.instruments import citations as cite
from clotwatch.core.instruments.model import (
    Band,
    Condition,
    Input,
    Instrument,
    Interpretation,
    Number,
    Option,
    Override,
    Tier,
)


def yes(id: str, meaning: str, points: Number = 1, **kw: Any) -> Input:
    """A yes/no criterion worth ``points`` when present."""
    return Input(id=id, meaning=meaning, kind="bool", points=points, **kw)


def age(*tiers: Tier, meaning: str = "age, years") -> Input:
    """Age in years, 0-120, scored by ``tiers``."""
    return Input("age", meaning, "number", tiers=tiers, minimum=0, maximum=120, unit="years")


def heart_rate(*tiers: Tier, meaning: str = "heart rate, beats per minute") -> Input:
    """Heart rate, 20-300 beats/min (a value outside is a typing error, not a patient)."""
    return Input(
        "heart_rate", meaning, "number", tiers=tiers, minimum=20, maximum=300, unit="beats/min"
    )


def bmi(*tiers: Tier, meaning: str = "body-mass index, kg/m2") -> Input:
    """Body-mass index, 10-80 kg/m2."""
    return Input("bmi", meaning, "number", tiers=tiers, minimum=10, maximum=80, unit="kg/m2")


def grade(id: str, meaning: str) -> Input:
    """A Villalta item graded 0 none, 1 mild, 2 moderate, 3 severe (the grade is the points)."""
    return Input(
        id,
        f"{meaning}: 0 none, 1 mild, 2 moderate, 3 severe",
        "integer",
        minimum=0,
        maximum=3,
        graded=True,
    )


def interp(text: str, source: Any = None) -> Interpretation:
    """Shorthand for an interpretation with an optional source."""
    return Interpretation(text, source)


# --- Wells DVT ------------------------------------------------------------------------------
WELLS_DVT = Instrument(
    id="wells-dvt",
    name="Wells score for DVT (2003 modified; 1997 three-level bands also reported)",
    version="2003",
    citation=cite.WELLS_DVT_2003,
    other_citations=(cite.WELLS_DVT_1997, cite.NICE_NG158),
    purpose="Pre-test probability of deep vein thrombosis of the leg.",
    note="If both legs have symptoms, score the more symptomatic leg.",
    inputs=(
        yes("active_cancer", "active cancer: treatment ongoing, within 6 months, or palliative"),
        yes(
            "paralysis_or_cast",
            "paralysis, paresis or recent plaster immobilisation of the lower extremity",
        ),
        yes(
            "bedridden_or_major_surgery",
            "recently bedridden 3 days or more, or major surgery within 12 weeks requiring "
            "general or regional anaesthesia",
        ),
        yes(
            "localized_tenderness",
            "localised tenderness along the distribution of the deep venous system",
        ),
        yes("entire_leg_swollen", "entire leg swollen"),
        yes(
            "calf_swelling_3cm",
            "calf swelling at least 3 cm larger than the asymptomatic side "
            "(10 cm below tibial tuberosity)",
        ),
        yes("pitting_edema", "pitting oedema confined to the symptomatic leg"),
        yes("collateral_veins", "collateral superficial veins (non-varicose)"),
        yes("previous_dvt", "previously documented DVT (2003 version)"),
        yes(
            "alternative_diagnosis_likely",
            "an alternative diagnosis is at least as likely as DVT",
            points=-2,
        ),
    ),
    schemes={
        # Wells 2003 / NICE NG158 Table 1: 2 or more = DVT likely, 1 or less = unlikely.
        "two_level": (
            Band("unlikely", upto=1, label="DVT unlikely"),
            Band("likely", label="DVT likely"),
        ),
        # Wells 1997: 0 or less low, 1-2 moderate, 3 or more high.
        "three_level": (
            Band("low", upto=0),
            Band("moderate", upto=2),
            Band("high"),
        ),
    },
    primary="two_level",
    interpretations={
        ("two_level", "likely"): interp(
            "NICE NG158: offer a proximal leg vein ultrasound with the result within 4 hours; "
            "if that is not possible, a D-dimer test and interim therapeutic anticoagulation, "
            "with the scan result within 24 hours.",
            cite.NICE_NG158,
        ),
        ("two_level", "unlikely"): interp(
            "NICE NG158: offer a D-dimer test with the result within 4 hours (interim "
            "anticoagulation if it is delayed); if it is positive, a proximal leg vein "
            "ultrasound; if it is negative, DVT is unlikely: consider other diagnoses.",
            cite.NICE_NG158,
        ),
    },
)

# --- Wells PE -------------------------------------------------------------------------------
WELLS_PE = Instrument(
    id="wells-pe",
    name="Wells score for PE",
    version="2000",
    citation=cite.WELLS_PE_2000,
    other_citations=(cite.CHRISTOPHER_2006, cite.NICE_NG158),
    purpose="Pre-test probability of pulmonary embolism.",
    inputs=(
        yes(
            "dvt_signs",
            "clinical signs and symptoms of DVT (minimum: leg swelling and pain on palpation of "
            "the deep veins)",
            points=3,
        ),
        yes("pe_most_likely", "PE is the most likely diagnosis, or equally likely", points=3),
        heart_rate(Tier(1.5, "> 100 beats/min", above=100)),
        yes(
            "immobilization_or_surgery",
            "immobilisation at least 3 days, or surgery in the previous 4 weeks",
            points=1.5,
        ),
        yes("previous_vte", "previously, objectively diagnosed DVT or PE", points=1.5),
        yes("hemoptysis", "haemoptysis", points=1),
        yes("malignancy", "malignancy on treatment, treated in the last 6 months, or palliative"),
    ),
    schemes={
        # NICE NG158 / Christopher study: more than 4 = PE likely, 4 or less = unlikely.
        "two_level": (
            Band("unlikely", upto=4, label="PE unlikely"),
            Band("likely", label="PE likely"),
        ),
        # Wells 2000: < 2 low, 2-6 moderate, > 6 high.
        "three_level": (Band("low", below=2), Band("moderate", upto=6), Band("high")),
    },
    primary="two_level",
    interpretations={
        ("two_level", "likely"): interp(
            "NICE NG158: offer a CT pulmonary angiogram (CTPA) immediately; if it cannot be "
            "done at once, interim therapeutic anticoagulation first.",
            cite.NICE_NG158,
        ),
        ("two_level", "unlikely"): interp(
            "NICE NG158: offer a D-dimer test with the result within 4 hours (interim "
            "anticoagulation if delayed); positive -> CTPA; negative -> PE unlikely, consider "
            "other diagnoses.",
            cite.NICE_NG158,
        ),
    },
)

# --- Geneva -----------------------------------------------------------------------------------
_GENEVA_COMMON_MEANINGS = {
    "previous_vte": "previous DVT or PE",
    "surgery_or_fracture_1_month": (
        "surgery under general anaesthesia or lower-limb fracture within 1 month"
    ),
    "active_malignancy": (
        "active solid or haematological malignancy, or considered cured less than 1 year"
    ),
    "unilateral_leg_pain": "unilateral lower-limb pain",
    "hemoptysis": "haemoptysis",
    "pain_on_palpation_and_edema": (
        "pain on lower-limb deep venous palpation and unilateral oedema"
    ),
}


def _geneva_inputs(points: Mapping[str, Number], hr: tuple[Number, Number]) -> tuple[Input, ...]:
    m = _GENEVA_COMMON_MEANINGS
    return (
        age(Tier(points["age"], "> 65 years", above=65)),
        yes("previous_vte", m["previous_vte"], points["previous_vte"]),
        yes("surgery_or_fracture_1_month", m["surgery_or_fracture_1_month"], points["surgery"]),
        yes("active_malignancy", m["active_malignancy"], points["malignancy"]),
        yes("unilateral_leg_pain", m["unilateral_leg_pain"], points["leg_pain"]),
        yes("hemoptysis", m["hemoptysis"], points["hemoptysis"]),
        heart_rate(
            Tier(hr[0], "75-94 beats/min", at_least=75, below=95),
            Tier(hr[1], ">= 95 beats/min", at_least=95),
        ),
        yes("pain_on_palpation_and_edema", m["pain_on_palpation_and_edema"], points["palpation"]),
    )


GENEVA_REVISED = Instrument(
    id="geneva-revised",
    name="Revised Geneva score for PE (Le Gal 2006)",
    version="2006",
    citation=cite.GENEVA_REVISED_2006,
    purpose="Pre-test probability of pulmonary embolism from objective items only.",
    inputs=_geneva_inputs(
        {
            "age": 1,
            "previous_vte": 3,
            "surgery": 2,
            "malignancy": 2,
            "leg_pain": 3,
            "hemoptysis": 2,
            "palpation": 4,
        },
        hr=(3, 5),
    ),
    schemes={
        # Le Gal 2006: 0-3 low, 4-10 intermediate, 11 or more high.
        "three_level": (Band("low", upto=3), Band("intermediate", upto=10), Band("high")),
    },
    primary="three_level",
    interpretations={
        ("three_level", "low"): interp(
            "Low clinical probability: a negative D-dimer test can rule out PE."
        ),
        ("three_level", "intermediate"): interp(
            "Intermediate clinical probability: a negative highly sensitive D-dimer can rule out "
            "PE; otherwise image (CTPA)."
        ),
        ("three_level", "high"): interp(
            "High clinical probability: image (CTPA) without relying on D-dimer."
        ),
    },
)

GENEVA_SIMPLIFIED = Instrument(
    id="geneva-simplified",
    name="Simplified revised Geneva score (Klok 2008)",
    version="2008",
    citation=cite.GENEVA_SIMPLIFIED_2008,
    purpose="Pre-test probability of pulmonary embolism: each revised Geneva item scores 1.",
    inputs=_geneva_inputs(
        {
            "age": 1,
            "previous_vte": 1,
            "surgery": 1,
            "malignancy": 1,
            "leg_pain": 1,
            "hemoptysis": 1,
            "palpation": 1,
        },
        hr=(1, 2),
    ),
    schemes={
        # Klok 2008: 2 or less PE unlikely, 3 or more PE likely; three-level 0-1, 2-4, 5+.
        "two_level": (
            Band("unlikely", upto=2, label="PE unlikely"),
            Band("likely", label="PE likely"),
        ),
        "three_level": (Band("low", upto=1), Band("intermediate", upto=4), Band("high")),
    },
    primary="two_level",
    interpretations={
        ("two_level", "unlikely"): interp(
            "PE unlikely: a negative D-dimer test can rule out PE; a positive one needs CTPA."
        ),
        ("two_level", "likely"): interp("PE likely: image (CTPA)."),
    },
)

# --- PERC -----------------------------------------------------------------------------------
PERC = Instrument(
    id="perc",
    name="Pulmonary Embolism Rule-out Criteria",
    version="2004",
    citation=cite.PERC_2004,
    other_citations=(cite.NICE_NG158,),
    purpose="Rules out PE without testing when clinical suspicion is already low (gestalt < 15%).",
    total_label="criteria met",
    note="Apply only when the clinician's gestalt puts PE probability below 15%.",
    inputs=(
        age(
            Tier(1, "50 years or over", at_least=50),
            meaning="age, years (criterion: age 50 or over)",
        ),
        heart_rate(
            Tier(1, "100 beats/min or more", at_least=100),
            meaning="heart rate (criterion: 100 or more)",
        ),
        Input(
            "spo2",
            "oxygen saturation on room air, percent (criterion: below 95)",
            "number",
            tiers=(Tier(1, "below 95%", below=95),),
            minimum=0,
            maximum=100,
            unit="%",
        ),
        yes("hemoptysis", "haemoptysis"),
        yes("estrogen_use", "exogenous oestrogen use"),
        yes("previous_vte", "prior DVT or PE"),
        yes("unilateral_leg_swelling", "unilateral leg swelling"),
        yes(
            "recent_surgery_or_trauma",
            "surgery or trauma requiring hospitalisation in the previous 4 weeks",
        ),
    ),
    schemes={
        "rule": (
            Band("negative", upto=0, label="PERC negative"),
            Band("positive", label="PERC positive"),
        )
    },
    primary="rule",
    interpretations={
        ("rule", "negative"): interp(
            "PERC negative: with a gestalt below 15%, NICE NG158 says stop here; PE is "
            "sufficiently unlikely that no further test is needed.",
            cite.NICE_NG158,
        ),
        ("rule", "positive"): interp(
            "PERC positive: PE cannot be ruled out by PERC; use the two-level Wells PE score "
            "(NICE NG158).",
            cite.NICE_NG158,
        ),
    },
)


# --- YEARS ----------------------------------------------------------------------------------
YEARS_ITEMS = ("dvt_signs", "hemoptysis", "pe_most_likely")


def _years_rule(
    v: Mapping[str, Any],
) -> tuple[Number | None, tuple[tuple[str, Number], ...], dict[str, str] | None]:
    # van der Hulle 2017: no item and D-dimer < 1000 ng/mL, or 1 or more items and
    # D-dimer < 500 ng/mL -> PE excluded; everyone else -> CTPA.
    contributions = tuple((k, 1 if v[k] else 0) for k in YEARS_ITEMS if v[k] is not None)
    items = sum(p for _, p in contributions)
    if any(v[k] is None for k in YEARS_ITEMS) or v["ddimer_ng_ml_feu"] is None:
        return items, contributions, None
    threshold = 1000 if items == 0 else 500
    excluded = v["ddimer_ng_ml_feu"] < threshold
    return items, contributions, {"rule": "excluded" if excluded else "ctpa"}


YEARS = Instrument(
    id="years",
    name="YEARS algorithm for suspected PE (van der Hulle 2017)",
    version="2017",
    citation=cite.YEARS_2017,
    purpose="Rules out PE with a D-dimer threshold that depends on three clinical items.",
    total_label="YEARS items",
    inputs=(
        yes("dvt_signs", "clinical signs of DVT"),
        yes("hemoptysis", "haemoptysis"),
        yes("pe_most_likely", "PE the most likely diagnosis"),
        Input(
            "ddimer_ng_ml_feu",
            "D-dimer, ng/mL fibrinogen-equivalent units",
            "number",
            minimum=0,
            maximum=100_000,
            unit="ng/mL FEU",
            scored=False,
            tiers=(Tier(0, "< 500", below=500), Tier(0, "< 1000", below=1000)),
        ),
    ),
    schemes={
        "rule": (
            Band("excluded", upto=0, label="PE excluded"),
            Band("ctpa", label="CTPA indicated"),
        )
    },
    primary="rule",
    rule=_years_rule,
    interpretations={
        ("rule", "excluded"): interp(
            "PE excluded by YEARS without CTPA. In the YEARS study 0.61% of patients left "
            "untreated had VTE at 3 months, and CTPA was avoided in 48%.",
            cite.YEARS_2017,
        ),
        ("rule", "ctpa"): interp("CTPA indicated (YEARS).", cite.YEARS_2017),
    },
)


# --- Age-adjusted D-dimer -------------------------------------------------------------------
def age_adjusted_cutoff(age_years: Number) -> Number:
    """ADJUST-PE cut-off in ng/mL (= ug/L) FEU: 500 under 50 years, age x 10 from 50 on."""
    return age_years * 10 if age_years >= 50 else 500


def _ddimer_rule(
    v: Mapping[str, Any],
) -> tuple[Number | None, tuple[tuple[str, Number], ...], dict[str, str] | None]:
    if v["age"] is None:
        return None, (), None
    cutoff = age_adjusted_cutoff(v["age"])
    if v["ddimer_ng_ml_feu"] is None:
        return cutoff, (), None
    positive = v["ddimer_ng_ml_feu"] >= cutoff
    return cutoff, (), {"result": "positive" if positive else "negative"}


DDIMER_AGE_ADJUSTED = Instrument(
    id="ddimer-age-adjusted",
    name="Age-adjusted D-dimer cut-off (Righini 2014)",
    version="2014",
    citation=cite.ADJUST_PE_2014,
    other_citations=(cite.NICE_NG158,),
    purpose="D-dimer cut-off of age x 10 ng/mL FEU from age 50, for patients whose clinical "
    "probability of PE is not high.",
    total_label="ng/mL FEU cut-off",
    note="Only for a non-high clinical probability (two-level Wells or simplified revised Geneva). "
    "The cut-off is in fibrinogen-equivalent units (FEU); a D-dimer in D-dimer units (DDU) is "
    "about half the FEU value and must be converted first.",
    inputs=(
        age(Tier(0, "50 years or over", at_least=50)),
        Input(
            "ddimer_ng_ml_feu",
            "measured D-dimer, ng/mL FEU (= ug/L FEU)",
            "number",
            minimum=0,
            maximum=100_000,
            unit="ng/mL FEU",
            scored=False,
            tiers=(Tier(0, "< 500", below=500), Tier(0, "< 1200", below=1200)),
        ),
    ),
    schemes={"result": (Band("negative", upto=0), Band("positive"))},
    primary="result",
    rule=_ddimer_rule,
    interpretations={
        ("result", "negative"): interp(
            "D-dimer below the age-adjusted cut-off: with a non-high clinical probability PE "
            "can be excluded. In ADJUST-PE the 3-month failure rate in patients with a D-dimer "
            "between 500 and their age-adjusted cut-off was 1 of 331 (0.3%).",
            cite.ADJUST_PE_2014,
        ),
        ("result", "positive"): interp(
            "D-dimer at or above the age-adjusted cut-off: PE is not excluded; image (CTPA).",
            cite.ADJUST_PE_2014,
        ),
    },
)

# --- Caprini 2005 ---------------------------------------------------------------------------
_WOMEN = Condition("sex", ("female",), "counts for women only")

CAPRINI_2005 = Instrument(
    id="caprini-2005",
    name="Caprini risk assessment model (2005)",
    version="2005",
    citation=cite.CAPRINI_2005,
    other_citations=(cite.BAHL_2010,),
    purpose="Venous thromboembolism risk of surgical patients, to guide prophylaxis.",
    note="Age bands 41-60 / 61-74 / 75 or over. BMI over 25 scores 1 point (Caprini 2005); some "
    "calculator code gives it 2.",
    inputs=(
        age(
            Tier(1, "41-60 years", at_least=41, below=61),
            Tier(2, "61-74 years", at_least=61, below=75),
            Tier(3, "75 years or over", at_least=75),
        ),
        Input(
            "sex",
            "sex (the women-only items count only for female)",
            "enum",
            options=(Option("female", "female"), Option("male", "male")),
        ),
        bmi(Tier(1, "over 25 kg/m2", above=25)),
        Input(
            "surgery_type",
            "the surgery planned or done (the single highest applies)",
            "enum",
            options=(
                Option("none", "none", 0),
                Option("minor", "minor surgery planned", 1),
                Option("major_open_over_45min", "major open surgery (> 45 min)", 2),
                Option("laparoscopic_over_45min", "laparoscopic surgery (> 45 min)", 2),
                Option("arthroscopic", "arthroscopic surgery", 2),
                Option(
                    "elective_lower_extremity_arthroplasty",
                    "elective major lower-extremity arthroplasty",
                    5,
                ),
            ),
        ),
        Input(
            "mobility",
            "medical patient at bed rest, or confined to bed over 72 hours",
            "enum",
            options=(
                Option("ambulatory", "ambulatory", 0),
                Option("bed_rest", "medical patient currently at bed rest", 1),
                Option("confined_over_72h", "confined to bed over 72 hours", 2),
            ),
        ),
        yes("major_surgery_past_month", "major surgery in the past month"),
        yes("varicose_veins", "varicose veins"),
        yes("inflammatory_bowel_disease", "history of inflammatory bowel disease"),
        yes("swollen_legs", "swollen legs (current)"),
        yes("acute_mi", "acute myocardial infarction"),
        yes("chf_past_month", "congestive heart failure (< 1 month)"),
        yes("sepsis_past_month", "sepsis (< 1 month)"),
        yes("serious_lung_disease_past_month", "serious lung disease incl. pneumonia (< 1 month)"),
        yes("copd", "abnormal pulmonary function / COPD"),
        yes(
            "oral_contraceptives_or_hrt",
            "women: oral contraceptives or hormone replacement",
            only_if=_WOMEN,
        ),
        yes("pregnant_or_postpartum", "women: pregnant or postpartum (< 1 month)", only_if=_WOMEN),
        yes(
            "obstetric_history",
            "women: unexplained stillbirth, 3 or more spontaneous abortions, or premature birth "
            "with toxaemia or growth-restricted infant",
            only_if=_WOMEN,
        ),
        yes("malignancy", "malignancy (present or previous)", 2),
        yes("plaster_cast", "immobilising plaster cast (< 1 month)", 2),
        yes("central_venous_access", "central venous access", 2),
        yes("history_of_vte", "history of DVT/PE", 3),
        yes("family_history_thrombosis", "family history of thrombosis", 3),
        yes("factor_v_leiden", "factor V Leiden", 3),
        yes("prothrombin_20210a", "prothrombin 20210A", 3),
        yes("lupus_anticoagulant", "lupus anticoagulant", 3),
        yes("anticardiolipin_antibodies", "anticardiolipin antibodies", 3),
        yes("elevated_homocysteine", "elevated serum homocysteine", 3),
        yes("heparin_induced_thrombocytopenia", "heparin-induced thrombocytopenia", 3),
        yes("other_thrombophilia", "other congenital or acquired thrombophilia", 3),
        yes("stroke_past_month", "stroke (< 1 month)", 5),
        yes("hip_pelvis_leg_fracture", "hip, pelvis or leg fracture (< 1 month)", 5),
        yes("multiple_trauma", "multiple trauma (< 1 month)", 5),
        yes("spinal_cord_injury", "acute spinal cord injury with paralysis (< 1 month)", 5),
    ),
    schemes={
        # Caprini 2005 form: 0-1 low, 2 moderate, 3-4 high, 5 or more highest.
        "risk": (
            Band("low", upto=1),
            Band("moderate", upto=2),
            Band("high", upto=4),
            Band("highest"),
        ),
    },
    primary="risk",
    interpretations={
        ("risk", "low"): interp(
            "Low risk: early walking. 30-day VTE 0% in the validation cohort.", cite.BAHL_2010
        ),
        ("risk", "moderate"): interp(
            "Moderate risk: consider mechanical or drug prophylaxis. 30-day VTE 0.70% in the "
            "validation cohort.",
            cite.BAHL_2010,
        ),
        ("risk", "high"): interp(
            "High risk: drug prophylaxis unless the bleeding risk forbids it. 30-day VTE 0.97% "
            "in the validation cohort.",
            cite.BAHL_2010,
        ),
        ("risk", "highest"): interp(
            "Highest risk: drug plus mechanical prophylaxis unless the bleeding risk forbids it. "
            "30-day VTE 1.94% in the validation cohort.",
            cite.BAHL_2010,
        ),
    },
)

# --- Padua ----------------------------------------------------------------------------------
PADUA = Instrument(
    id="padua",
    name="Padua prediction score (medical inpatients)",
    version="2010",
    citation=cite.PADUA_2010,
    purpose="Venous thromboembolism risk of medical inpatients, to guide prophylaxis.",
    inputs=(
        yes(
            "active_cancer",
            "active cancer (local or distant metastases and/or chemo- or radiotherapy in the "
            "previous 6 months)",
            3,
        ),
        yes("previous_vte", "previous VTE (excluding superficial vein thrombosis)", 3),
        yes(
            "reduced_mobility",
            "reduced mobility: bed rest with bathroom privileges for at least 3 days",
            3,
        ),
        yes("thrombophilia", "known thrombophilic condition", 3),
        yes("recent_trauma_or_surgery", "trauma and/or surgery in the past month", 2),
        age(Tier(1, "70 years or over", at_least=70)),
        yes("heart_or_respiratory_failure", "heart and/or respiratory failure"),
        yes("acute_mi_or_stroke", "acute myocardial infarction or ischaemic stroke"),
        yes("acute_infection_or_rheumatologic", "acute infection and/or rheumatologic disorder"),
        bmi(Tier(1, "30 kg/m2 or over", at_least=30), meaning="body-mass index"),
        yes("hormonal_treatment", "ongoing hormonal treatment"),
    ),
    schemes={"risk": (Band("low", upto=3), Band("high"))},  # Barbar 2010: 4 or more = high
    primary="risk",
    interpretations={
        ("risk", "high"): interp(
            "High risk: consider drug prophylaxis. In the Padua cohort, 11.0% of high-risk "
            "patients without prophylaxis had VTE, against 0.3% of low-risk patients.",
            cite.PADUA_2010,
        ),
        ("risk", "low"): interp(
            "Low risk: drug prophylaxis not routinely indicated. In the Padua cohort 0.3% of "
            "low-risk patients had VTE.",
            cite.PADUA_2010,
        ),
    },
)

# --- IMPROVE --------------------------------------------------------------------------------
IMPROVE_VTE = Instrument(
    id="improve-vte",
    name="IMPROVE VTE risk score (medical inpatients)",
    version="2011",
    citation=cite.IMPROVE_2011,
    purpose="Venous thromboembolism risk of medical inpatients over the 3 months after admission.",
    inputs=(
        yes("previous_vte", "previous VTE", 3),
        yes("thrombophilia", "known thrombophilia", 2),
        yes("lower_limb_paralysis", "current lower-limb paralysis", 2),
        yes("current_cancer", "current cancer", 2),
        yes("immobilized_7_days", "immobilisation at least 7 days", 1),
        yes("icu_ccu_stay", "ICU or CCU stay", 1),
        age(Tier(1, "over 60 years", above=60)),
    ),
    schemes={"risk": (Band("low", upto=1), Band("moderate", upto=3), Band("high"))},
    primary="risk",
    interpretations={
        ("risk", "low"): interp("Low risk: drug prophylaxis is generally not needed."),
        ("risk", "moderate"): interp(
            "Moderate risk: consider prophylaxis, weighing bleeding risk."
        ),
        ("risk", "high"): interp(
            "High risk: prophylaxis is generally indicated unless bleeding risk forbids it."
        ),
    },
)

# --- Khorana --------------------------------------------------------------------------------
KHORANA = Instrument(
    id="khorana",
    name="Khorana score (cancer-associated VTE)",
    version="2008",
    citation=cite.KHORANA_2008,
    purpose="Venous thromboembolism risk of ambulatory patients starting chemotherapy.",
    inputs=(
        Input(
            "cancer_site",
            "very_high: stomach, pancreas; high: lung, lymphoma, gynaecological, bladder, "
            "testicular",
            "enum",
            options=(
                Option("very_high", "very high risk (stomach, pancreas)", 2),
                Option(
                    "high", "high risk (lung, lymphoma, gynaecological, bladder, testicular)", 1
                ),
                Option("other", "other site", 0),
            ),
        ),
        Input(
            "platelets_10e9_l",
            "pre-chemotherapy platelet count, 10^9/L",
            "number",
            tiers=(Tier(1, "350 x 10^9/L or more", at_least=350),),
            minimum=0,
            maximum=3000,
            unit="10^9/L",
        ),
        Input(
            "hemoglobin_g_dl",
            "haemoglobin, g/dL",
            "number",
            tiers=(Tier(1, "below 10 g/dL", below=10),),
            minimum=0,
            maximum=25,
            unit="g/dL",
            group="hb_or_esa",
        ),
        yes("esa_use", "uses erythropoiesis-stimulating agents", group="hb_or_esa"),
        Input(
            "wbc_10e9_l",
            "pre-chemotherapy leukocyte count, 10^9/L",
            "number",
            tiers=(Tier(1, "over 11 x 10^9/L", above=11),),
            minimum=0,
            maximum=500,
            unit="10^9/L",
        ),
        bmi(Tier(1, "35 kg/m2 or over", at_least=35), meaning="body-mass index"),
    ),
    schemes={"risk": (Band("low", upto=0), Band("intermediate", upto=2), Band("high"))},
    primary="risk",
    interpretations={
        ("risk", "low"): interp(
            "Low risk: VTE in 0.8% (derivation) and 0.3% (validation) over about 2.5 months.",
            cite.KHORANA_2008,
        ),
        ("risk", "intermediate"): interp(
            "Intermediate risk: VTE in 1.8% (derivation) and 2% (validation).",
            cite.KHORANA_2008,
        ),
        ("risk", "high"): interp(
            "High risk: VTE in 7.1% (derivation) and 6.7% (validation); consider "
            "thromboprophylaxis.",
            cite.KHORANA_2008,
        ),
    },
)

# --- Villalta -------------------------------------------------------------------------------
VILLALTA = Instrument(
    id="villalta",
    name="Villalta post-thrombotic syndrome scale",
    version="1994 (ISTH 2009 standardisation)",
    citation=cite.VILLALTA_KAHN_2009,
    purpose="Diagnosis and severity of post-thrombotic syndrome in the leg that had the DVT.",
    note="Assess the leg that had the DVT, after the acute phase. A venous ulcer means severe PTS "
    "whatever the score.",
    inputs=(
        grade("pain", "pain"),
        grade("cramps", "cramps"),
        grade("heaviness", "heaviness"),
        grade("paresthesia", "paraesthesia"),
        grade("pruritus", "pruritus"),
        grade("pretibial_edema", "pretibial oedema"),
        grade("skin_induration", "skin induration"),
        grade("hyperpigmentation", "hyperpigmentation"),
        grade("redness", "redness"),
        grade("venous_ectasia", "venous ectasia"),
        grade("pain_on_calf_compression", "pain on calf compression"),
        yes("venous_ulcer", "venous ulcer present", points=0),
    ),
    schemes={
        # Kahn 2009: 0-4 no PTS; 5-9 mild; 10-14 moderate; 15 or more severe.
        "severity": (
            Band("none", upto=4),
            Band("mild", upto=9),
            Band("moderate", upto=14),
            Band("severe"),
        ),
    },
    primary="severity",
    overrides=(
        Override(
            "venous_ulcer",
            True,
            "severity",
            "severe",
            "A venous ulcer means severe post-thrombotic syndrome whatever the score.",
        ),
    ),
    interpretations={
        ("severity", "none"): interp("No post-thrombotic syndrome (score 0-4)."),
        ("severity", "mild"): interp("Mild post-thrombotic syndrome (score 5-9)."),
        ("severity", "moderate"): interp("Moderate post-thrombotic syndrome (score 10-14)."),
        ("severity", "severe"): interp(
            "Severe post-thrombotic syndrome (score 15 or more, or a venous ulcer)."
        ),
    },
)

# --- Constans -------------------------------------------------------------------------------
CONSTANS = Instrument(
    id="constans",
    name="Constans score (upper-extremity DVT)",
    version="2008",
    citation=cite.CONSTANS_2008,
    purpose="Pre-test probability of deep vein thrombosis of the arm.",
    inputs=(
        yes("venous_material", "central venous catheter, access device or pacemaker lead"),
        yes("localized_pain", "localised pain"),
        yes("unilateral_pitting_edema", "unilateral pitting oedema"),
        yes("other_diagnosis_plausible", "another diagnosis at least as plausible", points=-1),
    ),
    schemes={
        "probability": (Band("low", upto=0), Band("intermediate", upto=1), Band("high")),
    },
    primary="probability",
    interpretations={
        ("probability", "low"): interp(
            "Low probability: upper-extremity DVT in 12% (derivation) and 9% (validation).",
            cite.CONSTANS_2008,
        ),
        ("probability", "intermediate"): interp(
            "Intermediate probability: neither low nor high; further testing (ultrasound of "
            "the arm veins) is needed to decide.",
        ),
        ("probability", "high"): interp(
            "High probability: upper-extremity DVT in 70% (derivation) and 64% (validation); "
            "image the arm veins.",
            cite.CONSTANS_2008,
        ),
    },
)

# --- HAS-BLED -------------------------------------------------------------------------------
HAS_BLED = Instrument(
    id="has-bled",
    name="HAS-BLED bleeding risk",
    version="2010",
    citation=cite.HAS_BLED_2010,
    purpose="One-year risk of major bleeding on anticoagulation (derived in atrial fibrillation).",
    note="Derived in atrial fibrillation, not VTE. A high score calls for attention to "
    "correctable risk factors and closer review, not by itself for withholding anticoagulation.",
    inputs=(
        yes("hypertension", "uncontrolled hypertension, systolic > 160"),
        yes("abnormal_renal_function", "abnormal renal function"),
        yes("abnormal_liver_function", "abnormal liver function"),
        yes("stroke_history", "prior stroke"),
        yes("bleeding_history", "major bleeding history or predisposition"),
        yes("labile_inr", "labile INR"),
        age(Tier(1, "over 65 years", above=65), meaning="age, years (criterion: over 65)"),
        yes("antiplatelet_or_nsaid", "antiplatelet or NSAID use"),
        yes("alcohol", "alcohol use, 8 or more drinks a week"),
    ),
    schemes={"risk": (Band("low", upto=2), Band("high"))},  # Pisters 2010: 3 or more = high
    primary="risk",
    interpretations={
        ("risk", "low"): interp("Bleeding risk not high (score below 3)."),
        ("risk", "high"): interp(
            "High bleeding risk (3 or more): caution and regular review; correct the modifiable "
            "factors (blood pressure, labile INR, drugs, alcohol)."
        ),
    },
)

ALL: tuple[Instrument, ...] = (
    WELLS_DVT,
    WELLS_PE,
    GENEVA_REVISED,
    GENEVA_SIMPLIFIED,
    PERC,
    YEARS,
    DDIMER_AGE_ADJUSTED,
    CAPRINI_2005,
    PADUA,
    IMPROVE_VTE,
    KHORANA,
    VILLALTA,
    CONSTANS,
    HAS_BLED,
)
