"""``matching.names_of`` (all code sets in one pass, issue 13: CPU per CDS call) answers exactly
what asking ``CodeSet.match`` of every code set answers, on every code of every set, on codes
near them, and on the codings of the committed real records."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from clotwatch.fhir.codes import RXNORM, all_codesets
from clotwatch.fhir.matching import names_of, names_of_kind

FIXTURES = Path(__file__).parent / "fixtures"


@cache
def _sets() -> tuple[Any, ...]:
    # all_codesets() lists the package's folder on every call: asked once per probe it was
    # 70% of this file's time (55,000 calls); the code sets are the same on every call.
    return all_codesets()


def _each_set(codings: list[Any]) -> frozenset[str]:
    return frozenset(cs.id for cs in _sets() if cs.match(codings) is not None)


def _probes() -> list[SimpleNamespace]:
    out = []
    for cs in all_codesets():
        for e in cs.codes:
            for code in filter(None, [e.code, e.code and f" {e.code.lower()} ", e.prefix,
                                      e.prefix and e.prefix + ".9",
                                      e.prefix and e.prefix + "XYZ9", e.range and e.range[0],
                                      e.range and e.range[1] + ".1",
                                      e.numeric and str(e.numeric[0]), "Z99.9", "0"]):
                out.append(SimpleNamespace(system=e.system, code=code, display=None))
    out += [SimpleNamespace(system=RXNORM, code=c, display=None)
            for c in ("1364445", "748856", "197361", "1860480", "0")]
    out += [SimpleNamespace(system=s, code=c, display="apixaban")
            for s, c in ((None, "I26.9"), ("", "I26.9"), ("http://snomed.info/sct", ""),
                         ("http://snomed.info/sct", None))]
    return out


def _record_codings() -> list[SimpleNamespace]:
    out = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("coding"), list):
                for c in node["coding"]:
                    if isinstance(c, dict):
                        out.append(SimpleNamespace(system=c.get("system"), code=c.get("code"),
                                                   display=c.get("display")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((FIXTURES / "synthea").rglob("*.json")):
        walk(json.loads(path.read_text()))
    return out


def test_names_of_answers_as_every_code_set_asked_in_turn() -> None:
    probes = _probes()
    for probe in probes:
        assert names_of([probe]) == _each_set([probe]), probe
    for first, second in zip(probes[::7], probes[3::7], strict=False):
        assert names_of([first, second]) == _each_set([first, second]), (first, second)
    assert names_of([]) == frozenset()
    assert len(probes) > 500


def test_names_of_answers_as_every_code_set_on_real_records() -> None:
    seen = {(c.system, c.code): c for c in _record_codings()}
    assert len(seen) >= 300
    hits = 0
    for coding in seen.values():
        found = names_of([coding])
        assert found == _each_set([coding]), coding
        hits += bool(found)
    assert hits > 20


def test_the_sets_of_a_kind() -> None:
    assert "cancer" in names_of_kind("condition")
    assert "heart_rate" not in names_of_kind("condition")
    assert names_of_kind("condition") == {cs.id for cs in all_codesets()
                                          if cs.kind == "condition"}
