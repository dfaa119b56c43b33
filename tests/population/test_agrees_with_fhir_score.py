"""The screening's risk columns equal `clotwatch fhir score` on each patient's own Bundle.

The population SQL re-derives the instrument items from the same finding rules; this test
holds it to the single-patient path: for every encounter, the patient's resources as a Bundle,
scored as of the screening's reference time (24 h after admission), give the same total, range
and category (unanswerable items missing in both).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from clotwatch.fhir import score
from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export
from clotwatch.population.synth import synthesize

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


def test_risk_columns_equal_fhir_score_per_patient(tmp_path: Path) -> None:
    export = tmp_path / "export"
    synthesize(40, export, seed=11)
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(export), engine, tmp_path / "out", as_of=AS_OF)
    finally:
        engine.close()
    by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in ("Patient", "Condition", "Observation", "Procedure", "MedicationRequest",
              "Encounter"):
        for line in (export / f"{t}.ndjson").read_text().splitlines():
            r = json.loads(line)
            pid = r["id"] if t == "Patient" else r["subject"]["reference"].split("/")[1]
            by_patient[pid].append(r)
    with (tmp_path / "out" / "encounters.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 40
    seen = set()
    for row in rows:
        admitted = datetime.fromisoformat(row["admitted"].replace("Z", "+00:00"))
        now = min(admitted + timedelta(days=1), AS_OF)
        bundle = {"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": r} for r in by_patient[row["patient_id"]]]}
        _, results = score(bundle, now, [row["instrument"]])
        d = results[0].result.to_dict()
        expected = (str(d["total"]), str(d["total_range"][0]), str(d["total_range"][1]),
                    d["category"] or "")
        got = (row["risk_total"], row["risk_total_min"], row["risk_total_max"],
               row["risk_category"])
        assert got == expected, row["encounter_id"]
        seen.add((row["instrument"], row["risk_category"]))
    assert {i for i, _ in seen} == {"padua", "caprini-2005"}
