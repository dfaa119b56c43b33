"""Server-rendered charts for the patient page: inline SVG, each with its data table.

A chart is drawn from the check-ins alone (no script): a line per series, the points marked,
the axes labelled. The same numbers go into a table beside it (for screen readers, and for
print, where the table is what is printed), so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from clotwatch.web.i18n import Gettext

WIDTH, HEIGHT, PAD_X, PAD_Y = 640, 220, 48, 28
COLOURS = ("#1f5fa8", "#b3261e", "#2e7d32")
DASHES = ("", "6 4", "2 3")  # series differ by more than colour


@dataclass(frozen=True)
class Chart:
    """One chart: its title, the SVG, and the data table (header, rows)."""

    id: str
    title: str
    svg: Markup
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def line_chart(chart_id: str, title: str, dates: Sequence[str],
               series: Sequence[tuple[str, Sequence[float | None]]], unit: str) -> Markup:
    """An SVG line chart of ``series`` (name, values) over ``dates`` (oldest first)."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not values:
        return Markup("")
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    n = len(dates)

    def x(i: int) -> float:
        return PAD_X + (WIDTH - 2 * PAD_X) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return HEIGHT - PAD_Y - (HEIGHT - 2 * PAD_Y) * (v - low) / (high - low)

    parts = [f'<svg role="img" aria-labelledby="{chart_id}-t" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'class="chart" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-t">{escape(title)}</title>',
             f'<line x1="{PAD_X}" y1="{HEIGHT - PAD_Y}" x2="{WIDTH - PAD_X}" '
             f'y2="{HEIGHT - PAD_Y}" stroke="#555"/>',
             f'<line x1="{PAD_X}" y1="{PAD_Y}" x2="{PAD_X}" y2="{HEIGHT - PAD_Y}" stroke="#555"/>',
             f'<text x="4" y="{PAD_Y}" font-size="12">{_fmt(high)} {escape(unit)}</text>',
             f'<text x="4" y="{HEIGHT - PAD_Y}" font-size="12">{_fmt(low)}</text>',
             f'<text x="{PAD_X}" y="{HEIGHT - 6}" font-size="12">{escape(dates[0])}</text>',
             f'<text x="{WIDTH - PAD_X}" y="{HEIGHT - 6}" font-size="12" '
             f'text-anchor="end">{escape(dates[-1])}</text>']
    for k, (name, vs) in enumerate(series):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                         f'stroke-dasharray="{dash}" points="{path}"/>')
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        parts.append(f'<text x="{WIDTH - PAD_X + 4}" y="{PAD_Y + 16 * k}" font-size="12" '
                     f'fill="{colour}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def for_record(record: dict[str, Any], _: Gettext) -> list[Chart]:
    """The patient page's charts: calf circumference (both legs), Villalta symptoms, doses."""
    checkins = []
    for item in reversed(record["checkins"]):  # oldest first
        visit = item.get("kind") == "visit"
        checkins.append({**item,
                         "villalta_symptom_score": None if visit
                         else item.get("villalta_symptom_score"),
                         "visit_villalta_score": item.get("villalta_symptom_score") if visit
                         else None})
    dates = [c["at"][:10] for c in checkins]
    specs: list[tuple[str, str, str, list[tuple[str, str]]]] = [
        ("calf", _("Calf circumference"), "cm",
         [(_("Left calf"), "calf_left_cm"), (_("Right calf"), "calf_right_cm")]),
        ("villalta", _("Villalta symptoms (patient-rated, 0-15)"), "",
         [(_("Symptom score"), "villalta_symptom_score")]),
        ("villalta-visit", _("Villalta at visits (clinician-rated, 0-33)"), "",
         [(_("Villalta score"), "visit_villalta_score")]),
        ("doses", _("Anticoagulant doses"), "",
         [(_("Taken"), "doses_taken"), (_("Missed"), "doses_missed")]),
    ]
    charts = []
    for chart_id, title, unit, fields in specs:
        series = [(name, [c.get(key) for c in checkins]) for name, key in fields]
        if not any(v is not None for _n, vs in series for v in vs):
            continue
        rows = tuple((d, *(_fmt(vs[i]) for _n, vs in series)) for i, d in enumerate(dates))
        charts.append(Chart(chart_id, title, line_chart(f"chart-{chart_id}", title, dates,
                                                        series, unit),
                            (_("Date"), *(name for name, _k in fields)), rows))
    return charts
