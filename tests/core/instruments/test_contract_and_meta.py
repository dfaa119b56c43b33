"""The declarations match the shared contract, and every instrument is cited and documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from clotwatch.instruments import INSTRUMENTS, evaluate

# The shared contract beside the repository when it is there; else the snapshot kept here
# (a test below keeps the two equal whenever both exist).
SNAPSHOT = Path(__file__).resolve().parent / "contract-instruments.json"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "contracts" / "instruments.json"
CONTRACT = json.loads((SHARED if SHARED.exists() else SNAPSHOT).read_text())
BY_ID = {i["id"]: i for i in CONTRACT["instruments"]}
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PMID = re.compile(r"^\d{6,9}$")


def test_the_snapshot_of_the_contract_is_current() -> None:
    if not SHARED.exists():
        pytest.skip("no shared/ beside the repository; the snapshot is used")
    assert json.loads(SNAPSHOT.read_text()) == json.loads(SHARED.read_text())


def test_exactly_the_contract_instruments_are_declared() -> None:
    assert list(INSTRUMENTS) == list(BY_ID)


@pytest.mark.parametrize("instrument_id", list(BY_ID))
def test_inputs_categories_and_primary_scheme_match_the_contract(instrument_id: str) -> None:
    inst = INSTRUMENTS[instrument_id]
    spec = BY_ID[instrument_id]
    assert inst.input_ids == tuple(i["id"] for i in spec["inputs"])
    assert inst.primary == spec["primary"]
    assert {s: list(inst.category_values(s)) for s in inst.schemes} == spec["categories"]
    for inp, want in zip(inst.inputs, spec["inputs"], strict=True):
        kind = want["type"]
        if kind == "bool":
            assert inp.kind == "bool", inp.id
        elif kind == "number":
            assert inp.kind == "number", inp.id
        elif kind.startswith("integer"):
            assert inp.kind == "integer" and (inp.minimum, inp.maximum) == (0, 3), inp.id
        else:
            assert kind.startswith("enum: ")
            assert inp.option_values == tuple(kind.removeprefix("enum: ").split("|")), inp.id


@pytest.mark.parametrize("instrument_id", list(BY_ID))
def test_every_instrument_cites_a_doi_or_pmid(instrument_id: str) -> None:
    c = INSTRUMENTS[instrument_id].citation
    assert (c.doi and DOI.match(c.doi)) or (c.pmid and PMID.match(c.pmid)), c
    assert c.doi is None or c.doi in str(c)
    for other in INSTRUMENTS[instrument_id].other_citations:
        assert other.doi or other.pmid or other.url, other


@pytest.mark.parametrize("instrument_id", list(BY_ID))
def test_every_instrument_is_documented(instrument_id: str) -> None:
    inst = INSTRUMENTS[instrument_id]
    assert inst.name and inst.purpose and inst.version
    for inp in inst.inputs:
        assert len(inp.meaning) > 3, inp.id
    for value in inst.category_values(inst.primary):
        assert (inst.primary, value) in inst.interpretations, (inst.id, value)
    doc = (Path(__file__).parents[3] / "docs" / "instruments.md").read_text()
    assert f"`{inst.id}`" in doc


@pytest.mark.parametrize("instrument_id", list(BY_ID))
def test_input_schema_is_valid_and_agrees_with_validation(instrument_id: str) -> None:
    inst = INSTRUMENTS[instrument_id]
    schema = inst.input_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate({})
    validator.validate({k: None for k in inst.input_ids})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"no_such_input": True})


def test_result_json_carries_the_contract_fields() -> None:
    out = evaluate("wells-dvt", {"active_cancer": True}).to_dict()
    for key in CONTRACT["result"]:
        assert key in out
    assert "interpretation" in out and out["citation"].count("doi:10.1056/NEJMoa023153") == 1


def test_the_committed_reference_page_is_generated_from_the_declarations() -> None:
    from clotwatch.instruments_doc import render

    doc = Path(__file__).parents[3] / "docs" / "instruments.md"
    assert doc.read_text() == render(), (
        "run: python -m clotwatch.instruments_doc > docs/instruments.md"
    )
