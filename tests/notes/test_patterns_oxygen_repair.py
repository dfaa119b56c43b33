"""The sixth round of general patterns (docs/notes.md), each written from the pattern, never
from a benchmark note, with the forms that must stay non-present: denied, past, hypothetical, a
relative's, uncertain.

- an SpO2 read while oxygen is given, in the delivery phrases of clinical notes ("with nasal
  cannula", "via face mask", "while receiving 4 L/min"), is not a room-air value (PERC's
  criterion is SaO2 on room air, Kline 2004): the item stays missing, never "no";
- an operation named by the structure repaired ("hernia repair", "aneurysm repair") or by the
  surgical suffixes -rrhaphy (suture) and -pexy (fixation), as -ectomy and -plasty already are.
"""

from __future__ import annotations

from typing import Any

import pytest

from clotwatch.core.notes.measures import measurements
from clotwatch.notes import extract


def _read(note: str, instrument: str) -> dict[str, Any]:
    return extract(note, instrument)  # type: ignore[no-any-return]


def _missing(result: dict[str, Any], input_id: str) -> str:
    return next(m["reason"] for m in result["missing"] if m["input"] == input_id)


# --- SpO2 on oxygen, in the words notes use ------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "Oxygen saturation 96% with nasal cannula and 100% oxygen.",
        "SpO2 93% via face mask.",
        "Saturating 92% with a non-rebreather.",
        "SpO2 94% while receiving 4 L/min.",
        "O2 sat 95% using high-flow nasal cannula.",
        "SpO2 90% while on oxygen.",
    ],
)
def test_a_saturation_on_oxygen_leaves_the_room_air_item_missing(note: str) -> None:
    got = _read(note, "perc")
    assert "spo2" not in got["inputs"]
    assert "on oxygen, not room air" in _missing(got, "spo2")
    assert [m.qualifier for m in measurements(note) if m.kind == "spo2"] == ["on oxygen"]


@pytest.mark.parametrize(
    ("note", "value"),
    [
        ("SpO2 97% with a respiratory rate of 18.", 97.0),
        ("SpO2 95% on room air, later 99% with oxygen.", 95.0),
        ("Oxygen saturation 98% while breathing ambient air.", 98.0),
    ],
)
def test_with_or_while_that_name_no_oxygen_keep_the_room_air_value(note: str,
                                                                   value: float) -> None:
    assert _read(note, "perc")["inputs"]["spo2"] == value


# --- An operation named by the structure repaired, or by -rrhaphy / -pexy -----------------------


@pytest.mark.parametrize(
    "note",
    [
        "Inguinal hernia repair 3 weeks ago.",
        "Herniorrhaphy two weeks ago.",
        "Nephropexy 10 days ago.",
        "Rotator cuff repair 5 days ago.",
    ],
)
def test_a_repair_within_four_weeks_is_recent_surgery(note: str) -> None:
    assert _read(note, "perc")["inputs"]["recent_surgery_or_trauma"] is True
    assert _read(note, "wells-pe")["inputs"]["immobilization_or_surgery"] is True


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        ("Scheduled for hernia repair next month.", "planned"),
        ("Her mother had a hernia repair last week.", "about a relative"),
        ("Possible need for aneurysm repair.", "only with doubt"),
        ("Hernia repair 2 years ago.", "days before"),
    ],
)
def test_a_repair_not_done_recently_by_the_patient_is_not_recent_surgery(note: str,
                                                                          reason: str) -> None:
    got = _read(note, "perc")
    assert got["inputs"].get("recent_surgery_or_trauma") is not True
    assert reason in _missing(got, "recent_surgery_or_trauma")


def test_a_denied_repair_is_never_yes() -> None:
    got = _read("No history of hernia repair.", "perc")
    assert got["inputs"].get("recent_surgery_or_trauma") is not True
    assert all(e["value"] is not True for e in got["evidence"]
               if e["input"] == "recent_surgery_or_trauma")

