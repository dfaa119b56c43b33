"""The DuckDB screening keeps its tables in a database file inside the temporary result folder,
under a memory limit: the file is there while the run works, never in the result, and gone
after a success, a failure or an interrupt; a memory limit changes no byte of the result."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.population import records

from clotwatch.core.errors import InputError
from clotwatch.population.duckdb import DuckDBScreening, parse_memory_limit
from clotwatch.population.screen import WORK, screen
from clotwatch.population.source import open_export

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
OUTPUTS = ("encounters.csv", "encounters.parquet", "gaps.csv", "report.html")


def _run(folder: Path, out: Path, memory_limit: str | None = None,
         progress: Any = None) -> None:
    engine = DuckDBScreening(threads=2, memory_limit=memory_limit)
    try:
        screen(open_export(folder), engine, out, as_of=AS_OF, progress=progress)
    finally:
        engine.close()


def _databases(parent: Path) -> list[Path]:
    return sorted(parent.glob(f".*/{WORK}/{DuckDBScreening.DATABASE}"))


def test_the_database_file_is_in_the_temporary_folder_and_not_in_the_result(
        tmp_path: Path) -> None:
    folder = records.write(tmp_path / "export", records.situations())
    seen: list[list[Path]] = []
    _run(folder, tmp_path / "res" / "out",
         progress=lambda step: seen.append(_databases(tmp_path / "res")))
    assert seen and all(len(found) == 1 for found in seen)  # one file, every stage
    assert seen[0][0].parent.parent.name.startswith(".out.")
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == ["out"]
    out = tmp_path / "res" / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "encounters.csv", "encounters.parquet", "gaps.csv", "report.html", "summary.json"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, InputError])
def test_a_failed_or_interrupted_run_leaves_nothing(tmp_path: Path,
                                                    stop: type[BaseException]) -> None:
    folder = records.write(tmp_path / "export", records.situations())

    def interrupt(step: str) -> None:
        if step == "risk scores":  # the database holds every table by then
            assert len(_databases(tmp_path / "res")) == 1
            raise stop("data", "stopped") if stop is InputError else stop()

    with pytest.raises(stop):
        _run(folder, tmp_path / "res" / "out", progress=interrupt)
    assert list((tmp_path / "res").iterdir()) == []


def test_a_small_memory_limit_gives_the_same_bytes(tmp_path: Path) -> None:
    folder = records.write(tmp_path / "export", records.situations())
    _run(folder, tmp_path / "a")
    _run(folder, tmp_path / "b", memory_limit="200MB")
    for name in OUTPUTS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_memory_limit_is_a_size_or_a_share_of_the_ram() -> None:
    assert parse_memory_limit("4GB") == "4GB"
    assert parse_memory_limit("512 mib") == "512MiB"
    assert parse_memory_limit("1.5GB") == "1.5GB"
    ram = int(parse_memory_limit("100%").removesuffix("MiB"))
    assert ram > 0
    assert abs(int(parse_memory_limit("50%").removesuffix("MiB")) - ram / 2) <= 1
    assert abs(int(parse_memory_limit(None).removesuffix("MiB")) - ram / 4) <= 1  # default


@pytest.mark.parametrize("text", ["lots", "4", "0GB", "0%", "150%", "-1GB", "4 GB extra"])
def test_a_memory_limit_that_is_not_a_size_is_refused_naming_the_option(text: str) -> None:
    with pytest.raises(InputError, match="--memory-limit"):
        parse_memory_limit(text)
