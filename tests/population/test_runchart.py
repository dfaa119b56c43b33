"""The run chart rules of report.html's weekly VTE-1 rate (clotwatch.population.runchart).

Limits from Anhøj & Olesen 2014 (doi:10.1371/journal.pone.0113825): longest run longer than
round(log2(n) + 3) and fewer crossings than qbinom(0.05, n - 1, 0.5), n the points off the
median. The crossings limit is checked against the definition itself (every sequence of sides
enumerated), and two values against the worked example of the rules' reference
implementation (qicharts2's ``summary.qic``: 24 useful points, limits 8 and 8).
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch.population.report import _run_chart
from clotwatch.population.runchart import analyse, crossings_limit, longest_run_limit
from clotwatch.web.i18n import gettext


def test_the_limits_of_the_worked_example_and_the_published_table() -> None:
    # qicharts2 summary.qic example: n.useful 24 -> longest.run.max 8, n.crossings.min 8
    assert longest_run_limit(24) == 8
    assert crossings_limit(24) == 8
    # the table of critical values for the longest run (log2(n) + 3, rounded)
    assert [longest_run_limit(n) for n in (10, 12, 23, 46, 91, 100)] == [6, 7, 8, 9, 10, 10]
    # crossings for 10 points: P(C <= 1) = 10/512 < 5% <= P(C <= 2) = 46/512
    assert crossings_limit(10) == 2


@pytest.mark.parametrize("n", range(1, 15))
def test_the_crossings_limit_is_the_5th_percentile_of_crossings_by_chance(n: int) -> None:
    # Every sequence of n sides, equally likely by chance: the limit is the fewest crossings
    # c whose share of sequences with at most c crossings reaches 5%.
    counts = [0] * n
    for sides in itertools.product((-1, 1), repeat=n):
        counts[sum(a != b for a, b in itertools.pairwise(sides))] += 1
    shares = itertools.accumulate(Fraction(k, 2 ** n) for k in counts)
    expected = next(c for c, share in enumerate(shares) if share >= Fraction(1, 20))
    assert crossings_limit(n) == expected


def test_a_shift_half_way_is_a_long_run_and_few_crossings() -> None:
    rates = [Fraction(6, 10)] * 10 + [Fraction(9, 10)] * 10
    runs = analyse(rates)
    assert runs is not None
    assert runs.median == Fraction(3, 4) and runs.useful == 20
    assert (runs.longest_run, runs.longest_run_limit) == (10, 7)
    assert (runs.crossings, runs.crossings_limit) == (1, 6)
    assert runs.long_run and runs.few_crossings and runs.signal
    assert runs.long_runs == (tuple(range(10)), tuple(range(10, 20)))


def test_points_on_the_median_neither_break_nor_add_to_a_run() -> None:
    lo, mid, hi = Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)
    # median of these 9 values is 1/2; the two on it are left out
    runs = analyse([lo, lo, mid, lo, hi, mid, hi, hi, hi])
    assert runs is not None and runs.median == mid
    assert runs.useful == 7
    assert runs.longest_run == 4 and runs.crossings == 1
    assert not runs.long_run  # 4 is not more than round(log2(7) + 3) = 6


def test_alternating_rates_give_no_signal() -> None:
    runs = analyse([Fraction(1, 2), Fraction(3, 4)] * 12)
    assert runs is not None and not runs.signal
    assert runs.crossings == 23 and runs.longest_run == 1


def test_nothing_to_analyse() -> None:
    assert analyse([]) is None
    assert analyse([Fraction(1, 2)] * 5) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 30)), min_size=1, max_size=60))
def test_runs_and_crossings_add_up(pairs: list[tuple[int, int]]) -> None:
    rates = [Fraction(min(a, b), b) for a, b in pairs]
    runs = analyse(rates)
    if runs is None:
        assert all(r == rates[0] for r in rates)
        return
    off = [r for r in rates if r != runs.median]
    assert runs.useful == len(off)
    # runs = crossings + 1; the longest run is at least the average run
    assert runs.longest_run * (runs.crossings + 1) >= runs.useful
    assert all(len(r) > runs.longest_run_limit for r in runs.long_runs)
    assert bool(runs.long_runs) == runs.long_run
    # each long run is on one side of the median
    for run in runs.long_runs:
        assert len({rates[i] > runs.median for i in run}) == 1


def _orange(svg: str) -> int:
    return len(re.findall(r'<circle [^>]*fill="#ea580c"', svg))


def test_the_report_chart_says_what_the_rules_found_in_english_and_russian() -> None:
    shifted = [(f"2026-W{i:02d}", 6 if i < 10 else 9, 10) for i in range(20)]
    steady = [(f"2026-W{i:02d}", 5 + (i % 2) * 3, 10) for i in range(20)]
    en = gettext("en")
    html = _run_chart(en, "By week", shifted)
    assert "Non-random variation" in html and _orange(html) == 20
    assert "median 75.0%" in html and "e113825" in html
    assert "2026-W00: 60.0% (6 of 10)" in html  # each point names its week and counts
    assert "<details>" in html and "2026-W19" in html  # every week in the table
    calm = _run_chart(en, "By week", steady)
    assert "No sign of non-random variation" in calm and _orange(calm) == 0
    ru = _run_chart(gettext("ru"), "По неделе", shifted)
    assert "Неслучайная изменчивость" in ru and "медиана 75.0%" in ru
    # weeks with no one measured are not plotted as 0%
    assert _run_chart(en, "By week", [("2026-W01", 0, 0)]).count("<circle") == 0


def test_weeks_not_over_are_hollow_and_left_out_of_the_rules() -> None:
    from clotwatch.population.report import _open_weeks

    # A Sunday admission's window runs to the end of Tuesday: on Tuesday its week is open,
    # from Wednesday it is over.
    assert _open_weeks("2026-11-24T23:59:00+00:00") == "2026-11-16"  # week of Mon 16th open
    assert _open_weeks("2026-11-25T00:00:00Z") == "2026-11-17"  # ... closed from Wednesday
    # twelve steady weeks, then two low ones not over: no signal, the low ones hollow
    rows = [(f"2026-{m:02d}-01", 5 + (m % 2) * 3, 10) for m in range(1, 13)]
    rows += [("2027-01-04", 1, 10), ("2027-01-11", 0, 10)]
    html = _run_chart(gettext("en"), "By week", rows, open_from="2027-01-04")
    assert len(re.findall(r'<circle [^>]*fill="#fff"', html)) == 2
    assert "Hollow points" in html and "No sign of non-random variation" in html
    assert "weeks off the median: 12" in html
    assert "2027-01-11: 0.0% (0 of 10)" in html  # still shown, with its counts
