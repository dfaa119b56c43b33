"""Hedging adverbs ("maybe", "perhaps") doubt the finding after them, as "possibly" does.

Found by reading a note written as a clinician would ("Maybe alcohol abuse." answered HAS-BLED's
alcohol item yes), not from the benchmark: no MedCalc-Bench note uses either word. A general
pattern of English hedging (ConText's uncertainty class), with the forms that must still
answer.
"""

from __future__ import annotations

import pytest

from clotwatch.notes import note_result


@pytest.mark.parametrize(
    ("note", "inst", "item"),
    [
        ("Maybe alcohol abuse.", "has-bled", "alcohol"),
        ("Perhaps a small amount of hemoptysis.", "perc", "hemoptysis"),
        ("Left calf swelling, maybe a DVT in the past.", "wells-dvt", "previous_dvt"),
        ("She perhaps had a PE years ago.", "perc", "previous_vte"),
    ],
)
def test_a_hedged_finding_does_not_answer_and_says_why(note: str, inst: str,
                                                       item: str) -> None:
    res = note_result(note, inst)
    assert item not in res.extraction.inputs
    reason = next(m.reason for m in res.extraction.missing if m.input == item)
    assert "only with doubt" in reason


@pytest.mark.parametrize(
    ("note", "inst", "item", "value"),
    [
        # the hedge is about something else, ended by a termination term
        ("Maybe viral, but she drinks 20 units of alcohol a week.", "has-bled", "alcohol", True),
        ("Hemoptysis today. Maybe viral.", "perc", "hemoptysis", True),
    ],
)
def test_a_hedge_elsewhere_leaves_the_finding(note: str, inst: str, item: str,
                                              value: bool) -> None:
    assert note_result(note, inst).extraction.inputs.get(item) is value
