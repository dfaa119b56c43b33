"""The follow-up benchmarks still run, on a seeded small sample (figures are never asserted:
docs/benchmarks.md records them from the documented commands)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tests.benchmarks.scripts import BENCHMARKS
from tests.benchmarks.scripts import load as _load


def test_alert_evaluation_benchmark_runs(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("followup_alerts")
    monkeypatch.setattr(sys, "argv", ["followup_alerts", "--history-days", "5", "--repeat",
                                      "1", "--json"])
    assert bench.main() == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["results"]) == {"evaluate", "triage apply_rules",
                                   "service, rows re-validated (before)",
                                   "service, rows trusted (after)"}
    assert all(r["median_us"] > 0 for r in out["results"].values())


def test_worker_benchmark_sends_every_message(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    bench = _load("worker_throughput")
    counter = bench.Counter()
    port = bench._port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        bench.bare_loop(port, 5)
        bench.worker_run(f"sqlite:///{tmp_path / 'b.sqlite3'}", port, 12, 5)
    finally:
        controller.stop()
    assert counter.n == 17


def test_check_in_evaluation_benchmark_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """``followup_load.py --evaluation-only``: the service's evaluation (stored rows through
    the core), the core alone and the triage baseline, each a positive time."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))   # the script imports its _server helper
    bench = _load("followup_load")
    figures = bench.evaluation_per_checkin(repeat=1, number=3)
    assert set(figures) == {"service rules.evaluate (60 stored rows)",
                            "core evaluate (60 CheckIns)", "baseline: triage apply_rules"}
    assert all(us > 0 for us in figures.values())
