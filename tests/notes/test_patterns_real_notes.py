"""The general patterns found by reading yes answers on notes no one here wrote
(docs/validation/notes-real.md), each tested from the pattern with sentences written here,
never a corpus note's own words, with the affirmed form that must still answer yes:

- a note wrapped at a fixed line width: phrases broken across lines;
- a section heading with its text on the same line ("FAMILY HISTORY: Positive for ...");
- ConText's terminations are per category (Harkema 2009): a relative's clause goes on
  over "who", "was diagnosed", "reported";
- the consent discussion: risks and complications named are hypothetical;
- screening, vaccination, work-up, allergy and advice after or before a finding;
- "was negative for", "ruled out for", "(-)", "none", "not observed";
- ConText temporality: more than 14 days ago, a year, "quit", "until", "at age";
- concept names that are not the finding ("ASA monitors", "CVA tenderness", "lying in bed",
  "estrogen receptor", "infection prophylaxis", "vocal cord paralysis");
- third round: a question mark glued to the finding ("?stroke", "COPD?"), "risks to include",
  "unless", "either ... or", "the thinking was that", "is likely to", an operation's trace
  (post-surgical changes, a scar), education about a treatment, an approximate year ("in
  about 1993"), a past-operations heading, a patient or limb held still for a procedure,
  another person ("her therapist", "a person").
"""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.core.notes.text import unwrapped
from clotwatch.notes import extract

PREV_DVT = ("wells-pe", "previous_vte")
CANCER = ("wells-dvt", "active_cancer")
CANCER_ANY = ("caprini-2005", "malignancy")
INFECTION = ("padua", "acute_infection_or_rheumatologic")
MI = ("caprini-2005", "acute_mi")
DRUG = ("has-bled", "antiplatelet_or_nsaid")
BLEED = ("has-bled", "bleeding_history")
SURGERY = ("wells-dvt", "bedridden_or_major_surgery")
BED = ("padua", "reduced_mobility")
STROKE = ("padua", "acute_mi_or_stroke")
ESTROGEN = ("caprini-2005", "oral_contraceptives_or_hrt")
PREGNANT = ("caprini-2005", "pregnant_or_postpartum")
VARICOSE = ("caprini-2005", "varicose_veins")
PARALYSIS = ("wells-dvt", "paralysis_or_cast")
FAMILY_VTE = ("caprini-2005", "family_history_thrombosis")
ALCOHOL = ("has-bled", "alcohol")


def _value(note: str, item: tuple[str, str]) -> Any:
    instrument, input_id = item
    return extract(note, instrument)["inputs"].get(input_id)


def _check(note: str, item: tuple[str, str], expected: bool | None) -> None:
    value = _value(note, item)
    if expected is None:
        assert value is None, (note, value)
    else:
        assert value is expected, (note, value)


# --- Wrapped lines ---------------------------------------------------------------------------


def test_unwrapped_keeps_offsets_and_paragraphs() -> None:
    note = "Risk\nof bleeding.\n\nPMH: DVT\nFAMILY HISTORY: none\n- item\r\nnext"
    flat = unwrapped(note)
    assert len(flat) == len(note)
    assert flat.startswith("Risk of bleeding.\n\nPMH: DVT\nFAMILY HISTORY")
    assert "\n\n" in flat and "\nFAMILY" in flat


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("Risks of anesthesia, bleeding, infection, pain,\nMI, DVT and PE were discussed.",
         MI, None),
        ("Risk\nof anesthesia, bleeding and infection were discussed.", INFECTION, None),
        ("Weakness, at this time concerning\nfor a stroke.", STROKE, None),
        ("There is no evidence\nof deep vein thrombosis.", ("wells-dvt", "previous_dvt"), None),
        ("He denies any history\nof deep vein thrombosis.", ("wells-dvt", "previous_dvt"), False),
        # affirmed, wrapped: still found
        ("She has a history of deep\nvein thrombosis.", PREV_DVT, True),
        ("He has acute\nmyocardial infarction.", MI, True),
    ],
)
def test_a_phrase_wrapped_across_lines(note: str, item: tuple[str, str],
                                       expected: bool | None) -> None:
    _check(note, item, expected)


# --- Headings with their text on the same line ---------------------------------------------------


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("FAMILY HISTORY: Positive for hypertension and cancer.", CANCER_ANY, None),
        ("FAMILY MEDICAL HISTORY: Significant for lung cancer.", CANCER, None),
        ("FAMILY PSYCHIATRIC HISTORY: Father with alcoholism.", ALCOHOL, None),
        ("PMH: 1) pyelonephritis, 2) asthma.", INFECTION, None),
        ("PAST SURGICAL HISTORY: Appendectomy, cholecystectomy.", SURGERY, None),
        ("ALLERGIES: Penicillin and aspirin.", DRUG, None),
        ("DISCHARGE INSTRUCTIONS: Regular diet, bedrest for 1 week.", BED, None),
        ("DIFFERENTIAL DIAGNOSES: Arteriovenous malformation, stroke, trauma.", STROKE, None),
        # a relative's thrombosis under the family heading is the family item
        ("FAMILY HISTORY: Positive for DVT in her mother.", FAMILY_VTE, True),
        # a past-history heading with 'now' on the line: the state is current
        ("PAST MEDICAL HISTORY: Atrial fibrillation, now on Premarin.", ESTROGEN, True),
        # other headings do not change the status
        ("MEDICATIONS: Aspirin 81 mg daily.", DRUG, True),
        ("IMPRESSION: Acute urinary tract infection.", INFECTION, True),
    ],
)
def test_a_heading_on_the_line_of_its_text(note: str, item: tuple[str, str],
                                          expected: bool | None) -> None:
    _check(note, item, expected)


# --- A relative's clause -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("Her daughter who was diagnosed with breast cancer at 40 is well.", CANCER, None),
        ("His mother was diagnosed with colon cancer in her 50s.", CANCER, None),
        ("Breast cancer was reported in her maternal aunt.", CANCER, None),
        ("Her sister who presented with advanced breast cancer.", CANCER, None),
        ("There were 4 maternal aunts, one of them died from pneumonia.", INFECTION, None),
        ("He has 2 brothers, the oldest suffered a myocardial infarction.", MI, None),
        ("She has a history of several malignancies in the family.", CANCER_ANY, None),
        ("His wife has rheumatoid arthritis.", INFECTION, None),
        ("Family history positive for DVT.", FAMILY_VTE, True),
        # company and informants are not experiencers; the patient's finding stays his
        ("She lives with her husband and is wheelchair-bound.", BED, True),
        ("Per his wife, he has been bedridden for a week.", BED, True),
        # a denial still ends at a new clause about the patient
        ("No family history of cancer; the patient has metastatic lung cancer.", CANCER, True),
    ],
)
def test_a_relatives_clause_goes_on(note: str, item: tuple[str, str],
                                    expected: bool | None) -> None:
    _check(note, item, expected)


# --- Consent, risks, advice, screening ----------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("Risks of surgery include bleeding, infection, MI and stroke.", MI, None),
        ("We discussed deep vein thrombosis, infection and need for second surgery.",
         INFECTION, None),
        ("The risks and potential complications including bleeding and infection were "
         "reviewed.", INFECTION, None),
        ("Angina may result in a heart attack.", MI, None),
        ("She may need temporary hemodialysis.", ("has-bled", "abnormal_renal_function"),
         None),
        ("She was advised to go on dialysis.", ("has-bled", "abnormal_renal_function"), None),
        ("Colon cancer screening.", CANCER, None),
        ("Last pneumonia vaccine was given in 1996.", INFECTION, None),
        ("The patient to get vasculitis workup.", INFECTION, None),
        ("He is allergic to codeine and aspirin.", DRUG, None),
        ("He was advised to avoid NSAIDs.", DRUG, None),
        ("She is interested in starting birth control pills.", ESTROGEN, None),
        ("The patient will be followed up for signs of sepsis.", INFECTION, None),
        ("Options such as watchful waiting or radical prostatectomy were discussed.",
         SURGERY, None),
        ("Should the infection be deep, he may require return to theatre.", INFECTION, None),
        # the chance of cure or control of a cancer the patient has
        ("Receiving chemoradiation to maximise the chance of control of this cancer.",
         CANCER, True),
        # a drug given as prophylaxis is taken
        ("He is on aspirin prophylaxis.", DRUG, True),
        ("Risk factors include active cancer.", CANCER, True),
    ],
)
def test_what_may_happen_is_not_present(note: str, item: tuple[str, str],
                                        expected: bool | None) -> None:
    _check(note, item, expected)


# --- Denials -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("A biopsy, which was negative for adenocarcinoma of the prostate.", CANCER, False),
        ("The frozen sections were negative for renal cell carcinoma.", CANCER, False),
        ("He was ruled out for myocardial infarction.", MI, False),
        ("There is no demonstrated metastasis.", CANCER, False),
        ("Varicosities are not observed.", VARICOSE, False),
        ("Genitourinary: (-) dysuria, (-) vaginal bleeding.", BLEED, False),
        ("INFECTION: None.", INFECTION, None),
        ("I think this is allergic rhinitis rather than a sinus infection.", INFECTION, None),
        ("Oral contraceptives were offered, but declined.", ESTROGEN, False),
        ("She doesn 't need a knee replacement.", ("caprini-2005", "surgery_type"), "none"),
        # a test named by its result: the whole item, not its parts
        ("A HIT antibody, which was negative.", ("caprini-2005",
                                                 "heparin_induced_thrombocytopenia"), None),
        # affirmed in the same shape
        ("A biopsy, which was positive for adenocarcinoma of the prostate.", CANCER, True),
        ("Varicosities are observed on both calves.", VARICOSE, True),
    ],
)
def test_denials_in_other_words(note: str, item: tuple[str, str],
                                expected: bool | str | None) -> None:
    value = _value(note, item)
    assert value == expected if expected is not None else value is None, (note, value)


# --- Temporality -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("About six months ago, after an MI, he was moved to a nursing home.", MI, None),
        ("He was hospitalized in 1996 with myocardial infarction.", MI, None),
        ("In April of 2003 she had a myocardial infarction.", MI, None),
        ("He previously was an alcoholic, but quit in 1984.", ALCOHOL, None),
        ("ETOH abuse (quit '92).", ALCOHOL, None),
        ("She was a heavy drinker until about 1998.", ALCOHOL, None),
        ("At age 14, she took too many aspirin.", DRUG, None),
        ("His Plavix is discontinued.", DRUG, None),
        ("She developed a wound infection, which has since healed.", INFECTION, None),
        ("At that time, she was pregnant.", PREGNANT, None),
        ("The patient was the product of an uncomplicated pregnancy.", PREGNANT, None),
        ("The patient was born at 37 weeks' gestation.", PREGNANT, None),
        # a past history of cancer being treated now is active
        ("Past medical history of colon cancer being treated actively with FOLFOX.",
         CANCER, True),
        # not dated by the other clause's time
        ("Radiation 20 years ago; she now presents with an acute myocardial infarction.",
         MI, True),
        # a symptom's onset date is not a past event
        ("Left calf swelling that started 3 weeks ago.", ("wells-dvt", "calf_swelling_3cm"),
         None),
        ("A DVT of the left leg two months ago.", PREV_DVT, True),
        # 'until' a future point is today's treatment
        ("Continue heparin for the DVT until the INR is therapeutic.", PREV_DVT, None),
        # ending a habit is not ending a thrombosis
        ("He is planning to quit smoking before surgery to decrease the DVT rate.",
         PREV_DVT, None),
    ],
)
def test_past_events_and_states(note: str, item: tuple[str, str],
                                expected: bool | None) -> None:
    _check(note, item, expected)


# --- Names that are not the finding ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("Standard ASA monitors were applied.", DRUG, None),
        ("ASA class II.", DRUG, None),
        ("Negative CVA tenderness bilaterally.", STROKE, None),
        ("The patient is lying in bed in no acute distress.", BED, None),
        ("He is unable to walk very far without tiring.", BED, None),
        ("Estrogen receptor positive breast carcinoma.", ESTROGEN, None),
        ("Ancef was given for infection prophylaxis.", INFECTION, None),
        ("Gonorrhea infection titer test.", INFECTION, None),
        ("True left vocal cord paralysis.", PARALYSIS, None),
        ("Benign neoplasm of the rectum.", CANCER, None),
        ("She will return to the cancer center next week.", CANCER, None),
        ("She began on thyroid hormone replacement.", ESTROGEN, None),
        ("Surgery is consulted today.", SURGERY, None),
        # the finding itself
        ("He takes ASA 81 mg daily.", DRUG, True),
        ("Acute CVA with right hemiparesis.", STROKE, True),
        ("He is unable to walk.", BED, True),
        ("Infection of the left foot.", INFECTION, True),
        ("She is on hormone replacement therapy.", ESTROGEN, True),
    ],
)
def test_names_that_are_not_the_finding(note: str, item: tuple[str, str],
                                        expected: bool | None) -> None:
    _check(note, item, expected)


# --- A pseudo-trigger over a coordinated list ----------------------------------------------------
# NegEx's pseudo-trigger "no change in" hides the "no" it holds; after its own noun phrase the
# list is ambiguous ("no change in X, Y or Z": no change in Y, or no Y?): the items are
# uncertain, neither present nor denied, while the phrase itself stays present and unchanged.

SWELLING = ("perc", "unilateral_leg_swelling")
HEMOPTYSIS = ("perc", "hemoptysis")


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("No change in her appetite, weight, rectal bleeding or melena.", BLEED, None),
        ("No significant change in his bowel habits or rectal bleeding.", BLEED, None),
        ("No interval change in the size of the nodules or hemoptysis.", HEMOPTYSIS, None),
        ("No change in the appearance of the nodule in the right upper lobe of the lung, "
         "or hemoptysis.", HEMOPTYSIS, None),
        ("No increase in his dyspnea, cough, hemoptysis, or fever.", HEMOPTYSIS, None),
        ("No further chest pain, hemoptysis or dyspnea.", HEMOPTYSIS, None),
        ("He is no longer on warfarin, aspirin or clopidogrel.", DRUG, None),
        # the pseudo-trigger's own phrase keeps its reading: present, unchanged
        ("No change in the swelling of the left leg.", SWELLING, True),
        ("No increase in the left calf swelling, pain or redness.", SWELLING, True),
        ("No change in the rectal bleeding since yesterday.", BLEED, True),
        # a termination term ends the list; a plain denial still denies the whole list
        ("No change in her bowels but she reports hemoptysis.", HEMOPTYSIS, True),
        ("No chest pain, dyspnea or hemoptysis.", HEMOPTYSIS, False),
        # a finding in another sentence is not in the list
        ("He is on aspirin. No change in his diet, exercise or weight.", DRUG, True),
    ],
)
def test_a_pseudo_trigger_over_a_list(note: str, item: tuple[str, str],
                                      expected: bool | None) -> None:
    _check(note, item, expected)


def test_the_list_after_a_pseudo_trigger_is_said_to_be_uncertain() -> None:
    out = extract("No change in her appetite, abdominal pain, rectal bleeding or melena.",
                  "has-bled")
    why = next(m["reason"] for m in out["missing"] if m["input"] == "bleeding_history")
    assert "only with doubt" in why, why


# --- A date belongs to its own clause ----------------------------------------------------------
# "more than 14 days ago" makes a mention past only when the time is in its clause: a
# conjunction that begins a new clause (a subject or a verb of its own) ends a time's reach,
# one joining nouns does not (ConText's scope ends at a clause boundary, Harkema 2009).

PREV_DVT_WELLS = ("wells-dvt", "previous_dvt")
HISTORY_VTE = ("caprini-2005", "history_of_vte")


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("She has a DVT and quit smoking last year.", PREV_DVT, None),
        ("He has a left leg DVT and stopped drinking two years ago.", PREV_DVT_WELLS, None),
        ("She has a DVT and quit smoking in 2019.", HISTORY_VTE, None),
        ("He has a pulmonary embolism, and he had knee surgery 3 years ago.", PREV_DVT, None),
        ("Last year she retired and now has a DVT.", PREV_DVT, None),
        # the time in the mention's own clause, or nouns joined: still previous
        ("She had a DVT and a PE two years ago.", PREV_DVT, True),
        ("She had a DVT two years ago and quit smoking last week.", PREV_DVT, True),
        ("A pulmonary embolism three weeks ago.", PREV_DVT, True),
        ("Hospitalized in 1996 with a pulmonary embolism.", PREV_DVT, True),
        # a denial goes on over a new clause
        ("No fever and denies hemoptysis.", HEMOPTYSIS, False),
    ],
)
def test_a_date_belongs_to_its_own_clause(note: str, item: tuple[str, str],
                                          expected: bool | None) -> None:
    _check(note, item, expected)


def test_a_history_cue_goes_on_over_a_new_clause() -> None:
    # the clause boundary ends a time's reach only, not a history cue's ("used to")
    note = "She used to smoke and quit at the time of her bypass surgery."
    assert extract(note, "caprini-2005")["inputs"].get("surgery_type") in (None, "none")


# --- A history list is past to its end ------------------------------------------------------------
# A cause ("due to", "secondary to") is part of a past condition's phrase: it ends a denial but
# not a history cue's scope, so a list after "history of" stays past over it ("Patient has a
# history of neuropathy due to diabetes (disorder), ..., urinary tract infection").


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("Patient has a history of anemia (disorder), neuropathy due to type 2 diabetes "
         "mellitus (disorder), prediabetes, escherichia coli urinary tract infection, stress "
         "(finding).", INFECTION, None),
        ("History of kidney disease secondary to hypertension, gout, and cellulitis.",
         INFECTION, None),
        ("Status post orchiectomy secondary to testicular cancer, stable.", CANCER, None),
        # a heading named "history" is not a cue, a 'now' word still ends the history
        ("HISTORY OF PRESENT ILLNESS: She has a cellulitis of the left leg.", INFECTION, True),
        ("History of COPD and recent pneumonia.", INFECTION, True),
        # a cause still ends a denial
        ("No anticoagulation due to a massive GI bleed.", BLEED, True),
    ],
)
def test_a_history_list_is_past_to_its_end(note: str, item: tuple[str, str],
                                          expected: bool | None) -> None:
    _check(note, item, expected)


# --- A social finding whose name holds a negation word ----------------------------------------
# "not in labor force" (a finding in Synthea's history list) is a NegEx pseudo-trigger: it
# denies nothing after it; silence about an item must stay missing, never "no".


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("Patient has a history of hypertension, not in labor force (finding), unhealthy "
         "alcohol drinking behavior (finding).", ALCOHOL, None),
        ("He is not in the labor force, with a history of myocardial infarction.", MI, None),
        # a denial after it still denies
        ("Not in labor force. He denies alcohol use.", ALCOHOL, False),
    ],
)
def test_a_social_finding_is_not_a_denial(note: str, item: tuple[str, str],
                                          expected: bool | None) -> None:
    _check(note, item, expected)


# --- The present perfect of an operation ------------------------------------------------
# "She has had a hysterectomy" tells a past operation, not the one the assessment is for
# (Caprini 2005's type of surgery); a date still counts it in a window; other findings in the
# present perfect ("has had left leg swelling for 3 days") stay present.

SURGERY_TYPE = ("caprini-2005", "surgery_type")


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("She has had a hysterectomy.", SURGERY_TYPE, None),
        ("He has undergone two knee replacements.", SURGERY_TYPE, None),
        ("The patient has had left nephrectomy and splenectomy.", SURGERY_TYPE, None),
        # dated within the window, or this admission's: still counted
        ("She has had a total knee replacement 10 days ago.", SURGERY, True),
        ("He underwent a hysterectomy today.", SURGERY, True),
        # not an operation: present
        ("She has had left leg swelling for 3 days.", SWELLING, True),
    ],
)
def test_the_present_perfect_of_an_operation_is_past(note: str, item: tuple[str, str],
                                                     expected: bool | None) -> None:
    _check(note, item, expected)


def test_a_planned_operation_still_counts_for_caprini() -> None:
    assert extract("She is scheduled for a hysterectomy.", "caprini-2005")["inputs"].get(
        "surgery_type") == "major_open_over_45min"


@pytest.mark.parametrize(("days", "answered"), [(10, True), (14, True), (15, None), (20, None)])
@pytest.mark.parametrize(("sentence", "item"), [
    ("She had pneumonia {days} days ago.", INFECTION),
    ("A myocardial infarction {days} days ago.", MI),
])
def test_the_fourteen_day_edge_of_contexts_temporality(
        sentence: str, item: tuple[str, str], days: int, answered: bool | None) -> None:
    """ConText (Harkema 2009, doi:10.1016/j.jbi.2009.05.002): an event more than 14 days
    before the encounter is historical. A present-finding item is answered by one 14 days ago,
    and left unknown (never "no") by one 15 days ago."""
    instrument, input_id = item
    assert extract(sentence.format(days=days), instrument)["inputs"].get(input_id) is answered


# --- Third round (docs/validation/notes-real.md) -----------------------------------------------

STROKE_HISTORY = ("has-bled", "stroke_history")
COPD = ("caprini-2005", "copd")
RENAL = ("has-bled", "abnormal_renal_function")


def _surgery_type(note: str) -> Any:
    return _value(note, SURGERY_TYPE)


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        # a question mark written against the finding: the shorthand for a possible one
        ("Past history: hypertension, ?stroke and diabetes.", STROKE_HISTORY, None),
        ("Problems: 1. Diabetes. 2. COPD?", COPD, None),
        ("Does she have COPD?", COPD, None),
        # without it, affirmed
        ("Past history: hypertension, stroke and diabetes.", STROKE_HISTORY, True),
        ("Problems: 1. Diabetes. 2. COPD.", COPD, True),
        # a question mark between two letters (a transcribed apostrophe) is not a cue
        ("The patient?s COPD is stable.", COPD, True),
    ],
)
def test_a_question_mark_glued_to_a_finding(note: str, item: tuple[str, str],
                                            expected: bool | None) -> None:
    _check(note, item, expected)


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        # the consent discussion: "risks to include"
        ("She accepts the risks to include bleeding, infection and stroke.", STROKE, None),
        ("He accepts the risks to include infection.", INFECTION, None),
        ("She had a stroke last week; the risks to include bleeding were discussed.",
         STROKE, True),
        # "unless" opens a condition, as "if" does, and still ends a denial before it
        ("No antibiotics are needed unless pneumonia develops.", INFECTION, None),
        ("Drainage is preferred unless a laparoscopic cholecystectomy is needed.",
         SURGERY_TYPE, None),
        ("She has pneumonia, unless told otherwise by the radiologist.", INFECTION, True),
        # a disjunction names two possibilities and affirms neither
        ("The collection is either an abscess or a hematoma.", INFECTION, None),
        ("Either way, she has pneumonia.", INFECTION, True),
        # the thinking, an initial thought: a possibility considered
        ("The thinking is that the fever comes from pneumonia.", INFECTION, None),
        ("Initial thoughts were to do a hysterectomy.", SURGERY_TYPE, None),
        ("Her thinking is clear. She has pneumonia.", INFECTION, True),
        # "is likely to" hedges what follows; "X is likely" still hedges X
        ("He is likely to need dialysis within the year.", RENAL, None),
        ("Pneumonia is likely.", INFECTION, None),
        ("He is on dialysis and is likely to improve.", RENAL, True),
    ],
)
def test_a_condition_a_disjunction_or_a_hedge(note: str, item: tuple[str, str],
                                             expected: bool | None) -> None:
    _check(note, item, expected)


def test_a_probable_plan_is_a_plan_for_caprini() -> None:
    # "is likely going to undergo" is planned (as "will likely undergo"), never present
    note = "She is likely going to undergo a hysterectomy in the spring."
    assert _surgery_type(note) == "major_open_over_45min"
    assert _value(note, SURGERY) is None


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # the trace of a past operation: post-surgical changes on an image, a scar
        ("Postoperative changes of a right hemicolectomy are seen.", None),
        ("There are changes of cholecystectomy.", None),
        ("Post-surgical changes from a hysterectomy.", None),
        ("Well-healed appendectomy scar.", None),
        ("Abdomen: laparotomy scars.", None),
        # the operation done, and wires or sutures (also on a film after this admission's
        # operation): still counted
        ("She had a right hemicolectomy today.", "major_open_over_45min"),
        ("Sternotomy wires are in place after the sternotomy.", "major_open_over_45min"),
    ],
)
def test_the_trace_of_a_past_operation(note: str, expected: str | None) -> None:
    assert _surgery_type(note) == expected


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        # a denial of what is found at an operation's place is not a denial of the operation
        # (a wrong "no"): unknown
        ("There is no fluid collection in the cholecystectomy bed.", SURGERY_TYPE, None),
        ("No bleeding at the polypectomy site.", ("caprini-2005", "major_surgery_past_month"),
         None),
        ("No tenderness over the appendectomy scar.", SURGERY_TYPE, None),
        # the operation itself denied, or an operative note's incision: still read
        ("No prior cholecystectomy.", SURGERY_TYPE, "none"),
        ("A median sternotomy incision was made.", SURGERY_TYPE, "major_open_over_45min"),
    ],
)
def test_an_operation_named_as_a_place(note: str, item: tuple[str, str],
                                       expected: str | None) -> None:
    assert _value(note, item) == expected


def test_changes_of_a_disease_are_the_disease() -> None:
    # a plain "changes of" is historical only before an operation's name
    assert _value("Changes of COPD are seen on the chest film.", COPD) is True


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        # education about a treatment, or under a patient-education heading
        ("She will attend dialysis teaching.", RENAL, None),
        ("He met the dialysis educator.", RENAL, None),
        ("Given information about dialysis education.", RENAL, None),
        # a negated education is not a denial of the treatment: unknown, never "no"
        ("He has not been to dialysis education yet.", RENAL, None),
        ("PATIENT EDUCATION: Pneumonia and asthma.", INFECTION, None),
        ("EDUCATIONAL MATERIAL PROVIDED: Urinary tract infection.", INFECTION, None),
        # the treatment itself; a heading of schooling does not change the status
        ("He is on dialysis three times a week.", RENAL, True),
        ("EDUCATION: College graduate.\nIMPRESSION: Pneumonia.", INFECTION, True),
    ],
)
def test_education_about_a_finding_is_not_the_finding(note: str, item: tuple[str, str],
                                                      expected: bool | None) -> None:
    _check(note, item, expected)


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        # an approximate past year dates the event as an exact one does
        ("In about 1995, she had pneumonia.", INFECTION, None),
        ("Pneumonia in approximately 2001.", INFECTION, None),
        ("About 2 days ago she developed pneumonia.", INFECTION, True),
        # a heading of past operations is a past history, also over the list below it
        ("PAST SURGERIES:\n1. Appendectomy as a child.\n2. Hysterectomy.", SURGERY_TYPE, None),
        ("PRIOR OPERATIONS:\n1. Hernia repair.\n2. Right colectomy for colon cancer.",
         CANCER, None),
        ("PROCEDURES PERFORMED:\n1. Right colectomy for colon cancer.", CANCER, True),
    ],
)
def test_a_past_year_or_a_past_operations_heading(note: str, item: tuple[str, str],
                                                  expected: bool | None) -> None:
    _check(note, item, expected)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # a patient or a limb held still for a procedure or transport is not immobility
        ("The patient was positioned and immobilized for the scan.", None),
        ("He was immobilized with a cervical collar.", None),
        ("She was placed on a backboard and immobilized.", None),
        ("Her arm was immobilized in a sling.", None),
        ("The leg is immobilized as well in a splint.", None),
        ("- bone immobilization", None),
        # immobility
        ("She has been immobilized for two weeks.", True),
        ("Prolonged immobilization after the fall.", True),
        ("He is immobilized in bed.", True),
    ],
)
def test_held_still_is_not_immobility(note: str, expected: bool | None) -> None:
    _check(note, BED, expected)


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        # ConText's experiencer "other": another person named by a relation, or generically
        ("Her therapist was pregnant.", PREGNANT, None),
        ("Her friend has lung cancer.", CANCER, None),
        ("When a person has heart failure, the BNP rises.",
         ("padua", "heart_or_respiratory_failure"), None),
        ("Someone with a stroke needs rehabilitation.", STROKE, None),
        # company and informants are not experiencers; the patient's own finding stays hers
        ("He lives with a friend and is wheelchair-bound.", BED, True),
        ("Her friend reports she has been bedridden for a week.", BED, True),
        ("Per her roommate, she has been bedridden for a week.", BED, True),
        ("Someone found her at home; she has lung cancer.", CANCER, True),
    ],
)
def test_another_persons_finding(note: str, item: tuple[str, str],
                                 expected: bool | None) -> None:
    _check(note, item, expected)


# A heading in capitals alone on its line, without a colon, as transcribed notes also write it
# (medspaCy's sectionizer idea, Eyre 2021): its list is past, and a capitals line of two words
# or more ("PHYSICAL EXAMINATION") ends it; a one-word capitals line ("CHF") does not.
@pytest.mark.parametrize(("note", "item", "expected"), [
    ("PAST MEDICAL HISTORY\n1. Breast cancer.\n2. Hypertension.\n", CANCER, None),
    ("PAST MEDICAL HISTORY  \nHypertension.\nPulmonary embolism.\n", PREV_DVT, True),
    ("PAST MEDICAL HISTORY\nPulmonary embolism.\n", CANCER_ANY, None),
    ("FAMILY HISTORY\nDVT in her mother.\n", FAMILY_VTE, True),
    # what follows the next heading of two words is present again
    ("PAST MEDICAL HISTORY\nHypertension.\nPHYSICAL EXAMINATION\nBreast cancer with a mass.\n",
     CANCER, True),
    # a one-word capitals line inside a colon heading's list keeps the list past
    ("PAST MEDICAL HISTORY:\nCHF\nBreast cancer.\n", CANCER, None),
    # the affirmed forms: no heading, or a heading of the present
    ("Breast cancer on chemotherapy.\n", CANCER, True),
    ("HISTORY OF PRESENT ILLNESS\nBreast cancer on chemotherapy.\n", CANCER, True),
])
def test_a_heading_in_capitals_without_a_colon(note: str, item: tuple[str, str],
                                                expected: bool | None) -> None:
    _check(note, item, expected)


def test_a_past_operation_under_a_heading_without_a_colon_is_not_the_operation() -> None:
    assert _surgery_type("PAST SURGICAL HISTORY\n1. Hysterectomy.\n2. Appendectomy.\n") is None
