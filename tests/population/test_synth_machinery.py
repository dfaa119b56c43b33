"""The synthetic export's machinery: the same bytes whatever the number of processes and the
chunking, and the fast instant formatting equal to strftime."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clotwatch.cli import main
from clotwatch.population import synth


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.ndjson"))}


def test_iso_is_strftime_for_instants_around_the_export() -> None:
    rng = random.Random(1)
    instants = [datetime(2000, 1, 1, tzinfo=UTC), datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
                datetime(2024, 2, 29, 0, 0, 0, 999999, tzinfo=UTC)]
    instants += [synth.END - timedelta(days=rng.uniform(-30, 5000)) for _ in range(5000)]
    for t in instants:
        assert synth._iso(t) == t.strftime("%Y-%m-%dT%H:%M:%S+00:00"), t


def test_same_bytes_for_any_workers_and_chunking(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    one = synth.synthesize(23, tmp_path / "one", seed=5)
    monkeypatch.setattr(synth, "CHUNK", 4)  # 6 chunks, the last one short
    two = synth.synthesize(23, tmp_path / "two", seed=5, workers=2)
    assert one == two and one["Patient"] == 23
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert len(_files(tmp_path / "one")) == len(synth.TYPES)
    lines = (tmp_path / "two" / "Patient.ndjson").read_bytes().splitlines()
    assert len(lines) == 23 and len(set(lines)) == 23


def test_progress_reports_patients_done_in_order(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "CHUNK", 4)
    done: list[int] = []
    synth.synthesize(10, tmp_path / "e", progress=done.append)
    assert done == [4, 8, 10]


def test_workers_below_one_are_refused(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="workers"):
        synth.synthesize(3, tmp_path / "a", workers=0)
    with pytest.raises(SystemExit) as exc:
        main(["population", "synth", "3", str(tmp_path / "b"), "--workers", "0"])
    assert exc.value.code == 2
    assert "--workers" in capsys.readouterr().err
