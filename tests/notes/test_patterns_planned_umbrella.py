"""The fourth round of general patterns (docs/notes.md): a planned operation, the umbrella term
VTE, a part of an item denied, a resolved cancer, a differential diagnosis, repeatedly high
blood pressure readings, a person being seen after an event, and a finding inside a cue's words.
Every sentence is written from the pattern, not copied from a benchmark note; each pattern is
checked with the forms that must stay non-present (denied, planned, past, uncertain)."""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.core.notes.context import status
from clotwatch.notes import extract


def _read(note: str, instrument: str) -> dict[str, Any]:
    return extract(note, instrument)  # type: ignore[no-any-return]


def _missing(result: dict[str, Any], input_id: str) -> str:
    return next(m["reason"] for m in result["missing"] if m["input"] == input_id)


# --- A planned operation: ConText hypothetical (Harkema 2009), narrowed to "planned" -----------

PLANNED = [
    "She is scheduled for a total knee arthroplasty next month; recent labs are normal.",
    "He is awaiting a laparoscopic cholecystectomy after a recent admission.",
    "Recently referred; she will undergo hip replacement surgery in two weeks.",
    "A laparoscopic colectomy was planned for her recent diagnosis.",
    "Upcoming knee surgery; she had a recent flight.",
]


@pytest.mark.parametrize("note", PLANNED)
@pytest.mark.parametrize(
    ("instrument", "item"),
    [
        ("wells-dvt", "bedridden_or_major_surgery"),
        ("wells-pe", "immobilization_or_surgery"),
        ("padua", "recent_trauma_or_surgery"),
        ("perc", "recent_surgery_or_trauma"),
        ("geneva-revised", "surgery_or_fracture_1_month"),
    ],
)
def test_planned_operation_is_not_a_recent_one(note: str, instrument: str, item: str) -> None:
    """Wells, Padua, PERC and Geneva ask for an operation that has happened: a planned one,
    with 'recent' elsewhere in its sentence, neither answers yes nor becomes 'no'."""
    result = _read(note, instrument)
    assert item not in result["inputs"]
    assert "planned" in _missing(result, item)


@pytest.mark.parametrize("note", PLANNED)
def test_caprini_planned_operation_is_not_a_past_one(note: str) -> None:
    """Caprini's 'major surgery in the last month' is an earlier operation: not the planned one."""
    assert "major_surgery_past_month" not in _read(note, "caprini-2005")["inputs"]


@pytest.mark.parametrize(
    ("note", "surgery_type"),
    [
        ("She is scheduled for a total knee arthroplasty next month.",
         "elective_lower_extremity_arthroplasty"),
        ("He is awaiting a laparoscopic cholecystectomy.", "laparoscopic_over_45min"),
        ("A knee arthroscopy is planned for Friday.", "arthroscopic"),
    ],
)
def test_caprini_scores_the_planned_operation(note: str, surgery_type: str) -> None:
    """Caprini 2005 is an assessment made for an operation: the planned one gives its type,
    with its status (hypothetical) in the evidence."""
    result = _read(note, "caprini-2005")
    assert result["inputs"]["surgery_type"] == surgery_type
    ev = next(e for e in result["evidence"] if e["input"] == "surgery_type")
    assert ev["status"] == "hypothetical"


@pytest.mark.parametrize(
    "note",
    [
        "Hip replacement is not planned.",  # denied
        "If a hip replacement is planned, she will need prophylaxis.",  # conditional
        "Her sister is scheduled for a hip replacement.",  # a relative's
        "A hip replacement might be planned.",  # doubt
    ],
)
def test_caprini_planned_needs_nothing_else_to_doubt_it(note: str) -> None:
    assert _read(note, "caprini-2005")["inputs"].get("surgery_type") in (None, "none")


def test_done_operation_still_counts_and_the_plan_cue_has_a_short_reach() -> None:
    done = "She had a total knee arthroplasty 10 days ago."
    assert _read(done, "wells-dvt")["inputs"]["bedridden_or_major_surgery"] is True
    # the plan's reach is six words: a finding later in a long sentence is not made future
    long = ("She is scheduled for a knee arthroscopy next month and today she has haemoptysis "
            "and left calf swelling.")
    assert _read(long, "wells-pe")["inputs"]["hemoptysis"] is True


def test_planned_status_is_hypothetical() -> None:
    assert status({"planned"}) == "hypothetical"
    assert status({"planned", "negated"}) == "negated"
    assert status({"planned", "historical"}) == "hypothetical"


# --- VTE names a DVT or a PE: Wells 2003 asks for a previously documented DVT -----------------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("History of VTE on warfarin.", None),
        ("Past medical history: venous thromboembolism in 2015.", None),
        ("Prior thromboembolic disease.", None),
        ("No history of VTE.", False),  # a VTE denied is a DVT denied
        ("Denies any prior venous thromboembolism.", False),
        ("History of VTE. No prior DVT.", False),  # the DVT is denied by name
        ("History of VTE (a left femoral DVT in 2015).", True),  # named
        ("Prior deep vein thrombosis of the left leg.", True),
        ("History of VTE in 2015. Denies any prior VTE.", None),  # a yes-word is not lowered
    ],
)
def test_wells_dvt_previous_dvt_and_the_umbrella_vte(note: str, expected: bool | None) -> None:
    result = _read(note, "wells-dvt")
    assert result["inputs"].get("previous_dvt") is expected
    if expected is None and "No" not in note and "Denies" not in note:
        assert "does not say which kind" in _missing(result, "previous_dvt")


@pytest.mark.parametrize("instrument", ["wells-pe", "perc", "padua", "geneva-revised"])
def test_vte_still_answers_either_or_items(instrument: str) -> None:
    assert _read("History of VTE.", instrument)["inputs"]["previous_vte"] is True
    assert _read("No history of VTE.", instrument)["inputs"]["previous_vte"] is False


def test_caprini_history_of_vte_from_the_umbrella_term() -> None:
    assert _read("History of VTE.", "caprini-2005")["inputs"]["history_of_vte"] is True


# --- Wells PE signs of DVT: one part denied, the rest unknown ---------------------------------

@pytest.mark.parametrize("note", ["No calf swelling. HR 110.", "The calf is not swollen."])
def test_wells_pe_dvt_signs_reason_names_the_denial_and_the_unknown(note: str) -> None:
    result = _read(note, "wells-pe")
    assert "dvt_signs" not in result["inputs"]
    reason = _missing(result, "dvt_signs")
    assert reason.startswith("the note denies")
    # named as Wells 2000 names the sign, never by rule ids ("localized tenderness or dvt signs")
    assert reason.endswith("; it does not mention pain on palpation of the deep veins or "
                           "swelling of one leg"), reason
    assert "_" not in reason and "dvt signs" not in reason


def test_an_all_of_rule_that_explains_a_denial_names_each_part() -> None:
    from clotwatch.notes.rules import _input_rule

    raw = {"all_of": [["localized_tenderness"], ["unilateral_leg_swelling"]],
           "explain_denied": ["localized_tenderness"], "source": "test"}
    with pytest.raises(ValueError, match="all_of_names"):
        _input_rule("wells-pe.json dvt_signs", raw,
                    {"localized_tenderness", "unilateral_leg_swelling"})


def test_wells_pe_dvt_signs_not_mentioned_stays_not_mentioned() -> None:
    assert _missing(_read("HR 110.", "wells-pe"), "dvt_signs") == "not mentioned in the note"


# --- A cancer in remission is not active (ConText historical: a resolved condition) ----------

@pytest.mark.parametrize(
    "note",
    [
        "Her breast cancer is currently in complete remission.",
        "Lymphoma, in remission since 2018.",
        "Given her remission from cancer, surgery was offered.",
    ],
)
def test_cancer_in_remission_is_not_active(note: str) -> None:
    for instrument, item in (("wells-dvt", "active_cancer"), ("wells-pe", "malignancy"),
                             ("padua", "active_cancer")):
        result = _read(note, instrument)
        assert item not in result["inputs"]
        assert "only in the past history" in _missing(result, item)
    # Caprini counts a present or previous malignancy
    assert _read(note, "caprini-2005")["inputs"]["malignancy"] is True


def test_active_cancer_still_active() -> None:
    assert _read("Metastatic lung cancer on chemotherapy.", "wells-dvt")["inputs"][
        "active_cancer"] is True


# --- A differential diagnosis lists possibilities --------------------------------------------

@pytest.mark.parametrize(
    "note",
    [
        "The differential diagnosis included lymphoma and sarcoidosis.",
        "Our differential at that point, besides infection, also included lymphoma.",
        "The differential by the haematology team comprised leukaemia or lymphoma.",
    ],
)
def test_differential_diagnosis_is_uncertain(note: str) -> None:
    result = _read(note, "wells-pe")
    assert "malignancy" not in result["inputs"]
    assert "only with doubt" in _missing(result, "malignancy")


def test_finding_inside_a_cues_words_is_in_its_scope() -> None:
    """'besides infection' sits between the differential's first and last words: it is a
    possibility too, not an affirmed infection."""
    note = "Our differential at that point, besides infection, also included lymphoma."
    assert "acute_infection_or_rheumatologic" not in _read(note, "padua")["inputs"]


# --- HAS-BLED H: repeatedly high readings are hypertension that is not controlled ------------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Hypertension, with several recorded high blood pressure readings in clinic.", True),
        ("Her blood pressure readings have been persistently elevated.", True),
        ("Multiple elevated BP measurements at home.", True),
        ("No high blood pressure readings in clinic.", None),
        ("If blood pressure readings are high, increase amlodipine.", None),
        ("Her mother had several high blood pressure readings.", None),
        ("One high blood pressure reading today; otherwise normal.", None),  # a single reading
    ],
)
def test_hasbled_repeatedly_high_readings(note: str, expected: bool | None) -> None:
    assert _read(note, "has-bled")["inputs"].get("hypertension") is expected


# --- The person being seen now, after an event: this episode's reason -------------------------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("She is being evaluated at a rehabilitation facility following multiple traumas.", True),
        ("He was seen in clinic after multiple trauma in a road collision.", True),
        ("She is being evaluated following multiple traumas sustained 3 months ago.", None),
        ("Her brother is being evaluated following multiple traumas.", None),
    ],
)
def test_caprini_presenting_after_an_event(note: str, expected: bool | None) -> None:
    assert _read(note, "caprini-2005")["inputs"].get("multiple_trauma") is expected


# --- A later presentation is the encounter the note ends in ----------------------------------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("First visit: HR 72, afebrile. Discharged on antibiotics. Three weeks later, the "
         "patient presented with chest pain; heart rate 118.", 118.0),
        ("HR 80 at clinic. She returned to the ED two days later with dyspnoea, pulse 124.",
         124.0),
        ("He was readmitted with fever. Heart rate was 104 on arrival.", 104.0),
        ("HR 96 on arrival. Three weeks later, the patient presented for review.", 96.0),
        ("HR 110 on arrival, then 84 after fluids.", 110.0),  # one presentation: the first
    ],
)
def test_numbers_of_the_last_presentation_come_first(note: str, expected: float) -> None:
    assert _read(note, "wells-pe")["inputs"]["heart_rate"] == expected
