"""report.html: one self-contained page for a quality lead (inline SVG, no script, no CDN).

Plots: the risk categories per instrument, the VTE-1 rate by ward and by week of admission,
and the gap list (most at risk first), with what the record shows that the measure does not
count. The page holds only what the counts and the gap rows hold; it is written from the
engine's tables, so it is the same for the same export. Its text is in English or Russian:
the ``web`` domain of the Babel catalogues (``_("...")`` here; ``scripts/web-catalogue``
extracts them with the web pages' strings).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from clotwatch.population.runchart import analyse
from clotwatch.web.i18n import Gettext, gettext

# The page's language for its numbers (set by render_report: "74.5%" in English, "74,5 %" in
# Russian, each by its CLDR percent pattern through Babel).
_LANG: ContextVar[str] = ContextVar("report_lang", default="en")

GAP_ROWS = 200
COLOURS = {"highest": "#7f1d1d", "high": "#c2410c", "high or higher": "#fdba74",
           "moderate": "#d97706", "moderate or higher": "#fde68a", "low": "#15803d",
           "unsettled": "#9ca3af"}
# The count written inside a segment: white on the dark colours, dark on the two light ones.
INK = {"high or higher": "#111827", "moderate or higher": "#111827"}


def N_(message: str) -> str:  # noqa: N802 - the catalogue extractor's name for a marker
    """Mark ``message`` for the catalogue; it is translated where it is shown."""
    return message


CATEGORIES = {"highest": N_("highest"), "high": N_("high"),
              "high or higher": N_("high or higher"), "moderate": N_("moderate"),
              "moderate or higher": N_("moderate or higher"), "low": N_("low"),
              "unsettled": N_("unsettled")}
CATEGORY_RANK = {"highest": 4, "high": 3, "moderate": 2, "low": 1}
# An unsettled stay whose known items already reach a band above the lowest: not "unsettled"
# alone in the report (a Caprini stay with 3 points known is high or highest whatever the
# rest), so the chart says how many are certainly at least high. The gap list's order ranks
# stays by the same bands (screen._risk_order).
AT_LEAST = {"moderate": "moderate or higher", "high": "high or higher", "highest": "highest"}


@cache
def band_floors(instrument: str) -> tuple[tuple[int, int], ...]:
    """(lowest total, rank in CATEGORY_RANK) of each risk category of ``instrument``, from its
    own bands (``Instrument.classify``), highest rank first."""
    from clotwatch.instruments import evaluate
    from clotwatch.instruments import get as get_instrument

    inst = get_instrument(instrument)
    top = int(evaluate(instrument, {}).total_range[1])
    firsts: dict[int, int] = {}
    for total in range(top + 1):
        firsts.setdefault(CATEGORY_RANK.get(inst.classify(total).get("risk", ""), 0), total)
    return tuple(sorted(((t, r) for r, t in firsts.items()), key=lambda tr: -tr[1]))


def at_least(instrument: str | None, category: str | None, total_min: int | None) -> str:
    """The report's category of a stay: its category when settled, else the band its known
    items already reach ("high or higher", "moderate or higher"), else "unsettled"."""
    if category:
        return category
    if total_min is None or instrument is None:
        return "unsettled"
    rank = next((r for t, r in band_floors(instrument) if total_min >= t), 0)
    reached = next((c for c, r in CATEGORY_RANK.items() if r == rank), "")
    return AT_LEAST.get(reached, "unsettled")
# Why an encounter is not in the initial population, and why it is excluded from the
# denominator: the reasons populations.sql writes (an initial-population reason followed by
# its evidence in brackets, counted here by the reason alone), in the measure's order.
NOT_IN_POPULATION = (N_("not a hospital admission"), N_("age unknown"),
                     N_("under 18 at admission"), N_("VTE diagnosis during the stay"),
                     N_("obstetric condition"))
EXCLUSIONS = (N_("length of stay under 2 days"),
              N_("ICU by the day after admission, 1 day or more"),
              N_("principal diagnosis of mental disorder or stroke"),
              N_("principal procedure is a SCIP VTE selected surgery"),
              N_("comfort measures by the day after admission"))


def reason_kind(reason: str, kinds: Sequence[str]) -> str:
    """The reason of ``kinds`` that ``reason`` (as encounters.csv gives it) begins with;
    ``reason`` itself when none does."""
    return next((k for k in kinds if reason.startswith(k)), reason)


# What prophylaxis_not_counted names, by the kind of resource (docs/population.md).
NOT_COUNTED = {"MedicationAdministration": N_("low-dose heparin not given subcutaneously"),
               "DeviceUseStatement": N_("a compression device in use"),
               "DeviceRequest": N_("a compression device not ordered, with a reason")}


# The kinds of input problem (checks.py), as the report names them: what it is, and what was
# done with it (docs/population.md, "Bad input"); summary.json keeps the keys.
PROBLEM_KINDS = {
    "malformed_line": N_("Line that is not a JSON object (skipped)"),
    "wrong_type": N_("Resource of another type than its file's (not read)"),
    "missing_patient": N_("Reference to a patient the export does not hold (kept, no age)"),
    "unresolved_medication": N_("Medicine given by reference to a Medication the export does "
                                "not hold (medicine unknown)"),
    "date_without_timezone": N_("Date-time without a time zone (read as UTC)"),
    "unknown_unit": N_("Body measurement in a unit not converted (value not used)"),
}
# The instruments by the names a reader knows them by (the ids stay in the CSV files).
INSTRUMENT_NAMES = {"padua": "Padua", "caprini-2005": "Caprini 2005", "improve-vte": "IMPROVE"}


def _when(value: Any) -> str:
    """A UTC time as a reader scans it, to the minute: 2026-04-20T12:18:03Z -> 2026-04-20
    12:18 (the CSV files keep the full ISO time)."""
    text = "" if value is None else str(value)
    if len(text) >= 16 and text[10] == "T" and text.endswith("Z"):
        return f"{text[:10]} {text[11:16]}"
    return text


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _text_px(text: str) -> float:
    """An upper estimate of ``text``'s width in 12 px sans-serif (measured in Chromium's
    system-ui here: capitals 7.8-8.1 px a letter, W 11.9, small letters 6.7-6.9): a ward
    named in capitals, as real records name them ("NEWMAN MEMORIAL COUNTY HOSPITAL"), was
    cut at 7 px a character."""
    def px(c: str) -> float:
        if c in "MWmwМШЩЖЮФмшщжюф@%":
            return 12.0
        if c.isupper():
            return 8.6
        if c.isdigit():
            return 7.8
        return 4.0 if c.isspace() or c in ".,:;'|!il" else 7.0
    return sum(px(c) for c in text)


def _label_room(least: int, labels: Iterable[str]) -> int:
    """Room left of the bars for the longest label, at least ``least``: a Russian label such
    as "improve-vte (терапевтические пациенты)" was cut, and a ward named in capitals."""
    return max([least] + [round(_text_px(label)) + 16 for label in labels])

def _svg(label: str, width: int, height: int) -> str:
    """The opening of a chart: an image named by ``label``."""
    return (f'<svg role="img" aria-label="{_e(label)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">')


def _bars_text(title: str, rows: Sequence[tuple[str, int, int]]) -> str:
    """What a bar chart shows, in words, for a screen reader (an SVG image is read by its
    label alone: "By ward", and not one rate)."""
    return f"{title}: " + "; ".join(
        f"{label} {_pct(num / den if den else 0.0)} ({num}/{den})"
        for label, num, den in rows)


def _stacked_text(_: Gettext, title: str, rows: Sequence[tuple[str, dict[str, int]]]) -> str:
    """What the risk chart shows, in words (as ``_bars_text``)."""
    return f"{title}: " + "; ".join(
        f"{label}: " + ", ".join(f"{_(CATEGORIES[c])} {counts[c]}" for c in CATEGORIES
                                 if counts.get(c))
        for label, counts in rows)


def _bars(_: Gettext, title: str, rows: Sequence[tuple[str, int, int]],
          width: int = 640) -> str:
    """Horizontal bars: label, numerator, denominator -> rate (with n)."""
    if not rows:
        return f"<h3>{_e(title)}</h3><p>" + _e(_("No encounters in the measure.")) + "</p>"
    bar_h, gap = 22, 6
    left = _label_room(220, (label for label, _n, _d in rows))
    height = len(rows) * (bar_h + gap) + 30
    width += 60 + left - 220
    parts = [_svg(_bars_text(title, rows), width, height)]
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
                     f"{_pct(rate)} ({num}/{den})</text>")
    parts.append("</svg>")
    return f"<h3>{_e(title)}</h3>" + _chart(title, parts, _bars_narrow(title, rows))


def _bars_narrow(title: str, rows: Sequence[tuple[str, int, int]]) -> list[str]:
    """The same bars for a phone: each label on its own line above its bar, so the bars and
    the rates fit the screen's width (beside the labels they were off it)."""
    width, row_h = NARROW, 46
    height = len(rows) * row_h + 6
    span = width - 112  # room for "100.0% (999/999)"
    parts = [_svg(_bars_text(title, rows), width, height)]
    for i, (label, num, den) in enumerate(rows):
        y = i * row_h + 4
        rate = num / den if den else 0.0
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{_e(label)}</text>'
                     f'<rect x="0" y="{y + 18}" width="{span}" height="18" fill="#e5e7eb"/>'
                     f'<rect x="0" y="{y + 18}" width="{round(span * rate, 1)}" height="18" '
                     'fill="#1d4ed8"/>'
                     f'<text x="{span + 6}" y="{y + 31}" font-size="12">'
                     f"{_pct(rate)} ({num}/{den})</text>")
    parts.append("</svg>")
    return parts


def _stacked(_: Gettext, title: str, rows: Sequence[tuple[str, dict[str, int]]],
             width: int = 700) -> str:
    """One stacked bar per instrument: encounters per risk category."""
    if not rows:  # it drew a legend under no bars
        return f"<h3>{_e(title)}</h3><p>" + _e(_("No inpatient encounters.")) + "</p>"
    bar_h, gap = 26, 10
    left = _label_room(240, (label for label, _c in rows))
    width = width + left - 240
    # the legend under the bars, on as many lines as it needs within the chart's width (on
    # one line the seven Russian names made the page wider than A4 landscape in print)
    legend: list[tuple[float, int, str]] = []  # x, line, category
    x, line = float(left), 0
    for cat in CATEGORIES:
        step = max(90, 30 + 7 * len(_(CATEGORIES[cat])))
        if x > left and x + step > width:
            x, line = float(left), line + 1
        legend.append((x, line, cat))
        x += step
    height = len(rows) * (bar_h + gap) + 50 + line * 18
    span = width - left - 20
    parts = [_svg(_stacked_text(_, title, rows), width, height)]
    for i, (label, counts) in enumerate(rows):
        y = i * (bar_h + gap) + 10
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="12">'
                     f"{_e(label)}</text>")
        parts += _segments(_, counts, float(left), span, y, bar_h, 17)
    top = len(rows) * (bar_h + gap) + 20
    for lx, ln, cat in legend:
        name, y = _(CATEGORIES[cat]), top + ln * 18
        parts.append(f'<rect x="{lx:.0f}" y="{y}" width="12" height="12" '
                     f'fill="{COLOURS[cat]}"/><text x="{lx + 16:.0f}" y="{y + 11}" '
                     f'font-size="11">{_e(name)}</text>')
    parts.append("</svg>")
    return f"<h3>{_e(title)}</h3>" + _chart(title, parts, _stacked_narrow(_, title, rows))


def _segments(_: Gettext, counts: dict[str, int], x: float, span: float, y: int,
              height: int, text_dy: int) -> list[str]:
    """One stacked bar from ``x`` over ``span`` at ``y``: a segment per category with any
    encounters (its count written inside when there is room), for both drawings."""
    total = sum(counts.values()) or 1
    parts = []
    for cat in CATEGORIES:
        n = counts.get(cat, 0)
        if not n:
            continue
        w = round(span * n / total, 1)
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w}" height="{height}" '
                     f'fill="{COLOURS[cat]}"><title>{_e(_(CATEGORIES[cat]))}: {n}'
                     "</title></rect>")
        if w > 34:
            parts.append(f'<text x="{x + 4:.1f}" y="{y + text_dy}" font-size="11" '
                         f'fill="{INK.get(cat, "#fff")}">{n}</text>')
        x += w
    return parts


def _stacked_narrow(_: Gettext, title: str,
                    rows: Sequence[tuple[str, dict[str, int]]]) -> list[str]:
    """The same stacked bars for a phone: each label above its bar, the legend on as many
    lines as it needs."""
    width, row_h = NARROW, 50
    legend: list[tuple[float, int, str, str]] = []  # x, line, colour, name
    x, line = 0.0, 0
    for cat in CATEGORIES:
        name = _(CATEGORIES[cat])
        step = 16 + 7 * len(name) + 14
        if x and x + step > width:
            x, line = 0.0, line + 1
        legend.append((x, line, COLOURS[cat], name))
        x += step
    height = len(rows) * row_h + 10 + (line + 1) * 18
    parts = [_svg(_stacked_text(_, title, rows), width, height)]
    for i, (label, counts) in enumerate(rows):
        y = i * row_h + 4
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{_e(label)}</text>')
        parts += _segments(_, counts, 0.0, width, y + 18, 22, 15)
    top = len(rows) * row_h + 6
    for lx, ln, colour, name in legend:
        ly = top + ln * 18
        parts.append(f'<rect x="{lx:.0f}" y="{ly}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{lx + 16:.0f}" y="{ly + 11}" font-size="11">{_e(name)}</text>')
    parts.append("</svg>")
    return parts


NARROW = 330  # px: a bar chart's width on a phone (a 375 px screen less the margins)


def _box(kind: str, label: str) -> str:
    """The opening of a box that may scroll sideways: a region reached by the keyboard, so
    that what is past its edge can be scrolled to without a mouse (WCAG 2.1.1; axe-core's
    scrollable-region-focusable)."""
    return f'<div class="{kind}" tabindex="0" role="region" aria-label="{_e(label)}">'


def _chart(title: str, parts: Sequence[str], narrow: Sequence[str]) -> str:
    """A bar chart drawn twice: ``parts`` for a screen, ``narrow`` for a phone (shown instead
    on a narrow screen: the CSS of render_report), each in a box that scrolls sideways if
    the screen is narrower still, so the page keeps its width and the text its size."""
    return (_box("chart full", title) + "".join(parts) + "</div>"
            + _box("chart small", title) + "".join(narrow) + "</div>")


def _pct(rate: Fraction | float, digits: int = 1) -> str:
    """A rate as a percentage in the page's language (CLDR's pattern for it, ``digits``
    decimals)."""
    import copy

    from babel import Locale

    locale = Locale.parse(_LANG.get())
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (digits, digits)
    return str(pattern.apply(float(rate), locale))


def _run_chart(_: Gettext, title: str, rows: Sequence[tuple[str, int, int]],
               open_from: str | None = None, width: int = 760) -> str:
    """The rate per week as a run chart: points in time order, the median as the centre
    line, and the run chart rules (clotwatch.population.runchart) read out below it; the
    points of a run longer than chance allows are drawn in orange. Weeks labelled
    ``open_from`` or later are not over (a stay in them may still get prophylaxis in its
    window): drawn hollow, and left out of the median and the rules. The figures of every
    week follow in a table that opens on demand."""
    rows = sorted((label, num, den) for label, num, den in rows if den)
    if not rows:
        return f"<h3>{_e(title)}</h3><p>" + _e(_("No encounters in the measure.")) + "</p>"
    rates = [Fraction(num, den) for _label, num, den in rows]
    closed = [r for (label, _n, _d), r in zip(rows, rates, strict=True)
              if open_from is None or label < open_from]
    runs = analyse(closed)  # the open weeks are the last ones: indices are the same
    # The y axis is a drawing of its own beside the plot's box, which alone scrolls on a
    # phone (the axis scrolled out of view with the oldest weeks). The plot starts ``left``
    # px in, room for the first week's slanted label.
    axis, left, right, top, bottom = RUN_AXIS, 46, 100, 14, 62
    height = 300
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(rows) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(rows) > 1 else plot_w / 2)

    def y(rate: Fraction | float) -> float:
        return top + plot_h * (1 - float(rate))

    ticks = [f'<svg class="axis" aria-hidden="true" width="{axis}" height="{height}" '
             f'viewBox="0 0 {axis} {height}" xmlns="http://www.w3.org/2000/svg">']
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for tick in (0, 25, 50, 75, 100):
        ty = y(tick / 100)
        parts.append(f'<line x1="0" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" '
                     'stroke="#e5e7eb"/>')
        ticks.append(f'<text x="{axis - 6}" y="{ty + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{_pct(tick / 100, 0)}</text>')
    ticks.append(f'<line x1="{axis - 0.5}" y1="{top}" x2="{axis - 0.5}" y2="{top + plot_h}" '
                 'stroke="#9ca3af"/></svg>')
    every = max(1, -(-len(rows) // 12))
    labelled = set(range(0, len(rows), every))
    last = len(rows) - 1
    if last not in labelled:  # the latest week is always named; a label too near it gives way
        labelled.discard(last - last % every if (last % every) * step < 16 else -1)
        labelled.add(last)
    for i, (label, _n, _d) in enumerate(rows):
        if i in labelled:
            lx, ly = x(i), top + plot_h + 14
            parts.append(f'<text x="{lx:.1f}" y="{ly}" font-size="10" text-anchor="end" '
                         f'transform="rotate(-40 {lx:.1f} {ly})">{_e(label)}</text>')
    if runs is not None:
        my = y(runs.median)
        median_label = _("median {rate}", rate=_pct(runs.median))
        parts.append(f'<line x1="0" y1="{my:.1f}" x2="{width - right}" y2="{my:.1f}" '
                     'stroke="#111" stroke-dasharray="6 4"/>'
                     f'<text x="{width - right + 6}" y="{my + 4:.1f}" font-size="11">'
                     f"{_e(median_label)}</text>")
    points = " ".join(f"{x(i):.1f},{y(r):.1f}" for i, r in enumerate(rates))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1d4ed8" '
                 'stroke-width="1.5"/>')
    flagged = {i for run in (runs.long_runs if runs else ()) for i in run}
    for i, ((label, num, den), rate) in enumerate(zip(rows, rates, strict=True)):
        colour = "#ea580c" if i in flagged else "#1d4ed8"
        tip = _("{week}: {rate} ({num} of {den})", week=label, rate=_pct(rate), num=num,
                den=den)
        fill = colour if i < len(closed) else "#fff"
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(rate):.1f}" r="3.5" fill="{fill}" '
                     f'stroke="{colour}"><title>{_e(tip)}</title></circle>')
    parts.append("</svg>")
    if runs is None:
        verdict = _("Every week is on the median: nothing to analyse.")
    else:
        facts = _("Longest run on one side of the median: {run} weeks (more than {run_limit} "
                  "is unusual); crossings of the median: {crossings} (fewer than "
                  "{crossings_limit} is unusual); weeks off the median: {n}.", run=runs.longest_run,
                  run_limit=runs.longest_run_limit, crossings=runs.crossings,
                  crossings_limit=runs.crossings_limit, n=runs.useful)
        if runs.signal:
            verdict = _("Non-random variation: the rate has shifted or drifted over time "
                        "(orange points: a run longer than chance allows).") + " " + facts
        else:
            verdict = _("No sign of non-random variation: the ups and downs are within what "
                        "chance gives.") + " " + facts
    table = ("<details><summary>" + _e(_("The figures of each week")) + "</summary>"
             "<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in (
                 _("Week"), _("Numerator"), _("Measured"), _("Rate"))) + "</tr>"
             + "".join(f"<tr><td>{_e(label)}</td><td class=\"n\">{num}</td>"
                       f"<td class=\"n\">{den}</td><td class=\"n\">{_pct(rate)}</td></tr>"
                       for (label, num, den), rate in zip(rows, rates, strict=True))
             + "</table></details>")
    if len(closed) < len(rows):
        verdict += " " + _("Hollow points: weeks not over yet (a stay may still get "
                           "prophylaxis in its window, up to two days after admission); "
                           "they are left out of the median and the rules.")
    return (f"<h3>{_e(title)}</h3><div class=\"runchart\">" + "".join(ticks)
            + _box("chart run", title) + "".join(parts) + "</div></div>"
            + f"<p class=\"note\">{_e(verdict)} {_e(_(RUN_CHART_NOTE))}</p>" + table)


RUN_AXIS = 44  # px: the run chart's y axis (its labels, "100%"), beside the scrolling plot


def _open_weeks(as_of: str) -> str:
    """The Monday (ISO date) of the first week not over at ``as_of``: a week is over when
    the last window of its stays has closed, two days after its Sunday (the CMS108 window
    runs at most to two days after admission; docs/population.md, "The window")."""
    day = datetime.fromisoformat(as_of).astimezone(UTC).date()
    return (day - timedelta(days=8)).isoformat()


def _instrument_label(_: Gettext, instrument: str) -> str:
    """An instrument's name with the patients it is used for, for the risk chart."""
    groups = {"padua": _("medical"), "caprini-2005": _("surgical"),
              "improve-vte": _("medical, second view")}
    name = INSTRUMENT_NAMES.get(instrument, instrument)
    return f"{name} ({groups[instrument]})" if instrument in groups else name


def _problem(_: Gettext, message: str, args: dict[str, Any]) -> str:
    """An input problem's example (checks.Example) in the page's language: its message
    translated, a ``reason`` in it too; ids and values as the export has them."""
    values = {k: _(v) if k == "reason" else ("" if v is None else v) for k, v in args.items()}
    return _(message, **values) if values else _(message)


def _not_counted(_: Gettext, refs: str | None) -> str:
    """The cell of ``prophylaxis_not_counted``: what each reference is, and the reference."""
    if not refs:
        return ""
    parts = []
    for ref in str(refs).split():
        kind = ref.split("/", 1)[0]
        label = _(NOT_COUNTED[kind]) if kind in NOT_COUNTED else kind
        parts.append(f"{_e(label)} <small>{_e(ref)}</small>")
    return "<br>".join(parts)


def render_report(engine: Any, path: Path, summary: Any, risk_order: str,
                  lang: str = "en") -> None:
    """Write ``report.html`` from the ``encounters`` table, in ``lang`` (en or ru): its words
    and its numbers."""
    token = _LANG.set(lang)
    try:
        _render_report(engine, path, summary, risk_order, lang)
    finally:
        _LANG.reset(token)


def _render_report(engine: Any, path: Path, summary: Any, risk_order: str,
                   lang: str) -> None:
    _ = gettext(lang)
    s = summary.to_dict()
    risk: dict[str, dict[str, int]] = {}
    for inst, cat, low, n in engine.rows(
            "SELECT instrument, risk_category, risk_total_min, count(*) FROM encounters "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"):
        bar = risk.setdefault(_instrument_label(_, str(inst)), {})
        band = at_least(inst, cat, low)
        bar[band] = bar.get(band, 0) + int(n)
    for cat, low, n in engine.rows(
            "SELECT improve_category, improve_total_min, count(*) FROM encounters "
            "WHERE improve_total IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"):
        bar = risk.setdefault(_instrument_label(_, "improve-vte"), {})
        band = at_least("improve-vte", cat, low)
        bar[band] = bar.get(band, 0) + int(n)
    measured = "in_denominator AND NOT excluded"
    wards = [(str(w) if w is not None else _("(no ward)"), int(a), int(b))
             for w, a, b in engine.rows(
                 "SELECT ward, sum(CASE WHEN in_numerator THEN 1 ELSE 0 END), count(*) "
                 f"FROM encounters WHERE {measured} GROUP BY 1 "
                 "ORDER BY coalesce(ward, '(no ward)')")]
    weeks = [(str(w), int(a), int(b)) for w, a, b in engine.rows(
        "SELECT cw_text_of_date(cw_week(cw_date(admitted))), "
        "sum(CASE WHEN in_numerator THEN 1 ELSE 0 END), count(*) "
        f"FROM encounters WHERE {measured} GROUP BY 1 ORDER BY 1")]
    gap_rows = engine.rows(
        "SELECT encounter_id, patient_id, admitted, ward, age, instrument, risk_total, "
        "risk_total_min, risk_total_max, risk_category, active_bleeding, anticoagulated, "
        f"prophylaxis_not_counted FROM encounters WHERE gap ORDER BY {risk_order} "
        f"LIMIT {GAP_ROWS}")
    # the reasons under the count they explain (a quality lead asks why 54 of 1,178 stays are
    # not in the measure before reading the rate)
    counts = [(_("Inpatient encounters screened"), s["encounters"], False),
              *[(_("not in the initial population: {reason}", reason=_(k)), n, True)
                for k, n in s["not_in_initial_population"].items()],
              (_("Initial population"), s["initial_population"], False),
              (_("Denominator"), s["denominator"], False),
              (_("Denominator exclusions"), s["denominator_exclusions"], False),
              *[(_(k), n, True) for k, n in s["denominator_exclusions_by_reason"].items()],
              (_("Numerator"), s["numerator"], False),
              (_("Gaps (no prophylaxis, no documented reason)"), s["gaps"], False),
              (_("Gaps where the record shows prophylaxis VTE-1 does not count (check by "
                 "hand)"), s["gaps_with_prophylaxis_not_counted"], False)]
    rate = s["performance_rate"]
    problems = s["problems"]
    yes = _e(_("yes"))
    body = [
        f"<!doctype html><html lang=\"{_e(lang)}\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>" + _e(_("VTE-1 screening report")) + "</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#111}",
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
        "text-align:left;font-size:.9rem}th{background:#f3f4f6}.n{text-align:right}",
        "small{color:#555;word-break:break-all}",
        # a reason under the count it explains: indented, not bold
        "th.sub{font-weight:normal;padding-left:1.5rem;background:#fff}",
        # the gap list is wider than the page: it scrolls sideways in its own box, and an id
        # or a time stays on one line (a UUID broken over four lines made every row tall)
        ".wide{overflow-x:auto;max-width:100%}td.id,td.t{white-space:nowrap}"
        "td.id{font-family:ui-monospace,monospace;font-size:.8rem}",
        ".note{color:#444;font-size:.9rem}",
        # a chart wider than a phone scrolls in its own box (the page did, leaving the text in
        # a narrow column on the left of a page twice the screen's width)
        ".chart{overflow-x:auto;max-width:100%}td.ex{overflow-wrap:anywhere}",
        # the run chart's y axis stays beside its plot, which alone scrolls on a phone
        ".runchart{display:flex;align-items:flex-start}.runchart .chart{min-width:0}"
        ".runchart svg.axis{flex:none}",
        # on paper nothing scrolls: the gap list's columns past the page's edge were cut off
        # (on a portrait A4 page at any font size the Russian one was 970 px for 718)
        "@page{size:A4 landscape}"
        "@media print{body{margin:0;max-width:none}.wide,.chart{overflow:visible}"
        "td,th{font-size:.7rem;padding:.15rem .3rem}td.id,td.t{white-space:normal}"
        "td.id{word-break:break-all;font-size:.6rem}tr{break-inside:avoid}h2,h3{break-after:avoid}}",
        # a bar chart has a second drawing for a phone, labels above the bars
        ".chart.small{display:none}",
        "@media (max-width:40rem){body{margin:1rem}h1{font-size:1.5rem}"
        ".chart.full{display:none}.chart.small{display:block}"
        # the run chart scrolls: it opens on its last weeks, the ones a reader looks for
        ".chart.run{direction:rtl}.chart.run svg{direction:ltr}}</style></head><body>",
        "<h1>" + _e(_("VTE prophylaxis screening (VTE-1 / CMS108, NICE NG89)")) + "</h1>",
        "<p class=\"note\">"
        + _e(_("As of {as_of}; engine {engine}.", as_of=_when(s["as_of"]) + " UTC",
                     engine=s["engine"])) + " "
        f"{_e(_(DISCLAIMER_TEXT))}</p>",
        "<h2>" + _e(_("Populations")) + "</h2><table>",
        *["<tr><th" + (' class="sub"' if sub else "")
          + f">{_e(k)}</th><td class=\"n\">{v}</td></tr>" for k, v, sub in counts],
        "<tr><th>" + _e(_("VTE-1 rate (numerator / (denominator - exclusions))")) + "</th>"
        f"<td class=\"n\">{'-' if rate is None else _pct(rate)}</td></tr></table>",
        f"<p class=\"note\">{_e(_(NOT_COUNTED_NOTE))}</p>",
        "<h2>" + _e(_("Risk on admission")) + "</h2>",
        f"<p class=\"note\">{_e(_(RISK_NOTE))}</p>",
        _stacked(_, _("Encounters per risk category"), sorted(risk.items())),
        "<h2>" + _e(_("VTE-1 rate")) + "</h2>",
        _bars(_, _("By ward"), wards),
        _run_chart(_, _("By week of admission (Monday)"), weeks, _open_weeks(s["as_of"])),
        "<h2>" + _e(_("Gap list (first {n}, most at risk first; all in gaps.csv)", n=GAP_ROWS))
        + "</h2>",
    ]
    if not gap_rows:  # a table of headers alone read as if the rows had failed to load
        body.append("<p>" + _e(_("No gaps: every encounter in the measure has prophylaxis, "
                                 "a documented reason, or is excluded.")) + "</p>")
    else:
        # the ids last: what a quality lead reads first (ward, risk, flags) fits the page;
        # the ids, for looking a stay up, are a sideways scroll away (gaps.csv has them first)
        body.append(_box("wide", _("Gap list")) + "<table><tr>" + "".join(
            f"<th>{_e(h)}</th>" for h in (
            _("Admitted (UTC)"), _("Ward"), _("Age"), _("Instrument"),
            _("Total (range)"), _("Category"), _("Bleeding"), _("Anticoagulated"),
            _("Prophylaxis the measure does not count"), _("Encounter"), _("Patient")))
                    + "</tr>")
    for r in gap_rows:
        (enc, pat, adm, ward, age, inst, tot, lo, hi, cat, bleed, anti, not_counted) = r
        body.append(
            f"<tr><td class=\"t\">{_e(_when(adm))}</td><td>{_e(ward)}</td>"
            f"<td class=\"n\">{_e(age)}</td><td>{_e(INSTRUMENT_NAMES.get(inst, inst))}</td>"
            f"<td class=\"n\">{_e(tot)} ({_e(lo)}-{_e(hi)})</td>"
            f"<td>{_e(_(CATEGORIES.get(at_least(inst, cat, lo), cat)))}</td>"
            f"<td>{yes if bleed else ''}</td><td>{yes if anti else ''}</td>"
            f"<td>{_not_counted(_, not_counted)}</td>"
            f"<td class=\"id\">{_e(enc)}</td><td class=\"id\">{_e(pat)}</td></tr>")
    if gap_rows:
        body.append("</table></div>")
    body.append("<h2>" + _e(_("Input problems")) + "</h2>")
    if problems["total"]:
        body.append(_box("wide", _("Input problems")) + "<table><tr>" + "".join(
            f"<th>{_e(h)}</th>" for h in (
            _("Kind"), _("Count"), _("First examples"))) + "</tr>")
        found = getattr(summary, "found", None)
        for kind, n in problems["counts"].items():
            if found is not None:  # said in the page's language (summary.json: English)
                shown = [(x.file, x.line, _problem(_, x.message, x.args))
                         for x in found.examples.get(kind, [])[:3]]
            else:
                shown = [(x["file"], x["line"], x["detail"])
                         for x in problems["examples"].get(kind, [])[:3]]
            ex = "<br>".join(f"{_e(file)}{'' if line is None else f':{line}'} {_e(detail)}"
                             for file, line, detail in shown)
            label = _(PROBLEM_KINDS[kind]) if kind in PROBLEM_KINDS else kind
            body.append(f"<tr><td>{_e(label)}</td><td class=\"n\">{n}</td>"
                        f"<td class=\"ex\">{ex}</td></tr>")
        body.append("</table></div>")
    else:
        body.append("<p>" + _e(_("None found.")) + "</p>")
    # Read but not used (not input problems): an export's log, other JSON, unread types.
    said = _  # what the lines are: a msgid of checks.py (EXPORT_LOG, NOT_RESOURCES)
    for x in problems.get("not_resources", []):
        what = said(x["what"])
        body.append("<p>" + _e(_("Not read: {file}, {lines} lines without a resourceType "
                                 "({what}).").format(file=Path(x["file"]).name,
                                                     lines=x["lines"], what=what)) + "</p>")
    if problems.get("types_not_used"):
        body.append("<p>" + _e(_("Resources the screening does not use: {types}.").format(
            types=", ".join(f"{t} {n}" for t, n in problems["types_not_used"].items())))
                    + "</p>")
    body.append(f"<p class=\"note\">{_e(_(SOURCES_NOTE))}</p></body></html>\n")
    path.write_text("\n".join(body), encoding="utf-8")


# The report's own disclaimer, for its reader (a quality lead, a care team), not
# clotwatch.DISCLAIMER: that one's "if you are worried, seek medical help" speaks to a patient.
DISCLAIMER_TEXT = N_("clotwatch supports the care team's review of VTE prophylaxis; it does not "
                     "diagnose and does not replace clinical judgement. A row in the gap list "
                     "is a prompt for a clinician to look at the patient, not an order.")
RUN_CHART_NOTE = N_(
    "Run chart rules: Anhøj J, Olesen AV, PLoS One 2014;9(11):e113825, "
    "doi:10.1371/journal.pone.0113825. Weeks with few encounters vary more by chance.")
SOURCES_NOTE = N_("How each rule is decided, with its source: docs/population.md in clotwatch.")
RISK_NOTE = N_("Padua for medical, Caprini for surgical patients, IMPROVE as a second view of "
               "medical patients. 'Unsettled': items the record cannot answer could still "
               "change the category (they are never read as 'no').")
NOT_COUNTED_NOTE = N_(
    "CMS108 reads mechanical prophylaxis only from Procedure and ServiceRequest records, and "
    "counts low-dose heparin only when given subcutaneously. A compression device recorded as "
    "in use (DeviceUseStatement) or as not ordered with a reason (DeviceRequest), or heparin "
    "given by another route, is shown beside a gap (the gap list's column 'Prophylaxis the "
    "measure does not count', prophylaxis_not_counted in gaps.csv) but never changes a "
    "population: check those gaps by hand.")
