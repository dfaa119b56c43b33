"""The DuckDB engine: ViewDefinitions compiled to DuckDB SQL over NDJSON read by ``read_json``.

Resources stay JSON inside DuckDB: each file is read with ``read_json(format =
'newline_delimited')`` declaring only the top-level elements a view uses (DuckDB skips the rest
while parsing), so no resource ever passes through Python objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.population.compile import Column, Dialect, ViewSQL, compile_view


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class DuckDBDialect(Dialect):
    """DuckDB 1.3+ SQL (Python-style lambdas, JSON extension)."""

    name = "duckdb"

    def lam(self, params: Sequence[str], body: str) -> str:
        return f"lambda {', '.join(params)}: {body}"

    def empty(self) -> str:
        return "CAST([] AS JSON[])"

    def null_items(self) -> str:
        return "CAST([NULL] AS JSON[])"

    def coll_of(self, json: str) -> str:
        return (f"CASE WHEN {json} IS NULL OR json_type({json}) = 'NULL' THEN {self.empty()} "
                f"WHEN json_type({json}) = 'ARRAY' THEN json_extract({json}, '$[*]') "
                f"ELSE [{json}] END")

    def child(self, item: str, name: str) -> str:
        return (f"CASE WHEN json_type({item}) = 'OBJECT' "
                f"THEN json_extract({item}, {_q('$.' + _jsonpath_key(name))}) END")

    def root(self, name: str) -> str:
        return self.quote_ident(name)

    def root_path(self, name: str) -> tuple[str, str]:
        return self.quote_ident(name), "$"

    def json_at(self, base: str, jpath: str) -> str:
        if jpath == "$":
            return f"CASE WHEN json_type({base}) <> 'NULL' THEN {base} END"
        return f"json_extract({base}, {_q(jpath)})"

    def str_at(self, base: str, jpath: str) -> str:
        return f"json_extract_string({base}, {_q(jpath)})"

    def num_at(self, base: str, jpath: str) -> str:
        return f"TRY_CAST(json_extract_string({base}, {_q(jpath)}) AS DOUBLE)"

    def transform(self, coll: str, params: Sequence[str], body: str) -> str:
        return f"list_transform({coll}, {self.lam(params, body)})"

    def filter(self, coll: str, param: str, pred: str) -> str:
        return f"list_filter({coll}, {self.lam([param], pred)})"

    def flatten(self, nested: str) -> str:
        return f"flatten({nested})"

    def concat(self, parts: Sequence[str]) -> str:
        out = parts[0]
        for p in parts[1:]:
            out = f"list_concat({out}, {p})"
        return out

    def size(self, coll: str) -> str:
        return f"len({coll})"

    def item(self, coll: str, index0: str) -> str:
        return f"({coll})[{index0} + 1]" if index0 != "0" else f"({coll})[1]"

    def slice1(self, coll: str, index0: str) -> str:
        return (f"CASE WHEN {index0} < 0 THEN {self.empty()} "
                f"ELSE ({coll})[{index0} + 1:{index0} + 1] END")

    def list_of(self, items: Sequence[str]) -> str:
        return "[" + ", ".join(items) + "]"

    def json_kind(self, item: str) -> str:
        return (f"CASE json_type({item}) WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'number' "
                f"WHEN 'UBIGINT' THEN 'number' WHEN 'DOUBLE' THEN 'number' "
                f"WHEN 'BOOLEAN' THEN 'boolean' WHEN 'OBJECT' THEN 'object' "
                f"WHEN 'ARRAY' THEN 'array' ELSE 'null' END")

    def as_str(self, item: str) -> str:
        return f"json_extract_string({item}, '$')"

    def as_num(self, item: str) -> str:
        return f"TRY_CAST(json_extract_string({item}, '$') AS DOUBLE)"

    def as_bool(self, item: str) -> str:
        return f"TRY_CAST(json_extract_string({item}, '$') AS BOOLEAN)"

    def num_text(self, item: str) -> str:
        return f"CAST({item} AS VARCHAR)"

    def num_str(self, n: str) -> str:
        return f"CAST({n} AS VARCHAR)"

    def str_num(self, s: str) -> str:
        return f"TRY_CAST({s} AS DOUBLE)"

    def to_json(self, value: str, kind: str) -> str:
        return f"to_json({value})"

    def str_join(self, strs: str, sep: str) -> str:
        return f"array_to_string({strs}, {sep})"

    def struct(self, fields: Sequence[tuple[str, str]]) -> str:
        return "struct_pack(" + ", ".join(f"{self.quote_ident(n)} := {v}" for n, v in fields) + ")"

    def typed_null(self, col: Column) -> str:
        return f"CAST(NULL AS {self.sql_type(col)})"

    def error(self, message: str) -> str:
        return f"error({_q(message)})"

    def regexp_extract(self, s: str, pattern: str, group: int) -> str:
        return f"regexp_extract({s}, {_q(pattern)}, {group})"

    def last_day(self, date_text: str) -> str:
        return f"strftime(last_day(TRY_CAST({date_text} AS DATE)), '%Y-%m-%d')"

    def sql_type(self, col: Column) -> str:
        base = {"boolean": "BOOLEAN", "integer": "BIGINT", "positiveInt": "BIGINT",
                "unsignedInt": "BIGINT", "integer64": "BIGINT", "decimal": "DOUBLE"}.get(
                    col.type or "", "VARCHAR")
        return base + "[]" if col.collection else base

    def index0(self, i: str) -> str:
        return f"({i} - 1)"

    def explode_rows(self, rows: str, where: str, names: Sequence[str]) -> str:
        cols = ", ".join(f"s.{self.quote_ident(n)} AS {self.quote_ident(n)}" for n in names)
        return f"SELECT {cols} FROM (SELECT unnest({rows}) AS s FROM src WHERE {where})"


def _jsonpath_key(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


DIALECT = DuckDBDialect()


def compile(view: Mapping[str, Any]) -> ViewSQL:  # noqa: A001 - the engine's verb
    """Compile a ViewDefinition to DuckDB SQL."""
    return compile_view(view, DIALECT)


def source_sql(files: Sequence[str], resource: str, root_fields: Sequence[str],
               whole: bool = False) -> str:
    """A query giving one row per ``resource`` in ``files``, its used elements as JSON."""
    fields = sorted(set(root_fields) | {"resourceType"})
    file_list = "[" + ", ".join(_q(f) for f in files) + "]"
    kind = f"json_extract_string(\"resourceType\", '$') = {_q(resource)}"
    if whole:
        cols = ", ".join(f"json_extract(json, {_q('$.' + _jsonpath_key(f))}) AS "
                         f"{DIALECT.quote_ident(f)}" for f in fields)
        return (f"SELECT json AS \"_resource\", * FROM (SELECT json, {cols} FROM "
                f"read_json({file_list}, format = 'newline_delimited', records = false, "
                f"maximum_object_size = 67108864)) WHERE {kind}")
    columns = "{" + ", ".join(f"{_q(f)}: 'JSON'" for f in fields) + "}"
    return (f"SELECT * FROM read_json({file_list}, format = 'newline_delimited', "
            f"columns = {columns}, maximum_object_size = 67108864) WHERE {kind}")


def view_query(compiled: ViewSQL, files: Sequence[str]) -> str:
    """The full SQL of a compiled view over NDJSON files (``src`` bound to them)."""
    if not files:
        empty = ", ".join(f"CAST(NULL AS {DIALECT.sql_type(c)}) AS {DIALECT.quote_ident(c.name)}"
                          for c in compiled.columns)
        return f"SELECT {empty} WHERE FALSE"
    src = source_sql(files, compiled.resource, compiled.root_fields, compiled.whole)
    return f"WITH src AS ({src}) {compiled.sql}"


def connect(threads: int | None = None, memory_limit: str | None = None) -> Any:
    """A DuckDB connection (imported lazily: the CLI starts fast without it)."""
    import duckdb

    con = duckdb.connect(config={"preserve_insertion_order": False})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {_q(memory_limit)}")
    return con


class DuckDBEngine:
    """Runs views on an in-process DuckDB database."""

    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.con = connect(threads, memory_limit)

    def view_rows(self, view: Mapping[str, Any], export: Any) -> tuple[
            tuple[Column, ...], Iterator[tuple[Any, ...]]]:
        """Columns and rows of ``view`` over ``export`` (a ``source.Export``)."""
        import duckdb

        compiled = compile(view)
        sql = view_query(compiled, export.files_for(compiled.resource))
        try:
            cur = self.con.execute(sql)
        except duckdb.Error as exc:
            raise InputError("view", _first_line(str(exc))) from exc

        def rows() -> Iterator[tuple[Any, ...]]:
            while True:
                try:
                    batch = cur.fetchmany(4096)
                except duckdb.Error as exc:
                    raise InputError("view", _first_line(str(exc))) from exc
                if not batch:
                    return
                yield from batch

        return compiled.columns, rows()

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "DuckDB error"


# The engine-neutral functions the screening SQL uses (clotwatch.population.rules).
MACROS = (
    "CREATE OR REPLACE MACRO cw_ts(x) AS TRY_CAST(x AS TIMESTAMPTZ)",
    "CREATE OR REPLACE MACRO cw_seconds(t) AS epoch(t)",
    "CREATE OR REPLACE MACRO cw_date(x) AS TRY_CAST(substr(x, 1, 10) AS DATE)",
    "CREATE OR REPLACE MACRO cw_date_of(t) AS CAST(t AS DATE)",
    "CREATE OR REPLACE MACRO cw_add_days(d, n) AS CAST(d + CAST(n AS INTEGER) AS DATE)",
    "CREATE OR REPLACE MACRO cw_days(later, earlier) AS CAST(later - earlier AS BIGINT)",
    "CREATE OR REPLACE MACRO cw_ts_add_day(t) AS t + INTERVAL 1 DAY",
    "CREATE OR REPLACE MACRO cw_ts_sub_day(t) AS t - INTERVAL 1 DAY",
    "CREATE OR REPLACE MACRO cw_regexp(s, p) AS regexp_matches(s, p)",
    "CREATE OR REPLACE MACRO cw_ts_text(t) AS strftime(t, '%Y-%m-%dT%H:%M:%SZ')",
    "CREATE OR REPLACE MACRO cw_text_of_date(d) AS strftime(d, '%Y-%m-%d')",
    "CREATE OR REPLACE MACRO cw_week(d) AS CAST(date_trunc('week', d) AS DATE)",
)


class DuckDBScreening:
    """The operations the screening needs, on DuckDB."""

    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.con = connect(threads, memory_limit)
        self.con.execute("SET TimeZone = 'UTC'")
        for m in MACROS:
            self.con.execute(m)

    def view_table(self, name: str, view: Mapping[str, Any], files: Sequence[str],
                   ignore_errors: bool = False) -> None:
        """Materialise a view's rows as table ``name``."""
        compiled = compile(view)
        sql = view_query(compiled, files)
        if ignore_errors:
            sql = sql.replace("maximum_object_size = 67108864",
                              "maximum_object_size = 67108864, ignore_errors = true")
        import duckdb

        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        except duckdb.Error as exc:
            raise InputError("data", f"view {view.get('name', name)}: "
                             f"{_first_line(str(exc))}") from exc

    def type_counts(self, files: Sequence[str], ignore_errors: bool) -> list[tuple[str, str, int]]:
        """(file, resourceType, count) over every file: one pass, the floor of any run."""
        import duckdb

        file_list = "[" + ", ".join(_q(f) for f in files) + "]"
        opts = ", ignore_errors = true" if ignore_errors else ""
        try:
            found = self.con.execute(
                f"SELECT filename, resourceType, count(*) FROM read_json({file_list}, "
                f"format = 'newline_delimited', columns = {{'resourceType': 'VARCHAR'}}, "
                f"filename = true, maximum_object_size = 67108864{opts}) GROUP BY ALL "
                "ORDER BY ALL").fetchall()
            return [(str(f), "" if t is None else str(t), int(n)) for f, t, n in found]
        except duckdb.Error as exc:
            raise InputError("data", _first_line(str(exc))) from exc

    def table(self, name: str, sql: str) -> None:
        """``CREATE TABLE name AS sql``."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        return list(self.con.execute(sql).fetchall())

    def columns(self, sql: str) -> list[str]:
        """Column names of a query."""
        return [d[0] for d in self.con.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]

    def put_rows(self, name: str, columns: Sequence[tuple[str, str]],
                 rows: Sequence[tuple[Any, ...]]) -> None:
        """Create table ``name`` (columns as (name, SQL type)) holding ``rows``."""
        import tempfile

        import orjson

        names = [c for c, _ in columns]
        types = "{" + ", ".join(f"{_q(c)}: {_q(t)}" for c, t in columns) + "}"
        with tempfile.NamedTemporaryFile(suffix=".ndjson") as f:
            for r in rows:
                f.write(orjson.dumps(dict(zip(names, r, strict=True))) + b"\n")
            f.flush()
            cols = ", ".join(DIALECT.quote_ident(c) for c in names)
            src = (f"SELECT {cols} FROM read_json({_q(f.name)}, format = 'newline_delimited', "
                   f"columns = {types})") if rows else (
                "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {DIALECT.quote_ident(c)}"
                                      for c, t in columns) + " WHERE FALSE")
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {src}")

    def write(self, sql: str, path: str, fmt: str) -> None:
        """Write a query's rows to ``path`` as csv or parquet (rows in the query's order)."""
        opts = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute(f"COPY ({sql}) TO {_q(path)} ({opts})")

    def close(self) -> None:
        """Close the connection."""
        self.con.close()
