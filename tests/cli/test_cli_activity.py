"""``clotwatch activity summary`` as a person at a terminal and a script would use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clotwatch.cli import main

SAME_DAY = Path(__file__).parents[1] / "activity" / "data" / "same_day"
NOW = "--now=2026-12-01T00:00:00+01:00"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_contract_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "activity", "summary", str(SAME_DAY / "steps.csv"), "--json",
                          NOW)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["schema"] == "clotwatch.activity-summary/1"
    assert data["days"] == [{"date": "2026-11-02", "steps": 4950, "longest_still_minutes": 345,
                             "still_bouts_120": 3}]
    assert data["waking"] == "07:00-23:00" and data["errors"] == []


def test_waking_hours_and_zone_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "activity", "summary", str(SAME_DAY / "steps-2026-11-02.json"),
                        "--json", "--tz", "Europe/Paris", "--waking", "08:15-12:00", NOW)
    data = json.loads(out)
    assert code == 0 and data["waking"] == "08:15-12:00"
    assert data["days"][0]["longest_still_minutes"] == 225
    assert data["times_without_offset_read_in"] == "Europe/Paris"
    # In another zone the same wall-clock minutes are read: the local figures do not move.
    code, out, _ = _run(capsys, "activity", "summary", str(SAME_DAY / "steps-2026-11-02.json"),
                        "--json", "--tz", "Asia/Tokyo", NOW)
    assert json.loads(out)["days"][0]["steps"] == 4950


def test_the_table_has_a_bar_per_day_and_names_the_sources(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "activity", "summary", str(SAME_DAY / "apple_export.xml"), NOW)
    assert code == 0
    assert "2026-11-02" in out and "4,950" in out and "█" in out and "5 h 45 min" in out
    assert "Ann’s Apple Watch (watch, 5)" in out


@pytest.mark.parametrize(("argv", "words"), [
    (["/nonexistent/export.zip"], "/nonexistent/export.zip: cannot read it"),
    (["--waking", "23:00-07:00", str(SAME_DAY / "steps.csv")], "--waking:"),
    (["--tz", "Nowhere/Town", str(SAME_DAY / "steps.csv")], "--tz:"),
    (["--now", "yesterday", str(SAME_DAY / "steps.csv")], "--now:"),
])
def test_bad_input_is_exit_2_with_one_line_and_nothing_on_stdout(
        capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, out, err = _run(capsys, "activity", "summary", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err


def test_bad_records_are_listed_and_the_rest_used(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    path = tmp_path / "steps.csv"
    path.write_text("start,end,steps\n"
                    "2026-11-02T08:00:00Z,2026-11-02T08:10:00Z,500\n"
                    "2026-11-02T09:10:00Z,2026-11-02T09:00:00Z,10\n"
                    "2026-11-02T10:00:00Z,2026-11-02T10:10:00Z,-3\n")
    code, out, _ = _run(capsys, "activity", "summary", str(path), "--json", NOW)
    data = json.loads(out)
    assert code == 0 and data["days"][0]["steps"] == 500
    assert [(e["place"], e["reason"]) for e in data["errors"]] == [
        ("line 3", "end: the end 2026-11-02T09:00:00+00:00 is before the start "
                   "2026-11-02T09:10:00+00:00"),
        ("line 4", "steps: a negative count (-3)")]
    code, out, _ = _run(capsys, "activity", "summary", str(path), NOW)
    assert "2 records could not be used" in out and "line 4" in out


@pytest.mark.parametrize("header", [b"", b"start,end,steps\n",
                                    b"<?xml version='1.0'?>\n<HealthData>"])
def test_two_gigabytes_of_junk_stop_early(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          header: bytes) -> None:
    # A sparse file: 2 GB long, no disk used. Recognition, the line limit or the XML parser
    # stop at the start; without them this test would read 2 GB and hit the timeout.
    path = tmp_path / "junk.bin"
    with path.open("wb") as handle:
        handle.write(header)
        handle.truncate(2 << 30)
    code, out, err = _run(capsys, "activity", "summary", str(path))
    assert code == 2 and out == "" and str(path) in err


def test_progress_reading_counts_every_byte() -> None:
    from zoneinfo import ZoneInfo

    from clotwatch.activity import ReadContext, plan
    from clotwatch.cli.activity import _read_with_progress
    from clotwatch.core.activity import Tally

    entries, _ = plan([str(SAME_DAY / "apple_export.xml")])
    tally = Tally()
    ctx = ReadContext(zone=ZoneInfo("UTC"), zone_name="UTC")
    _read_with_progress(tally, entries, ctx, entries[0].size)
    assert tally.samples_read == 7


def test_bar_lengths() -> None:
    from clotwatch.cli.activity import bar

    assert bar(0, 100) == "" and bar(100, 100, width=4) == "████"
    assert bar(50, 100, width=4) == "██" and len(bar(1, 10_000)) == 1


def test_a_progress_bar_at_a_terminal(tmp_path: Path) -> None:
    import os
    import re
    import sys

    import pexpect

    big = tmp_path / "export.xml"
    text = (SAME_DAY / "apple_export.xml").read_text()
    head, tail = text.split("</HealthData>")
    record = text[text.index(" <Record"):text.index("\n", text.index(" <Record")) + 1]
    with big.open("w") as handle:  # 9 MB: past the 8 MB line, a bar by default
        handle.write(head)
        for _ in range(9 * 1024 * 1024 // len(record)):
            handle.write(record)
        handle.write("</HealthData>" + tail)
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    child = pexpect.spawn(sys.executable, ["-m", "clotwatch.cli", "activity", "summary",
                                           str(big), "--now", "2026-12-01T00:00Z"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(40, 120))
    child.expect("reading")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before)
    assert "MB" in shown  # the bar counts bytes
    # The golden day with one of its records repeated 24,000 times: still the golden day.
    assert re.search(r"2026-11-02 .\s+4,950 ", shown)
