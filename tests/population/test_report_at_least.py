"""report.html says how many unsettled stays are already at least high or moderate.

Found by the issue-10 walk-through: 86% of the demo's stays were "unsettled" (bedside items
are never read as "no"), so the risk chart was mostly grey, while a Caprini stay with 3 points
of known items is high or highest whatever the rest. The bands are the instrument library's,
from the primary papers: Caprini JA, Dis Mon 2005;51:70-8, doi:10.1016/j.disamonth.2005.02.003,
PMID:15900257 (2 moderate, 3-4 high, >= 5 highest); Barbar S et al., J Thromb Haemost
2010;8:2450-7, doi:10.1111/j.1538-7836.2010.04044.x, PMID:20738765 (Padua: < 4 low, >= 4
high); Spyropoulos AC et al., Chest 2011;140:706-14, doi:10.1378/chest.10-1944, PMID:21436241
(IMPROVE: 0-1 low, 2-3 moderate, >= 4 high).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clotwatch.population import duckdb as cd
from clotwatch.population.report import CATEGORIES, at_least
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export
from clotwatch.population.synth import synthesize


@pytest.mark.parametrize(("instrument", "category", "total_min", "shown"), [
    ("caprini-2005", "high", 3, "high"),              # settled: its own category
    ("caprini-2005", None, 3, "high or higher"),      # 3 known: high or highest
    ("caprini-2005", None, 4, "high or higher"),
    ("caprini-2005", None, 2, "moderate or higher"),
    ("caprini-2005", None, 1, "unsettled"),           # still any category
    ("padua", None, 3, "unsettled"),                  # Padua has two bands: low or high
    ("improve-vte", None, 2, "moderate or higher"),
    ("improve-vte", None, 0, "unsettled"),
    (None, None, None, "unsettled"),                  # no instrument (no age)
])
def test_the_band_the_known_items_already_reach(instrument: str | None, category: str | None,
                                                total_min: int | None, shown: str) -> None:
    assert at_least(instrument, category, total_min) == shown
    assert shown in CATEGORIES


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("atleast")
    synthesize(400, root / "export", seed=3)
    for lang in ("en", "ru"):
        screen(open_export(root / "export"), cd.DuckDBScreening(threads=1), root / lang,
               as_of=datetime(2026, 6, 30, tzinfo=UTC), lang=lang)
    return root


def test_the_risk_chart_counts_each_stay_once_by_the_band_it_reaches(screened: Path) -> None:
    with (screened / "en" / "encounters.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    want: Counter[tuple[str, str]] = Counter()
    for r in rows:
        low = int(r["risk_total_min"]) if r["risk_total_min"] else None
        want[(r["instrument"], at_least(r["instrument"] or None, r["risk_category"] or None,
                                        low))] += 1
    assert want[("caprini-2005", "high or higher")] > 0  # the synthetic export has them
    page = (screened / "en" / "report.html").read_text(encoding="utf-8")
    label = re.search(r'aria-label="Encounters per risk category: ([^"]*)"', page)
    assert label
    said = label.group(1)
    for (inst, shown), n in want.items():
        if inst == "caprini-2005":
            assert f"{shown} {n}" in said.split("Caprini 2005 (surgical): ")[1].split(";")[0]
    ru = (screened / "ru" / "report.html").read_text(encoding="utf-8")
    assert "высокий или выше" in ru and "high or higher" not in ru


def test_the_gap_list_names_the_band_an_unsettled_stay_reaches(screened: Path) -> None:
    page = (screened / "en" / "report.html").read_text(encoding="utf-8")
    gap_table = page.split("Gap list")[-1]
    with (screened / "en" / "gaps.csv").open(encoding="utf-8") as f:
        gaps = list(csv.DictReader(f))
    reached = {at_least(g["instrument"] or None, g["risk_category"] or None,
                        int(g["risk_total_min"]) if g["risk_total_min"] else None)
               for g in gaps[:200]}
    for shown in reached:
        assert f"<td>{shown}</td>" in gap_table
