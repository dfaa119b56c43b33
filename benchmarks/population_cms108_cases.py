"""The measure developer's own test cases for CMS108 against ``clotwatch population screen``.

The CMS108FHIR v0.2.003 package published by the Clinical Quality Framework
(github.com/cqframework/ecqm-content-qicore-2024, bundles/measure/CMS108VTEProphylaxisFHIR/
CMS108VTEProphylaxisFHIR-files/tests-*-bundle.json) holds the MADiE test cases of the measure:
one Bundle per patient with the expected populations in a MeasureReport (test-case-cqfm). They
are not shipped with clotwatch; give the folder of a checkout (or an extracted copy):

    .venv/bin/python benchmarks/population_cms108_cases.py FOLDER [--engine duckdb|spark]
        [--json OUT]

Every resource of every Bundle goes into one NDJSON export (ids are unique across the cases),
the export is screened as of 2027-01-01 and, per patient, the encounters that CMS108's
"Inpatient Encounter" counts (finished, ending in the measurement period 2026) are tallied
into initial population, denominator exclusion and numerator, and compared with the
MeasureReport. Prints the agreement and each disagreement with the case's title.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

POPULATIONS = ("initial-population", "denominator-exclusion", "numerator")
SKIP = {"MeasureReport", "Parameters", "Bundle"}


def load_cases(folder: Path) -> tuple[dict[str, dict[str, list[dict[str, Any]]]],
                                        dict[str, dict[str, Any]]]:
    """Resources by type and id, and per patient the expected counts and the case's title."""
    resources: dict[str, dict[str, Any]] = {}
    expected: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("tests-*-bundle.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        entries = [e["resource"] for e in bundle.get("entry", [])]
        patient = next(r for r in entries if r["resourceType"] == "Patient")
        report = next(r for r in entries if r["resourceType"] == "MeasureReport")
        counts = {p["code"]["coding"][0]["code"]: p.get("count", 0)
                  for g in report.get("group", []) for p in g.get("population", [])}
        title = re.sub(r"<[^>]+>", " ", patient.get("text", {}).get("div", ""))
        title = " ".join(title.split("Identifier")[0].split())
        expected[patient["id"]] = {"counts": {k: counts.get(k, 0) for k in POPULATIONS},
                                   "title": title, "file": path.name}
        for r in entries:
            if r["resourceType"] not in SKIP:
                key = f"{r['resourceType']}/{r['id']}"
                if key in resources and resources[key] != r:
                    raise SystemExit(f"{path.name}: {key} differs between cases")
                resources[key] = r
    by_type: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for key, r in sorted(resources.items()):
        by_type.setdefault(r["resourceType"], {}).setdefault(key, []).append(r)
    return by_type, expected


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from clotwatch.population.screen import screen
    from clotwatch.population.source import open_export

    by_type, expected = load_cases(args.folder)
    with tempfile.TemporaryDirectory(prefix="cms108-cases-") as tmp:
        export = Path(tmp, "export")
        export.mkdir()
        for rtype, of_type in by_type.items():
            with (export / f"{rtype}.ndjson").open("w", encoding="utf-8") as f:
                for rs in of_type.values():
                    f.write(json.dumps(rs[0]) + "\n")
        if args.engine == "spark":
            from clotwatch.population.spark import SparkScreening
            engine: Any = SparkScreening()
        else:
            from clotwatch.population.duckdb import DuckDBScreening
            engine = DuckDBScreening(threads=2)
        try:
            screen(open_export(export), engine, Path(tmp, "out"),
                   as_of=datetime(2027, 1, 1, tzinfo=UTC))
        finally:
            engine.close()
        with Path(tmp, "out", "encounters.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    got: dict[str, Counter[str]] = {pid: Counter() for pid in expected}
    for r in rows:
        # CQMCommon "Inpatient Encounter": finished, ending during the measurement period 2026
        if r["encounter_status"] != "finished" or not r["discharged"].startswith("2026"):
            continue
        c = got.setdefault(r["patient_id"], Counter())
        c["initial-population"] += r["in_initial_population"] == "true"
        c["denominator-exclusion"] += r["excluded"] == "true"
        c["numerator"] += r["in_numerator"] == "true"
    disagree = []
    for pid, exp in sorted(expected.items(), key=lambda kv: kv[1]["title"]):
        have = {k: got[pid][k] for k in POPULATIONS}
        if have != exp["counts"]:
            disagree.append({"patient": pid, "title": exp["title"], "file": exp["file"],
                             "expected": exp["counts"], "clotwatch": have})
    result = {"cases": len(expected), "agree": len(expected) - len(disagree),
              "engine": args.engine, "disagree": disagree,
              "expected_totals": {k: sum(e["counts"][k] for e in expected.values())
                                  for k in POPULATIONS}}
    text = json.dumps(result, indent=1)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    sys.exit(0 if not disagree else 1)


if __name__ == "__main__":
    main()
