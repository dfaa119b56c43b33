"""A cancer dated before the item's window, with nothing saying it goes on, is not *active*.

Found by reading a MedCalc-Bench note in the web box as a clinician would (row 237): "Patient
received chemotherapy and radiotherapy 3 years ago due to cervical cancer" filled Wells DVT's
*active cancer (treatment ongoing, within 6 months, or palliative)* with **yes**. ConText saw
no history cue, so the mention was *present*, and the window the rules already apply to a past
mention (``historical_within_days``: 6 months for Wells DVT/PE and Padua, a year for Geneva)
was not applied to it. The general pattern: a mention whose own sentence dates it beyond the
window stays missing (never *no*: the cancer may still be treated), with the reason, unless the
sentence says it goes on (current treatment, palliative, metastatic, recurrence).
"""

from __future__ import annotations

import pytest

from clotwatch.notes import note_result


@pytest.mark.parametrize(
    ("inst", "item", "note"),
    [
        ("wells-dvt", "active_cancer",
         "Patient received chemotherapy and radiotherapy 3 years ago due to cervical cancer."),
        ("wells-pe", "malignancy", "Breast cancer treated with surgery 5 years ago."),
        ("padua", "active_cancer", "Lymphoma treated by chemotherapy 2 years ago."),
        ("geneva-revised", "active_malignancy", "Colon cancer resection 2 years ago."),
        # "currently" about a remission does not make it go on
        ("wells-dvt", "active_cancer",
         "Chemotherapy 4 years ago for breast cancer, currently in remission."),
    ],
)
def test_a_cancer_dated_before_the_window_is_not_active(inst: str, item: str,
                                                        note: str) -> None:
    res = note_result(note, inst)
    assert item not in res.extraction.inputs  # missing, never "no"
    reason = next(m.reason for m in res.extraction.missing if m.input == item)
    # dated by its own sentence (or, with a history cue, past): said, never "not mentioned"
    assert "days before (more than" in reason or "past history" in reason


@pytest.mark.parametrize(
    ("inst", "item", "note"),
    [
        ("wells-dvt", "active_cancer",
         "Breast cancer diagnosed 2 years ago, currently on chemotherapy."),
        ("wells-dvt", "active_cancer", "Metastatic lung cancer diagnosed a year ago."),
        ("wells-dvt", "active_cancer", "Colon cancer diagnosed 3 weeks ago."),
        ("wells-pe", "malignancy", "Pancreatic cancer, chemotherapy 2 months ago."),
        ("geneva-revised", "active_malignancy", "Lymphoma diagnosed 8 months ago."),
        ("wells-dvt", "active_cancer", "Active cancer. Knee surgery 3 years ago."),
    ],
)
def test_a_cancer_dated_inside_the_window_or_going_on_is_active(inst: str, item: str,
                                                                note: str) -> None:
    assert note_result(note, inst).extraction.inputs.get(item) is True


def test_caprini_counts_a_previous_cancer_as_before() -> None:
    """Caprini's malignancy is present or previous: no window, so nothing changes."""
    res = note_result("Breast cancer treated 5 years ago.", "caprini-2005")
    assert res.extraction.inputs.get("malignancy") is True
