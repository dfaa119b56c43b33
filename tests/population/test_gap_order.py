"""The gap list's order, most at risk first, across Padua and Caprini (docs/population.md).

Each instrument's points are read against its own bands, as the instrument library declares
them from the primary papers (Barbar S et al., J Thromb Haemost 2010;8:2450-7,
doi:10.1111/j.1538-7836.2010.04044.x, PMID:20738765: Padua high >= 4; Caprini JA, Dis Mon
2005;51:70-8, doi:10.1016/j.disamonth.2005.02.003, PMID:15900257: 2 moderate, 3-4 high, >= 5
highest), never against the other's: a Caprini stay whose maximum is 73 is not more at
risk than a Padua stay one point from high. Found by the issue-10 walk-through (a Caprini 1
ranked above a Padua 3, and a Caprini stay certain to be high ranked below every settled low
one).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from clotwatch.population import duckdb as cd
from clotwatch.population.report import band_floors
from clotwatch.population.screen import _risk_order, screen
from clotwatch.population.source import open_export
from clotwatch.population.synth import synthesize

# (id, instrument, total, min, max, settled category)
ROWS = [
    ("padua-0-unsettled", "padua", 0, 0, 20, None),
    ("caprini-1-unsettled", "caprini-2005", 1, 1, 73, None),
    ("padua-3-unsettled", "padua", 3, 3, 20, None),
    ("caprini-low-settled", "caprini-2005", 1, 1, 1, "low"),
    ("padua-high-settled", "padua", 5, 5, 5, "high"),
    ("caprini-3-unsettled", "caprini-2005", 3, 3, 70, None),  # high or highest, surely
    ("caprini-highest-settled", "caprini-2005", 6, 6, 6, "highest"),
    ("no-score", None, None, None, None, None),
]


def _ordered(rows: list[tuple[object, ...]]) -> list[str]:
    con = duckdb.connect()
    con.execute("CREATE TABLE encounters (encounter_id VARCHAR, instrument VARCHAR, "
                "risk_total INTEGER, risk_total_min INTEGER, risk_total_max INTEGER, "
                "risk_category VARCHAR, admitted VARCHAR)")
    con.executemany("INSERT INTO encounters VALUES (?, ?, ?, ?, ?, ?, '2026-01-01')", rows)
    return [r[0] for r in con.execute(
        f"SELECT encounter_id FROM encounters ORDER BY {_risk_order()}").fetchall()]


def test_bands_are_the_instruments_own() -> None:
    assert band_floors("padua") == ((4, 3), (0, 1))
    assert band_floors("caprini-2005") == ((5, 4), (3, 3), (2, 2), (0, 1))
    assert band_floors("improve-vte") == ((4, 3), (2, 2), (0, 1))


def test_most_at_risk_first_by_each_instruments_own_bands() -> None:
    assert _ordered(ROWS) == [
        "caprini-highest-settled",
        # both already high (0 points to high): then the highest total still allowed
        "caprini-3-unsettled",
        "padua-high-settled",
        # below high so far: by the points still missing to each instrument's high band
        "padua-3-unsettled",     # 1 point from Padua's 4
        "caprini-1-unsettled",   # 2 points from Caprini's 3 (maximum 73 does not count first)
        "caprini-low-settled",   # 2 points from 3, but can never get there (maximum 1)
        "padua-0-unsettled",     # 4 points from 4
        "no-score",
    ]


def test_the_gap_list_of_a_screening_follows_the_order(tmp_path: Path) -> None:
    export = tmp_path / "export"
    synthesize(300, export, seed=5)
    out = tmp_path / "out"
    screen(open_export(export), cd.DuckDBScreening(threads=1), out,
           as_of=datetime(2026, 6, 30, tzinfo=UTC))
    with (out / "gaps.csv").open(encoding="utf-8") as f:
        gaps = list(csv.DictReader(f))
    assert gaps, "the synthetic export has gaps"
    floors = {name: band_floors(name) for name in ("padua", "caprini-2005")}

    def at_least(row: dict[str, str]) -> int:
        if not row["risk_total_min"]:
            return 0
        low = int(row["risk_total_min"])
        return next(r for t, r in floors[row["instrument"]] if low >= t)

    ranks = [at_least(g) for g in gaps]
    assert ranks == sorted(ranks, reverse=True)
    # a settled category is the category its minimum already reaches
    for g in gaps:
        if g["risk_category"]:
            rank = {"low": 1, "moderate": 2, "high": 3, "highest": 4}[g["risk_category"]]
            assert at_least(g) == rank
