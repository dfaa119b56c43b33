"""The Apple Health benchmark (benchmarks/activity_apple.py) on a small seeded export: its
baselines read exactly the step records the summary reads, and the generated file is a valid
export (no timing here; the 1 GB run is documented in docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from tests.benchmarks.scripts import load


def test_baselines_and_summary_read_the_same_step_records(tmp_path: Path) -> None:
    from clotwatch.activity import ReadContext, plan, read_into
    from clotwatch.core.activity import Tally

    bench = load("activity_apple")
    path = tmp_path / "export.xml"
    shape = bench.generate(path, 400_000)
    assert bench.bare_lxml(str(path)) == shape["step_records"]
    assert bench.bare_stdlib(str(path)) == shape["step_records"]
    assert bench.bare_target(str(path)) == shape["step_records"]
    tally = Tally()
    entries, _ = plan([str(path)])
    read_into(tally, entries, ReadContext(zone=ZoneInfo("UTC"), zone_name="UTC"))
    summary = tally.summary()
    assert summary["samples_read"] == shape["step_records"] and summary["errors"] == []
    assert len(summary["days"]) == shape["days"]
    # The phone's records overlap the watch's: every phone minute is resolved to the watch.
    assert summary["overlap_minutes_resolved"] > 0
    assert [s["kind"] for s in summary["sources"]] == ["watch", "phone"]
