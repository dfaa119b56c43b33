"""ConText assertion: cases from the NegEx/ConText papers' trigger classes and our own."""

from __future__ import annotations

import pytest

from clotwatch.core.notes import sentences
from clotwatch.notes import extract
from clotwatch.notes.rules import load_rules


def status_of(sentence: str, target: str) -> str:
    """The status the rules give ``target`` inside ``sentence``."""
    from clotwatch.core.notes.context import modifiers, status

    i = sentence.index(target)
    sent = next(s for s in sentences(sentence) if s.start <= i < s.end)
    a = i - sent.start
    mods = modifiers(sent.text, a, a + len(target), load_rules().context)
    return status(c for m in mods for c in m.categories)


@pytest.mark.parametrize(
    ("sentence", "target", "expected"),
    [
        # NegEx pre-negation triggers (Chapman 2001)
        ("No hemoptysis.", "hemoptysis", "negated"),
        ("Patient denies hemoptysis.", "hemoptysis", "negated"),
        ("She denied chest pain.", "chest pain", "negated"),
        ("Without calf tenderness.", "calf tenderness", "negated"),
        ("Negative for hemoptysis.", "hemoptysis", "negated"),
        ("No evidence of DVT.", "DVT", "negated"),
        ("No signs of DVT on exam.", "DVT", "negated"),
        ("Absence of pitting edema.", "pitting edema", "negated"),
        ("He has never had a DVT.", "DVT", "negated"),
        ("She did not report hemoptysis.", "hemoptysis", "negated"),
        # NegEx post-negation triggers
        ("Hemoptysis was denied.", "Hemoptysis", "negated"),
        ("Calf tenderness was absent.", "Calf tenderness", "negated"),
        ("DVT was ruled out.", "DVT", "negated"),
        # lists: scope to the end of the sentence ("no X or Y")
        ("No fever, chills, cough or hemoptysis.", "hemoptysis", "negated"),
        ("Denies chest pain, shortness of breath, and hemoptysis.", "hemoptysis", "negated"),
        ("No chest pain, previous DVT or hemoptysis.", "hemoptysis", "negated"),
        # abbreviations in lists and shorthand that starts a new assertion
        ("Denies CP, SOB, or hemoptysis.", "hemoptysis", "negated"),
        ("Denies CP or SOB, c/o hemoptysis.", "hemoptysis", "present"),
        ("No SOB but endorses hemoptysis.", "hemoptysis", "present"),
        ("HR 110, no DVT.", "DVT", "negated"),
        # termination terms end the scope
        ("No fever but reports hemoptysis.", "hemoptysis", "present"),
        ("Denies chest pain; hemoptysis since Monday.", "hemoptysis", "present"),
        ("No chest pain, however hemoptysis for two days.", "hemoptysis", "present"),
        # a history terminator ("recent", "is") ends only the history part of a denial
        ("The patient denies history of heart failure, any recent infections or sepsis, "
         "stroke, or COPD.", "COPD", "negated"),
        ("No history of recent viral illness, surgery, or immobilisation.", "immobilisation",
         "negated"),
        ("A man with a history of COPD is confined to bed.", "confined to bed", "present"),
        ("History of asthma and recent heart failure.", "heart failure", "present"),
        ("A previously confirmed deep vein thrombosis.", "deep vein thrombosis", "historical"),
        ("No fever; CT confirmed PE.", "PE", "present"),
        ("No fever, CT confirmed PE.", "PE", "present"),
        # exception phrases affirm what they introduce
        ("Apart from varicose veins, the leg exam is unremarkable.", "varicose veins",
         "present"),
        ("No leg symptoms except for calf tenderness.", "calf tenderness", "present"),
        # English negation in narrative notes
        ("His history is void of any stroke or major bleeding.", "major bleeding", "negated"),
        ("His record lacks any episodes of bleeding.", "bleeding", "negated"),
        ("He hasn't had a DVT.", "DVT", "negated"),
        ("Prothrombin 20210A, lupus anticoagulant and factor V Leiden are negative.",
         "Prothrombin 20210A", "negated"),
        ("Follow-up visit after treatment for a pulmonary embolism.", "pulmonary embolism",
         "historical"),
        # pseudo-triggers
        ("No increase in leg swelling.", "leg swelling", "present"),
        ("Gram negative rods; hemoptysis noted.", "hemoptysis", "present"),
        # historical (ConText)
        ("History of DVT.", "DVT", "historical"),
        ("h/o DVT in 2015.", "DVT", "historical"),
        ("Hx of PE.", "PE", "historical"),
        ("Prior DVT of the left leg.", "DVT", "historical"),
        ("s/p TKA.", "TKA", "historical"),
        ("Status post appendectomy.", "appendectomy", "historical"),
        ("No history of DVT.", "DVT", "negated"),
        # hypothetical
        ("Return to the ED if hemoptysis develops.", "hemoptysis", "hypothetical"),
        ("Call if she has calf swelling.", "calf swelling", "hypothetical"),
        ("Counselled on warning signs of DVT.", "DVT", "hypothetical"),
        # experiencer: family
        ("Mother had a DVT.", "DVT", "family"),
        ("DVT in her brother.", "DVT", "family"),
        ("Family history of PE.", "PE", "family"),
        ("No family history of DVT.", "DVT", "negated"),
        # uncertain
        ("Possible DVT.", "DVT", "uncertain"),
        ("Rule out PE.", "PE", "uncertain"),
        ("r/o DVT.", "DVT", "uncertain"),
        ("PE cannot be excluded.", "PE", "uncertain"),
        ("Concern for DVT.", "DVT", "uncertain"),
        # plain affirmation; age is not history ("68-year-old")
        ("A 68-year-old woman with hemoptysis.", "woman", "present"),
        ("Left calf tenderness.", "Left calf tenderness", "present"),
    ],
)
def test_context_status(sentence: str, target: str, expected: str) -> None:
    assert status_of(sentence, target) == expected


def test_section_heading_carries_family_over_the_lines_below() -> None:
    note = "HPI: leg pain.\n\nFamily history:\nMother - DVT at 45.\n\nPlan: scan."
    r = extract(note, "caprini-2005")
    assert r["inputs"]["family_history_thrombosis"] is True
    assert "history_of_vte" not in r["inputs"]


def test_sentences_do_not_break_inside_decimals_or_after_abbreviations() -> None:
    text = "Seen by Dr. Smith. Calf 3.5 cm larger, e.g. on the left. HR 112."
    got = [s.text for s in sentences(text)]
    assert got == ["Seen by Dr. Smith.", "Calf 3.5 cm larger, e.g. on the left.", "HR 112."]


def test_sentence_offsets_point_into_the_note() -> None:
    text = "  First line.\n- bullet one\n- bullet two\n\nLast."
    for s in sentences(text):
        assert text[s.start : s.end] == s.text
    assert [s.text for s in sentences(text)] == ["First line.", "- bullet one", "- bullet two",
                                                 "Last."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a full stop, "?" or "!" glued to the next capitalised word ends the sentence
        ("Denies chest pain or pulmonary embolism (PE).The patient is well.",
         ["Denies chest pain or pulmonary embolism (PE).", "The patient is well."]),
        ("No leg swelling.Her mother had a clot.", ["No leg swelling.", "Her mother had a clot."]),
        ("HR 112.Calf tender.", ["HR 112.", "Calf tender."]),
        ("Any haemoptysis?None reported.", ["Any haemoptysis?", "None reported."]),
        # not after an abbreviation, an initial or a dotted form, nor inside a number
        ("Seen by Dr.Smith today.", ["Seen by Dr.Smith today."]),
        ("Anticoagulant, e.g.Apixaban, advised.", ["Anticoagulant, e.g.Apixaban, advised."]),
        ("Warfarin vs.Heparin discussed.", ["Warfarin vs.Heparin discussed."]),
        ("Given 1 g i.v.Paracetamol later.", ["Given 1 g i.v.Paracetamol later."]),
        ("Letter from J.Smith received.", ["Letter from J.Smith received."]),
        ("Calf 2.5 cm larger.D-dimer 0.9 mg/L.", ["Calf 2.5 cm larger.", "D-dimer 0.9 mg/L."]),
        ("Trip to the U.S.A. last month.", ["Trip to the U.S.A. last month."]),
        ("Ref No. 5 attached.", ["Ref No. 5 attached."]),  # "No." before a number
        # a unit or the answer "No." before a capital ends the sentence
        ("Calf 3 cm. Haemoptysis today.", ["Calf 3 cm.", "Haemoptysis today."]),
        ("Swelling? No. Haemoptysis today.", ["Swelling?", "No.", "Haemoptysis today."]),
    ],
)
def test_sentence_ends_at_punctuation_without_a_space(text: str, expected: list[str]) -> None:
    got = sentences(text)
    assert [s.text for s in got] == expected
    assert all(text[s.start : s.end] == s.text for s in got)


@pytest.mark.parametrize(
    ("note", "instrument", "absent", "expected"),
    [
        # a denial does not reach through a glued full stop into the next sentence
        ("Denies history of DVT or PE.Her mother had a DVT.", "caprini-2005",
         "family_history_thrombosis", True),
        ("No family history of clots.The patient had a DVT in 2015.", "caprini-2005",
         "history_of_vte", True),
        ("Denies haemoptysis.Left calf swollen compared with the right.", "perc",
         "unilateral_leg_swelling", True),
        ("No calf swelling over 3 cm. Haemoptysis this morning.", "perc", "hemoptysis", True),
        ("Leg swelling? No. Haemoptysis this morning.", "perc", "hemoptysis", True),
        # and a denial still denies within its own sentence
        ("She denies haemoptysis.HR 88.", "perc", "hemoptysis", False),
    ],
)
def test_denial_stops_at_a_glued_full_stop(
    note: str, instrument: str, absent: str, expected: bool
) -> None:
    assert extract(note, instrument)["inputs"].get(absent) is expected


# A review of systems or a checklist answers each finding after it: "Hemoptysis: no",
# "Malignancy (-)". These were read as present -- a denial read as a yes, for hemoptysis,
# cancer, a previous DVT, recent surgery, oestrogen -- because only "none"/"nil" were known
# as a field's negative answer.
@pytest.mark.parametrize(("note", "instrument", "item", "expected"), [
    ("Hemoptysis: no.", "perc", "hemoptysis", False),
    ("Hemoptysis - No", "perc", "hemoptysis", False),
    ("Hemoptysis – no.", "perc", "hemoptysis", False),
    ("Hemoptysis (neg).", "perc", "hemoptysis", False),
    ("Hemoptysis: -", "perc", "hemoptysis", False),
    ("hemoptysis -ve", "perc", "hemoptysis", False),
    ("Malignancy (-)", "wells-dvt", "active_cancer", False),
    ("Prior DVT - no", "wells-dvt", "previous_dvt", False),
    ("OCP (-)", "perc", "estrogen_use", False),
    ("Recent surgery - no", "perc", "recent_surgery_or_trauma", None),  # never yes
    ("ROS: Hemoptysis - no, leg swelling - no, chest pain - yes.", "perc", "hemoptysis", False),
    # the answer yes, and words after a dash that are not an answer, stay as they were
    ("Hemoptysis - no, leg swelling - yes.", "caprini-2005", "swollen_legs", True),
    ("Hemoptysis: yes", "perc", "hemoptysis", True),
    ("Hemoptysis (+)", "perc", "hemoptysis", True),
    ("History of DVT - no recurrence since.", "wells-dvt", "previous_dvt", True),
    ("Malignancy (breast, 2024).", "wells-dvt", "active_cancer", True),
])
def test_a_field_answered_no_is_a_denial(note: str, instrument: str, item: str,
                                         expected: bool | None) -> None:
    assert extract(note, instrument)["inputs"].get(item) is expected


# More review-of-systems and narrative denials that were read as present.
@pytest.mark.parametrize(("note", "instrument", "item", "expected"), [
    ("Pertinent negatives: hemoptysis, leg swelling, prior DVT.", "perc", "hemoptysis", False),
    ("Pertinent negatives: hemoptysis, leg swelling, prior DVT.", "wells-dvt", "previous_dvt",
     False),
    ("Pertinent negatives include hemoptysis and leg swelling.", "caprini-2005", "swollen_legs",
     False),
    ("Hemoptysis was not reported.", "perc", "hemoptysis", False),
    ("Hemoptysis: denies.", "perc", "hemoptysis", False),
    ("Not complaining of hemoptysis.", "perc", "hemoptysis", False),
    ("No longer has leg swelling.", "caprini-2005", "swollen_legs", False),
    # what the cue does not reach keeps its reading
    ("Pertinent positives: leg swelling. Pertinent negatives: hemoptysis.", "caprini-2005",
     "swollen_legs", True),
    ("Leg swelling was reported but hemoptysis was not reported.", "caprini-2005",
     "swollen_legs", True),
    ("Pertinent negatives include chest pain; he has left leg swelling.", "perc",
     "unilateral_leg_swelling", True),
    ("Complaining of hemoptysis.", "perc", "hemoptysis", True),
])
def test_review_of_systems_denials_are_denials(note: str, instrument: str, item: str,
                                               expected: bool | None) -> None:
    assert extract(note, instrument)["inputs"].get(item) is expected


# A denial heading over a list ("Denies:", then "- hemoptysis"): each item is its own
# sentence, so the heading's "denies" did not reach it, and every item was read as present.
# The heading now denies its own line and its list, and nothing after the list.
@pytest.mark.parametrize(("note", "instrument", "item", "expected"), [
    ("Denies:\n- hemoptysis\n- leg swelling\n- prior DVT", "perc", "hemoptysis", False),
    ("Denies:\n- hemoptysis\n- leg swelling\n- prior DVT", "wells-dvt", "previous_dvt", False),
    ("Pertinent negatives:\n- hemoptysis\n- calf swelling", "caprini-2005", "swollen_legs",
     False),
    ("ROS negative for:\n1. hemoptysis\n2. leg swelling", "perc", "hemoptysis", False),
    # an item wrapped onto a line in lower case is still the item (and a denial of the
    # left leg only says nothing of the right: tests/notes/test_extract.py)
    ("Denies:\n- chest pain or swelling of the\nlegs\n- hemoptysis", "caprini-2005",
     "swollen_legs", False),
    ("Denies:\n- chest pain or swelling of the\nleft leg\n- hemoptysis", "caprini-2005",
     "swollen_legs", None),
    # the list ends at the first line that is not an item: what follows is not denied
    ("Denies:\n- hemoptysis\nLeft leg swollen, calf 4 cm larger.", "caprini-2005",
     "swollen_legs", True),
    ("Denies:\n- hemoptysis\nLeft leg swollen, calf 4 cm larger.", "perc", "hemoptysis", False),
    ("Patient denies:\n* hemoptysis\nHPI: left leg swollen for 3 days.", "caprini-2005",
     "swollen_legs", True),
    ("Negatives:\n- hemoptysis\nPositives:\n- leg swelling", "caprini-2005", "swollen_legs",
     True),
    ("Denies:\n- chest pain\n\n- leg swelling present on the left", "caprini-2005",
     "swollen_legs", True),
])
def test_a_denial_heading_denies_its_list_and_no_more(note: str, instrument: str, item: str,
                                                      expected: bool | None) -> None:
    assert extract(note, instrument)["inputs"].get(item) is expected


# A drug the patient is "off" is not taken now; "off" elsewhere is no cue.
@pytest.mark.parametrize(("note", "instrument", "item", "expected"), [
    ("Off estrogen since 2020.", "perc", "estrogen_use", False),
    ("She is off her OCPs.", "caprini-2005", "oral_contraceptives_or_hrt", False),
    ("Currently off HRT.", "perc", "estrogen_use", False),
    ("She is on estrogen and off aspirin.", "has-bled", "antiplatelet_or_nsaid", False),
    ("She is on estrogen and off aspirin.", "perc", "estrogen_use", True),
    ("Off aspirin, on OCPs.", "perc", "estrogen_use", True),
    ("Took estrogen, off work for 2 weeks.", "perc", "estrogen_use", True),
    ("She fell off her bike and has leg swelling.", "caprini-2005", "swollen_legs", True),
    ("Hemoptysis, off and on for 2 days.", "perc", "hemoptysis", True),
])
def test_off_a_drug_is_not_on_it(note: str, instrument: str, item: str,
                                 expected: bool | None) -> None:
    assert extract(note, instrument)["inputs"].get(item) is expected


# A checklist label longer than the finding, answered no at its end.
@pytest.mark.parametrize(("note", "instrument", "item", "expected"), [
    ("Surgery in the last 4 weeks: no.", "perc", "recent_surgery_or_trauma", None),
    ("Immobilization or surgery in past 4 weeks: no", "wells-pe", "immobilization_or_surgery",
     False),
    ("Active cancer or chemotherapy within 6 months: no", "wells-dvt", "active_cancer", False),
    ("Recent surgery (knee, 5 days ago): no.", "perc", "recent_surgery_or_trauma", None),
    # another label after a comma or semicolon answers only itself
    ("Surgery 3 days ago, complications: no.", "perc", "recent_surgery_or_trauma", True),
    ("Left leg swelling since Monday, fever: no.", "caprini-2005", "swollen_legs", True),
    ("Leg swollen and tender; hemoptysis: no.", "caprini-2005", "swollen_legs", True),
    ("Major surgery within the past 12 weeks: yes.", "wells-dvt", "bedridden_or_major_surgery",
     True),
])
def test_a_longer_label_answered_no_is_a_denial(note: str, instrument: str, item: str,
                                                expected: bool | None) -> None:
    assert extract(note, instrument)["inputs"].get(item) is expected


@pytest.mark.parametrize(("note", "item", "expected"), [
    ("Hemoptysis no, chest pain yes.", "hemoptysis", False),
    ("Hemoptysis no", "hemoptysis", False),
    ("Hemoptysis, no.", "hemoptysis", False),
    ("Hemoptysis yes, leg swelling no.", "hemoptysis", True),
    ("Leg swelling, no hemoptysis.", "unilateral_leg_swelling", None),  # no side: unanswered
    ("Leg swelling, no hemoptysis.", "hemoptysis", False),
])
def test_a_bare_no_after_the_finding_is_its_answer(note: str, item: str,
                                                   expected: bool | None) -> None:
    """'Hemoptysis no, chest pain yes' (a checklist typed without punctuation) read
    hemoptysis as present."""
    assert extract(note, "perc")["inputs"].get(item) is expected


# From the issue-11 walk-through: a checklist's short answers, a finding named as resolved, and
# one the clinician could not confirm were read as present (the safety goal: never yes).
@pytest.mark.parametrize(("note", "instrument", "item", "expected"), [
    ("Hemoptysis: N.", "perc", "hemoptysis", False),
    ("Hemoptysis: Y.", "perc", "hemoptysis", True),
    ("Hemoptysis x0.", "perc", "hemoptysis", False),
    ("Hemoptysis x 0, chest pain x2.", "perc", "hemoptysis", False),
    ("Hemoptysis x2 today.", "perc", "hemoptysis", True),
    ("Hemoptysis x0.5 mL.", "perc", "hemoptysis", True),  # not zero
    # 'resolved' before the finding: past (not a current finding), still a history
    ("Resolved hemoptysis.", "perc", "hemoptysis", None),
    ("History of resolved DVT.", "wells-pe", "previous_vte", True),
    ("Resolved left leg DVT in 2015.", "wells-dvt", "previous_dvt", True),
    # 'resolved' as a verb ends its own clause's finding only
    ("Chest pain resolved and hemoptysis began.", "perc", "hemoptysis", True),
    # not confirmed: neither yes nor no
    ("Unable to confirm hemoptysis.", "perc", "hemoptysis", None),
    ("Hemoptysis could not be confirmed.", "perc", "hemoptysis", None),
    ("The DVT was not confirmed.", "wells-pe", "previous_vte", None),
    ("Unconfirmed PE last year.", "wells-pe", "previous_vte", None),
    ("Prior DVT, confirmed by ultrasound.", "wells-pe", "previous_vte", True),
])
def test_short_answers_resolved_and_unconfirmed(note: str, instrument: str, item: str,
                                                expected: bool | None) -> None:
    assert extract(note, instrument)["inputs"].get(item) is expected
