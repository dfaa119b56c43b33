"""report.html's bar charts leave room for their longest label (a Russian instrument label was
cut at the left edge of the chart)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clotwatch.population.report import _bars, _run_chart, _stacked, _text_px


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
        assert bar_long >= _text_px(long) + 16 > default  # room for every character
        assert x_long == bar_long - 8  # the label ends just before its bar
        _, bar_short = _label_x_and_first_bar(chart("padua"))
        assert bar_short == default  # short labels keep the layout (English pages unchanged)


def test_a_ward_named_in_capitals_gets_room_for_capitals() -> None:
    """Real records name wards in capitals ("NEWMAN MEMORIAL COUNTY HOSPITAL", Synthea): 7 px a
    character cut its first letters; Chromium draws it 240 px wide in 12 px system-ui."""
    ward = "NEWMAN MEMORIAL COUNTY HOSPITAL"
    x, bar = _label_x_and_first_bar(_bars(_no_gettext, "t", [(ward, 1, 2)]))
    assert x - 240 >= 0 and bar == x + 8


def test_the_run_charts_week_labels_never_overlap_and_the_latest_is_named() -> None:
    """One label in every few weeks, and the latest week always: it was drawn on top of the
    label before it when the two were a week apart (a real export: 1990-10-22 over 2018-10-15)."""
    for weeks in range(2, 300):
        rows = [(f"2025-W{i:03d}", 1, 2) for i in range(weeks)]
        svg = _run_chart(lambda text, **kw: text.format(**kw), "t", rows)
        xs = [(float(x), label) for x, label in re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" font-size="10"[^>]*>([^<]+)</text>', svg)]
        assert xs[-1][1] == rows[-1][0], weeks
        assert all(b[0] - a[0] >= 16 for a, b in zip(xs, xs[1:], strict=False)), weeks
        assert 2 <= len(xs) <= 13, weeks


def _report(tmp_path: Path, lang: str) -> str:
    """report.html of the situations export with one line that is not JSON and one resource
    of another type, in ``lang``."""
    from tests.population import records

    from clotwatch.population.duckdb import DuckDBScreening
    from clotwatch.population.screen import screen
    from clotwatch.population.source import open_export

    folder = records.write(tmp_path / f"e-{lang}", records.situations())
    with (folder / "Condition.ndjson").open("a", encoding="utf-8") as f:
        f.write('{"resourceType": "Observation", "id": "stray"}\n{"cut short\n')
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(folder), engine, tmp_path / f"out-{lang}",
               as_of=datetime(2026, 3, 10, tzinfo=UTC), lang=lang)
    finally:
        engine.close()
    return (tmp_path / f"out-{lang}" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang, kinds, group", [
    ("en", ["Line that is not a JSON object (skipped)",
            "Resource of another type than its file&#x27;s (not read)"], "Padua (medical)"),
    ("ru", ["Строка, которая не является объектом JSON (пропущена)",
            "Ресурс не того типа, что в его файле (не прочитан)"],
     "Padua (терапевтические пациенты)"),
])
def test_the_report_names_problems_and_instruments_for_its_reader(
        tmp_path: Path, lang: str, kinds: list[str], group: str) -> None:
    """The input problems table showed checks.py's keys (malformed_line, wrong_type) and the
    risk chart the instruments' ids (caprini-2005, improve-vte): a quality lead reads what
    each is, in the page's language; summary.json and the CSV files keep the keys and ids."""
    page = _report(tmp_path, lang)
    for kind in kinds:
        assert f"<td>{kind}</td>" in page
    assert "<td>malformed_line</td>" not in page and "<td>wrong_type</td>" not in page
    assert f">{group}</text>" in page
    assert "caprini-2005" not in page and "improve-vte" not in page
    if lang == "en":  # the Russian page says it in Russian (the test below)
        assert "an Observation in a file of Condition resources" in page  # not "a Observation"


def test_the_reports_charts_fit_a_phone(tmp_path: Path) -> None:
    """A chart was wider than a phone and the whole page scrolled sideways, its text in a
    narrow column at the left. Each chart is in a box of its own that scrolls; the two bar
    charts have a second drawing for a phone (labels above the bars, NARROW px wide) shown
    instead of the first on a narrow screen; the page's margins shrink there."""
    from clotwatch.population.report import NARROW

    page = _report(tmp_path, "en")
    assert page.count("<svg") == 6  # the run chart's y axis is a drawing of its own:
    # beside the plot's box, which alone scrolls (the axis scrolled away with the old weeks)
    assert re.search('<div class="runchart"><svg class="axis" aria-hidden="true"[^>]*>'
                     '(?:<text[^>]*>[0-9]+%</text>){5}<line[^>]*/></svg><div class="chart run"',
                     page)
    assert ".runchart{display:flex;" in page
    box = '<div class="{}" tabindex="0" role="region" aria-label="[^"]+"><svg'
    assert len(re.findall(box.format("chart run"), page)) == 1  # it scrolls, from its end
    assert ".chart.run{direction:rtl}.chart.run svg{direction:ltr}}" in page
    assert len(re.findall(box.format("chart full"), page)) == 2
    assert len(re.findall(box.format("chart small"), page)) == 2
    for small in re.split(box.format("chart small")[:-4], page)[1:]:
        width = re.match(r'<svg[^>]* width="(\d+)"', small)
        assert width and int(width.group(1)) == NARROW <= 375 - 2 * 16
    assert ".chart{overflow-x:auto;max-width:100%}" in page
    assert ".chart.small{display:none}" in page
    assert ("@media (max-width:40rem){body{margin:1rem}h1{font-size:1.5rem}"
            ".chart.full{display:none}.chart.small{display:block}") in page


def test_a_long_legend_name_pushes_the_next_one_on() -> None:
    """The legend's names were 90 px apart whatever their length."""
    def ru(s: str) -> str:
        return {"highest": "очень-очень высокий"}.get(s, s)

    svg = _stacked(ru, "t", [("padua", {"high": 3})])
    xs = [float(x) for x in re.findall(r'<rect x="([\d.]+)" y="\d+" width="12"', svg)]
    assert xs[1] - xs[0] >= 16 + 7 * len("очень-очень высокий")
    width = re.search(r'<svg[^>]* width="(\d+)"', svg)
    assert width and float(width.group(1)) >= xs[-1] + 90  # the last name fits in the chart


def test_an_export_without_inpatient_stays_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With no inpatient encounter (here: --as-of before every admission) the risk chart
    drew a legend under no bars, the gap list a table of headers alone, and the command
    printed zeros only, as if it had failed."""
    from tests.population import records

    from clotwatch.cli import main

    folder = records.write(tmp_path / "e", records.situations())
    out = tmp_path / "r"
    assert main(["population", "screen", str(folder), "--out", str(out),
                 "--as-of", "2000-01-01"]) == 0
    err = capsys.readouterr().err
    assert "note: no inpatient encounter (Encounter.class IMP, ACUTE or NONAC)" in err
    assert "--as-of 2000-01-01T00:00:00Z" in err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<p>No inpatient encounters.</p>" in page
    assert "<p>No gaps: every encounter in the measure has prophylaxis" in page
    assert "<th>Admitted (UTC)</th>" not in page and "<svg" not in page


def test_times_in_the_report_read_to_the_minute(tmp_path: Path) -> None:
    """The gap list's admission and the page's "as of" were ISO 8601 to the second
    (2026-04-20T12:18:03Z): to the minute, UTC said once in the heading; the CSV files keep
    the full time."""
    from clotwatch.population.report import _when

    assert _when("2026-04-20T12:18:03Z") == "2026-04-20 12:18"
    assert _when(None) == "" and _when("2026-04") == "2026-04"
    page = _report(tmp_path, "en")
    assert "<th>Admitted (UTC)</th>" in page
    assert "As of 2026-03-10 00:00 UTC; engine duckdb." in page
    cells = re.findall(r'<td class="t">([^<]*)</td>', page)
    assert cells and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", c) for c in cells)


def test_a_screen_reader_hears_what_the_bar_charts_show() -> None:
    """An SVG image is read by its label alone: the ward chart was "By ward", no rate."""
    def ru(s: str) -> str:
        return {"high": "высокий", "unsettled": "не определён"}.get(s, s)

    bars = _bars(_no_gettext, "By ward", [("Ward 4A", 9, 12), ("Ward 7", 0, 3)])
    label = 'aria-label="By ward: Ward 4A 75.0% (9/12); Ward 7 0.0% (0/3)"'
    assert bars.count(label) == 2  # the screen's drawing and the phone's
    stacked = _stacked(ru, "Risk", [("Padua (medical)", {"high": 3, "unsettled": 5})])
    assert stacked.count('aria-label="Risk: Padua (medical): высокий 3, не определён 5"') == 2


ORPHAN = ('{"resourceType": "Encounter", "id": "orphan", "status": "finished", "class": '
          '{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"}, '
          '"subject": {"reference": "Patient/nobody"}, '
          '"period": {"start": "2026-03-02T09:00:00"}}\n')
STONE = ('{"resourceType": "Observation", "id": "w1", "status": "final", "code": {"coding": '
         '[{"system": "http://loinc.org", "code": "29463-7"}]}, "subject": {"reference": '
         '"Patient/nobody"}, "effectiveDateTime": "2026-03-02T09:00:00Z", "valueQuantity": '
         '{"value": 12, "unit": "stone"}}\n')


@pytest.mark.parametrize("lang, said, english", [
    ("en", ["not JSON: a string is not closed at column 2",
            "an Observation in a file of Condition resources (not read)",
            "Encounter/orphan: subject Patient/nobody is not a Patient of the export",
            "Encounter/orphan: 2026-03-02T09:00:00 has no time zone (read as UTC)",
            "Observation/w1: unit stone is not understood (the value is not used)"], []),
    ("ru", ["не JSON: строка не закрыта (позиция 2)",
            "ресурс Observation в файле ресурсов Condition (не прочитан)",
            "Encounter/orphan: пациента Patient/nobody нет в выгрузке",
            "Encounter/orphan: у даты и времени 2026-03-02T09:00:00 нет часового пояса "
            "(прочитаны как UTC)",
            "Observation/w1: единица измерения stone не распознана (значение не использовано)"],
     ["not JSON", "in a file of", "is not a Patient", "has no time zone", "not understood"]),
])
def test_the_input_problems_details_are_in_the_pages_language(
        tmp_path: Path, lang: str, said: list[str], english: list[str]) -> None:
    """On the Russian page each kind of input problem was named in Russian but its examples
    stayed English ("not JSON: Invalid control character at: line 1 column 12 (char 11)",
    "an Observation in a file of Condition resources"); summary.json keeps them in English,
    as the command's messages do, for whatever reads it."""
    import json

    from tests.population import records

    from clotwatch.population.duckdb import DuckDBScreening
    from clotwatch.population.screen import screen
    from clotwatch.population.source import open_export

    folder = records.write(tmp_path / "e", records.situations())
    with (folder / "Condition.ndjson").open("a", encoding="utf-8") as f:
        f.write('{"resourceType": "Observation", "id": "stray"}\n{"cut short\n')
    with (folder / "Encounter.ndjson").open("a", encoding="utf-8") as f:
        f.write(ORPHAN)
    with (folder / "Observation.ndjson").open("a", encoding="utf-8") as f:
        f.write(STONE)
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(folder), engine, tmp_path / "out",
               as_of=datetime(2026, 3, 10, tzinfo=UTC), lang=lang)
    finally:
        engine.close()
    page = html.unescape((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    for text in said:
        assert text in page
    problems = page[page.rindex("<table>"):]  # the input problems' table, the last
    for text in english:
        assert text not in problems
    saved = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    details = {k: [e["detail"] for e in v] for k, v in saved["problems"]["examples"].items()}
    assert details["malformed_line"] == [
        "not JSON: Unterminated string starting at: line 1 column 2 (char 1)"]
    assert details["wrong_type"] == [
        "an Observation in a file of Condition resources (not read)"]
    assert "Encounter/orphan: subject 'Patient/nobody' is not a Patient of the export" in (
        details["missing_patient"])


@pytest.mark.parametrize("line, reason", [
    (b"", "a value was expected"), (b"{} x", "extra data after the value"),
    (b"{x", "a property name in double quotes was expected"), (b'{"a" 1}', "a colon was expected"),
    (b'{"a": 1 "b": 2}', "a comma was expected"), (b'{"a', "a string is not closed"),
    (b'{"a\tb": 1}', "a control character inside a string"),
    (b'{"\\x": 1}', "an invalid escape sequence in a string"),
    (b'{"\\u12": 1}', "an invalid Unicode escape in a string"),
])
def test_every_json_error_python_gives_has_a_reason_in_words(line: bytes, reason: str) -> None:
    """The report says why a line is not JSON in its own words (translated), from Python's
    message; a Python that words them otherwise shows its own message (this test says so)."""
    import json

    from clotwatch.population.checks import _not_json

    with pytest.raises(ValueError) as caught:
        json.loads(line)
    message, args = _not_json(caught.value)
    assert message == "not JSON: {reason} at column {column}" and args["reason"] == reason
    message, args = _not_json(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"))
    assert message.format(**args) == "not JSON: not UTF-8 text (byte 1)"


@pytest.mark.parametrize("lang, not_in, excluded", [
    ("en", ["not in the initial population: under 18 at admission",
            "not in the initial population: VTE diagnosis during the stay"],
     ["length of stay under 2 days"]),
    ("ru", ["не вошли в исходную популяцию: моложе 18 лет при госпитализации",
            "не вошли в исходную популяцию: диагноз ВТЭО во время госпитализации"],
     ["госпитализация короче 2 дней"]),
])
def test_the_report_says_why_stays_are_outside_the_measure(
        tmp_path: Path, lang: str, not_in: list[str], excluded: list[str]) -> None:
    """The populations table gave 'Initial population' below the stays screened, and the
    exclusions, without why: each reason is a row under the count it explains, counted by
    the reason alone (its evidence, a Condition id, left out), in the page's language; and
    summary.json has them under the measure's own reasons."""
    import json

    page = _report(tmp_path, lang)
    for label in not_in + excluded:
        assert f'<th class="sub">{label}</th>' in page, label
    assert page.index(not_in[0]) < page.index(not_in[1])  # in the measure's order
    summary = json.loads((tmp_path / f"out-{lang}" / "summary.json").read_text(encoding="utf-8"))
    outside = summary["not_in_initial_population"]
    assert set(outside) == {"under 18 at admission", "VTE diagnosis during the stay"}
    assert all(n >= 1 for n in outside.values())
    assert sum(outside.values()) == summary["encounters"] - summary["initial_population"]
    by_reason = summary["denominator_exclusions_by_reason"]
    assert sum(by_reason.values()) == summary["denominator_exclusions"]
    assert "length of stay under 2 days" in by_reason


def test_every_reason_populations_sql_writes_has_its_label() -> None:
    """The report counts the reasons by the labels of report.py (NOT_IN_POPULATION,
    EXCLUSIONS, translated); populations.sql writes them. A reason written there without a
    label would be counted by itself, untranslated: every one must begin with a label."""
    import re
    from importlib import resources

    from clotwatch.population.report import EXCLUSIONS, NOT_IN_POPULATION

    sql = resources.files("clotwatch.population").joinpath("sql/populations.sql").read_text(
        encoding="utf-8")
    ip_out = sql[sql.index("SELECT f.*"):sql.index("END AS ip_out")]
    exclusion = sql[sql.index("END AS ip_out"):sql.index("END AS exclusion,")]
    for block, labels in ((ip_out, NOT_IN_POPULATION), (exclusion, EXCLUSIONS)):
        written = re.findall(r"THEN '([^']+)'", block)
        assert len(written) == len(labels)
        for reason in written:
            assert any(reason.startswith(label) for label in labels), reason


def test_rates_are_written_in_the_pages_language() -> None:
    """The Russian page wrote "74.5%" (the walk-through); CLDR's Russian form is "74,5 %"."""
    from clotwatch.population.report import _LANG, _pct

    assert _pct(0.745) == "74.5%" and _pct(1, 0) == "100%"
    token = _LANG.set("ru")
    try:
        assert _pct(0.745) == "74,5\u00a0%" and _pct(0.25, 0) == "25\u00a0%"
    finally:
        _LANG.reset(token)
    assert _pct(0.745) == "74.5%"  # the language is the page's, not left behind
