"""docs/fhir.md stays true to the code: every code set and every mapped input is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clotwatch.fhir import INPUT_MAP, all_codesets

DOC = (Path(__file__).resolve().parents[2] / "docs" / "fhir.md").read_text()


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + len(title))
    return DOC[start:end if end != -1 else None]


def test_every_code_set_is_in_the_code_set_table() -> None:
    table = _section("## Code sets and their sources")
    names = set()
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| file"):
            names |= {n.strip() for n in line.split("|")[1].split(",")}
    assert {cs.id for cs in all_codesets()} <= names


@pytest.mark.parametrize("instrument", sorted(INPUT_MAP))
def test_every_mapped_input_is_in_the_inputs_table(instrument: str) -> None:
    table = _section("### Which instrument inputs are filled")
    rows = [line for line in table.splitlines()
            if re.match(rf"\| [^|]*\b{re.escape(instrument)}\b[^|]* \|", line)]
    assert rows, instrument
    listed = set(re.findall(r"[a-z0-9_]+", rows[0].split("|")[2]))
    assert set(INPUT_MAP[instrument]) <= listed, instrument
