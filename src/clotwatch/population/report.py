"""report.html: one self-contained page for a quality lead (inline SVG, no script, no CDN).

Plots: the risk categories per instrument, the VTE-1 rate by ward and by week of admission,
and the gap list (most at risk first). The page holds only what the counts and the gap rows
hold; it is written from the engine's tables, so it is the same for the same export.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clotwatch import DISCLAIMER

GAP_ROWS = 200
COLOURS = {"highest": "#7f1d1d", "high": "#c2410c", "moderate": "#d97706", "low": "#15803d",
           "unsettled": "#9ca3af"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _bars(title: str, rows: Sequence[tuple[str, int, int]], width: int = 640) -> str:
    """Horizontal bars: label, numerator, denominator -> rate (with n)."""
    if not rows:
        return f"<h3>{_e(title)}</h3><p>No encounters in the measure.</p>"
    bar_h, gap, left = 22, 6, 220
    height = len(rows) * (bar_h + gap) + 30
    width += 60
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    span = width - left - 150
    for i, (label, num, den) in enumerate(rows):
        y = i * (bar_h + gap) + 10
        rate = num / den if den else 0.0
        w = round(span * rate, 1)
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
                     f"{_e(label)}</text>")
        parts.append(f'<rect x="{left}" y="{y}" width="{span}" height="{bar_h}" fill="#e5e7eb"/>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" fill="#1d4ed8"/>')
        parts.append(f'<text x="{left + span + 6}" y="{y + 15}" font-size="12">'
                     f"{rate * 100:.1f}% ({num}/{den})</text>")
    parts.append("</svg>")
    return f"<h3>{_e(title)}</h3>" + "".join(parts)


def _stacked(title: str, rows: Sequence[tuple[str, dict[str, int]]], width: int = 640) -> str:
    """One stacked bar per instrument: encounters per risk category."""
    bar_h, gap, left = 26, 10, 180
    height = len(rows) * (bar_h + gap) + 50
    span = width - left - 20
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, counts) in enumerate(rows):
        y = i * (bar_h + gap) + 10
        total = sum(counts.values()) or 1
        x = float(left)
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="12">'
                     f"{_e(label)}</text>")
        for cat in ("highest", "high", "moderate", "low", "unsettled"):
            n = counts.get(cat, 0)
            if not n:
                continue
            w = round(span * n / total, 1)
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w}" height="{bar_h}" '
                         f'fill="{COLOURS[cat]}"><title>{cat}: {n}</title></rect>')
            if w > 34:
                parts.append(f'<text x="{x + 4:.1f}" y="{y + 17}" font-size="11" fill="#fff">'
                             f"{n}</text>")
            x += w
    y = len(rows) * (bar_h + gap) + 20
    x = float(left)
    for cat in ("highest", "high", "moderate", "low", "unsettled"):
        parts.append(f'<rect x="{x:.0f}" y="{y}" width="12" height="12" fill="{COLOURS[cat]}"/>'
                     f'<text x="{x + 16:.0f}" y="{y + 11}" font-size="11">{cat}</text>')
        x += 90
    parts.append("</svg>")
    return f"<h3>{_e(title)}</h3>" + "".join(parts)


def render_report(engine: Any, path: Path, summary: Any, risk_order: str) -> None:
    """Write ``report.html`` from the ``encounters`` table."""
    s = summary.to_dict()
    risk: dict[str, dict[str, int]] = {}
    for inst, cat, n in engine.rows(
            "SELECT instrument, coalesce(risk_category, 'unsettled'), count(*) FROM encounters "
            "GROUP BY 1, 2 ORDER BY 1, 2"):
        risk.setdefault(str(inst), {})[str(cat)] = int(n)
    for cat, n in engine.rows(
            "SELECT coalesce(improve_category, 'unsettled'), count(*) FROM encounters "
            "WHERE improve_total IS NOT NULL GROUP BY 1 ORDER BY 1"):
        risk.setdefault("improve-vte (medical)", {})[str(cat)] = int(n)
    measured = "in_denominator AND NOT excluded"
    wards = [(str(w), int(a), int(b)) for w, a, b in engine.rows(
        f"SELECT coalesce(ward, '(no ward)'), sum(CASE WHEN in_numerator THEN 1 ELSE 0 END), "
        f"count(*) FROM encounters WHERE {measured} GROUP BY 1 ORDER BY 1")]
    weeks = [(str(w), int(a), int(b)) for w, a, b in engine.rows(
        "SELECT cw_text_of_date(cw_week(cw_date(admitted))), "
        "sum(CASE WHEN in_numerator THEN 1 ELSE 0 END), count(*) "
        f"FROM encounters WHERE {measured} GROUP BY 1 ORDER BY 1")]
    gap_rows = engine.rows(
        "SELECT encounter_id, patient_id, admitted, ward, age, instrument, risk_total, "
        "risk_total_min, risk_total_max, risk_category, active_bleeding, anticoagulated "
        f"FROM encounters WHERE gap ORDER BY {risk_order} LIMIT {GAP_ROWS}")
    counts = [("Inpatient encounters screened", s["encounters"]),
              ("Initial population", s["initial_population"]),
              ("Denominator", s["denominator"]),
              ("Denominator exclusions", s["denominator_exclusions"]),
              ("Numerator", s["numerator"]),
              ("Gaps (no prophylaxis, no documented reason)", s["gaps"])]
    rate = s["performance_rate"]
    problems = s["problems"]
    body = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>VTE-1 screening report</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#111}",
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
        "text-align:left;font-size:.9rem}th{background:#f3f4f6}.n{text-align:right}",
        ".note{color:#444;font-size:.9rem}</style></head><body>",
        "<h1>VTE prophylaxis screening (VTE-1 / CMS108, NICE NG89)</h1>",
        f"<p class=\"note\">As of {_e(s['as_of'])}; engine {_e(s['engine'])}. "
        f"{_e(DISCLAIMER)}</p>",
        "<h2>Populations</h2><table>",
        *[f"<tr><th>{_e(k)}</th><td class=\"n\">{v}</td></tr>" for k, v in counts],
        f"<tr><th>VTE-1 rate (numerator / (denominator - exclusions))</th><td class=\"n\">"
        f"{'-' if rate is None else f'{rate * 100:.1f}%'}</td></tr></table>",
        "<h2>Risk on admission</h2>",
        "<p class=\"note\">Padua for medical, Caprini for surgical patients, IMPROVE as a second "
        "view of medical patients. 'Unsettled': items the record cannot answer could still "
        "change the category (they are never read as 'no').</p>",
        _stacked("Encounters per risk category", sorted(risk.items())),
        "<h2>VTE-1 rate</h2>",
        _bars("By ward", wards),
        _bars("By week of admission (Monday)", weeks),
        f"<h2>Gap list (first {GAP_ROWS}, most at risk first; all in gaps.csv)</h2>",
        "<table><tr><th>Encounter</th><th>Patient</th><th>Admitted</th><th>Ward</th>"
        "<th>Age</th><th>Instrument</th><th>Total (range)</th><th>Category</th>"
        "<th>Bleeding</th><th>Anticoagulated</th></tr>",
    ]
    for r in gap_rows:
        (enc, pat, adm, ward, age, inst, tot, lo, hi, cat, bleed, anti) = r
        body.append(
            f"<tr><td>{_e(enc)}</td><td>{_e(pat)}</td><td>{_e(adm)}</td><td>{_e(ward)}</td>"
            f"<td class=\"n\">{_e(age)}</td><td>{_e(inst)}</td>"
            f"<td class=\"n\">{_e(tot)} ({_e(lo)}-{_e(hi)})</td><td>{_e(cat or 'unsettled')}</td>"
            f"<td>{'yes' if bleed else ''}</td><td>{'yes' if anti else ''}</td></tr>")
    body.append("</table>")
    body.append("<h2>Input problems</h2>")
    if problems["total"]:
        body.append("<table><tr><th>Kind</th><th>Count</th><th>First examples</th></tr>")
        for kind, n in problems["counts"].items():
            ex = "<br>".join(
                f"{_e(x['file'])}:{_e(x['line'])} {_e(x['detail'])}"
                for x in problems["examples"].get(kind, [])[:3])
            body.append(f"<tr><td>{_e(kind)}</td><td class=\"n\">{n}</td><td>{ex}</td></tr>")
        body.append("</table>")
    else:
        body.append("<p>None found.</p>")
    body.append("<p class=\"note\">How each rule is decided, with its source: "
                "docs/population.md in clotwatch.</p></body></html>\n")
    path.write_text("\n".join(body), encoding="utf-8")
