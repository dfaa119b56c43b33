"""HAS-BLED *labile INR* written either way, and the time in therapeutic range as a number.

Pisters 2010 (Chest 138:1093-100, doi:10.1378/chest.10-0134): "unstable/high INRs or poor time
in therapeutic range (e.g. < 60%)". Before, only the labile side was read, so "a stable INR"
left the item "not mentioned". The sentences below are written from how notes describe INR
control, in several phrasings; none comes from a benchmark note.
"""

from __future__ import annotations

import pytest

from clotwatch.notes import note_result


def _item(note: str) -> tuple[object, str]:
    res = note_result(note, "has-bled")
    ex = res.extraction
    if "labile_inr" in ex.inputs:
        ev = next(e for e in ex.evidence if e.input == "labile_inr")
        return ex.inputs["labile_inr"], note[ev.start:ev.end]
    return None, next(m.reason for m in ex.missing if m.input == "labile_inr")


@pytest.mark.parametrize(
    ("note", "quoted"),
    [
        ("On warfarin with a stable INR.", "stable INR"),
        ("Her INR has been stable on warfarin for two years.", "INR has been stable"),
        ("INRs have been stable.", "INRs have been stable"),
        ("INR well controlled on warfarin.", "INR well controlled"),
        ("He has well-controlled INRs at the anticoagulation clinic.", "well-controlled INRs"),
        ("INR consistently within the therapeutic range.",
         "INR consistently within the therapeutic range"),
        ("Her INR readings have consistently been in range.",
         "INR readings have consistently been in range"),
        ("INR has remained within the target range.", "INR has remained within the target range"),
        ("Time in therapeutic range 72%.", "Time in therapeutic range 72%"),
        ("TTR of 65% over the past year.", "TTR of 65%"),
        ("TTR 60%.", "TTR 60%"),
        ("Her time in therapeutic range (TTR) is 81%.", "time in therapeutic range (TTR) is 81%"),
    ],
)
def test_stable_inr_or_a_ttr_of_60_or_more_answers_no(note: str, quoted: str) -> None:
    value, words = _item(note)
    assert value is False
    assert words == quoted


@pytest.mark.parametrize(
    ("note", "quoted"),
    [
        ("INR has been labile on warfarin.", "INR has been labile"),
        ("Her INRs have been erratic over the last months.", "INRs have been erratic"),
        ("Fluctuating INR despite dose adjustments.", "Fluctuating INR"),
        ("INR frequently out of range.", "INR frequently out of range"),
        ("His INR is often outside the therapeutic range.",
         "INR is often outside the therapeutic range"),
        ("Poorly controlled INR on warfarin.", "Poorly controlled INR"),
        ("INR has not been stable.", "INR has not been stable"),
        ("Her INR was never well controlled.", "INR was never well controlled"),
        ("Time in therapeutic range 45%.", "Time in therapeutic range 45%"),
        ("TTR was 52% over six months.", "TTR was 52%"),
        ("TTR 59.5%.", "TTR 59.5%"),
        ("TTR below 50%.", "TTR below 50%"),
    ],
)
def test_labile_inr_or_a_ttr_under_60_answers_yes(note: str, quoted: str) -> None:
    value, words = _item(note)
    assert value is True
    assert words == quoted


@pytest.mark.parametrize(
    "note",
    ["No labile INR.", "Denies labile INRs.", "No history of labile INR."],
)
def test_a_denied_labile_inr_answers_no(note: str) -> None:
    assert _item(note)[0] is False


@pytest.mark.parametrize(
    ("note", "why"),
    [
        ("INR 2.4 today.", "not mentioned"),
        ("INR within the therapeutic range today.", "not mentioned"),
        ("If her INR is stable, continue warfarin.", "only as a possibility"),
        ("If TTR is 70%, continue warfarin.", "only as a possibility"),
        ("Possibly labile INR.", "only with doubt"),
        ("Possibly a stable INR.", "only with doubt"),
        ("Her mother has a stable INR on warfarin.", "about a relative"),
        # a bound, not a value: under 70% may be under 60% or not
        ("TTR below 70%.", "not mentioned"),
        ("Target TTR 65% or more.", "not mentioned"),
    ],
)
def test_silence_doubt_or_a_relative_leaves_it_missing(note: str, why: str) -> None:
    value, reason = _item(note)
    assert value is None
    assert why in reason


def test_a_labile_inr_is_not_lowered_by_a_stable_one() -> None:
    note = "INR was stable last year. Over the past 3 months INRs have been erratic."
    assert _item(note) == (True, "INRs have been erratic")


def test_a_measured_ttr_under_60_wins_over_stable_words() -> None:
    note = "INR described as stable by the patient. TTR 48% on clinic records."
    assert _item(note) == (True, "TTR 48%")
