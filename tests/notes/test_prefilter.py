"""The prefilter only skips work: a concept it skips never matches the note."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.core.notes.prefilter import starts
from clotwatch.notes.rules import load_rules

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _skipped(text: str, concept_id: str) -> bool:
    pre = load_rules().prefixes(concept_id)
    if pre is None:
        return False
    lower = text.lower()
    return not (any(p in lower for p in pre[0]) or any(p in text for p in pre[1]))


@pytest.mark.parametrize(
    ("pattern", "ignorecase", "expected"),
    [
        ("ha?emoptys[ie]s", True, {"haem", "hemo"}),
        ("(?:left|right) leg", True, {"left", "righ"}),
        ("DVTs?", False, {"DVT", "DVTs"}),
        ("\\w+ectomy", True, None),
        ("(?:major )?surgery", True, {"majo", "surg"}),
        ("a*b", True, None),
    ],
)
def test_starts(pattern: str, ignorecase: bool, expected: set[str] | None) -> None:
    got = starts(pattern, ignorecase)
    assert (None if got is None else set(got)) == expected


def test_no_concept_that_matches_a_benchmark_note_is_skipped() -> None:
    sys.path.insert(0, str(BENCH))
    from medcalc_bench import CSV_NAME, data_dir

    try:
        directory = data_dir()
    except FileNotFoundError as exc:  # pragma: no cover - the shared data is on the build machine
        pytest.skip(f"MedCalc-Bench data not available: {exc}")
    rules = load_rules()
    with open(directory / CSV_NAME, newline="", encoding="utf-8") as fh:
        notes = [r["Patient Note"] for r in csv.DictReader(fh)]
    from clotwatch.core.notes import prepare

    for text in notes:
        doc = prepare(text, rules)
        for cid in rules.concepts:
            rx = rules.pattern(cid)
            if _skipped(text, cid):
                assert rx.search(text) is None, (cid, text[:80])
            # matching only where a prefix occurs finds exactly what a full scan finds
            assert [m.span() for m in doc._matches(cid)] == [m.span() for m in
                                                             rx.finditer(text)], cid


WORDS = st.sampled_from(["Hemoptysis", "haemoptysis", "DVT", "left", "LEFT", "leg", "swelling",
                         "h/o", "PE", "pe", "calf", "Factor V Leiden", "TKA", "aspirin", "x",
                         "COPD", "cirrhosis", "INR", "labile", "-", ",", "no", "Crohn's"])


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=12))
def test_skipped_concepts_never_match_random_text(words: list[str]) -> None:
    text = " ".join(words)
    rules = load_rules()
    for cid in rules.concepts:
        if _skipped(text, cid):
            assert rules.pattern(cid).search(text) is None, (cid, text)

