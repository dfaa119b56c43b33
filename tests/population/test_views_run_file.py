"""The file `clotwatch views run --out FILE` leaves: readable as any file the user writes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

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
