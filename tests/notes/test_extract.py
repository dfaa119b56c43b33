"""Extraction of instrument inputs from notes: values, evidence, missing, and safety."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.core.errors import InputError
from clotwatch.core.notes import measurements
from clotwatch.notes import SUPPORTED, extract
from clotwatch.notes.rules import load_rules

NOTE = (
    "A 68-year-old woman presented with a swollen, tender left calf, 3.5 cm larger than the "
    "right. HR 112, SpO2 93% on room air. She denies hemoptysis, chest pain or fever. No "
    "history of DVT. Her mother had a PE. She is s/p right total knee arthroplasty 10 days ago. "
    "Past medical history: breast cancer treated in 2010. She takes aspirin. Return if she "
    "develops shortness of breath."
)


def test_json_shape_is_the_issues() -> None:
    r = extract(NOTE, "perc")
    assert set(r) == {"instrument", "inputs", "evidence", "missing", "result"}
    assert r["instrument"] == "perc"
    for ev in r["evidence"]:
        assert set(ev) == {"input", "value", "status", "text", "start", "end"}
        assert NOTE[ev["start"] : ev["end"]] in ev["text"]
        assert r["inputs"][ev["input"]] == ev["value"]
    assert all(set(m) == {"input", "reason"} for m in r["missing"])
    assert r["result"]["instrument"] == "perc"


def test_perc_reads_numbers_negation_history_family_and_laterality() -> None:
    r = extract(NOTE, "perc")
    assert r["inputs"] == {
        "age": 68.0,
        "heart_rate": 112.0,
        "spo2": 93.0,
        "hemoptysis": False,  # "denies"
        "unilateral_leg_swelling": True,  # "swollen, tender left calf"
        "recent_surgery_or_trauma": True,  # s/p TKA 10 days ago
    }
    # "No history of DVT" says nothing of a previous PE (the mother's PE is not hers): the
    # either-or item stays missing rather than "no"
    assert [m["input"] for m in r["missing"]] == ["estrogen_use", "previous_vte"]
    assert r["result"]["total"] == 5 and r["result"]["category"] == "positive"


def test_wells_dvt_cancer_in_the_past_is_not_active_and_stays_missing() -> None:
    r = extract(NOTE, "wells-dvt")
    assert "active_cancer" not in r["inputs"]
    reason = next(m["reason"] for m in r["missing"] if m["input"] == "active_cancer")
    assert "only in the past history" in reason
    assert r["inputs"]["calf_swelling_3cm"] is True
    # missing inputs give a range, never a "no"
    assert r["result"]["total_range"][0] < r["result"]["total_range"][1]


def test_caprini_counts_previous_cancer_and_a_relatives_clot() -> None:
    r = extract(NOTE, "caprini-2005")
    assert r["inputs"]["malignancy"] is True
    assert r["inputs"]["family_history_thrombosis"] is True
    assert "history_of_vte" not in r["inputs"]  # a DVT denied, a PE of her own not mentioned
    assert r["inputs"]["surgery_type"] == "elective_lower_extremity_arthroplasty"
    assert r["inputs"]["sex"] == "female"


@pytest.mark.parametrize(
    ("note", "value"),
    [
        ("Left leg swelling for 3 days.", True),
        ("Swelling of the right calf.", True),
        ("Unilateral leg edema.", True),
        ("Bilateral leg edema.", False),
        ("Swelling of both legs.", False),
        # a denial of one side says nothing of the other leg: not a "no" (PERC negative
        # would end the work-up); both sides denied, or either leg, is
        ("No left leg swelling.", None),
        ("No left leg swelling. No right leg swelling.", False),
        ("No left or right leg swelling.", False),
        ("Possible left leg swelling.", None),
    ],
)
def test_laterality(note: str, value: bool | None) -> None:
    assert extract(note, "perc")["inputs"].get("unilateral_leg_swelling") is value


ONE_SIDE = [
    ("No swelling of the right leg.", "perc", "unilateral_leg_swelling"),
    ("No swelling of the right leg.", "wells-pe", "dvt_signs"),
    ("No swelling of the right leg.", "caprini-2005", "swollen_legs"),
    ("No calf swelling on the right.", "caprini-2005", "swollen_legs"),
    ("The right ankle shows no significant swelling.", "caprini-2005", "swollen_legs"),
    # a real note (ctakes-examples lobectomy-lymph-node-dissection): the side belongs to the
    # mass, and the denial to other metastases; the cancer is not denied
    ("There was a 4 x 4-cm mass in the right upper lobe of the lung without any other "
     "metastatic disease.", "padua", "active_cancer"),
]


@pytest.mark.parametrize(("note", "instrument", "input_id"), ONE_SIDE)
def test_a_denial_of_one_side_is_not_a_no(note: str, instrument: str, input_id: str) -> None:
    r = extract(note, instrument)
    assert input_id not in r["inputs"]
    reason = next(m["reason"] for m in r["missing"] if m["input"] == input_id)
    assert "on one side only" in reason


@pytest.mark.parametrize(
    ("note", "instrument", "input_id"),
    [
        ("No left calf swelling. No right calf swelling.", "caprini-2005", "swollen_legs"),
        ("No swelling of either leg.", "caprini-2005", "swollen_legs"),
        ("No leg swelling.", "caprini-2005", "swollen_legs"),
        ("No left or right leg swelling.", "wells-pe", "dvt_signs"),
    ],
)
def test_a_denial_of_both_sides_or_of_either_leg_is_a_no(note: str, instrument: str,
                                                          input_id: str) -> None:
    assert extract(note, instrument)["inputs"][input_id] is False


@pytest.mark.parametrize(
    ("note", "instrument", "input_id", "value"),
    [
        # the option lists and the negated concepts follow the same rule as yes/no items
        ("No right knee surgery.", "caprini-2005", "surgery_type", None),
        ("No surgery.", "caprini-2005", "surgery_type", "none"),
        ("No knee surgery on the left or right.", "caprini-2005", "surgery_type", "none"),
    ],
)
def test_a_one_sided_denial_does_not_choose_an_option(note: str, instrument: str,
                                                      input_id: str, value: object) -> None:
    r = extract(note, instrument)
    assert r["inputs"].get(input_id) == value
    if value is None:
        reason = next(m["reason"] for m in r["missing"] if m["input"] == input_id)
        assert "on one side only" in reason


def test_a_swollen_side_wins_over_the_other_sides_denial() -> None:
    r = extract("No swelling of the right leg. Left leg swelling for 3 days.", "perc")
    assert r["inputs"]["unilateral_leg_swelling"] is True


@pytest.mark.parametrize(
    ("note", "instrument", "input_id", "value"),
    [
        ("h/o DVT.", "wells-dvt", "previous_dvt", True),
        ("Prior PE in 2019.", "wells-pe", "previous_vte", True),
        ("No prior DVT or PE.", "wells-pe", "previous_vte", False),
        # a negative scan today says nothing about the past: stays missing
        ("Doppler: no DVT.", "wells-dvt", "previous_dvt", None),
        ("DVT suspected.", "wells-dvt", "previous_dvt", None),
        ("HR 104.", "wells-pe", "heart_rate", 104.0),
        ("heart rate of 96 bpm", "wells-pe", "heart_rate", 96.0),
        ("Pulse 88/min", "geneva-revised", "heart_rate", 88.0),
        ("SpO2 91% on 2L nasal cannula.", "perc", "spo2", None),
        ("O2 sat 97% on RA", "perc", "spo2", 97.0),
        # oxygen named with "with", "via", "receiving": not a room-air value (Kline 2004)
        ("Oxygen saturation 96% with nasal cannula and 100% oxygen.", "perc", "spo2", None),
        ("SpO2 93% via face mask.", "perc", "spo2", None),
        ("Saturating 92% with a non-rebreather.", "perc", "spo2", None),
        ("SpO2 94% while receiving 4 L/min.", "perc", "spo2", None),
        # "with" that names no oxygen leaves the value a room-air reading
        ("SpO2 97% with a respiratory rate of 18.", "perc", "spo2", 97.0),
        ("SpO2 95% on room air, later 99% with oxygen.", "perc", "spo2", 95.0),
        ("45 yo male", "perc", "age", 45.0),
        ("BMI 32.4 kg/m2", "padua", "bmi", 32.4),
        ("Weight 100 kg, height 180 cm.", "padua", "bmi", 30.9),
        ("Calf circumference 2 cm greater on the left.", "wells-dvt", "calf_swelling_3cm", False),
        ("The left calf measured 4 cm more than the right calf.", "wells-dvt",
         "calf_swelling_3cm", True),
        ("Coughing up blood since yesterday.", "wells-pe", "hemoptysis", True),
        ("On OCPs.", "perc", "estrogen_use", True),
        ("Taking ASA 81 mg daily.", "has-bled", "antiplatelet_or_nsaid", True),
        ("Drinks 2 beers a day.", "has-bled", "alcohol", True),
        ("Denies alcohol use.", "has-bled", "alcohol", False),
        ("Social drinker.", "has-bled", "alcohol", False),
        ("BP 182/96 mmHg.", "has-bled", "hypertension", True),
        ("Creatinine 2.8 mg/dL.", "has-bled", "abnormal_renal_function", True),
        ("On hemodialysis three times a week.", "has-bled", "abnormal_renal_function", True),
        ("Underwent laparoscopic cholecystectomy 3 weeks ago.", "perc",
         "recent_surgery_or_trauma", True),
        ("Appendectomy 10 years ago.", "perc", "recent_surgery_or_trauma", None),
        ("Appendectomy in 1998.", "perc", "recent_surgery_or_trauma", None),
        ("High clinical suspicion for PE.", "wells-pe", "pe_most_likely", True),
        ("Left leg in a plaster cast after an ankle fracture.", "wells-dvt",
         "paralysis_or_cast", True),
        ("Bedridden for 5 days.", "caprini-2005", "mobility", "confined_over_72h"),
        ("No recent surgery.", "caprini-2005", "surgery_type", "none"),
        ("Metastatic pancreatic cancer on chemotherapy.", "padua", "active_cancer", True),
        ("Known factor V Leiden.", "padua", "thrombophilia", True),
        ("His father had a DVT.", "caprini-2005", "family_history_thrombosis", True),
        ("No family history of blood clots.", "caprini-2005", "family_history_thrombosis",
         False),
    ],
)
def test_single_findings(note: str, instrument: str, input_id: str, value: object) -> None:
    assert extract(note, instrument)["inputs"].get(input_id) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("D-dimer 1,250 ng/mL FEU", 1250.0),
        ("D-dimer 0.8 mg/L FEU", 800.0),
        ("D-dimer of 400 ng/mL DDU", 800.0),  # DDU x 2, core/pathway/ddimer.py
        ("D-dimer 17 mcg/mL", None),  # neither FEU nor DDU: not converted
    ],
)
def test_ddimer_units_reuse_the_pathway_conversion(text: str, value: float | None) -> None:
    (m,) = [m for m in measurements(text) if m.kind == "ddimer"]
    assert m.value == value


def test_bad_input_is_refused_with_the_field() -> None:
    with pytest.raises(InputError, match="note"):
        extract("   ", "perc")
    with pytest.raises(InputError, match="instrument"):
        extract("HR 100", "khorana")
    with pytest.raises(InputError):
        extract("HR 100", "no-such-instrument")


def test_every_rule_file_loads_and_covers_every_input() -> None:
    from clotwatch.instruments import INSTRUMENTS

    rules = load_rules()
    for iid in SUPPORTED:
        table = rules.instruments[iid]
        assert set(table) == {i.id for i in INSTRUMENTS[iid].inputs}, iid
        assert all(r.source for r in table.values())


NEG = st.sampled_from(["No", "Denies", "Negative for", "Without", "No evidence of",
                       "She denies", "Patient denied"])
FINDING = st.sampled_from(["hemoptysis", "calf tenderness", "pitting edema", "leg swelling",
                           "DVT", "cancer", "varicose veins", "sepsis"])
FILLER = st.lists(st.sampled_from(["fever", "chills", "cough", "chest pain", "rash"]),
                  max_size=3)


@settings(max_examples=60, deadline=None)
@given(NEG, FILLER, FINDING, st.sampled_from(SUPPORTED))
def test_a_negated_finding_is_never_present(
    neg: str, filler: list[str], finding: str, instrument: str
) -> None:
    items = [*filler, finding]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
    r = extract(f"{neg} {listed}.", instrument)
    assert all(v is not True for v in r["inputs"].values()), r["inputs"]
    assert all(e["status"] == "negated" for e in r["evidence"])


@pytest.mark.parametrize(
    ("note", "value"),
    [
        ("She had a pulmonary embolism three weeks ago.", True),  # > 14 days: a previous PE
        ("DVT diagnosed 3 days ago on ultrasound.", None),  # this episode, not a previous one
    ],
)
def test_history_items_take_dated_events_older_than_two_weeks(note: str,
                                                              value: bool | None) -> None:
    assert extract(note, "caprini-2005")["inputs"].get("history_of_vte") is value


def test_a_test_reported_normal_is_not_present() -> None:
    r = extract("Prothrombin 20210A is normal and homocysteine within normal range.",
                "caprini-2005")
    assert r["inputs"].get("prothrombin_20210a") is not True
    assert r["inputs"].get("elevated_homocysteine") is not True


def test_an_immobilised_limb_is_not_bed_rest() -> None:
    r = extract("Immobilized with a plaster cast after bunion surgery.", "caprini-2005")
    assert "mobility" not in r["inputs"]


@pytest.mark.parametrize("instrument", SUPPORTED)
def test_reading_only_some_inputs_answers_them_as_reading_every_input(instrument: str) -> None:
    """``only`` (the CDS Hooks service reads just what the coded record leaves unknown):
    each input read gets the value, evidence and reason of a full reading, also one whose
    words another input may already answer ('distinct_from': Caprini's earlier major surgery
    and the type of the current operation)."""
    from clotwatch.core.instruments import get
    from clotwatch.core.notes import extract as read
    from clotwatch.core.notes import needed, prepare

    rules = load_rules()
    inst = get(instrument)
    notes = [NOTE, "She is 10 days after an elective total knee arthroplasty. On bed rest.",
             "Now 10 days after a total knee arthroplasty; major surgery 10 days ago."]
    for text in notes:
        doc = prepare(text, rules)
        whole = read(doc, inst, rules)
        ids = [i.id for i in inst.inputs]
        for part in (ids[::2], ids[1::2], ids[-1:], ["major_surgery_past_month"]):
            got = read(doc, inst, rules, only=part)
            kept = needed(rules.instruments[instrument], part)
            assert {k: v for k, v in whole.inputs.items() if k in kept} == got.inputs
            assert [e for e in whole.evidence if e.input in kept] == list(got.evidence)
            assert [m for m in whole.missing if m.input in kept] == list(got.missing)


def test_reading_one_input_also_reads_the_one_whose_words_it_may_not_share() -> None:
    from clotwatch.core.instruments import get
    from clotwatch.core.notes import extract as read
    from clotwatch.core.notes import needed, prepare

    rules = load_rules()
    table = rules.instruments["caprini-2005"]
    assert needed(table, ["major_surgery_past_month"]) == {"major_surgery_past_month",
                                                           "surgery_type"}
    note = prepare("She is 10 days after an elective total knee arthroplasty.", rules)
    alone = read(note, get("caprini-2005"), rules, only=["major_surgery_past_month"])
    assert "already answers surgery_type" in alone.missing[0].reason


@pytest.mark.parametrize(
    ("note", "instrument", "input_id", "value"),
    [
        # a measured asymmetry of at least 3 cm is swelling of one leg: the Wells DVT item's
        # threshold (Wells PS et al., N Engl J Med 2003;349:1227-35, doi:10.1056/NEJMoa023153,
        # PMID:14507948: "calf swelling at least 3 cm larger than the asymptomatic side")
        ("Calf 3 cm larger on the left.", "perc", "unilateral_leg_swelling", True),
        ("Calf 3 cm larger on the left.", "caprini-2005", "swollen_legs", True),
        ("No calf swelling on the right. The left calf is 3.5 cm larger than the right.",
         "caprini-2005", "swollen_legs", True),
        # under it the item stays open, never no (Wells DVT's own item is a comparison: no)
        ("Left calf 2 cm larger than the right.", "perc", "unilateral_leg_swelling", None),
        ("Left calf 2 cm larger than the right.", "caprini-2005", "swollen_legs", None),
        ("Left calf 2 cm larger than the right.", "wells-dvt", "calf_swelling_3cm", False),
    ],
)
def test_a_measured_calf_difference_answers_swelling_only_from_3_cm(
        note: str, instrument: str, input_id: str, value: bool | None) -> None:
    r = extract(note, instrument)
    assert r["inputs"].get(input_id) is value
    if value is None:
        reason = next(m["reason"] for m in r["missing"] if m["input"] == input_id)
        assert "does not show it absent" in reason
