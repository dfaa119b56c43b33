"""Where the screening's read of Observation.ndjson goes, and what other NDJSON readers take.

    .venv/bin/python benchmarks/population_readers.py EXPORT/Observation.ndjson \
        [--rounds 3] [--peers-python /path/to/python-with-pyarrow-and-polars]

Two measurements over the same file (issue 10: "choose the engine by measurement"; the goal
"within 3x of the floor"), each statement or reader in its own process, rounds alternated,
CPU seconds of that process (user + system) beside its wall time:

1. **Readers, like for like.** The elements the screening's ``observation`` view reads, typed
   (strings as text, ``code.coding`` as a list of structs, ``valueQuantity`` as a struct),
   read into memory by DuckDB's ``read_json`` (the screening's reader, into a table), by
   Apache Arrow's ``pyarrow.json.read_json`` and by Polars' ``read_ndjson`` (each with that
   schema given, other fields ignored), beside DuckDB counting the lines (the floor of
   ``population_bench.py``). pyarrow and Polars are not clotwatch dependencies: they run
   under ``--peers-python`` when given (a reader whose package is missing is skipped and
   said so).
2. **The screening's own statement, cut in parts.** The read pass's statement for the file
   (``DuckDBScreening._load_group``, as ``population_prefilter.py`` builds it), and the same
   read stopped earlier: the lines counted; the view's ``where`` alone (``resourceType`` and
   ``code`` converted); every element the view reads converted, the ``where`` applied; the
   view's rows computed but not stored; the whole statement (rows stored in a table, one row
   per line). The differences are what each part costs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

SCHEMA_DUCKDB = (
    "{'resourceType': 'VARCHAR', 'id': 'VARCHAR', 'status': 'VARCHAR', "
    "'code': 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[], text VARCHAR)', "
    "'subject': 'STRUCT(reference VARCHAR)', 'encounter': 'STRUCT(reference VARCHAR)', "
    "'effectiveDateTime': 'VARCHAR', 'issued': 'VARCHAR', "
    "'valueQuantity': 'STRUCT(value DOUBLE, unit VARCHAR, system VARCHAR, code VARCHAR)'}")

# Each reader: a Python program run in its own process; prints the number of rows read.
READERS = {
    "duckdb-count": """
import duckdb
q = "SELECT count(*) FROM read_ndjson(?, maximum_object_size = 4194304)"
print(duckdb.connect().execute(q, [PATH]).fetchall()[0][0])
""",
    "duckdb": """
import duckdb
con = duckdb.connect()
con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited', "
            f"records = true, columns = {SCHEMA}, maximum_object_size = 4194304)", [PATH])
print(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
""",
    "pyarrow": """
import pyarrow as pa, pyarrow.json as pj
s = pa.string()
coding = pa.list_(pa.struct([("system", s), ("code", s)]))
schema = pa.schema([("resourceType", s), ("id", s), ("status", s),
    ("code", pa.struct([("coding", coding), ("text", s)])),
    ("subject", pa.struct([("reference", s)])), ("encounter", pa.struct([("reference", s)])),
    ("effectiveDateTime", s), ("issued", s),
    ("valueQuantity", pa.struct([("value", pa.float64()), ("unit", s), ("system", s),
                                 ("code", s)]))])
t = pj.read_json(PATH, read_options=pj.ReadOptions(block_size=4 << 20),
                 parse_options=pj.ParseOptions(explicit_schema=schema,
                                               unexpected_field_behavior="ignore"))
print(t.num_rows)
""",
    "polars": """
import polars as pl
s = pl.String
coding = pl.List(pl.Struct({"system": s, "code": s}))
schema = {"resourceType": s, "id": s, "status": s, "code": pl.Struct({"coding": coding, "text": s}),
    "subject": pl.Struct({"reference": s}), "encounter": pl.Struct({"reference": s}),
    "effectiveDateTime": s, "issued": s,
    "valueQuantity": pl.Struct({"value": pl.Float64, "unit": s, "system": s, "code": s})}
print(pl.read_ndjson(PATH, schema=schema).height)
""",
}
NEEDS = {"duckdb-count": "duckdb", "duckdb": "duckdb", "pyarrow": "pyarrow", "polars": "polars"}

# Each part of the screening's statement: run in its own process by this script itself.
PARTS = ("lines counted", "where only", "elements converted", "rows computed", "whole statement")


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(cmd: list[str]) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, stdout's last line) of a child process."""
    t0, c0 = time.perf_counter(), _child_cpu()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True,
                       check=False)
    wall, cpu = time.perf_counter() - t0, _child_cpu() - c0
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {p.stderr.strip()[-500:]}")
    peak = int(p.stderr.strip().splitlines()[-1]) // 1024
    return wall, cpu, peak, p.stdout.strip().splitlines()[-1]


def _has(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                          check=False).returncode == 0


def statements(path: str) -> dict[str, str]:
    """The screening's read-pass statement for ``path`` (the ``observation`` view), and the
    same read stopped at each earlier part (``PARTS``)."""
    from population_prefilter import read_pass_statement  # benchmarks/ is on sys.path

    from clotwatch.population import duckdb as cd
    from clotwatch.population.screen import load_views

    whole, v, _schema = read_pass_statement(path, load_views()["observation"], "cw_load")
    select = whole.split(" AS ", 1)[1]
    read = select[select.index("FROM (SELECT coalesce") + len("FROM "):]
    fields = sorted(set(v.root_fields) - {"resourceType"})
    counted = ", ".join(f'count("{f}")' for f in fields)
    kept = f"WHERE cw_type = '{v.resource}' AND ({v.where})"
    q = path.replace("'", "''")
    return {
        "lines counted": (f"SELECT count(*) FROM read_ndjson('{q}', "
                          f"maximum_object_size = {cd.READ_CHUNK})"),
        "where only": f"SELECT count(*) FROM {read} {kept}",
        "elements converted": f"SELECT count(*), {counted} FROM {read} {kept}",
        "rows computed": f"SELECT count(cw_x0) FROM ({select})",
        "whole statement": whole,
    }


def _part(path: str, part: str) -> None:
    """Child: run one part's statement on 2 threads, print its first value."""
    from clotwatch.population import duckdb as cd

    con = cd.connect(2)
    sql = statements(path)[part]
    r = con.execute(sql).fetchall()
    print(r[0][0] if r else con.execute("SELECT count(*) FROM cw_load").fetchall()[0][0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ndjson")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peers-python", default=None,
                    help="a Python with pyarrow and polars installed (not clotwatch's)")
    ap.add_argument("--part", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.part:
        _part(args.ndjson, args.part)
        return
    pythons = {"duckdb-count": sys.executable, "duckdb": sys.executable,
               "pyarrow": args.peers_python or sys.executable,
               "polars": args.peers_python or sys.executable}
    readers = [r for r in READERS if _has(pythons[r], NEEDS[r])]
    for r in READERS:
        if r not in readers:
            print(f"{r}: skipped ({NEEDS[r]} is not installed for {pythons[r]})", flush=True)
    results: dict[str, list[tuple[float, float, int, str]]] = {}
    for rnd in range(args.rounds):
        for r in readers:
            prog = (f"PATH = {args.ndjson!r}\nSCHEMA = {SCHEMA_DUCKDB!r}\n" + READERS[r])
            results.setdefault(r, []).append(_run([pythons[r], "-c", prog]))
            w, c, m, out = results[r][-1]
            print(f"round {rnd + 1} reader {r:13s} {w:6.2f} s {c:6.2f} CPU-s {m:6d} MB "
                  f"rows {out}", flush=True)
        for p in PARTS:
            results.setdefault(p, []).append(
                _run([sys.executable, __file__, args.ndjson, "--part", p]))
            w, c, m, out = results[p][-1]
            print(f"round {rnd + 1} part {p:20s} {w:6.2f} s {c:6.2f} CPU-s {m:6d} MB "
                  f"-> {out}", flush=True)
    summary: dict[str, Any] = {
        k: {"wall_s": [round(x[0], 2) for x in v], "cpu_s": [round(x[1], 2) for x in v],
            "peak_mb": [x[2] for x in v], "result": v[-1][3]} for k, v in results.items()}
    print(json.dumps({"file": args.ndjson, "rounds": args.rounds, "results": summary},
                     indent=1))


if __name__ == "__main__":
    main()
