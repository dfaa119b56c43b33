"""The prefilter only skips work: a concept it skips never matches the note."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.core.notes.prefilter import FOLDS, lowered, nonempty, starts
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


def _benchmark_notes() -> list[str]:
    sys.path.insert(0, str(BENCH))
    from medcalc_bench import CSV_NAME, data_dir

    try:
        directory = data_dir()
    except FileNotFoundError as exc:  # pragma: no cover - the shared data is on the build machine
        pytest.skip(f"MedCalc-Bench data not available: {exc}")
    with open(directory / CSV_NAME, newline="", encoding="utf-8") as fh:
        return [r["Patient Note"] for r in csv.DictReader(fh)]


def _cue_hits_match_a_full_scan(text: str) -> None:
    """Every sentence's ConText hits, cues tried only where the note shows a start, are a
    full scan's."""
    from clotwatch.core.notes import prepare

    rules = load_rules()
    doc = prepare(text, rules)
    for sent in doc.sentences:
        assert doc.hits(sent) == rules.context.hits(sent.text), sent.text


def test_no_concept_that_matches_a_benchmark_note_is_skipped() -> None:
    notes = _benchmark_notes()
    rules = load_rules()
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


def test_cue_hits_on_benchmark_notes_are_a_full_scans() -> None:
    for text in _benchmark_notes():
        _cue_hits_match_a_full_scan(text)


def test_folds_are_the_characters_that_ignorecase_matches_to_ascii_letters() -> None:
    """FOLDS: every non-ASCII character (of the Basic Multilingual Plane, where all of
    Unicode's case pairs with ASCII letters are) that re.IGNORECASE matches to an ASCII
    letter although its lower() is not that letter."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    folds = {
        chr(c) for c in range(0x80, 0x10000)
        if letter.fullmatch(chr(c)) and not chr(c).lower().isascii()
    }
    assert folds == FOLDS


@pytest.mark.parametrize("odd", ["\u017f", "\u0131", "\u0130", "\u212a"])
def test_notes_with_case_folding_letters_are_matched_as_by_a_full_scan(odd: str) -> None:
    """A long s, a dotless i, a dotted capital I or a Kelvin sign in a note: the lower-cased
    note does not show every match, so the patterns run over the whole text."""
    from clotwatch.core.notes import prepare

    text = (f"No hi{odd}tory of DVT. Mother had a PE. Deep vein thrombo{odd}is "
            f"of the left leg in 2019. Wee{odd} ago. HR 110, {odd}O2 91%.")
    assert (lowered(text) is None) == (odd != "\u212a")
    rules = load_rules()
    doc = prepare(text, rules)
    for cid in rules.concepts:
        assert [m.span() for m in doc._matches(cid)] == [
            m.span() for m in rules.pattern(cid).finditer(text)], cid
    _cue_hits_match_a_full_scan(text)


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


CUE_WORDS = st.sampled_from(["no", "No", "not", "denies", "history of", "h/o", "Hx", "PMH:",
                             "is", "was", "but", "mother", "possible", "if", "scheduled for",
                             "no increase", "apart from", "DVT", "pain", "-", ",", ".", ". ",
                             "\n", "\n\n", ";", "/", "2019", "years ago", "ruled out", "FH"])


@settings(max_examples=100, deadline=None)
@given(st.lists(CUE_WORDS, min_size=1, max_size=14), st.sampled_from([" ", "", "  "]))
def test_cue_hits_on_random_text_are_a_full_scans(words: list[str], sep: str) -> None:
    _cue_hits_match_a_full_scan(sep.join(words))



SEARCHED = st.sampled_from(["cholecystectomy", "Appendectomy.", "arthroplasty", "TKA",
                            "total knee arthroplasty", "hemi-arthroplasty", "re-arthroplasty",
                            "x_ectomy", "ectomy", "32 weeks' gestation", "3 weeks of gestation",
                            "123 weeks of gestation", "pregnant", "G2P1", "-", ",", "(", "surgery",
                            "laparotomy", "open"])


@settings(max_examples=100, deadline=None)
@given(st.lists(SEARCHED, min_size=1, max_size=10), st.sampled_from([" ", "", "-"]))
def test_concepts_searched_by_pattern_match_as_a_full_scan(words: list[str], sep: str) -> None:
    """A concept with a pattern of unknown starts ("\\w+ectomy") searches that pattern alone
    for every place it can begin: the matches are still a full scan's."""
    from clotwatch.core.notes import prepare

    text = sep.join(words)
    rules = load_rules()
    doc = prepare(text, rules)
    for cid in ("surgery", "major_open_surgery", "pregnancy"):
        assert rules.searched(cid) is not None
        assert [m.span() for m in doc._matches(cid)] == [
            m.span() for m in rules.pattern(cid).finditer(text)], (cid, text)


def test_nonempty() -> None:
    assert nonempty("\\w+ectomy", True) and nonempty("a|bc", False)
    assert not nonempty("\\w*", True) and not nonempty("(?:x)?", False)
