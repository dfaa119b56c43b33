"""The seventh round of general patterns (docs/notes.md), written from the pattern, never from a
benchmark note: Wells DVT's judgement "alternative diagnosis at least as likely as DVT" (Wells
1997/2003, doi:10.1016/S0140-6736(97)08140-3, doi:10.1056/NEJMoa023153) is answered no when the
note writes that a named alternative (a common mimic of DVT, or "alternative diagnosis") is less
likely, or that DVT is more likely than one. It was answered yes only when the note wrote the
alternative as at least as likely; written the other way it stayed "not mentioned". Reading no
removes the item's -2 from the range, so the lowest total the note allows can only rise.
Doubt ("possibly"), a denial, a hypothetical and an unrelated "unlikely" answer nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.notes import extract

ITEM = "alternative_diagnosis_likely"


def _read(note: str) -> dict[str, Any]:
    return extract(note, "wells-dvt")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("note", "words"),
    [
        ("Cellulitis was considered but felt less likely.", "Cellulitis was considered"),
        ("Baker's cyst unlikely given the exam.", "Baker's cyst unlikely"),
        ("A ruptured Baker's cyst is less likely.", "ruptured Baker's cyst is less likely"),
        ("Muscle strain, less likely.", "Muscle strain, less likely"),
        ("Alternative diagnoses are less likely.", "Alternative diagnoses are less likely"),
        ("An alternative explanation seems unlikely.", "alternative explanation seems unlikely"),
        ("DVT is more likely than cellulitis.", "DVT is more likely than cellulitis"),
        ("Deep vein thrombosis was thought more likely than a hematoma.",
         "Deep vein thrombosis was thought more likely than a hematoma"),
    ],
)
def test_an_alternative_written_as_less_likely_answers_no(note: str, words: str) -> None:
    got = _read(note)
    assert got["inputs"][ITEM] is False
    ev = next(e for e in got["evidence"] if e["input"] == ITEM)
    assert ev["value"] is False and words.lower() in ev["text"].lower()
    low = got["result"]["total_min"] if "total_min" in got["result"] else None
    if low is not None:
        assert low >= 0  # the -2 is gone from the range


@pytest.mark.parametrize(
    "note",
    [
        "Cellulitis, DVT less likely.",  # the other way round: DVT is the less likely one
        "Cellulitis more likely than DVT.",
        "Possibly a Baker's cyst, less likely.",  # doubt
        "No cellulitis.",
        "If cellulitis is less likely after antibiotics, consider ultrasound.",  # hypothetical
    ],
)
def test_other_forms_do_not_answer_no(note: str) -> None:
    got = _read(note)
    assert got["inputs"].get(ITEM) is not False, got["evidence"]


def test_the_more_likely_alternative_still_answers_yes() -> None:
    got = _read("Cellulitis is more likely. Baker's cyst less likely.")
    assert got["inputs"][ITEM] is True
    # "alternative diagnosis" named alone is still the yes it was; written as less likely, no
    assert _read("Alternative diagnosis: cellulitis.")["inputs"][ITEM] is True
    assert _read("The alternative diagnosis is less likely.")["inputs"][ITEM] is False
