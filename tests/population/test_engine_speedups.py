"""The shortcuts the screening takes for speed give what the long way gives."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from clotwatch.instruments import evaluate
from clotwatch.instruments import get as get_instrument
from clotwatch.population import duckdb as duckdb_engine
from clotwatch.population import fhirmodel, rules
from clotwatch.population.compile import Dialect
from clotwatch.population.duckdb import share_extracts
from clotwatch.population.screen import VIEW_NAMES, answer_class_sql, load_views
from clotwatch.population.source import open_export
from clotwatch.population.synth import synthesize


def test_the_element_table_is_what_the_fhir_models_say() -> None:
    assert fhirmodel._table() == fhirmodel._table_of(fhirmodel.TABLE_TYPES)
    assert fhirmodel.element("Observation", "code") == (False, "CodeableConcept")
    assert fhirmodel.element("CodeableConcept", "coding") == (True, "Coding")
    assert fhirmodel.element("Observation", "nonsense") is None


def test_the_screening_views_compile_without_the_fhir_models(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every resource type a screening view reads is in the element table, so a run never
    imports the models (about a second of one core, more without compiled bytecode)."""
    assert {v["resource"] for v in load_views().values()} <= set(fhirmodel.TABLE_TYPES)

    def no_models(type_name: str, name: str) -> None:
        raise AssertionError(f"{type_name}.{name} is not in the element table")

    monkeypatch.setattr(fhirmodel, "from_models", no_models)
    fhirmodel.element.cache_clear()
    try:
        for view in load_views().values():
            duckdb_engine.compile(view)
            duckdb_engine.typed(view)
    finally:
        fhirmodel.element.cache_clear()


@pytest.mark.parametrize("instrument", rules.INSTRUMENTS)
def test_answers_in_one_value_class_score_alike(instrument: str) -> None:
    """Numbers the screening evaluates once per class (age, BMI): every value of a class gives
    the same total, range and category, over the whole range and at every tier edge."""
    inst = get_instrument(instrument)
    for inp_id, _ in rules.answer_columns(instrument):
        inp = inst.input(inp_id)
        if inp.kind not in ("number", "integer"):
            continue
        con = duckdb.connect()
        cls_sql = answer_class_sql(instrument, inp_id, "v")

        def cls(v: float, cls_sql: str = cls_sql, con: Any = con) -> object:
            return con.execute(f"SELECT {cls_sql} FROM (SELECT CAST(? AS DOUBLE) AS v)",
                               [v]).fetchall()[0][0]

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


def _bad_lines() -> list[dict[str, object]]:
    """Resources whose elements are not of the FHIR type the typed read declares."""
    loinc = {"system": "http://loinc.org", "code": "39156-5"}
    return [
        {"resourceType": "Observation", "id": "bad-subject", "status": "final",
         "code": {"coding": [loinc]}, "subject": "Patient/p1",
         "valueQuantity": {"value": 31.5, "unit": "kg/m2"}},
        {"resourceType": "Observation", "id": "bad-quantity", "status": "final",
         "code": {"coding": [loinc]}, "subject": {"reference": "Patient/p1"},
         "valueQuantity": [{"value": 1.50}]},
        {"resourceType": "Observation", "id": "bad-coding", "status": "final",
         "code": {"coding": loinc}, "subject": {"reference": "Patient/p1"}},
        {"resourceType": "Observation", "id": "bad-status", "status": {"x": 1},
         "code": {"coding": [loinc]}, "subject": {"reference": "Patient/p1"},
         "valueQuantity": {"value": 1.50, "code": ["kg"]}},
        {"resourceType": "Observation", "id": "bad-coding-item", "status": "final",
         "code": {"coding": ["http://loinc.org|39156-5", loinc]},
         "subject": {"reference": "Patient/p1"}},
    ]


def _sorted_rows(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)


def _json_rows(view: Mapping[str, Any], files: Sequence[str]) -> list[tuple[Any, ...]]:
    """The view's rows read the long way: every element as JSON."""
    con = duckdb_engine.connect()
    try:
        return _sorted_rows(con.execute(duckdb_engine.view_query(
            duckdb_engine.compile(view), files)).fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a synthetic export, the same with resources of wrongly typed elements added)."""
    good = tmp_path_factory.mktemp("good")
    synthesize(40, good, seed=5)
    bad = tmp_path_factory.mktemp("bad")
    for f in good.glob("*.ndjson"):
        shutil.copy(f, bad / f.name)
    with (bad / "Observation.ndjson").open("a", encoding="utf-8") as out:
        for r in _bad_lines():
            out.write(json.dumps(r) + "\n")
    return good, bad


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_typed_reading_gives_what_json_reading_gives(name: str,
                                                     exports: tuple[Path, Path]) -> None:
    """Each screening view through ``DuckDBEngine.view_rows`` (typed where it can be, JSON
    again when a value is not of the declared type) gives the rows of the all-JSON read."""
    view = load_views()[name]
    for folder in exports:
        export = open_export(folder)
        engine = duckdb_engine.DuckDBEngine()
        try:
            _, rows = engine.view_rows(view, export)
            got = _sorted_rows(rows)
        finally:
            engine.close()
        assert got == _json_rows(view, export.files_for(view["resource"]))


def test_the_observation_view_is_read_typed_and_falls_back_on_bad_values(
        exports: tuple[Path, Path]) -> None:
    view = load_views()["observation"]
    fast = duckdb_engine.typed(view)
    assert fast is not None
    compiled, schema = fast
    assert duckdb_engine.type_sql(schema["subject"]) == 'STRUCT("reference" VARCHAR)'
    assert duckdb_engine.type_sql(schema["code"]) == (
        'STRUCT("coding" STRUCT("code" VARCHAR, "system" VARCHAR)[])')
    good, bad = (open_export(f).files_for("Observation") for f in exports)
    con = duckdb_engine.connect()
    try:
        typed_rows = con.execute(duckdb_engine.view_query(compiled, good, schema)).fetchall()
        assert _sorted_rows(typed_rows) == _json_rows(view, good)
        with pytest.raises(duckdb.Error, match="JSON transform error"):
            con.execute(duckdb_engine.view_query(compiled, bad, schema)).fetchall()
    finally:
        con.close()
    # the bad resources' rows are there (read as JSON), none dropped
    ids = {r[0] for r in _json_rows(view, bad)}
    assert {"bad-subject", "bad-quantity", "bad-status", "bad-coding-item"} <= ids


_CODING = 'STRUCT("code" VARCHAR, "system" VARCHAR)[]'


def _obs_view(select: list[dict[str, Any]], where: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {"resourceType": "ViewDefinition", "resource": "Observation",
                            "select": [{"column": [{"name": "id", "path": "id"}]}, *select]}
    if where is not None:
        view["where"] = [{"path": where}]
    return view


def _col(path: str, name: str = "x") -> dict[str, Any]:
    return {"column": [{"name": name, "path": path}]}


# (view, the type of Observation.code it reads): a list whose items are read only by names
# (where, forEach, forEachOrNull, a member of each item, also through where / first()) is
# a list of structs; read any other way, a JSON[] as before.
TYPED_LISTS: list[tuple[dict[str, Any], str]] = [
    (_obs_view([{"forEach": "code.coding", "column": [
        {"name": "system", "path": "system"}, {"name": "code", "path": "code"}]}],
        where="code.coding.where(system = 'http://loinc.org').exists()"),
     f"STRUCT(\"coding\" {_CODING})"),
    (_obs_view([_col("code.coding.where(system = 's').code.first()")]),
     'STRUCT("coding" STRUCT("code" JSON, "system" VARCHAR)[])'),
    (_obs_view([_col("code.coding.first().code")]),
     'STRUCT("coding" STRUCT("code" JSON)[])'),
    (_obs_view([_col("code.coding.count()")]), 'STRUCT("coding" JSON[])'),
    (_obs_view([_col("code.coding.first()")]), 'STRUCT("coding" JSON[])'),
    (_obs_view([_col("code.coding.select(code).first()")]), 'STRUCT("coding" JSON[])'),
    (_obs_view([_col("(code.coding | category.coding).code.first()")]),
     'STRUCT("coding" JSON[])'),
    (_obs_view([{"forEachOrNull": "code.coding", "column": [
        {"name": "code", "path": "code"}, {"name": "i", "path": "%rowIndex"}]}]),
     'STRUCT("coding" STRUCT("code" VARCHAR)[])'),
    (_obs_view([{"forEach": "code.coding", "column": [
        {"name": "code", "path": "code"}, {"name": "me", "path": "$this.code"},
        {"name": "all", "path": "$this"}]}]), 'STRUCT("coding" JSON[])'),
    (_obs_view([{"forEach": "code.coding.where(code.exists())", "column": [
        {"name": "code", "path": "code"}, {"name": "i", "path": "%rowIndex"}]}]),
     'STRUCT("coding" STRUCT("code" JSON)[])'),
    (_obs_view([_col("code.coding.where(system = 's').display.join(',')"),
                _col("code.coding.where(code.ofType(string).exists()).code.first()", "y")]),
     'STRUCT("coding" JSON[])'),
]
ODD_CODINGS: list[Any] = [
    [{"system": "s", "code": "c"}, {"system": "http://loinc.org", "code": "39156-5"}],
    [None, {"system": "s"}], [], None, [{"code": 5.50, "system": {"x": [1]}}],
    [{"system": "s", "code": True, "display": "d"}, {"system": ["s"]}],
]
# (not here: an element whose value is JSON null, ``{"code": null}``, which FHIR JSON never
# holds: typed it is SQL NULL, so ``code.exists()`` is false, while the JSON form's
# json_extract gives the JSON value null and true; main's typed structs do the same, as in
# ``subject.reference.exists()`` over ``{"reference": null}``)


@pytest.mark.parametrize(("view", "code_type"), TYPED_LISTS)
def test_a_list_read_only_by_names_is_read_as_a_list_of_structs(
        tmp_path: Path, view: dict[str, Any], code_type: str) -> None:
    """The typing decision, and the typed read's rows are the all-JSON read's, also for
    null items, empty or null lists and values not of the elements' FHIR types."""
    schema = duckdb_engine.schema_of(duckdb_engine.read_uses(view))
    assert duckdb_engine.type_sql(schema["code"]) == code_type
    file = tmp_path / "Observation.ndjson"
    file.write_text("".join(json.dumps({"resourceType": "Observation", "id": f"o{i}",
                                        "code": {"coding": c}}) + "\n"
                            for i, c in enumerate(ODD_CODINGS)), encoding="utf-8")
    compiled = duckdb_engine.compile(view, schema)
    con = duckdb_engine.connect()
    try:
        got = con.execute(duckdb_engine.view_query(compiled, [str(file)], schema)).fetchall()
    finally:
        con.close()
    assert _sorted_rows(got) == _json_rows(view, [str(file)])


def test_an_item_of_another_shape_in_a_typed_list_is_read_again_as_json(
        tmp_path: Path) -> None:
    """A coding that is a string, not an object, stops the typed read of a list of structs;
    the screening's read pass then reads the file as JSON: the same rows, that one's too."""
    view = load_views()["observation"]
    loinc = {"system": "http://loinc.org", "code": "39156-5"}
    lines = [{"resourceType": "Observation", "id": "ok", "code": {"coding": [loinc]}},
             {"resourceType": "Observation", "id": "odd", "code": {"coding": ["x", loinc]}}]
    (tmp_path / "Observation.ndjson").write_text(
        "".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    export = open_export(tmp_path)
    files = export.files_for("Observation")
    fast = duckdb_engine.typed(view)
    assert fast is not None
    con = duckdb_engine.connect()
    try:
        with pytest.raises(duckdb.Error, match="Expected OBJECT"):
            con.execute(duckdb_engine.view_query(fast[0], files, fast[1])).fetchall()
    finally:
        con.close()
    eng = duckdb_engine.DuckDBScreening()
    try:
        eng.plan({"observation": view}, export)
        eng.type_counts(list(export.all_files), False)
        eng.view_table("v_obs", view, files)
        got = _sorted_rows(eng.rows("SELECT * FROM v_obs"))
    finally:
        eng.close()
    assert got == _json_rows(view, files)
    assert [r[0] for r in got].count("odd") == 2  # a row per coding, the string one's too


def test_the_one_read_pass_falls_back_to_json_per_resource_type(
        exports: tuple[Path, Path]) -> None:
    """The screening's single read (counts and every view's rows) gives the same counts and
    rows typed, and with wrongly typed values (that type read again as JSON)."""
    views = load_views()
    for folder in exports:
        export = open_export(folder)
        eng = duckdb_engine.DuckDBScreening()
        try:
            eng.plan(views, export)
            counts = eng.type_counts(list(export.all_files), False)
            assert sum(n for _, t, n in counts if t == "Observation") == sum(
                Path(f).read_text(encoding="utf-8").count("\n")
                for f in export.files_for("Observation"))
            for name, view in views.items():
                eng.view_table(f"v_{name}", view, export.files_for(view["resource"]))
                got = _sorted_rows(eng.rows(f"SELECT * FROM v_{name}"))
                assert got == _json_rows(view, export.files_for(view["resource"])), name
            if folder == exports[1]:
                ids = {r[0] for r in eng.rows("SELECT observation_id FROM v_observation")}
                assert {"bad-subject", "bad-quantity", "bad-status", "bad-coding-item"} <= ids
        finally:
            eng.close()


def test_a_cheap_value_is_written_in_place_not_bound() -> None:
    d = duckdb_engine.DIALECT
    body = "CASE WHEN t1 = 'a t1 b' THEN \"t1\" || t1 END"
    field = '"subject"."reference"'
    assert d.let(field, "t1", body) == (
        f"CASE WHEN {field} = 'a t1 b' THEN \"t1\" || {field} END")
    assert d.let("json_extract(x, '$.a')", "t1", "t1").startswith("(list_transform(")


@pytest.mark.parametrize(("ref", "want", "key"), [
    ("Patient/p1", "Patient", "p1"), ("http://x/fhir/Patient/p1", "Patient", "p1"),
    ("xPatient/p1", "Patient", None), ("Encounter/e1", "Patient", None),
    ("Patient/", "Patient", None), ("9Patient/p1", "Patient", "p1"), (None, "Patient", None),
    ("Patient/p1", None, "p1"), ("/p1", None, None), ("a/b/Encounter/e 1", None, "e 1"),
    # the string-function form of "Type/id" and where it must hand over to the expression
    ("Patient/p1/_history/2", "Patient", None), ("Patient/Patient/p1", "Patient", "p1"),
    ("Patient/a/Patient/p1", "Patient", "p1"), ("Patient//p1", "Patient", None),
    ("Patient/p1/", "Patient", None), ("PatientX/p1", "Patient", None),
    ("patient/p1", "Patient", None), ("Patient/ p1 ", "Patient", " p1 "),
    ("Patient/p1?x=y", "Patient", "p1?x=y"), ("", "Patient", None),
    ("Patient/\u00e9", "Patient", "\u00e9"), ("Patient/p1\n", "Patient", "p1\n"),
])
def test_reference_key_in_one_expression_is_the_general_form(ref: str | None, want: str | None,
                                                            key: str | None) -> None:
    con = duckdb_engine.connect()
    try:
        one = duckdb_engine.DIALECT.reference_key("r", want)
        general = Dialect.reference_key(duckdb_engine.DIALECT, "r", want)
        got = con.execute(f"SELECT {one}, {general} FROM (SELECT CAST(? AS VARCHAR) AS r)",
                          [ref]).fetchone()
    finally:
        con.close()
    assert got == (key, key)


class _GeneralItems(duckdb_engine.DuckDBDialect):
    item_paths = False


def test_typed_items_read_by_path_give_the_general_forms_rows(tmp_path: Path) -> None:
    """Every screening view compiled with the items of typed collections read by JSON paths
    (``Encounter.type.coding`` as Coding) gives the rows of the general form, over a synthetic
    export and over items the general form reads too: a coding that is one object rather than
    a list, null or non-object items, an element repeated where the models say single."""
    synthesize(30, tmp_path, seed=2)
    snomed = "http://snomed.info/sct"
    odd = [
        {"resourceType": "Encounter", "id": "coding-object", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
         "type": [{"coding": {"system": snomed, "code": "4525004"}}],
         "subject": {"reference": "Patient/p1"}},
        {"resourceType": "Encounter", "id": "odd-items", "status": "finished",
         "type": [None, "x", {"coding": [None, 7, {"system": snomed, "code": "4525004"}]}],
         "subject": {"reference": "Patient/p1"}},
        {"resourceType": "Encounter", "id": "no-coding", "status": "finished",
         "type": [{"text": "x"}, {"coding": None}, {"coding": []}],
         "subject": {"reference": "Patient/p1"}},
    ]
    with (tmp_path / "Encounter.ndjson").open("a", encoding="utf-8") as out:
        for r in odd:
            out.write(json.dumps(r) + "\n")
    export = open_export(tmp_path)
    con = duckdb_engine.connect()
    try:
        differs = 0
        for view in load_views().values():
            files = export.files_for(view["resource"])
            fast = duckdb_engine.compile(view)
            general = duckdb_engine.compile_view(view, _GeneralItems())
            differs += fast.sql != general.sql
            got = con.execute(duckdb_engine.view_query(fast, files)).fetchall()
            want = con.execute(duckdb_engine.view_query(general, files)).fetchall()
            assert _sorted_rows(got) == _sorted_rows(want), view["name"]
        assert differs  # the shortcut is taken somewhere (encounter_type at least)
        typed = con.execute(duckdb_engine.view_query(duckdb_engine.compile(
            load_views()["encounter_type"]), export.files_for("Encounter"))).fetchall()
        assert {"coding-object", "odd-items"} <= {r[0] for r in typed}
    finally:
        con.close()


class _GeneralFirsts(duckdb_engine.TypedDuckDBDialect):
    first_items = False


def test_first_items_without_building_the_collection_give_the_general_forms_rows(
        tmp_path: Path) -> None:
    """first() of one element or of a union, a column of at most one item, read as the
    first item of the first part that has one (no list built, no more-than-one check):
    the rows of the general form, for JSON nulls, arrays (of nulls too), empty arrays,
    objects and scalars of any kind."""
    odd: list[Any] = [None, [], [None], [None, "b"], ["a", "b"], [[1], 2], {"a": 1}, 1.50,
                      True, "x", [], ""]
    lines = [{"resourceType": "Observation", "id": f"o{i}", "status": s, "issued": odd[-1 - i],
              "effectiveDateTime": odd[(i + 3) % len(odd)]} for i, s in enumerate(odd)]
    lines += [{"resourceType": "Observation", "id": "none"}]
    file = tmp_path / "Observation.ndjson"
    file.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    view = _obs_view([_col("(status | effectiveDateTime | issued).first()"),
                      _col("(status | issued).first().exists()", "b"),
                      _col("status.first()", "c"),
                      {"column": [{"name": "d", "path": "(issued | status).first()",
                                   "type": "decimal"}]},
                      _col("(effectiveDateTime | status)[1]", "e"),
                      _col("(issued | status).last()", "f")])
    schema = duckdb_engine.schema_of(duckdb_engine.read_uses(view))
    con = duckdb_engine.connect()
    try:
        fast = duckdb_engine.compile(view, schema)
        general = duckdb_engine.compile_view(view, _GeneralFirsts(schema))
        assert "coalesce(" in fast.sql and "coalesce(" not in general.sql
        got = con.execute(duckdb_engine.view_query(fast, [str(file)], schema)).fetchall()
        want = con.execute(duckdb_engine.view_query(general, [str(file)], schema)).fetchall()
    finally:
        con.close()
    assert _sorted_rows(got) == _sorted_rows(want) == _json_rows(view, [str(file)])
    assert len(got) == len(lines)


@pytest.mark.parametrize("malformed", [False, True])
def test_small_read_buffers_give_the_rows_of_one_large_buffer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, malformed: bool) -> None:
    """The screening's reads use buffers of ``READ_CHUNK`` (so that both cores read a file):
    lines longer than a buffer, and lines across buffers, are read whole: the same counts and
    view rows as with one buffer per file (and the same malformed line found)."""
    lines = [json.dumps({"resourceType": "Patient", "id": f"p{i}", "gender": "female",
                         "birthDate": "1950-01-01",
                         "text": {"div": "x" * (30_000 if i % 50 == 7 else i)}})
             for i in range(400)]
    if malformed:
        lines.insert(123, '{"resourceType": "Patient", "id": ')
    (tmp_path / "Patient.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    export = open_export(tmp_path)
    views = {"patient": load_views()["patient"]}

    def read(chunk: int) -> tuple[Any, Any]:
        monkeypatch.setattr(duckdb_engine, "READ_CHUNK", chunk)
        eng = duckdb_engine.DuckDBScreening(threads=2)
        try:
            eng.plan(views, export)
            counts = eng.type_counts(list(export.all_files), malformed)
            eng.view_table("v_patient", views["patient"], export.files_for("Patient"),
                           ignore_errors=malformed)
            return counts, sorted(eng.rows("SELECT * FROM v_patient"))
        finally:
            eng.close()

    small, large = read(4096), read(64 * 2**20)
    assert small == large
    file = str(tmp_path / "Patient.ndjson")
    assert small[0] == [(file, "", 1)] * malformed + [(file, "Patient", 400)]
    assert len(small[1]) == 400


def test_a_table_chain_stores_only_its_last_table() -> None:
    """DuckDB runs scored -> populations -> encounters as one query: the same rows as the
    tables one by one, and the middle ones are not stored."""
    eng = duckdb_engine.DuckDBScreening()
    try:
        chain = [("a", "-- a comment\nSELECT range AS x FROM range(3)"),
                 ("b", "SELECT x * 10 AS y FROM a -- a comment"),
                 ("c", "WITH z AS (SELECT y + 1 AS y FROM b) SELECT y FROM z")]
        eng.table_chain(chain)
        assert sorted(eng.rows("SELECT * FROM c")) == [(1,), (11,), (21,)]
        with pytest.raises(duckdb.CatalogException):
            eng.rows("SELECT * FROM b")
    finally:
        eng.close()


def test_the_medicine_matches_are_read_only_by_aggregates_a_repeat_does_not_change() -> None:
    """``med_match`` keeps a medicine matched twice (an exact code and a prefix of one code set)
    as two rows rather than hashing every row to drop repeats: right only while everything
    reading it (``med``, then ``med_f``) aggregates with min / max / min_by / max_by (and
    ``prophylaxis_ids`` with DISTINCT). A count or a sum added there must bring the DISTINCT
    back."""
    import re

    sql = rules.sql_text()
    body = sql[sql.index("med_f AS ("):sql.index("xa_f AS (")]
    calls = set(re.findall(r"\b([a-z_]+)\(", body))
    aggregates = {"min", "max", "min_by", "max_by", "count", "sum", "avg", "list",
                  "string_agg", "array_agg", "any_value", "first", "last", "bool_or",
                  "bool_and", "median", "mode"}
    assert calls & aggregates == {"min", "max", "min_by"}
    assert re.findall(r"FROM med_match\b|JOIN med_match\b", sql) == ["FROM med_match"] * 2
    assert "FROM e JOIN med m" in body and sql.count(" med m ") == 1


def test_the_shared_pass_gives_each_views_rows_of_the_general_form(tmp_path: Path) -> None:
    """Every screening view from the shared read pass (typed columns; a view's rows computed
    only where each top-level forEach has its element; extension(url) over typed Extensions)
    gives the rows of the same view compiled alone in the general form (JSON values), over a
    synthetic export and resources whose forEach elements are absent, null, empty, of other
    kinds or present: no row lost or added by the guard or the typing."""
    synthesize(20, tmp_path, seed=4)
    qicore = "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-encounter-procedure"
    proc_ext = {"url": qicore, "extension": [
        {"url": "procedure", "valueReference": {"reference": "Procedure/pr1"}},
        {"url": "rank", "valuePositiveInt": 1}]}
    base = {"resourceType": "Encounter", "status": "finished",
            "subject": {"reference": "Patient/p1"},
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"}}
    odd = [
        dict(base, id="e-none"),
        dict(base, id="e-nulls", extension=None, location=None, diagnosis=None, type=None),
        dict(base, id="e-empty", extension=[], location=[], diagnosis=[], type=[]),
        dict(base, id="e-other-ext", extension=[{"url": "http://x/other", "valueString": "a"}]),
        dict(base, id="e-proc", extension=[{"url": "http://x/other"}, proc_ext],
             location=[{"location": {"reference": "Location/l1", "display": "Ward A"}}],
             diagnosis=[{"condition": {"reference": "Condition/c1"}, "rank": 1}]),
        dict(base, id="e-proc-no-rank", extension=[{"url": qicore, "extension": [
            {"url": "procedure", "valueReference": {"reference": "Procedure/pr2"}}]}]),
    ]
    with (tmp_path / "Encounter.ndjson").open("a", encoding="utf-8") as out:
        for r in odd:
            out.write(json.dumps(r) + "\n")
    export = open_export(tmp_path)
    views = load_views()
    shared = duckdb_engine.DuckDBScreening(threads=2)
    con = duckdb_engine.connect()
    try:
        shared.plan(views, export)
        shared.type_counts(list(export.all_files), False)
        for name, view in views.items():
            files = export.files_for(view["resource"])
            if not files:
                continue
            shared.view_table(f"v_{name}", view, files)
            got = shared.rows(f"SELECT * FROM v_{name}")
            general = duckdb_engine.compile_view(view, _GeneralItems())
            want = con.execute(duckdb_engine.view_query(general, files)).fetchall()
            assert _sorted_rows(got) == _sorted_rows(want), name
        procedures = shared.rows("SELECT encounter_id, procedure_id, rank FROM "
                                 "v_encounter_procedure WHERE encounter_id LIKE 'e-%'")
        assert sorted(procedures, key=str) == [("e-proc", "pr1", 1),
                                               ("e-proc-no-rank", "pr2", None)]
    finally:
        shared.close()
        con.close()


@pytest.mark.parametrize(("path", "root"), [
    ("location", "location"), ("type.coding", "type"), ("name.given.first()", "name"),
    ("extension('http://x/a')", "extension"), ("diagnosis.where(rank = 1)", "diagnosis"),
    ("contained.ofType(Medication)", "contained"), ("identifier[0]", "identifier"),
    # not guarded: a choice element (read under its type's name), the resource itself,
    # functions that give something for nothing, several roots
    ("value.ofType(Quantity)", None), ("where(active)", None), ("name.empty()", None),
    ("name | address", None), ("%resource.name", None),
])
def test_the_element_a_for_each_is_guarded_by(path: str, root: str | None) -> None:
    assert duckdb_engine._for_each_root(path) == root
