"""The file `clotwatch views run --out FILE` leaves: readable as any file the user writes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.population import records

from clotwatch.cli import main

VIEWS = Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "population" / "views"


@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.usefixtures("umask_022")
@pytest.mark.parametrize("name", ["rows.csv", "rows.ndjson", "rows.parquet"])
def test_the_file_written_has_the_mode_the_umask_gives(tmp_path: Path, name: str) -> None:
    """rows.csv and rows.ndjson were 0600 (the temporary file's mode, kept by the rename):
    the colleague or the BI tool the rows were for could not read them; rows.parquet, which
    DuckDB writes anew, was 0644."""
    folder = records.write(tmp_path / "e", records.situations())
    out = tmp_path / name
    assert main(["views", "run", str(VIEWS / "patient.json"), "--data", str(folder),
                 "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.mark.usefixtures("umask_022")
def test_a_file_replaced_keeps_its_mode(tmp_path: Path) -> None:
    """As `>` does: a file the user made group-writable stays so."""
    folder = records.write(tmp_path / "e", records.situations())
    out = tmp_path / "rows.csv"
    out.write_text("old")
    out.chmod(0o664)
    assert main(["views", "run", str(VIEWS / "patient.json"), "--data", str(folder),
                 "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o664
    assert out.read_text().startswith("patient_id,")


@pytest.mark.parametrize("out", ["rows.csv", None])
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "in a DuckDB query"])
def test_an_interrupted_run_says_so_in_one_line_and_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        how: str, out: str | None) -> None:
    """Ctrl-C printed a blank line alone; kill (SIGTERM) ended the process at once, leaving
    .rows.csv.xxxx.part (and DuckDB's tmp_ file for Parquet) beside --out. DuckDB 2.0 takes
    a Ctrl-C that comes while its query runs and raises RuntimeError("Query interrupted")."""
    import signal

    from clotwatch.population import output

    class Killed(Exception):  # noqa: N818 - what SIGTERM's default would have done
        pass

    def killed_outright(*_: Any) -> None:
        raise Killed

    folder = records.write(tmp_path / "e", records.situations())
    real = output._csv

    def stopped(columns: Any, rows: Any, f: Any) -> None:
        real(columns, iter(list(rows)[:1]), f)  # a row written, then the signal
        if how == "SIGTERM":
            os.kill(os.getpid(), signal.SIGTERM)
        elif how == "SIGINT":
            raise KeyboardInterrupt
        else:
            raise RuntimeError("Query interrupted")

    monkeypatch.setattr(output, "_csv", stopped)
    before = signal.signal(signal.SIGTERM, killed_outright)
    target = tmp_path / out if out else None
    try:
        assert main(["views", "run", str(VIEWS / "patient.json"), "--data", str(folder),
                     "--format", "csv"] + (["--out", str(target)] if target else [])) == 130
        assert signal.getsignal(signal.SIGTERM) is killed_outright  # put back
    finally:
        signal.signal(signal.SIGTERM, before)
    err = capsys.readouterr().err
    said = f"{target} was not written or changed" if target else "the rows on stdout are incomplete"
    assert err.strip() == f"clotwatch: interrupted; {said}"
    assert [p.name for p in tmp_path.iterdir()] == ["e"]


def test_a_second_ctrl_c_while_removing_the_part_file_still_removes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pressed again as .rows.csv.xxxx.part was being removed, it stayed."""
    from clotwatch.population.output import atomic_path

    real = Path.unlink
    calls: list[Path] = []

    def unlink(self: Path, missing_ok: bool = False) -> None:
        calls.append(self)
        if len(calls) == 1:
            raise KeyboardInterrupt
        real(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "rows.csv") as part:
        part.write_text("half")
        raise KeyboardInterrupt
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []
