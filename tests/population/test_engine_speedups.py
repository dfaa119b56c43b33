"""The shortcuts the screening takes for speed give what the long way gives."""

from __future__ import annotations

import itertools

import pytest

from clotwatch.instruments import evaluate
from clotwatch.instruments import get as get_instrument
from clotwatch.population import fhirmodel, rules
from clotwatch.population.duckdb import share_extracts
from clotwatch.population.screen import _value_class


def test_the_element_table_is_what_the_fhir_models_say() -> None:
    assert fhirmodel._table() == fhirmodel._table_of(fhirmodel.TABLE_TYPES)
    assert fhirmodel.element("Observation", "code") == (False, "CodeableConcept")
    assert fhirmodel.element("CodeableConcept", "coding") == (True, "Coding")
    assert fhirmodel.element("Observation", "nonsense") is None


@pytest.mark.parametrize("instrument", rules.INSTRUMENTS)
def test_answers_in_one_value_class_score_alike(instrument: str) -> None:
    """Numbers the screening evaluates once per class (age, BMI): every value of a class gives
    the same total, range and category, over the whole range and at every tier edge."""
    inst = get_instrument(instrument)
    for inp_id, _ in rules.answer_columns(instrument):
        inp = inst.input(inp_id)
        if inp.kind not in ("number", "integer"):
            continue
        cls = _value_class(instrument, inp_id)
        edges = {e for t in inp.tiers for e in t.edges()}
        lo = int(inp.minimum if inp.minimum is not None else 0)
        hi = int(inp.maximum if inp.maximum is not None else 120)
        values: list[float] = [float(v) for v in range(lo, min(hi, 130) + 1)]
        values += [e + d for e in edges for d in (-0.05, 0.0, 0.05) if lo <= e + d <= hi]
        if inp.kind == "integer":
            values = [v for v in values if v.is_integer()]
        by_class: dict[object, set[tuple[object, ...]]] = {}
        for v, other in itertools.product(values, (None, True)):
            answers = {inp_id: int(v) if inp.kind == "integer" else v}
            for o, _ in rules.answer_columns(instrument):
                if o != inp_id and inst.input(o).kind == "bool":
                    answers[o] = other
            r = evaluate(instrument, answers)
            by_class.setdefault((cls(answers[inp_id]), other), set()).add(
                (r.total, r.total_range, r.category))
        assert len(by_class) > 1
        assert all(len(results) == 1 for results in by_class.values()), by_class


def test_json_reads_of_one_value_are_shared() -> None:
    expr = ("(json_extract_string(v1, '$.a') = 'x' AND json_extract_string(v1, '$.b') = 'y' "
            "AND json_extract(v2, '$.c') IS NULL)")
    out = share_extracts(expr, ["v1"], "v1_j")
    assert out == ("list_transform([struct_pack(x0s := json_extract_string(v1, ['$.a', '$.b']))]"
                   ", lambda v1_j: (v1_j.x0s[1] = 'x' AND v1_j.x0s[2] = 'y' "
                   "AND json_extract(v2, '$.c') IS NULL))[1]")
    # one read: nothing to share
    assert share_extracts("json_extract(v1, '$.a')", ["v1"], "v1_j") == "json_extract(v1, '$.a')"
