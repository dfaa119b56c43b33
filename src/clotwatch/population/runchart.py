"""Run chart analysis of a rate over time: is the variation more than chance?

A run chart plots a measure in time order with its median as the centre line. Two rules,
from the simulation study that compared the run chart rules in use, tell non-random variation
(a shift in the process, or its drift) from noise with a false signal rate near 5% whatever the
number of points (Anhøj J, Olesen AV. Run charts revisited: a simulation study of run chart
rules for detection of non-random variation in health care processes. PLoS One
2014;9(11):e113825. doi:10.1371/journal.pone.0113825, PMID 25423037); the R package qicharts2
by the same author applies them the same way (``runs.analysis``):

- Points on the median are left out: they neither add to nor break a run. ``n`` is the number
  of the other ("useful") points.
- **Unusually long run**: a run (consecutive useful points on the same side of the median)
  longer than ``round(log2(n) + 3)`` points.
- **Unusually few crossings**: fewer crossings of the median (adjacent useful points on
  opposite sides) than ``qbinom(0.05, n - 1, 0.5)``, the 5th percentile of the binomial
  distribution of crossings expected by chance.

The older fixed rules (a shift of six points, a trend of five) are not used: a fixed run
length does not adapt to the number of points, as these limits do, and the same study found
the trend rule of little use. Pure: standard library only, exact arithmetic (``Fraction``)
so that a rate equal to the median is recognised as such.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import median


def longest_run_limit(useful: int) -> int:
    """The longest run expected by chance among ``useful`` points: ``round(log2(n) + 3)``
    (Anhøj & Olesen 2014; log2(n) + 3 is never half-way between two integers for n >= 1)."""
    if useful < 1:
        raise ValueError("a run chart needs at least one point off the median")
    return round(math.log2(useful) + 3)


def crossings_limit(useful: int) -> int:
    """The fewest crossings expected by chance among ``useful`` points: the smallest ``c``
    with P(C <= c) >= 0.05 for C ~ Binomial(n - 1, 1/2) (R's ``qbinom(0.05, n - 1, 0.5)``),
    computed exactly."""
    if useful < 1:
        raise ValueError("a run chart needs at least one point off the median")
    trials = useful - 1
    total = 2 ** trials
    cumulative = 0
    for c in range(trials + 1):
        cumulative += math.comb(trials, c)
        if Fraction(cumulative, total) >= Fraction(1, 20):
            return c
    return trials  # not reached: the cumulative probability ends at 1


@dataclass(frozen=True)
class RunAnalysis:
    """The run chart rules applied to one series (indices are positions in the series)."""

    median: Fraction
    useful: int
    longest_run: int
    longest_run_limit: int
    crossings: int
    crossings_limit: int
    # The positions of the useful points of each run longer than the limit.
    long_runs: tuple[tuple[int, ...], ...]

    @property
    def long_run(self) -> bool:
        return self.longest_run > self.longest_run_limit

    @property
    def few_crossings(self) -> bool:
        return self.crossings < self.crossings_limit

    @property
    def signal(self) -> bool:
        """Non-random variation by either rule."""
        return self.long_run or self.few_crossings


def analyse(values: Sequence[Fraction]) -> RunAnalysis | None:
    """The run chart rules for ``values`` in time order, against their own median; None when
    every value is on the median (nothing to analyse) or there are none."""
    if not values:
        return None
    centre = Fraction(median(values))
    sides = [(i, 1 if v > centre else -1) for i, v in enumerate(values) if v != centre]
    if not sides:
        return None
    runs: list[list[int]] = []
    previous = 0
    for i, side in sides:
        if side != previous:
            runs.append([])
            previous = side
        runs[-1].append(i)
    useful = len(sides)
    run_limit = longest_run_limit(useful)
    return RunAnalysis(
        median=centre, useful=useful, longest_run=max(len(r) for r in runs),
        longest_run_limit=run_limit, crossings=len(runs) - 1,
        crossings_limit=crossings_limit(useful),
        long_runs=tuple(tuple(r) for r in runs if len(r) > run_limit))
