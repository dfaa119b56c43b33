"""The general patterns added for recall (docs/notes.md, "Rules came from general patterns"):
each test is written from the pattern's own wording, never from a benchmark note, and checks
that the denied, past-only or conditional form of the same words stays non-present."""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.core.notes import measurements
from clotwatch.notes import extract


def _inputs(note: str, instrument: str) -> dict[str, Any]:
    return extract(note, instrument)["inputs"]  # type: ignore[no-any-return]


# --- HAS-BLED H: uncontrolled hypertension, systolic > 160 mmHg (Pisters 2010) ---------------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Known hypertension, which despite three drugs, remains poorly controlled.", True),
        ("Past history of uncontrolled hypertension.", True),  # a lasting state
        ("History of hypertension. BP today 178/96.", True),
        ("Hypertension on amlodipine, clinic readings show a lack of control (170/104).", True),
        ("Systolic pressure of 166 mmHg at triage.", True),
        # a current statement or reading outranks a past 'uncontrolled'
        ("History of uncontrolled hypertension, although his blood pressure is now well "
         "controlled.", False),
        ("History of uncontrolled hypertension. BP today 128/80.", False),
        ("Hypertension, well controlled on ramipril.", False),
        ("Treated hypertension.", None),  # treated is not uncontrolled; unknown stays missing
        ("She has high blood pressure on medication.", None),  # treated, not uncontrolled
        ("His BP was not controlled on two drugs.", True),
        ("BP has been poorly controlled.", True),
        ("Blood pressure remains not well controlled.", True),
        ("If systolic pressure rises above 170 mmHg, call the registrar.", None),
    ],
)
def test_hasbled_hypertension(note: str, expected: bool | None) -> None:
    assert _inputs(note, "has-bled").get("hypertension") is expected


def test_hasbled_liver_biochemical_criterion_needs_both_numbers() -> None:
    both = "Bilirubin 2.5 x ULN and ALT four times the upper limit of normal."
    assert _inputs(both, "has-bled").get("abnormal_liver_function") is True
    only_enzymes = "AST and ALT were 4 times the normal value."
    assert "abnormal_liver_function" not in _inputs(only_enzymes, "has-bled")
    low = "Bilirubin 1.5 times the ULN, AST 5 times the ULN."
    assert "abnormal_liver_function" not in _inputs(low, "has-bled")
    for chronic in ("He has alcoholic liver disease.", "Biopsy: advanced liver fibrosis.",
                    "Known ALD with ascites."):
        assert _inputs(chronic, "has-bled").get("abnormal_liver_function") is True


@pytest.mark.parametrize(
    "note",
    [
        "He suffered significant bleeding after a tooth extraction.",
        "Admitted last year with an episode of bleeding requiring transfusion.",
        "An instance of severe haemorrhage during surgery.",
    ],
)
def test_hasbled_bleeding_named_by_severity_or_need(note: str) -> None:
    assert _inputs(note, "has-bled").get("bleeding_history") is True


@pytest.mark.parametrize(
    "note",
    [
        "He has escaped any major bleeding episodes in the past.",
        "No significant bleeding.",
        "Her bleeding risk is significant.",
    ],
)
def test_hasbled_bleeding_not_from_denials_or_risk(note: str) -> None:
    assert _inputs(note, "has-bled").get("bleeding_history") is not True


def test_new_clause_ends_a_denial_but_not_after_that() -> None:
    note = "While there is no history of stroke, he had significant bleeding at a dental visit."
    got = _inputs(note, "has-bled")
    assert got.get("bleeding_history") is True
    assert got.get("stroke_history") is False
    denied = "She denies that she had significant bleeding."
    assert _inputs(denied, "has-bled").get("bleeding_history") is not True


def test_alcohol_written_as_weekly_beverages() -> None:
    assert _inputs("A weekly average of 12 alcoholic beverages.", "has-bled")["alcohol"] is True
    assert _inputs("Two glasses of wine per night.", "has-bled")["alcohol"] is True  # 14/week


# --- Wells, Geneva, Padua: active cancer within the treatment window ------------------------

def test_cancer_diagnosed_within_six_months_is_active_but_not_years_ago() -> None:
    recent = "Four months ago he was diagnosed with a sarcoma and had five cycles of chemotherapy."
    assert _inputs(recent, "wells-pe").get("malignancy") is True
    assert _inputs(recent, "wells-dvt").get("active_cancer") is True
    old = "Breast cancer diagnosed five years ago, treated with surgery."
    assert "malignancy" not in _inputs(old, "wells-pe")


def test_lasting_paralysis_counts_from_the_past_history() -> None:
    note = "He sustained paraplegia at T5 in a car crash in 1987."
    assert _inputs(note, "wells-dvt").get("paralysis_or_cast") is True
    assert _inputs("No history of paraplegia.", "wells-dvt").get("paralysis_or_cast") is not True
    # a transient weakness in the past is not a present paresis
    assert "paralysis_or_cast" not in _inputs("Previous leg weakness, resolved.", "wells-dvt")


def test_postoperative_alone_is_not_an_operation() -> None:
    note = "She made a good postoperative recovery and was discharged."
    assert "bedridden_or_major_surgery" not in _inputs(note, "wells-dvt")
    dated = "Postoperative day 3 after a hemicolectomy."
    assert _inputs(dated, "wells-dvt").get("bedridden_or_major_surgery") is True


# --- swelling, tenderness, family history, Caprini wordings ---------------------------------

def test_leg_signs_written_apart() -> None:
    note = "His right leg is visibly swollen to mid-calf. The leg is tender."
    assert _inputs(note, "wells-pe").get("dvt_signs") is True
    assert _inputs("Mild calf swelling on her left leg.", "perc")["unilateral_leg_swelling"]
    assert _inputs("No tenderness of the leg. Right leg swollen.", "wells-pe").get(
        "dvt_signs") is False


def test_family_history_is_a_forward_trigger() -> None:
    note = "She has long-standing Crohn's disease and a family history of thrombosis."
    got = _inputs(note, "caprini-2005")
    assert got.get("inflammatory_bowel_disease") is True
    assert got.get("family_history_thrombosis") is True
    # a relative named before or after the finding still makes it the relative's
    assert "inflammatory_bowel_disease" not in _inputs("Her mother has Crohn's disease.",
                                                        "caprini-2005")


def test_caprini_wordings() -> None:
    got = _inputs(
        "Admitted after elective lower extremity arthroplasty. PMH of Factor V. "
        "Body mass index, in the normal range, is 23 kg/m2. He is able to walk unaided. "
        "She has protein C deficiency.",
        "caprini-2005",
    )
    assert got["surgery_type"] == "elective_lower_extremity_arthroplasty"
    assert got["factor_v_leiden"] is True
    assert got["bmi"] == 23.0
    assert got["mobility"] == "ambulatory"
    assert got["other_thrombophilia"] is True
    assert "factor_v_leiden" not in _inputs("Factor V deficiency.", "caprini-2005")


def test_blood_pressure_numbers_near_hypertension_words() -> None:
    kinds = {m.kind: m.value for m in measurements("uncontrolled hypertension (182/111)")}
    assert kinds["systolic_bp"] == 182.0
    assert not [m for m in measurements("systolic function with EF of 55%")
                if m.kind == "systolic_bp"]


def test_caprini_one_operation_is_not_counted_twice() -> None:
    got = extract("A major laparoscopic colectomy lasting 3 hours was done two days ago.",
                  "caprini-2005")
    assert got["inputs"]["surgery_type"] == "laparoscopic_over_45min"
    assert "major_surgery_past_month" not in got["inputs"]  # unknown, not "no"
    reason = next(m["reason"] for m in got["missing"] if m["input"] == "major_surgery_past_month")
    assert "surgery_type" in reason


def test_forward_and_backward_cue_on_the_same_words_both_apply() -> None:
    # "years ago" is a forward and a backward history trigger: the cancer before it is past
    note = "Breast cancer diagnosed five years ago, treated with surgery."
    assert "malignancy" not in _inputs(note, "wells-pe")


@pytest.mark.parametrize(
    ("note", "instrument", "item"),
    [
        ("He has no history of major bleeding episodes.", "has-bled", "bleeding_history"),
        ("She denies any history of major bleeding.", "has-bled", "bleeding_history"),
        ("No episodes of bleeding requiring transfusion.", "has-bled", "bleeding_history"),
        ("There is no history of paraplegia.", "wells-dvt", "paralysis_or_cast"),
    ],
)
def test_a_denial_that_runs_into_the_finding_still_denies_it(
    note: str, instrument: str, item: str
) -> None:
    # the cue ("no history of") and the finding ("history of major bleeding") share words
    got = extract(note, instrument)
    assert got["inputs"].get(item) is not True
    assert all(e["value"] is not True for e in got["evidence"] if e["input"] == item)


def test_respectively_pairs_names_and_values_in_order() -> None:
    got = {m.kind: (m.value, m.qualifier) for m in measurements(
        "HR, temperature and SpO2 were 112, 38.2 and 91% on 4 L, respectively.")}
    assert got["heart_rate"] == (112.0, None)
    assert got["spo2"] == (91.0, "on oxygen")  # the temperature keeps the places aligned
    assert not measurements("Her children are 3 and 5, respectively.")
    # names and values that do not pair up are left alone
    assert "spo2" not in {m.kind for m in measurements(
        "Pulse and SpO2 were recorded; 88 respectively.")}


def test_cerebrovascular_insult_is_a_stroke() -> None:
    note = "A recent cerebrovascular insult two weeks ago prolonged his stay."
    assert _inputs(note, "caprini-2005").get("stroke_past_month") is True


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"measure": "pulse_pressure", "source": "s"}, "unknown measure"),
        ({"measures_all": {"bilirubin_uln": {"over": 2}}, "source": "s"}, "unknown threshold"),
        ({"concepts": ["no_such_concept"], "source": "s"}, "unknown concept"),
        ({"concepts": ["stroke"]}, "general pattern"),
    ],
)
def test_rule_files_are_checked_when_loaded(raw: dict[str, Any], message: str) -> None:
    from clotwatch.notes.rules import _input_rule

    with pytest.raises(ValueError, match=message):
        _input_rule("en/instruments/x.json: y", raw, {"stroke"})


def test_possible_complications_stay_doubtful() -> None:
    # the complications of a treatment, discussed, are not the patient's events
    note = "We discussed possible complications of warfarin, including major bleeding."
    assert _inputs(note, "has-bled").get("bleeding_history") is not True


@pytest.mark.parametrize(
    ("note", "instrument", "item"),
    [
        ("Her legs are not swollen.", "caprini-2005", "swollen_legs"),
        ("The legs show no swelling.", "caprini-2005", "swollen_legs"),
        ("Lower extremities without any swelling.", "caprini-2005", "swollen_legs"),
        ("Swelling was not noted in the legs.", "caprini-2005", "swollen_legs"),
        ("Edema is absent in both legs.", "caprini-2005", "swollen_legs"),
        ("He had no chemotherapy.", "wells-pe", "malignancy"),
    ],
)
def test_a_denial_inside_the_matched_words_denies_the_finding(
    note: str, instrument: str, item: str
) -> None:
    # concept patterns allow a few words between a body part and a finding; a denial among
    # those words must not be read past
    assert _inputs(note, instrument).get(item) is not True


def test_a_negation_that_is_part_of_the_meaning_is_kept() -> None:
    assert _inputs("He walks without aid.", "caprini-2005").get("mobility") == "ambulatory"
    assert _inputs("Hypertension, not well controlled.", "has-bled").get("hypertension") is True
    assert "mobility" not in _inputs("She is able to walk no more than five metres.",
                                     "caprini-2005")


def test_bed_phrases_with_a_possessive_or_a_duration() -> None:
    assert _inputs("She remained confined to her bed.", "wells-pe").get(
        "immobilization_or_surgery") is True
    assert _inputs("He has been in bed for two weeks.", "caprini-2005")["mobility"] == (
        "confined_over_72h")
    assert _inputs("She denies any days in bed.", "wells-pe").get(
        "immobilization_or_surgery") is not True


# --- Treatment for a past event implies the event ---------------------------------------------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("He is on a blood thinner after a pulmonary embolism.", True),
        ("She takes warfarin for a DVT.", True),
        ("Remains on lifelong apixaban since her PE.", True),
        ("She is anticoagulated for a prior DVT.", True),
        ("Chronically anticoagulated following a DVT.", True),
        # a denial of the treatment is not a denial of the event it followed
        ("He is no longer on a blood thinner after his PE.", True),
        ("Stopped warfarin since the DVT.", True),
        # today's treatment, prophylaxis, a plan or a doubt is not a previous event
        ("Started on apixaban for DVT.", None),
        ("Discharged on rivaroxaban for the DVT.", None),
        ("On apixaban for DVT prophylaxis.", None),
        ("Will need a blood thinner if a PE is found.", None),
        ("On warfarin for suspected DVT.", None),
        # the treatment words do not reach another event far along the sentence
        ("She takes warfarin for atrial fibrillation and her mother had a DVT.", None),
        # a denied event stays denied
        ("No history of DVT or PE; on warfarin for atrial fibrillation.", False),
    ],
)
def test_treatment_for_a_past_event_implies_the_event(note: str, expected: bool | None) -> None:
    assert _inputs(note, "wells-pe").get("previous_vte") is expected
    assert _inputs(note, "perc").get("previous_vte") is expected


# --- The reason for this presentation is recent; the person is some time after an event ------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Came to the hospital after a fall, resulting in a fracture of her hip.", True),
        ("He presents with a left femoral shaft fracture.", True),
        ("Admitted following a fall with a tibial fracture.", True),
        # an explicit date still wins; a denial, a past or another sentence does not count
        ("He presents with a hip fracture sustained 3 months ago.", None),
        ("She presents with leg pain and has no history of hip fracture.", False),
        ("She presented with chest pain. She once had a hip fracture.", None),
        ("Presents with calf pain, fever and a cough productive of green sputum for a week, "
         "and she mentions a hip fracture.", None),  # too far from the presenting words
        ("Presents after a fall; X-ray to rule out hip fracture.", None),
    ],
)
def test_the_reason_for_this_presentation_is_recent(note: str, expected: bool | None) -> None:
    assert _inputs(note, "caprini-2005").get("hip_pelvis_leg_fracture") is expected


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("61-year-old man ten days after knee surgery with a painful left calf.", True),
        ("She is now 3 weeks post hip replacement.", True),
        ("She presented 10 days after a hip replacement with calf pain.", True),
        # too long ago for the 12-week window: unknown, never a 'no' from the time alone
        ("A woman five months after knee surgery.", None),
        # dated from another event, not from today
        ("He developed a rash ten days after knee surgery.", None),
        ("The wound broke down ten days after knee surgery in 2019.", None),
    ],
)
def test_the_person_is_some_time_after_an_event(note: str, expected: bool | None) -> None:
    assert _inputs(note, "wells-dvt").get("bedridden_or_major_surgery") is expected


# --- A stay in bed counts with its duration: more than three days ------------------------------

@pytest.mark.parametrize(
    ("note", "wells_pe", "caprini"),
    [
        ("He has been in bed for the past 4 days.", True, "confined_over_72h"),
        ("Ten days in bed after the flu.", True, "confined_over_72h"),
        ("In bed for a week.", True, "confined_over_72h"),
        # a stay in bed shorter than the instruments' three days does not answer
        ("He has been in bed for two days.", None, None),
        ("Two days in bed with a cold.", None, None),
        # denied or conditional
        ("He has not been in bed for the past 4 days.", None, None),
        ("If he stays in bed for the past 4 days, call.", None, None),
    ],
)
def test_a_stay_in_bed_needs_more_than_three_days(
    note: str, wells_pe: bool | None, caprini: str | None
) -> None:
    assert _inputs(note, "wells-pe").get("immobilization_or_surgery") is wells_pe
    assert _inputs(note, "caprini-2005").get("mobility") == caprini


# --- An either-or item is no only when each part is denied -------------------------------------

@pytest.mark.parametrize(
    ("note", "instrument", "input_id", "expected"),
    [
        ("He is not bedridden.", "wells-pe", "immobilization_or_surgery", None),
        ("No recent surgery.", "wells-pe", "immobilization_or_surgery", None),
        ("No recent surgery or immobilisation.", "wells-pe", "immobilization_or_surgery", False),
        ("No history of DVT.", "wells-pe", "previous_vte", None),
        ("Denies any previous pulmonary embolism.", "caprini-2005", "history_of_vte", None),
        ("No history of DVT or PE.", "perc", "previous_vte", False),
        # the umbrella term names both parts
        ("No history of VTE.", "wells-pe", "previous_vte", False),
        ("No prior venous thromboembolism.", "caprini-2005", "history_of_vte", False),
        ("Denies previous DVT. No prior pulmonary embolism.", "geneva-revised", "previous_vte",
         False),
        ("No recent trauma.", "perc", "recent_surgery_or_trauma", None),
        ("No heart failure.", "padua", "heart_or_respiratory_failure", None),
        # one part present is yes, whatever the other
        ("Not bedridden; laparotomy 10 days ago.", "wells-pe", "immobilization_or_surgery",
         True),
    ],
)
def test_an_either_or_item_is_no_only_when_each_part_is_denied(
    note: str, instrument: str, input_id: str, expected: bool | None
) -> None:
    assert _inputs(note, instrument).get(input_id) is expected
