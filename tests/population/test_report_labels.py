"""report.html's bar charts leave room for their longest label (a Russian instrument label was
cut at the left edge of the chart)."""

from __future__ import annotations

import re

from clotwatch.population.report import _bars, _stacked


def _no_gettext(s: str) -> str:
    return s


def _label_x_and_first_bar(svg: str) -> tuple[float, float]:
    label = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="end"', svg)
    bar = re.search(r'<rect x="([\d.]+)"', svg)
    assert label and bar
    return float(label.group(1)), float(bar.group(1))


def test_a_long_label_moves_the_bars_right_and_a_short_one_does_not() -> None:
    long = "improve-vte (терапевтические пациенты)"
    for chart, default in ((lambda lab: _stacked(_no_gettext, "t", [(lab, {"high": 3})]), 240),
                           (lambda lab: _bars(_no_gettext, "t", [(lab, 1, 2)]), 220)):
        x_long, bar_long = _label_x_and_first_bar(chart(long))
        assert bar_long >= 7 * len(long) + 16 > default  # room for every character
        assert x_long == bar_long - 8  # the label ends just before its bar
        _, bar_short = _label_x_and_first_bar(chart("padua"))
        assert bar_short == default  # short labels keep the layout (English pages unchanged)
