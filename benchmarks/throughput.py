"""evaluate() throughput for one instrument (wells-dvt) against a hand-written function.

Both sides do the same job on the same answers, in the same run: reject unknown inputs and
wrong types, list what is missing (never reading it as "no"), add up the points, work out the
range the missing inputs still allow, and give the category under both band schemes (None when
the missing inputs could change it), plus the per-input contributions. The hand-written side
is what a careful programmer would write for Wells DVT alone; evaluate() is the generic engine
driven by the declaration in core/instruments/catalogue.py.

Goal (issue 2): evaluate() at least half as fast as the hand-written function, i.e. a time
ratio (evaluate / hand-written) of at most 2.

    .venv/bin/python benchmarks/throughput.py            # figures
    .venv/bin/python benchmarks/throughput.py --profile  # cProfile of evaluate()
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import statistics
import sys
import timeit
from collections.abc import Mapping
from typing import Any

from clotwatch.instruments import evaluate, get

# Wells 2003 points (same values as the declaration; the benchmark asserts both agree).
_WELLS_DVT_POINTS: dict[str, int] = {
    "active_cancer": 1,
    "paralysis_or_cast": 1,
    "bedridden_or_major_surgery": 1,
    "localized_tenderness": 1,
    "entire_leg_swollen": 1,
    "calf_swelling_3cm": 1,
    "pitting_edema": 1,
    "collateral_veins": 1,
    "previous_dvt": 1,
    "alternative_diagnosis_likely": -2,
}


def _two_level(total: int) -> str:
    return "unlikely" if total <= 1 else "likely"


def _three_level(total: int) -> str:
    return "low" if total <= 0 else "moderate" if total <= 2 else "high"


def wells_dvt_by_hand(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Wells DVT 2003, written out by hand, with the same checks and outputs as evaluate()."""
    for key in answers:
        if key not in _WELLS_DVT_POINTS:
            raise ValueError(f"{key}: unknown input")
    total = lo = hi = 0
    missing = []
    contributions = []
    for key, points in _WELLS_DVT_POINTS.items():
        value = answers.get(key)
        if value is None:
            missing.append(key)
            if points < 0:
                lo += points
            else:
                hi += points
            continue
        if not isinstance(value, bool):
            raise ValueError(f"{key}: expected true or false")
        got = points if value else 0
        total += got
        contributions.append((key, got))
    lo += total
    hi += total
    categories = {}
    for scheme, classify in (("two_level", _two_level), ("three_level", _three_level)):
        # Bands are monotone in the total, so the two ends decide whether it is settled.
        a, b = classify(lo), classify(hi)
        categories[scheme] = a if a == b else None
    return {
        "total": total,
        "total_range": (lo, hi),
        "category": categories["two_level"],
        "categories": categories,
        "missing": missing,
        "contributions": contributions,
    }


CASES: dict[str, dict[str, Any]] = {
    "complete (all 10 answered)": {
        "active_cancer": True, "paralysis_or_cast": False, "bedridden_or_major_surgery": False,
        "localized_tenderness": True, "entire_leg_swollen": False, "calf_swelling_3cm": True,
        "pitting_edema": False, "collateral_veins": False, "previous_dvt": False,
        "alternative_diagnosis_likely": False,
    },
    "partial (3 answered, 7 missing)": {
        "active_cancer": True, "calf_swelling_3cm": True, "previous_dvt": False,
    },
}


def _agree() -> None:
    inst = get("wells-dvt")
    assert {i.id: i.points for i in inst.inputs} == _WELLS_DVT_POINTS
    for answers in CASES.values():
        ours, hand = evaluate(inst, answers), wells_dvt_by_hand(answers)
        assert ours.total == hand["total"]
        assert tuple(ours.total_range) == hand["total_range"]
        assert dict(ours.categories) == hand["categories"]
        assert list(ours.missing) == hand["missing"]


def measure(repeat: int = 7, number: int = 2000) -> list[dict[str, Any]]:
    """Per case: best-of and median microseconds per call for both sides, and the ratio."""
    _agree()
    inst = get("wells-dvt")
    rows = []
    for name, answers in CASES.items():
        # Interleave the two sides so that machine noise hits both alike.
        t_eval: list[float] = []
        t_hand: list[float] = []
        def by_evaluate(a: Mapping[str, Any] = answers) -> object:
            return evaluate(inst, a)

        def by_hand(a: Mapping[str, Any] = answers) -> object:
            return wells_dvt_by_hand(a)

        for _ in range(repeat):
            t_eval.append(timeit.timeit(by_evaluate, number=number))
            t_hand.append(timeit.timeit(by_hand, number=number))
        us = 1e6 / number
        ev, hd = statistics.median(t_eval) * us, statistics.median(t_hand) * us
        rows.append({
            "case": name,
            "evaluate_us": ev,
            "hand_us": hd,
            "ratio": ev / hd,
        })
    return rows


def profile(answers: Mapping[str, Any], calls: int = 3000) -> None:
    inst = get("wells-dvt")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        evaluate(inst, answers)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="cProfile evaluate() per case")
    parser.add_argument("--number", type=int, default=2000, help="calls per timing (2000)")
    parser.add_argument("--repeat", type=int, default=7, help="timings per side (7)")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()} {platform.system()}")
    print("median microseconds per call; ratio = time / hand-written time (goal <= 2)")
    print(f"{'case':34} {'by hand':>8} {'evaluate':>9} {'ratio':>6}")
    for r in measure(args.repeat, args.number):
        verdict = "meets" if r["ratio"] <= 2 else "MISSES"
        print(f"{r['case']:34} {r['hand_us']:8.2f} {r['evaluate_us']:9.2f} {r['ratio']:6.1f}"
              f"  evaluate {verdict}")
    if args.profile:
        for name, answers in CASES.items():
            print(f"\n== profile of evaluate(), {name}")
            profile(answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
