"""Would a text prefilter make the screening's read of a resource type cheaper? A measurement.

    .venv/bin/python benchmarks/population_prefilter.py Observation.ndjson [--view observation]
        [--rounds 3] [--threads 2]

Times, alternating, two statements over the same NDJSON file (a slice of a 100,000-patient
export's Observation.ndjson: ``head -n 700000``):

- ``current``: the read pass's statement for that resource type, as the screening runs it
  (``DuckDBScreening._load_group``: ``read_json`` typing every element the views read, then
  each view's ``where`` and rows);
- ``prefilter``: every line read as text (``read_ndjson_objects``, which checks it is JSON),
  its type from the text (the first key when it is ``"resourceType"``, else
  ``json_extract_string``), and only the lines that could pass the view's ``where`` typed
  (``json_transform``) and given rows: a line is kept when it has a backslash or holds one of
  the string literals the ``where`` compares equal to (as ``"literal"``, one RE2
  alternation).

The prefilter statement is a lower bound of the cost of an exact one: it does not check that
the kept lines' values are of the declared types (``read_json`` fails on a mismatch, and
``json_transform`` gives NULL), nor that every line is an object; an exact version costs
more. Both give the same rows here (checked). CPU seconds of the process
(``resource.getrusage``), so the figure survives a loaded machine better than wall time.
"""

from __future__ import annotations

import argparse
import re
import resource
import time
from typing import Any

from clotwatch.population import duckdb as cd
from clotwatch.population import fhirpath as fp
from clotwatch.population.compile import ViewSQL
from clotwatch.population.screen import load_views


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def literals(node: fp.Node) -> list[set[str]] | None:
    """Sets of string literals a boolean FHIRPath compares equal to, each set necessary (a
    line passing the expression holds one literal of every set): ``and`` keeps both sides'
    sets, ``or`` joins one set of each side; None when nothing is necessary."""
    if isinstance(node, fp.Binary) and node.op in ("and", "or"):
        a, b = literals(node.left), literals(node.right)
        if node.op == "and":
            return None if a is None and b is None else (a or []) + (b or [])
        if a is None or b is None:
            return None
        return [min(a, key=len) | min(b, key=len)]
    if isinstance(node, fp.Binary) and node.op == "=":
        for side in (node.left, node.right):
            if isinstance(side, fp.Literal) and side.kind == "string":
                return [{side.value}]
        return None
    if isinstance(node, fp.Call) and node.name in ("where", "exists"):
        inner = literals(node.args[0]) if node.args else None
        outer = literals(node.base)
        return None if inner is None and outer is None else (inner or []) + (outer or [])
    return None


def _pattern(lits: set[str]) -> str:
    return "\"(?:" + "|".join(re.escape(x) for x in sorted(lits)) + ")\""


def _tjson(t: cd.Typed) -> str:
    if isinstance(t, str):
        return {"VARCHAR": '"VARCHAR"', "JSON": '"JSON"', "JSON[]": '["JSON"]'}[t]
    if isinstance(t, list):
        return "[" + _tjson(t[0]) + "]"
    return "{" + ", ".join(f'"{k}": {_tjson(x)}' for k, x in t.items()) + "}"


def read_pass_statement(path: str, view: dict[str, Any], table: str = "cw_current"
                        ) -> tuple[str, ViewSQL, dict[str, cd.Typed]]:
    """The read pass's own statement for ``view`` over ``path`` (as
    ``DuckDBScreening._load_group`` writes it, into ``table``), with the view compiled typed
    and the schema it reads (also used by population_readers.py)."""
    compiled = cd.compile(view)
    typed = cd.DuckDBScreening._typed_group([compiled])
    if typed is None:
        raise SystemExit(f"view {view['name']}: nothing read typed")
    (v,), schema = typed
    engine = cd.DuckDBScreening(threads=1)
    seen: list[str] = []

    class Recorder:
        def execute(self, sql: str) -> None:
            seen.append(sql)

    engine.con = Recorder()
    engine._load_group(table, [path], [v], schema, False)
    return seen[-1], v, schema


def statements(path: str, view: dict[str, Any]) -> tuple[str, str, int]:
    """(current, prefilter, number of literals) for ``view`` over ``path``."""
    current, v, schema = read_pass_statement(path, view)
    sets: list[set[str]] = []
    for w in view.get("where", []):
        sets += literals(fp.parse(w["path"])) or []
    if not sets:
        raise SystemExit(f"view {view['name']}: its where compares no string literal")
    if any(c in x for lits in sets for x in lits for c in "\\\"'"):
        raise SystemExit("a literal with a quote or backslash: not measured here")
    # One regular expression: the set that keeps the fewest of the file's first 20,000 lines.
    con = cd.connect(1)
    sample = f"(SELECT json FROM read_ndjson_objects(['{path}']) LIMIT 20000)"
    kept = {i: con.execute(f"SELECT count(*) FROM {sample} WHERE regexp_matches(json, "
                           f"'{_pattern(x)}')").fetchall()[0][0] for i, x in enumerate(sets)}
    lits = sets[min(kept, key=lambda i: kept[i])]
    pre = f"(contains(json, '\\') OR regexp_matches(json, '{_pattern(lits)}'))"
    fields = sorted(set(v.root_fields) - {"resourceType"})
    struct = "{" + ", ".join(f'"{k}": {_tjson(schema.get(k, "JSON"))}' for k in fields) + "}"
    cols = ", ".join(f'cw_s."{k}" AS "{k}"' for k in fields)
    kind = ("CASE WHEN regexp_matches(json, '^\\{\"resourceType\":\"[^\"\\\\]*\"') "
            "THEN regexp_extract(json, '^\\{\"resourceType\":\"([^\"\\\\]*)\"', 1) "
            "ELSE json_extract_string(json, '$.resourceType') END")
    read = (f"SELECT cw_file, cw_type, cw_cand, CASE WHEN cw_cand THEN json_transform(json, "
            f"'{struct}') END AS cw_s FROM (SELECT 1 AS cw_file, {kind} AS cw_type, "
            f"{pre} AS cw_cand, json FROM read_ndjson_objects(['{path}'], "
            f"maximum_object_size = {cd.READ_CHUNK}))")
    prefilter = (f"CREATE OR REPLACE TEMP TABLE cw_prefilter AS SELECT cw_file, cw_type, "
                 f"CASE WHEN cw_cand AND cw_type = '{v.resource}' AND ({v.where}) "
                 f"THEN {v.rows} END AS cw_x0 FROM (SELECT cw_file, cw_type, cw_cand, {cols} "
                 f"FROM ({read}))")
    return current, prefilter, len(lits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ndjson")
    ap.add_argument("--view", default="observation")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    current, prefilter, n = statements(args.ndjson, load_views()[args.view])
    con = cd.connect(args.threads)
    print(f"view {args.view}: {n} literals; threads {args.threads}")
    for r in range(args.rounds):
        for name, sql in (("current", current), ("prefilter", prefilter)):
            t0, c0 = time.perf_counter(), _cpu()
            con.execute(sql)
            print(f"round {r + 1} {name:9s} wall {time.perf_counter() - t0:6.2f} s "
                  f"cpu {_cpu() - c0:6.2f} s", flush=True)
    diff = con.execute(
        "SELECT count(*) FROM ((SELECT cw_type, cw_x0 FROM cw_current EXCEPT ALL "
        "SELECT cw_type, cw_x0 FROM cw_prefilter) UNION ALL (SELECT cw_type, cw_x0 FROM "
        "cw_prefilter EXCEPT ALL SELECT cw_type, cw_x0 FROM cw_current))").fetchall()[0][0]
    kept = con.execute("SELECT count(*), count(cw_x0) FROM cw_current").fetchall()[0]
    print(f"lines {kept[0]}, in the view {kept[1]}; rows differing: {diff}")


if __name__ == "__main__":
    main()
