"""What a screening that died leaves beside --out, and two screenings of one --out at once.

The result is written to a temporary folder ``.OUT.xxxxxxxx`` beside --out and renamed onto
it at the end; a run killed outright (SIGKILL, the machine losing power) cannot remove it.
The next run removes it, naming it on stderr, but only when no live screening may own it:
a screening holds a lock on --out (``.OUT.lock``, with its process id) while it runs, and
a second one is refused while the first holds it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.population import records

from clotwatch.cli import main

AS_OF = "2026-03-10"

# A screening of OUT as far as its temporary folder (with DuckDB's work folder and a result
# file in it), then: "kill" (SIGKILL itself: nothing cleaned up) or "wait" (till stdin ends).
HOLDER = textwrap.dedent("""
    import os, signal, sys, tempfile
    from pathlib import Path
    from clotwatch.population.screen import _owning
    out = Path(sys.argv[1])
    with _owning(out):
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        (tmp / ".work").mkdir()
        (tmp / ".work" / "screen.duckdb").write_bytes(b"x")
        (tmp / "encounters.csv").write_text("encounter_id\\n")
        print(tmp, flush=True)
        if sys.argv[2] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.stdin.read()
""")


def _holder(out: Path, how: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", HOLDER, str(out), how], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def test_a_killed_runs_temporary_folder_is_named_and_removed_by_the_next_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It stayed beside --out for good, DuckDB's database inside (gigabytes at 100,000
    patients). A folder named like one that holds other files is named and kept."""
    folder = records.write(tmp_path / "e", records.situations())
    out = tmp_path / "r"
    killed = _holder(out, "kill")
    assert killed.stdout is not None
    left = Path(killed.stdout.readline().strip())
    killed.communicate(timeout=60)  # closes the pipes
    assert killed.returncode == -9 and left.is_dir()
    assert (tmp_path / ".r.lock").exists()  # the lock file stays, its lock went with the process
    old = tmp_path / ".r.old"  # _publish's, killed between its two renames
    old.mkdir()
    (old / "report.html").write_text("<html>")
    mine = tmp_path / ".r.abcd1234"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert main(["population", "screen", str(folder), "--out", str(out),
                 "--as-of", AS_OF]) == 0
    err = capsys.readouterr().err
    assert (f"clotwatch: removed {left}: left by a screening of {out} that did not "
            f"finish") in err
    assert not left.exists()
    # .r.old with no r is an earlier result moved aside: put back, then replaced by this run
    assert f"clotwatch: restored {out} from {old}: the earlier result" in err
    assert not old.exists() and (out / "report.html").read_text() != "<html>"
    assert f"clotwatch: kept {mine}: named like a screening's temporary folder" in err
    assert (mine / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.abcd1234", "e", "r"]


def test_an_earlier_result_moved_aside_by_a_killed_run_is_put_back_not_removed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run killed between _publish's two renames leaves the earlier result as .OUT.old
    and no OUT: removing it would leave no result at all if the next run failed too. The
    next run puts it back (named) before it starts; here that run then fails (a line that is
    not JSON, with --on-error fail), and the earlier result is still OUT."""
    folder = records.write(tmp_path / "e", records.situations())
    with (folder / "Patient.ndjson").open("a", encoding="utf-8") as f:
        f.write("{not json\n")
    out = tmp_path / "r"
    old = tmp_path / ".r.old"
    old.mkdir()
    (old / "report.html").write_text("<html>earlier</html>")
    (old / "gaps.csv").write_text("encounter_id\n")
    with pytest.raises(SystemExit) as exc:
        main(["population", "screen", str(folder), "--out", str(out), "--as-of", AS_OF,
              "--on-error", "fail"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"clotwatch: restored {out} from {old}: the earlier result" in err
    assert (out / "report.html").read_text() == "<html>earlier</html>" and not old.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e", "r"]


def test_a_second_screening_of_the_same_out_is_refused_and_the_first_unharmed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two at once (a scheduled run and one by hand) each wrote a temporary folder and
    renamed it onto --out in turn; a clean-up of leftovers would have removed the live
    run's folder. The second is refused in one line naming the first's process."""
    folder = records.write(tmp_path / "e", records.situations())
    out = tmp_path / "r"
    running = _holder(out, "wait")
    try:
        assert running.stdout is not None
        live = Path(running.stdout.readline().strip())
        with pytest.raises(SystemExit) as exc:
            main(["population", "screen", str(folder), "--out", str(out), "--as-of", AS_OF])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines() == [
            f"clotwatch: error: --out: {out} is being written by another screening (process "
            f"{running.pid}); wait for it to finish, or give another folder"]
        assert (live / ".work" / "screen.duckdb").read_bytes() == b"x"  # untouched
        assert not out.exists()
    finally:
        running.communicate("", timeout=60)
    assert running.returncode == 0 and not (tmp_path / ".r.lock").exists()
    assert main(["population", "screen", str(folder), "--out", str(out), "--as-of", AS_OF,
                 "--json"]) == 0  # the first ended: the next runs (and clears its folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e", "r"]
