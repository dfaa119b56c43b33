"""The replicated export of the scaling benchmark: every copy's ids are new, every reference
still resolves inside the export, and the clinical content is the source's (figures are
never asserted: docs/benchmarks.md records them)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.benchmarks.scripts import load as _load

from clotwatch.population.synth import synthesize


def _references(node: object) -> list[str]:
    if isinstance(node, dict):
        refs = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return refs + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


def test_copies_have_new_ids_and_references_that_resolve(tmp_path: Path) -> None:
    rep = _load("population_replicate")
    counts = synthesize(7, tmp_path / "src", seed=2)
    rep.replicate(tmp_path / "src", tmp_path / "dst", 3, workers=1)
    resources = [json.loads(line) for f in sorted((tmp_path / "dst").glob("*.ndjson"))
                 for line in f.read_text().splitlines()]
    per_type = Counter(r["resourceType"] for r in resources)
    assert per_type == {t: c * (1 if t == "Location" else 3) for t, c in counts.items()
                        if c}  # a type none of the 7 patients has (devices) writes no line
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert len(set(keys)) == len(keys)
    refs = [ref for r in resources for ref in _references(r)]
    assert refs and set(refs) <= set(keys)
    strip = {"id", "subject", "encounter", "context", "request", "diagnosis", "identifier",
             "extension"}
    source = sorted(json.dumps({k: v for k, v in r.items() if k not in strip}, sort_keys=True)
                    for r in resources if r["resourceType"] == "Observation")
    assert source[0::3] == source[1::3] == source[2::3]  # the same content three times
