"""A second Ctrl-C while an interrupted screening removes its temporary folder.

DuckDB takes a second or more to stop a query after Ctrl-C, and a user presses again: the
second KeyboardInterrupt stopped the removal part-way (or before it began: Python raises a
pending one on entering the next function), and ``.OUT.xxxxxxxx`` was left beside --out
while the closing line said nothing was written. The next run named and removed it; now
the run that was interrupted does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.population import records

from clotwatch.cli import main
from clotwatch.population import screen as screen_module
from clotwatch.population.duckdb import DuckDBScreening


@pytest.mark.parametrize("where", ["entering the removal", "in DuckDB's work folder removal"])
def test_a_second_ctrl_c_still_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        where: str) -> None:
    folder = records.write(tmp_path / "e", records.situations())
    real_write = screen_module._write

    def first_ctrl_c(*args: Any, **kwargs: Any) -> Any:
        real_write(*args, **kwargs)  # result files in the temporary folder
        raise KeyboardInterrupt

    monkeypatch.setattr(screen_module, "_write", first_ctrl_c)
    seconds: list[str] = []
    if where == "entering the removal":
        real = screen_module._clean_up

        def clean_up(*args: Any) -> None:
            if not seconds:
                seconds.append(where)
                raise KeyboardInterrupt
            real(*args)

        monkeypatch.setattr(screen_module, "_clean_up", clean_up)
    else:
        real_done = DuckDBScreening.work_done

        def work_done(self: DuckDBScreening) -> None:
            if not seconds:
                seconds.append(where)
                raise KeyboardInterrupt
            real_done(self)

        monkeypatch.setattr(DuckDBScreening, "work_done", work_done)
    out = tmp_path / "r"
    assert main(["population", "screen", str(folder), "--out", str(out),
                 "--as-of", "2026-03-10"]) == 130
    assert seconds == [where]
    assert capsys.readouterr().err.strip() == (
        f"clotwatch: interrupted; {out} was not written or changed")
    assert [p.name for p in tmp_path.iterdir()] == ["e"]
