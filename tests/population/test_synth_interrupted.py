"""`population synth` stopped part-way (Ctrl-C, kill): no partial export left to screen.

It left the Type.ndjson files begun, whole chunks of patients but not all of them, and a
blank line on stderr: screened next, they read as an export of fewer patients. With
worker processes, Ctrl-C on a terminal (sent to the whole process group) also printed a
KeyboardInterrupt traceback per worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clotwatch.cli import main
from clotwatch.population import synth


def _stop_in_the_second_chunk(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    real = synth._chunk

    def chunk(seed: int, start: int, stop: int) -> Any:
        if start >= synth.CHUNK:  # the first chunk is written by now
            if how == "SIGTERM":
                os.kill(os.getpid(), signal.SIGTERM)
            else:
                raise KeyboardInterrupt
        return real(seed, start, stop)

    monkeypatch.setattr(synth, "_chunk", chunk)


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("earlier", [False, True])
def test_an_interrupted_synth_removes_what_it_began(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        how: str, earlier: bool) -> None:
    class Killed(Exception):  # noqa: N818 - what SIGTERM's default would have done
        pass

    def killed_outright(*_: Any) -> None:
        raise Killed

    out = tmp_path / "demo"
    if earlier:  # a folder of an earlier synth: written again, so its mark is kept
        assert main(["population", "synth", "2", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    _stop_in_the_second_chunk(monkeypatch, how)
    before = signal.signal(signal.SIGTERM, killed_outright)
    try:
        assert main(["population", "synth", str(2 * synth.CHUNK), str(out),
                     "--workers", "1"]) == 130
        assert signal.getsignal(signal.SIGTERM) is killed_outright  # put back
    finally:
        signal.signal(signal.SIGTERM, before)
    assert capsys.readouterr().err.strip() == (
        f"clotwatch: interrupted; the files synth had begun in {out} were removed")
    if earlier:
        assert [p.name for p in out.iterdir()] == [".clotwatch-synth"]
    else:
        assert list(tmp_path.iterdir()) == []


def test_ctrl_c_on_a_terminal_prints_one_line_not_a_traceback_per_worker(
        tmp_path: Path) -> None:
    """A real run with two workers, sent SIGINT as a terminal sends it: to the group."""
    out = tmp_path / "big"
    proc = subprocess.Popen(
        [sys.executable, "-m", "clotwatch.cli", "population", "synth", "200000", str(out),
         "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while not (out / "Patient.ndjson").exists() or (out / "Patient.ndjson").stat().st_size == 0:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == f"clotwatch: interrupted; the files synth had begun in {out} were removed"
    assert not out.exists()


def test_a_second_ctrl_c_while_removing_still_removes_it_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Pressed again as the files were being removed, it left them (as screen left its
    temporary folder)."""
    from clotwatch.cli import population as cli

    _stop_in_the_second_chunk(monkeypatch, "SIGINT")
    real = cli._unsynth
    calls: list[int] = []

    def unsynth(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        real(*args)

    monkeypatch.setattr(cli, "_unsynth", unsynth)
    out = tmp_path / "demo"
    assert main(["population", "synth", str(2 * synth.CHUNK), str(out), "--workers", "1"]) == 130
    assert len(calls) == 2
    assert "were removed" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
