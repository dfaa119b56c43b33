"""The population screening on real Synthea exports, held to ``clotwatch fhir score``.

For each inpatient encounter the screening's risk columns (total, range, category) must equal
``clotwatch fhir score`` on that patient's own records as of 24 h after admission, as
tests/population/test_agrees_with_fhir_score.py asks of the synthetic export (the same
comparison: ``tests.population.records.risk_disagreements``). The screening reads the coded
record only; fhir score also fills unknown items from the patient's clinical notes, so the
agreement is checked on the coded record, and the encounters where the notes would change
fhir score's answer are counted beside it. Figures and findings:
docs/validation/population-synthea.md.

Run::

    # a bulk export (a folder of Type.000.ndjson files), e.g. SMART's 10-patient sample
    .venv/bin/python benchmarks/population_synthea.py --export /work/smart10
    # Synthea patient bundles (*.json, *.json.gz, *.json.bz2), made into one bulk export
    .venv/bin/python benchmarks/population_synthea.py --bundles tests/fhir/fixtures/synthea

``--as-of`` (default 2026-06-30) is the screening's; ``--work DIR`` keeps the export made
from bundles and the screening's output there (default: a temporary folder, removed).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.population.records: the comparison the tests make

from tests.population import records  # noqa: E402

from clotwatch.population.duckdb import DuckDBScreening  # noqa: E402
from clotwatch.population.screen import screen  # noqa: E402
from clotwatch.population.source import open_export  # noqa: E402

BUNDLE_SUFFIXES = (".json", ".json.gz", ".json.bz2")


def run(export: Path, out: Path, as_of: datetime,
        resources: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Screen ``export`` into ``out`` and compare every encounter with fhir score."""
    engine = DuckDBScreening(threads=2)
    try:
        screen(open_export(export), engine, out, as_of=as_of)
    finally:
        engine.close()
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    with (out / "encounters.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    coded = list(records.risk_disagreements(resources, rows, as_of))
    with_notes = list(records.risk_disagreements(resources, rows, as_of, with_notes=True))
    return {"summary": summary, "rows": rows, "coded": coded, "with_notes": with_notes}


def report(name: str, result: dict[str, Any]) -> None:
    s, rows = result["summary"], result["rows"]
    print(f"== {name}")
    print(f"inpatient encounters {s['encounters']}, initial population "
          f"{s['initial_population']}, denominator {s['denominator']}, excluded "
          f"{s['denominator_exclusions']}, numerator {s['numerator']}, gaps {s['gaps']}")
    print(f"instruments: {dict(sorted(s['by_instrument'].items()))}")
    print(f"patient groups: {dict(Counter(r['patient_group'] for r in rows))}")
    for column in ("initial_population_reason", "exclusion_reason", "numerator_reason"):
        counts = Counter(r[column] for r in rows if r[column])
        if counts:
            print(f"{column}: {dict(counts.most_common())}")
    categories = Counter((r["instrument"], r["risk_category"] or "unsettled") for r in rows)
    print(f"risk categories: {dict(sorted(categories.items()))}")
    problems = s["problems"]
    print(f"input problems: {problems['counts'] or 'none'}; resources read: "
          f"{problems['resources_read']}")
    for x in problems["not_resources"]:
        print(f"not read: {Path(x['file']).name}, {x['lines']} lines ({x['what']})")
    print(f"types the screening does not use: {problems['types_not_used'] or 'none'}")
    for key, text in (("coded", "coded record"), ("with_notes", "with the notes too")):
        found = result[key]
        print(f"fhir score ({text}): {len(rows) - len(found)} of {len(rows)} agree")
        for d in found[:20]:
            print(f"  {d.encounter_id} {d.instrument}: screening {d.screening}, "
                  f"fhir score {d.fhir_score}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--export", type=Path, help="a bulk export folder (NDJSON)")
    source.add_argument("--bundles", type=Path, help="a folder of Synthea patient bundles")
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--work", type=Path, help="keep the export and output here")
    args = parser.parse_args(argv)
    as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        resources: Mapping[str, list[dict[str, Any]]]
        if args.export:
            export = args.export
            resources = records.by_patient(export)
        else:
            bundles = sorted(p for p in args.bundles.iterdir()
                             if p.name.endswith(BUNDLE_SUFFIXES))
            export = work / "export"
            resources = records.BundlePatients(records.synthea_as_bulk_export(bundles, export))
            print(f"{len(bundles)} bundles, {len(resources)} patients -> {export}")
        report(str(args.export or args.bundles), run(export, work / "out", as_of, resources))
    return 0


if __name__ == "__main__":
    sys.exit(main())
