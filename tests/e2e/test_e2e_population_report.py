"""report.html of `clotwatch population screen` in Debian's chromium: a file opened offline,
at a phone's width and a desktop's, in English and Russian (no server: the page is a file)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.population import records

from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """report.html per language, of the situations export with input problems (their table
    holds the longest unbroken text: file paths and ids)."""
    root = tmp_path_factory.mktemp("population-report")
    folder = records.write(root / "export", records.situations())
    # a ward named as real records name them (Synthea: the hospital, in capitals)
    encounters = folder / "Encounter.ndjson"
    encounters.write_text(encounters.read_text(encoding="utf-8").replace(
        "Ward 5A Orthopaedics", "NEWMAN MEMORIAL COUNTY HOSPITAL ORTHOPAEDICS"), encoding="utf-8")
    with (folder / "Encounter.ndjson").open("a", encoding="utf-8") as f:
        f.write('{"resourceType": "Encounter", "id": "e-no-patient-' + "x" * 60 + '", '
                '"subject": {"reference": "Patient/' + "y" * 60 + '"}}\n{"cut short\n')
    out: dict[str, Path] = {}
    for lang in ("en", "ru"):
        engine = DuckDBScreening(threads=2)
        try:
            screen(open_export(folder), engine, root / lang,
                   as_of=datetime(2026, 3, 10, tzinfo=UTC), lang=lang)
        finally:
            engine.close()
        out[lang] = root / lang / "report.html"
    return out


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_report_fits_the_screen_and_loads_nothing(
        browser: Any, reports: dict[str, Path], lang: str, width: int) -> None:
    """At 375 px the page was 792 px wide (the charts' fixed widths): it scrolled sideways
    as a whole, its text in a narrow column at the left. Now a chart scrolls in its own box
    and the page is as wide as the screen; it asks for nothing over the network."""
    context = browser.new_context(viewport={"width": width, "height": 800}, offline=True)
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(reports[lang].as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator("html").get_attribute("lang") == lang
        for box in page.locator("div.chart").all():  # each chart is whole in its box
            assert box.evaluate("b => b.scrollWidth >= b.querySelector('svg').clientWidth")
        # the bar charts: the phone's drawing on a phone, whole without scrolling; the
        # desktop's on a desktop
        shown, hidden = ("small", "full") if width < 640 else ("full", "small")
        for box in page.locator(f"div.chart.{shown}").all():
            assert box.is_visible()
            if shown == "small":
                assert box.evaluate("b => b.scrollWidth <= b.clientWidth")
        for box in page.locator(f"div.chart.{hidden}").all():
            assert not box.is_visible()
        # the run chart, wider than a phone, opens on its last weeks (scrolled to its end)
        run = page.locator("div.chart.run")
        if width < 640:
            assert run.evaluate("b => b.scrollWidth > b.clientWidth")
            assert run.evaluate("""b => Math.abs(b.querySelector('svg').getBoundingClientRect()
                .right - b.getBoundingClientRect().right) < 2""")  # its right end in view
        assert requests == [reports[lang].as_uri()]
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_chart_text_is_cut_at_its_edges(browser: Any, reports: dict[str, Path],
                                           lang: str) -> None:
    """Every label of every chart lies inside its drawing (a ward named in capitals lost its
    first letters at the left edge), as Chromium lays the text out."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True)
    try:
        page = context.new_page()
        page.goto(reports[lang].as_uri())
        assert "NEWMAN MEMORIAL COUNTY HOSPITAL ORTHOPAEDICS" in page.content()
        cut = page.evaluate("""() => [...document.querySelectorAll('svg text')].filter(t => {
            const svg = t.ownerSVGElement.getBoundingClientRect();
            const box = t.getBoundingClientRect();
            return box.left < svg.left - 0.5 || box.right > svg.right + 0.5;
        }).map(t => t.textContent)""")
        assert cut == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_report_prints_whole_on_a4(browser: Any, reports: dict[str, Path],
                                       lang: str) -> None:
    """Printed, the gap list's columns past the page's edge were cut off (its box scrolls on
    a screen, not on paper): the page asks for A4 landscape and nothing is wider than it
    (1046 CSS px: 297 mm less Chromium's default margins)."""
    context = browser.new_context(viewport={"width": 1046, "height": 760}, offline=True)
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        page.goto(reports[lang].as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 1046
        for box in page.locator(".wide").all():  # nothing hidden past a box's edge on paper
            assert box.evaluate("b => b.scrollWidth <= b.clientWidth + 1")
        pdf = page.pdf(prefer_css_page_size=True)
        size = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert size and float(size.group(1)) > float(size.group(2))  # landscape
        assert abs(float(size.group(1)) - 842) < 2  # A4: 297 mm in points
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_report_passes_the_accessibility_scan(
        browser: Any, axe: Any, reports: dict[str, Path], lang: str, width: int) -> None:
    """axe-core (WCAG 2.1 A and AA): the boxes that scroll sideways (the gap list, and the
    charts on a phone) could not be reached by the keyboard (scrollable-region-focusable)."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(reports[lang].as_uri())
        assert axe(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_run_charts_axis_stays_in_view_as_its_weeks_scroll(
        browser: Any, reports: dict[str, Path], lang: str) -> None:
    """On a phone the run chart scrolls sideways; its y axis (0% to 100%) was part of the
    drawing and scrolled away with the oldest weeks, leaving points a reader could not put a
    rate to. The axis is drawn beside the scrolling plot: wherever the plot is scrolled to,
    the axis and its five labels are on the screen, left of the plot's box."""
    shots = Path("/tmp/pop-ru")
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 375, "height": 800}, offline=True)
    try:
        page = context.new_page()
        page.goto(reports[lang].as_uri())
        run = page.locator("div.chart.run")
        axis = page.locator("div.runchart svg.axis")
        run.scroll_into_view_if_needed()
        assert run.evaluate("b => b.scrollWidth > b.clientWidth")  # it does scroll
        for where, scroll in (("end", None), ("start", "b => { b.scrollLeft = -b.scrollWidth }")):
            if scroll:
                run.evaluate(scroll)
            page.locator("div.runchart").screenshot(
                path=str(shots / f"runchart-{lang}-375-{where}.png"))
            a, r = axis.bounding_box(), run.bounding_box()
            assert a is not None and r is not None
            assert 0 <= a["x"] and a["x"] + a["width"] <= r["x"] + 1  # beside the plot's box
            labels = axis.locator("text")
            sign = "%" if lang == "en" else "\u00a0%"  # CLDR: "25 %" in Russian
            assert labels.all_text_contents() == [f"{t}{sign}" for t in (0, 25, 50, 75, 100)]
            for label in labels.all():
                box = label.bounding_box()
                assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 375
        # the first week's slanted label is whole at the start (not cut at the box's edge)
        first = run.locator("svg text[transform]").first.bounding_box()
        assert first is not None and first["x"] >= r["x"] - 1
    finally:
        context.close()
