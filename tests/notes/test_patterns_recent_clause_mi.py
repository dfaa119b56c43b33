"""The fifth round of general patterns (docs/notes.md), each written from the pattern, never
from a benchmark note, with the forms that must stay non-present: denied, past and dated,
hypothetical, a relative's, uncertain.

- a past event the note itself calls recent is within the item's time window;
- a new clause with its own subject ends a denial's scope also as notes write it ("patient
  remains", "pt has") and with the verbs of a continuing state;
- "PMH of" inline is a history cue, as "past medical history of" is;
- MI, the abbreviation of myocardial infarction (upper case only).
"""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.notes import extract


def _read(note: str, instrument: str) -> dict[str, Any]:
    return extract(note, instrument)  # type: ignore[no-any-return]


def _missing(result: dict[str, Any], input_id: str) -> str:
    return next(m["reason"] for m in result["missing"] if m["input"] == input_id)


# --- A past event the note calls recent ---------------------------------------------------------

LUNG = ("caprini-2005", "serious_lung_disease_past_month")
SURGERY_PE = ("wells-pe", "immobilization_or_surgery")


@pytest.mark.parametrize(
    ("note", "item", "expected"),
    [
        ("Seen for follow up after recently recovering from pneumonia.", LUNG, True),
        ("She has a recent history of pneumonia treated with amoxicillin.", LUNG, True),
        ("S/p recent knee arthroscopy, now with pleuritic pain.", SURGERY_PE, True),
        ("Status post a recent laparotomy.", SURGERY_PE, True),
        # denied
        ("No recent history of pneumonia.", LUNG, False),
        # a relative's, hypothetical, uncertain
        ("Her mother recently recovered from pneumonia.", LUNG, None),
        ("If he had recently recovered from pneumonia, antibiotics would be reviewed.", LUNG, None),
        ("Possibly recently recovering from pneumonia.", LUNG, None),
        # 'recent' belongs to another event, across a preposition or a conjunction
        ("A recent fall with a history of pneumonia.", LUNG, None),
        ("Recent travel and a history of pneumonia.", LUNG, None),
        # an explicit date outranks the word
        ("Recently recovered from pneumonia two years ago, it was said.", LUNG, None),
        # past and undated: still unknown, never a yes
        ("He is recovering from pneumonia.", LUNG, None),
        ("S/p knee arthroscopy.", SURGERY_PE, None),
    ],
)
def test_a_past_event_called_recent(note: str, item: tuple[str, str],
                                    expected: bool | None) -> None:
    instrument, input_id = item
    assert _read(note, instrument)["inputs"].get(input_id) is expected


def test_a_past_undated_event_says_why_it_is_missing() -> None:
    result = _read("He is recovering from pneumonia.", "caprini-2005")
    assert "in the past with no date or 'recent'" in _missing(
        result, "serious_lung_disease_past_month")
    old = _read("Recovered from pneumonia two years ago.", "caprini-2005")
    assert "days before (more than 31)" in _missing(old, "serious_lung_disease_past_month")


# --- A new clause ends a denial's scope ---------------------------------------------------------

@pytest.mark.parametrize(
    "note",
    [
        "No spinal cord injury or paralysis, patient remains confined to bed.",
        "No spinal cord injury or paralysis; the patient remains on bed rest.",
        "Denies spinal cord injury or paralysis, pt continues on bed rest.",
    ],
)
def test_a_new_clause_ends_the_denial(note: str) -> None:
    inputs = _read(note, "caprini-2005")["inputs"]
    assert inputs.get("mobility") == "bed_rest"  # the new clause is not denied
    assert inputs.get("spinal_cord_injury") is False  # the listed findings still are


def test_a_denial_verb_before_the_clause_still_applies() -> None:
    # "denies that the patient had": the denial reaches into the clause it introduces
    inputs = _read("She denies that the patient had a DVT before.", "wells-dvt")["inputs"]
    assert inputs.get("previous_dvt") is not True


# --- 'PMH of' is a history cue ------------------------------------------------------------------

def test_pmh_of_is_a_history_cue() -> None:
    assert _read("PMH of DVT in 2019.", "wells-dvt")["inputs"].get("previous_dvt") is True
    # a past event does not answer an item about now
    result = _read("A 70-year-old man with a PMH of myocardial infarction, now with "
                   "dyspnoea.", "caprini-2005")
    assert result["inputs"].get("acute_mi") is None
    assert "only in the past history" in _missing(result, "acute_mi")
    assert _read("No PMH of DVT.", "wells-dvt")["inputs"].get("previous_dvt") is False


# --- MI, the abbreviation of myocardial infarction ----------------------------------------------

@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Admitted with an MI yesterday.", True),
        ("Acute MI two days ago, now on the ward.", True),
        ("PMH of MI (2014), HTN and dementia.", None),  # a past one
        ("ROS is negative for CHF, COPD and MI.", False),
        ("No history of MI.", False),
        ("Her mother and brother suffered MIs.", None),  # a relative's
        ("Rule out MI.", None),  # uncertain
        ("If an MI is suspected, call the cardiologist.", None),  # hypothetical
        ("She walked 2 mi this morning.", None),  # lower case is not the abbreviation
    ],
)
def test_mi_abbreviation(note: str, expected: bool | None) -> None:
    assert _read(note, "caprini-2005")["inputs"].get("acute_mi") is expected


def test_mi_abbreviation_in_padua_is_an_either_or_item() -> None:
    # Padua "acute MI or ischaemic stroke": a denied MI alone says nothing about a stroke
    inputs = _read("No MI.", "padua")["inputs"]
    assert inputs.get("acute_mi_or_stroke") is None
    assert _read("Acute MI yesterday.", "padua")["inputs"].get("acute_mi_or_stroke") is True
