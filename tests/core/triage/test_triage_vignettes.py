"""The engine against the development vignettes and clotwatch's own cases.

Targets (../shared/vignettes/README.md): 100% emergency sensitivity, no under-triage, exact
triage on at least 90% of cases. The figures are recorded in docs/triage.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clotwatch.core.triage import evaluate
from clotwatch.triage import assess

HERE = Path(__file__).resolve().parent
ORDER = ("self_care", "soon", "urgent", "emergency")


def load_cases(name: str) -> list[dict[str, Any]]:
    """The cases of a vignette file beside this one, with any 'base' answer sets merged in."""
    data = json.loads((HERE / name).read_text(encoding="utf-8"))
    bases = data.get("bases", {})
    cases = []
    for case in data["cases"]:
        answers: dict[str, Any] = {}
        for base in case.get("base", []):
            answers.update(bases[base])
        answers.update(case["answers"])
        cases.append({**case, "answers": answers})
    return cases


def score(cases: list[dict[str, Any]], dispositions: dict[str, str]) -> dict[str, Any]:
    """Score dispositions against the cases as ../shared/vignettes/README.md says."""
    exact = safe = under = over = emergencies = emergencies_hit = 0
    under_ids = []
    for case in cases:
        got, expected = dispositions[case["id"]], case["expected"]
        acceptable = case.get("acceptable", [])
        if got == expected:
            exact += 1
        if got == expected or got in acceptable or ORDER.index(got) > ORDER.index(expected):
            safe += 1
        if ORDER.index(got) < ORDER.index(expected) and got not in acceptable:
            under += 1
            under_ids.append(case["id"])
        if ORDER.index(got) > ORDER.index(expected) and got not in acceptable:
            over += 1
        if expected == "emergency":
            emergencies += 1
            emergencies_hit += got == "emergency"
    n = len(cases)
    return {"n": n, "exact": exact, "exact_share": exact / n, "safe": safe,
            "under_triage": under, "under_ids": under_ids, "over_triage": over,
            "emergency_sensitivity": emergencies_hit / emergencies if emergencies else 1.0}

# CI has the shared folder beside the clone (../shared).
SHARED_DEV = HERE.parents[2].parent / "shared" / "vignettes" / "dev.json"
DEV = load_cases("dev-vignettes.json")
OWN = load_cases("cases.json")


def _dispositions(cases: list[dict]) -> dict[str, str]:
    return {c["id"]: evaluate(c["answers"]).disposition for c in cases}


def test_development_vignettes_meet_the_safety_targets() -> None:
    figures = score(DEV, _dispositions(DEV))
    assert figures["n"] == 28
    assert figures["emergency_sensitivity"] == 1.0, figures
    assert figures["under_triage"] == 0, figures


def test_development_vignette_figures_are_the_ones_in_the_docs() -> None:
    # docs/triage.md quotes these figures; change both together.
    figures = score(DEV, _dispositions(DEV))
    assert (figures["exact"], figures["safe"], figures["over_triage"]) == (23, 28, 3)
    docs = (HERE.parents[2] / "docs" / "triage.md").read_text(encoding="utf-8")
    assert "23 of 28" in docs


@pytest.mark.parametrize("case", DEV, ids=[c["id"] for c in DEV])
def test_a_vignette_above_its_story_is_so_only_for_what_it_leaves_unanswered(
        case: dict) -> None:
    # Self-care needs every answer that could raise it: the development stories leave some
    # unanswered (how often cramps come back), and once those are answered the reassuring way
    # the result is the story's own (or one it lists as acceptable).
    from clotwatch.core.triage import decide
    from clotwatch.core.triage.bounds import DOMAIN

    result = evaluate(case["answers"])
    order = ("self_care", "soon", "urgent", "emergency")
    if order.index(result.disposition) <= order.index(case["expected"]):
        return
    answered = dict(case["answers"])
    for key in result.unanswered:   # each left-open key answered the most reassuring way
        answered[key] = min((v for v in DOMAIN[key] if v is not None),
                            key=lambda v: order.index(decide({**answered, key: v})[0]))
    got = evaluate(answered).disposition
    assert got == case["expected"] or got in case["acceptable"], (result.unanswered, got)


def test_vendored_development_vignettes_match_the_shared_copy() -> None:
    if not SHARED_DEV.exists():
        pytest.skip("the shared vignettes are not on this machine")
    shared = json.loads(SHARED_DEV.read_text(encoding="utf-8"))
    ours = json.loads((HERE / "dev-vignettes.json").read_text(encoding="utf-8"))
    assert shared == ours


def test_own_cases_are_many_and_each_names_its_source() -> None:
    assert len(OWN) >= 30
    assert len({c["id"] for c in OWN}) == len(OWN)
    for case in OWN:
        assert case["source"].strip(), case["id"]
        assert case["expected"] in ("self_care", "soon", "urgent", "emergency")


def test_own_cases_meet_the_targets() -> None:
    figures = score(OWN, _dispositions(OWN))
    assert figures["emergency_sensitivity"] == 1.0, figures
    assert figures["under_triage"] == 0, figures
    assert figures["exact_share"] >= 0.90, figures


@pytest.mark.parametrize("case", OWN, ids=[c["id"] for c in OWN])
def test_own_case(case: dict) -> None:
    result = assess(case["answers"])
    assert result["disposition"] == case["expected"], (case["story"], result["reasons"])
    for key in case.get("unanswered_include", []):
        assert key in result["unanswered"]
    for cause in case.get("causes_include", []):
        assert cause in result["possible_causes"]
    reason_keys = [r["key"] for r in result["reasons"]]
    for key in case.get("reasons_include", []):
        assert key in reason_keys
    advice_ids = [a.message for a in evaluate(case["answers"]).advice]
    for advice in case.get("advice_include", []):
        assert advice in advice_ids


@pytest.mark.parametrize("case", DEV, ids=[c["id"] for c in DEV])
def test_development_vignette_is_never_under_triaged(case: dict) -> None:
    got = evaluate(case["answers"]).disposition
    order = ("self_care", "soon", "urgent", "emergency")
    assert order.index(got) >= order.index(case["expected"]) or got in case["acceptable"]
