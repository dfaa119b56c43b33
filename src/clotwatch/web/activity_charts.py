"""The movement charts of the patient's and the clinician's pages (issue #9): steps per day
against the goal, and the longest still spell per day against 2 hours, as inline SVG bars with
the same numbers in a data table (screen readers and print read the table). No script.

The figures come from ``clotwatch.service.activity.activity_view`` (the core's summary over the
stored samples); a day without data has no bar and says "no data" in the table, never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from clotwatch.core.activity import LONG_BOUT_MINUTES
from clotwatch.web.charts import Chart
from clotwatch.web.i18n import Gettext

WIDTH, HEIGHT, PAD_X, PAD_Y = 640, 200, 56, 24
BAR, LINE, MISSING = "#1f5fa8", "#b3261e", "#888"


def bar_chart(chart_id: str, title: str, dates: Sequence[str], values: Sequence[int | None],
              line: tuple[str, float] | None, unit: str) -> Markup:
    """Bars of ``values`` over ``dates`` (oldest first; None: no bar, a grey tick), with an
    optional dashed reference line (its label, its value)."""
    known = [v for v in values if v is not None]
    top = max([*known, line[1] if line else 0, 1])
    n = max(len(dates), 1)
    step = (WIDTH - 2 * PAD_X) / n

    def y(v: float) -> float:
        return HEIGHT - PAD_Y - (HEIGHT - 2 * PAD_Y) * v / top

    parts = [f'<svg role="img" aria-labelledby="{chart_id}-t" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'class="chart" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-t">{escape(title)}</title>',
             f'<line x1="{PAD_X}" y1="{HEIGHT - PAD_Y}" x2="{WIDTH - PAD_X}" '
             f'y2="{HEIGHT - PAD_Y}" stroke="#555"/>',
             f'<text x="4" y="{PAD_Y + 4}" font-size="12">{top:,.0f} {escape(unit)}</text>',
             f'<text x="4" y="{HEIGHT - PAD_Y}" font-size="12">0</text>']
    if dates:
        parts.append(f'<text x="{PAD_X}" y="{HEIGHT - 6}" font-size="12">'
                     f'{escape(dates[0])}</text>')
        parts.append(f'<text x="{WIDTH - PAD_X}" y="{HEIGHT - 6}" font-size="12" '
                     f'text-anchor="end">{escape(dates[-1])}</text>')
    for i, value in enumerate(values):
        x = PAD_X + i * step + step * 0.15
        width = step * 0.7
        if value is None:
            parts.append(f'<rect x="{x:.1f}" y="{HEIGHT - PAD_Y - 2}" width="{width:.1f}" '
                         f'height="2" fill="{MISSING}"/>')
        else:
            top_y = y(value)
            parts.append(f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{width:.1f}" '
                         f'height="{HEIGHT - PAD_Y - top_y:.1f}" fill="{BAR}"/>')
    if line is not None:
        label, level = line
        parts.append(f'<line x1="{PAD_X}" y1="{y(level):.1f}" x2="{WIDTH - PAD_X}" '
                     f'y2="{y(level):.1f}" stroke="{LINE}" stroke-width="2" '
                     f'stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{PAD_X + 4}" y="{y(level) - 4:.1f}" font-size="12" '
                     f'fill="{LINE}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def for_activity(view: dict[str, Any], _: Gettext) -> list[Chart]:
    """Two charts with their tables: steps per day (the goal line when there is a goal) and
    the longest still spell in waking hours per day (the 2-hour line, Healy 2010)."""
    if not view["has_data"]:
        return []
    days = view["days"]
    dates = [d["date"] for d in days]
    goal = view["goal"]["steps"]
    no_data = _("no data")

    def cell(value: int | None) -> str:
        return no_data if value is None else f"{value:,}"

    steps = [d["steps"] for d in days]
    still = [d["longest_still_minutes"] for d in days]
    bouts = [d["still_bouts_120"] for d in days]
    steps_title = _("Steps per day")
    still_title = _("Longest still spell per day (waking hours {waking})",
                    waking=view["waking"])
    return [
        Chart("steps", steps_title,
              bar_chart("chart-steps", steps_title, dates, steps,
                        (_("goal {steps}", steps=f"{goal:,}"), goal) if goal else None,
                        _("steps")),
              (_("Date"), _("Steps"), _("Goal")),
              tuple((d, cell(s), cell(goal)) for d, s in zip(dates, steps, strict=True))),
        Chart("still", still_title,
              bar_chart("chart-still", still_title, dates, still,
                        (_("2 hours"), LONG_BOUT_MINUTES), _("min")),
              (_("Date"), _("Longest still spell (minutes)"), _("Spells of 2 hours or more")),
              tuple((d, cell(s), cell(b)) for d, s, b in zip(dates, still, bouts,
                                                              strict=True))),
    ]
