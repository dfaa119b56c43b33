"""The Apache Spark engine: the same ViewDefinitions compiled to Spark SQL, the same screening SQL.

Each NDJSON line is parsed once into a VARIANT (Spark 4's semi-structured type, which keeps
JSON types), so FHIRPath navigation runs inside Spark's executors as it does inside DuckDB.
``local[2]`` by default; ``--master`` takes any Spark master URL. Needs the ``spark`` extra
(``pip install 'clotwatch[spark]'``) and Java 17; nothing is downloaded at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.population.compile import Column, Dialect, ViewSQL, compile_view

_SESSION: Any = None
_MASTER: str | None = None


def _q(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SparkDialect(Dialect):
    """Spark SQL 4 (VARIANT items, higher-order functions)."""

    name = "spark"

    def quote_ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def lit_str(self, s: str) -> str:
        return _q(s)

    def lam(self, params: Sequence[str], body: str) -> str:
        head = params[0] if len(params) == 1 else "(" + ", ".join(params) + ")"
        return f"{head} -> {body}"

    def empty(self) -> str:
        return "CAST(array() AS ARRAY<VARIANT>)"

    def null_items(self) -> str:
        return "array(CAST(NULL AS VARIANT))"

    def coll_of(self, json: str) -> str:
        return (f"CASE WHEN {json} IS NULL OR is_variant_null({json}) THEN {self.empty()} "
                f"ELSE coalesce(try_variant_get({json}, '$', 'array<variant>'), array({json})) END")

    def child(self, item: str, name: str) -> str:
        return f"try_variant_get({item}, {_q('$.' + name)}, 'variant')"

    def root(self, name: str) -> str:
        return self.child(self.whole_resource(), name)

    def root_path(self, name: str) -> tuple[str, str]:
        return self.whole_resource(), f"$.{name}"

    def json_at(self, base: str, jpath: str) -> str:
        v = f"try_variant_get({base}, {_q(jpath)}, 'variant')"
        return f"CASE WHEN NOT is_variant_null({v}) THEN {v} END"

    def str_at(self, base: str, jpath: str) -> str:
        return f"try_variant_get({base}, {_q(jpath)}, 'string')"

    def num_at(self, base: str, jpath: str) -> str:
        return f"try_variant_get({base}, {_q(jpath)}, 'double')"

    def transform(self, coll: str, params: Sequence[str], body: str) -> str:
        return f"transform({coll}, {self.lam(params, body)})"

    def filter(self, coll: str, param: str, pred: str) -> str:
        return f"filter({coll}, {self.lam([param], pred)})"

    def flatten(self, nested: str) -> str:
        return f"flatten({nested})"

    def concat(self, parts: Sequence[str]) -> str:
        return parts[0] if len(parts) == 1 else "concat(" + ", ".join(parts) + ")"

    def size(self, coll: str) -> str:
        return f"size({coll})"

    def item(self, coll: str, index0: str) -> str:
        return f"get({coll}, {index0})"

    def slice1(self, coll: str, index0: str) -> str:
        return (f"CASE WHEN {index0} < 0 OR {index0} >= size({coll}) THEN {self.empty()} "
                f"ELSE slice({coll}, {index0} + 1, 1) END")

    def list_of(self, items: Sequence[str]) -> str:
        return "array(" + ", ".join(items) + ")"

    def json_kind(self, item: str) -> str:
        s = f"schema_of_variant({item})"
        return (f"CASE WHEN {item} IS NULL THEN 'null' WHEN {s} = 'STRING' THEN 'string' "
                f"WHEN {s} = 'BOOLEAN' THEN 'boolean' WHEN {s} LIKE 'OBJECT%' THEN 'object' "
                f"WHEN {s} LIKE 'ARRAY%' THEN 'array' WHEN {s} = 'VOID' THEN 'null' "
                f"ELSE 'number' END")

    def as_str(self, item: str) -> str:
        return f"try_variant_get({item}, '$', 'string')"

    def as_num(self, item: str) -> str:
        return f"try_variant_get({item}, '$', 'double')"

    def as_bool(self, item: str) -> str:
        return f"try_variant_get({item}, '$', 'boolean')"

    def num_text(self, item: str) -> str:
        return f"try_variant_get({item}, '$', 'string')"

    def num_text_at(self, base: str, jpath: str) -> str:
        # VARIANT keeps a decimal's value, not its text (1.0 is stored as 1, 1.50 as 1.5), and
        # Spark's JSON readers print numbers anew, so the text comes from the line itself: the
        # numbers written after this element's name whose value is the element's value; the
        # first of them (same value, different text at another place in one resource is the
        # one case this can get wrong).
        if base != self.whole_resource() or "[" in jpath:
            return super().num_text_at(base, jpath)
        key = jpath.rsplit(".", 1)[-1]
        ws = "[ \\t\\r\\n]*"
        pattern = '"' + key + '"' + ws + ":" + ws + "(-?[0-9][0-9.eE+-]*)"
        raw = f"regexp_extract_all(`cw_line`, {_q(pattern)}, 1)"
        value = f"try_variant_get({base}, {_q(jpath)}, 'double')"
        return (f"coalesce(get(filter({raw}, cw_n -> try_cast(cw_n AS DOUBLE) = {value}), 0), "
                f"try_variant_get({base}, {_q(jpath)}, 'string'))")

    def num_str(self, n: str) -> str:
        return f"CAST({n} AS STRING)"

    def str_num(self, s: str) -> str:
        return f"try_cast({s} AS DOUBLE)"

    def to_json(self, value: str, kind: str) -> str:
        return f"CAST({value} AS VARIANT)"

    def str_join(self, strs: str, sep: str) -> str:
        return f"array_join({strs}, {sep})"

    def struct(self, fields: Sequence[tuple[str, str]]) -> str:
        return "named_struct(" + ", ".join(f"{_q(n)}, {v}" for n, v in fields) + ")"

    def typed_null(self, col: Column) -> str:
        return f"CAST(NULL AS {self.sql_type(col)})"

    def error(self, message: str) -> str:
        return f"raise_error({_q(message)})"

    def regexp_extract(self, s: str, pattern: str, group: int) -> str:
        return f"regexp_extract({s}, {_q(pattern)}, {group})"

    def last_day(self, date_text: str) -> str:
        return f"date_format(last_day(to_date(try_to_timestamp({date_text}))), 'yyyy-MM-dd')"

    def sql_type(self, col: Column) -> str:
        base = {"boolean": "BOOLEAN", "integer": "BIGINT", "positiveInt": "BIGINT",
                "unsignedInt": "BIGINT", "integer64": "BIGINT", "decimal": "DOUBLE"}.get(
                    col.type or "", "STRING")
        return f"ARRAY<{base}>" if col.collection else base

    def explode_rows(self, rows: str, where: str, names: Sequence[str]) -> str:
        cols = ", ".join(f"s.{self.quote_ident(n)} AS {self.quote_ident(n)}" for n in names)
        return f"SELECT {cols} FROM (SELECT explode({rows}) AS s FROM src WHERE {where})"


DIALECT = SparkDialect()


def compile(view: Mapping[str, Any]) -> ViewSQL:  # noqa: A001 - the engine's verb
    """Compile a ViewDefinition to Spark SQL (the whole resource is always read)."""
    compiled = compile_view(view, DIALECT)
    compiled.whole = True
    return compiled


# The screening's cw_* functions in Spark SQL (DuckDB defines them as macros).
SUBSTITUTIONS = (
    ("cw_ts_text(", "cw_fmt_ts("),
    ("cw_ts_add_day(", "cw_add_one_day("),
    ("cw_ts_sub_day(", "cw_sub_one_day("),
    ("cw_text_of_date(", "date_format_day("),
    ("cw_ts(", "try_to_timestamp("),
    ("cw_seconds(", "unix_timestamp("),
    ("cw_date_of(", "to_date("),
    ("cw_date(", "cw_date_text("),
    ("cw_add_days(", "date_add("),
    ("cw_days(", "datediff("),
    ("cw_regexp(", "rlike("),
    ("cw_week(", "cw_monday("),
)
_FN = re.compile(r"(cw_fmt_ts|cw_add_one_day|cw_sub_one_day|date_format_day|cw_date_text|"
                 r"cw_monday)\(")


def _expand(sql: str) -> str:
    """Replace the helper calls that need more than a new name (balanced parentheses)."""
    while True:
        m = _FN.search(sql)
        if m is None:
            return sql
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        arg = sql[m.end():i - 1]
        fn = m.group(1)
        new = {
            "cw_fmt_ts": f"date_format({arg}, \"yyyy-MM-dd'T'HH:mm:ss'Z'\")",
            "cw_add_one_day": f"({arg} + INTERVAL 1 DAY)",
            "cw_sub_one_day": f"({arg} - INTERVAL 1 DAY)",
            "date_format_day": f"date_format({arg}, 'yyyy-MM-dd')",
            "cw_date_text": f"to_date(try_to_timestamp(substr({arg}, 1, 10)))",
            "cw_monday": f"to_date(date_trunc('week', {arg}))",
        }[fn]
        sql = sql[:m.start()] + new + sql[i:]


def to_spark_sql(sql: str) -> str:
    """The screening SQL (written with cw_* helpers) as Spark SQL."""
    for old, new in SUBSTITUTIONS:
        sql = sql.replace(old, new)
    sql = _expand(sql)
    return sql.replace("AS STRING)", "AS STRING)").replace("VARCHAR", "STRING")


# For a few kilobytes of data (the tests): compiling Java for every one of the large lambda
# expressions a view becomes costs far more than interpreting them, and adaptive planning and
# more than one partition only add per-query work. No JVM options: with the quick JIT only, or
# the serial collector, the screening comparison ran past 900 s in clean-clone CI runs.
SMALL_DATA = {"spark.sql.codegen.wholeStage": "false",
              "spark.sql.codegen.factoryMode": "NO_CODEGEN",
              "spark.sql.adaptive.enabled": "false",
              "spark.sql.shuffle.partitions": "1",
              "spark.default.parallelism": "1"}


# Spark's launcher starts every JVM it runs with --add-modules=jdk.incubator.vector (its
# vectorised code; org.apache.spark.launcher.JavaModuleOptions), and the JVM itself then prints
# this line on stderr before any logging is set up; no JVM option silences it.
INCUBATOR_WARNING = b"WARNING: Using incubator modules: jdk.incubator.vector"


def forward_stderr(pipe: int, to: int = 2) -> None:
    """Copy the JVM's stderr (the read end ``pipe``) to ``to`` line by line as it comes, all
    but Spark's incubator-module line, until the JVM and its children close it."""
    import os

    with os.fdopen(pipe, "rb") as lines:
        for line in lines:
            if line.rstrip(b"\r\n") == INCUBATOR_WARNING:
                continue
            view = memoryview(line)
            while view:
                view = view[os.write(to, view):]


def _start_jvm(conf: Any) -> None:
    """Start the driver's JVM (``spark-submit``, as PySpark would) with its stderr passed
    through ``forward_stderr``; a JVM that does not start shows its own reason on stderr and
    is one line here (InputError), not a traceback."""
    import os
    import threading

    from pyspark import SparkContext
    from pyspark.java_gateway import launch_gateway

    read, write = os.pipe()
    forward = threading.Thread(target=forward_stderr, args=(read,), daemon=True,
                               name="clotwatch-spark-stderr")
    forward.start()
    try:
        gateway = launch_gateway(  # type: ignore[no-untyped-call]  # (not annotated)
            conf, popen_kwargs={"stderr": write})
    except Exception as exc:
        os.close(write)  # the JVM has exited: its reason is forwarded before clotwatch's line
        forward.join(timeout=10)
        raise InputError("engine", "spark: Java did not start (its reason is above); Spark "
                         "needs Java 17 (JAVA_HOME, or java on the PATH), or use --engine "
                         "duckdb") from exc
    os.close(write)  # the JVM holds its own copy
    # The context PySpark makes next uses this JVM, as it would one it had launched itself.
    SparkContext._ensure_initialized(gateway=gateway)


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """One SparkSession per process (JVM start is slow), UTC, no UI, quiet; ``conf`` is
    applied when the session is made."""
    global _SESSION, _MASTER
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra: a usage error, not a traceback
        raise InputError("engine", "spark: PySpark is not installed here; pip install "
                         "'clotwatch[spark]' (with Java 17), or use --engine duckdb") from exc

    master = master or "local[2]"
    if _SESSION is not None and _MASTER == master:
        return _SESSION
    if _SESSION is not None:
        _SESSION.stop()
    log4j = resources.files("clotwatch.population").joinpath("spark-log4j2.properties")
    options = {
        "spark.ui.enabled": "false",
        # clotwatch shows its own progress; Spark's stage bars wrote over it
        "spark.ui.showConsoleProgress": "false",
        # quiet from the start (setLogLevel below comes after Spark's start-up lines)
        "spark.driver.extraJavaOptions":
            f"-Dlog4j2.configurationFile={Path(str(log4j)).as_uri()}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "2",
        "spark.driver.memory": "2g",
        # Spark prints a plan for each cached table (its name) and each adaptive re-plan; the
        # screening's plans, with a cached table in every finding, grew to more heap than the
        # driver has. Those strings are never shown: keep them short.
        "spark.sql.maxPlanStringLength": "100000",
        # Inferring filters from constraints costs time and memory in proportion to the
        # aliases and predicates of a plan (Spark's own note on this setting), and the
        # screening's plans have hundreds; it only adds IS NOT NULL filters here. Of two
        # profiled runs of the test's screening without it one ran out of the 2g heap.
        "spark.sql.constraintPropagation.enabled": "false",
        **(conf or {}),
    }
    if SparkContext._gateway is None:  # the process's first session: its JVM is started here
        _start_jvm(SparkConf(loadDefaults=False).setMaster(master).setAppName("clotwatch")
                   .setAll(list(options.items())))
    builder = SparkSession.builder.master(master).appName("clotwatch")
    for k, v in options.items():
        builder = builder.config(k, v)
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("FATAL")
    import logging

    # A view that breaks the spec is reported as one line by clotwatch; pyspark would also
    # log the whole plan as an error.
    logging.getLogger("pyspark").setLevel(logging.CRITICAL)
    _MASTER = master
    return _SESSION


def _source_sql(resource: str) -> str:
    return ("SELECT try_parse_json(value) AS `_resource`, value AS `cw_line` FROM lines "
            "WHERE length(trim(value)) > 0 AND "
            f"try_variant_get(try_parse_json(value), '$.resourceType', 'string') = {_q(resource)}")


class SparkEngine:
    """Runs views on Spark."""

    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        self.spark = session(master)

    def _lines(self, files: Sequence[str]) -> None:
        if files:
            self.spark.read.text(list(files)).createOrReplaceTempView("lines")
        else:
            self.spark.sql("SELECT CAST(NULL AS STRING) AS value WHERE FALSE") \
                .createOrReplaceTempView("lines")

    def query_for(self, view: Mapping[str, Any], files: Sequence[str]) -> tuple[ViewSQL, str]:
        """Compile ``view`` and bind ``src`` to ``files``."""
        compiled = compile(view)
        self._lines(files)
        self.spark.sql(_source_sql(compiled.resource)).createOrReplaceTempView("src")
        return compiled, compiled.sql

    def refuse_malformed(self, files: Sequence[str]) -> None:
        """``InputError`` naming the first line of ``files`` that is not blank and not a JSON
        object. The views read lines as text and parse them with ``try_parse_json``, which
        leaves such a line out unseen; one Spark job counts them, and only when there are
        some are the files scanned here for the first one's file and line (as the screening's
        input check does)."""
        from clotwatch.population.checks import refuse_malformed_lines

        if not files:
            return
        self.spark.read.text(list(files)).createOrReplaceTempView("cw_check_lines")
        bad = self.spark.sql(
            "SELECT count(*) FROM cw_check_lines WHERE length(trim(value)) > 0 AND "
            "coalesce(schema_of_variant(try_parse_json(value)) NOT LIKE 'OBJECT%', true)"
        ).collect()[0][0]
        if bad:
            refuse_malformed_lines(files)

    def view_rows(self, view: Mapping[str, Any], export: Any) -> tuple[
            tuple[Column, ...], Iterator[tuple[Any, ...]]]:
        """Columns and rows of ``view`` over ``export``."""
        from pyspark.errors import PySparkException

        compiled = compile(view)
        try:
            _, sql = self.query_for(view, export.files_for(compiled.resource))
            rows = [tuple(_plain(v) for v in r) for r in self.spark.sql(sql).collect()]
        except PySparkException as exc:
            raise InputError("view", _first_line(str(exc))) from exc
        return compiled.columns, iter(rows)

    def view_rows_batch(self, views: Sequence[Mapping[str, Any]], export: Any) -> list[
            tuple[tuple[Column, ...], list[tuple[Any, ...]]] | Exception]:
        """Several views over one export in one Spark job (the JVM's per-job cost dominates
        small views); a view that fails is run alone to get its own error."""
        import json as _json

        from pyspark.errors import PySparkException

        out: list[Any] = [None] * len(views)
        parts = []
        resource = None
        for i, view in enumerate(views):
            try:
                compiled = compile(view)
            except (InputError, ValueError, TypeError, KeyError) as exc:
                out[i] = exc
                continue
            resource = resource or compiled.resource
            if compiled.resource != resource:
                continue  # run alone below
            fields = ", ".join(f"{_q(c.name)}, {self.quote(c.name)}" for c in compiled.columns)
            parts.append((i, compiled, f"SELECT {i} AS t, to_json(named_struct({fields})) AS j "
                          f"FROM ({compiled.sql})"))
        if parts and resource:
            try:
                self._lines(export.files_for(resource))
                self.spark.sql(_source_sql(resource)).createOrReplaceTempView("src")
                got = self.spark.sql(" UNION ALL ".join(p for _, _, p in parts)).collect()
                rows: dict[int, list[str]] = {i: [] for i, _, _ in parts}
                for t, j in got:
                    rows[int(t)].append(j)
                for i, compiled, _ in parts:
                    names = [c.name for c in compiled.columns]
                    out[i] = (compiled.columns, [
                        tuple(_json.loads(j).get(n) for n in names) for j in rows[i]])
            except PySparkException:
                pass  # one of them fails at run time: each runs alone below
        for i, view in enumerate(views):
            if out[i] is None:
                try:
                    cols, it = self.view_rows(view, export)
                    out[i] = (cols, list(it))
                except (InputError, ValueError, TypeError, KeyError) as exc:
                    out[i] = exc
        return out

    def quote(self, name: str) -> str:
        """A quoted column name."""
        return DIALECT.quote_ident(name)

    def close(self) -> None:
        """Keep the session for the next run in this process (stopped at exit)."""


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _first_line(message: str) -> str:
    text = message.strip().splitlines()[0] if message.strip() else "Spark error"
    return text[:500]


class SparkScreening(SparkEngine):
    """The operations the screening needs, on Spark."""

    def __init__(self, master: str | None = None) -> None:
        super().__init__(master)
        self._kept: set[int] = set()

    def type_counts(self, files: Sequence[str], ignore_errors: bool) -> list[tuple[str, str, int]]:
        """(file, resourceType, count) over every file."""
        self._lines(files)
        rows = self.spark.sql(
            "SELECT input_file_name() AS f, try_parse_json(value) IS NULL AS bad, "
            "try_variant_get(try_parse_json(value), '$.resourceType', 'string') AS t "
            "FROM lines WHERE length(trim(value)) > 0").createOrReplaceTempView("typed")
        del rows
        if not ignore_errors and self.spark.sql("SELECT 1 FROM typed WHERE bad LIMIT 1").count():
            raise InputError("data", "a line is not JSON")
        out = self.spark.sql("SELECT f, t, count(*) FROM typed WHERE NOT bad GROUP BY f, t "
                             "ORDER BY f, t").collect()
        return [(_local(str(f)), "" if t is None else str(t), int(n)) for f, t, n in out]

    def view_table(self, name: str, view: Mapping[str, Any], files: Sequence[str],
                   ignore_errors: bool = False) -> None:
        """Materialise a view's rows as a table ``name``."""
        from pyspark.errors import PySparkException

        try:
            _, sql = self.query_for(view, files)
            self.table(name, sql)
        except PySparkException as exc:
            raise InputError("data", f"view {view.get('name', name)}: "
                             f"{_first_line(str(exc))}") from exc

    def table(self, name: str, sql: str) -> None:
        """A table ``name`` holding the rows of ``sql`` (screening SQL is translated)."""
        self.spark.catalog.dropTempView(name)
        self._keep(name, self.spark.sql(to_spark_sql(sql)))

    def _keep(self, name: str, df: Any) -> None:
        """Compute ``df`` once and name its rows ``name``.

        A local checkpoint, not ``cache()``: a cached table's temporary view still carries the
        whole plan that made it (every view's lambda expressions, every earlier stage), and
        each later query re-analyses, re-optimises and matches against the cache that whole
        lineage before it finds the cached rows. Measured on the test's kilobytes (load
        11-14): 267 s for ``features`` (analysis 32 s, optimisation 56 s), then 20-45 s for
        each 10-row score table over it. A checkpoint's plan is a scan of its stored blocks
        (memory, spilling to disk), so each stage plans only its own SQL."""
        stored = self._stored()
        df.localCheckpoint(eager=True).createOrReplaceTempView(name)
        self._kept |= self._stored() - stored

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        return [tuple(r) for r in self.spark.sql(to_spark_sql(sql)).collect()]

    def iter_rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, brought to the driver a partition at a time."""
        return (tuple(r) for r in self.spark.sql(to_spark_sql(sql)).toLocalIterator())

    def columns(self, sql: str) -> list[str]:
        """Column names of a query."""
        return list(self.spark.sql(to_spark_sql(sql)).columns)

    def put_rows(self, name: str, columns: Sequence[tuple[str, str]],
                 rows: Iterable[tuple[Any, ...]]) -> None:
        """A table ``name`` holding ``rows``."""
        schema = ", ".join(f"{c} {t.replace('VARCHAR', 'STRING')}" for c, t in columns)
        self.spark.catalog.dropTempView(name)
        # Kept like a table: rows made in Python are otherwise converted again by a Python
        # worker in every query that reads them (the code table is read by every stage).
        self._keep(name, self.spark.createDataFrame(list(rows), schema=schema))

    def write(self, sql: str, path: str, fmt: str) -> None:
        """Rows of a query, in order, written as one csv or parquet file (via the driver)."""
        from clotwatch.population.compile import Column as Col
        from clotwatch.population.output import write_file

        df = self.spark.sql(to_spark_sql(sql))
        kinds = {"BooleanType": "boolean", "LongType": "integer", "IntegerType": "integer",
                 "DoubleType": "decimal"}
        cols = [Col(f.name, kinds.get(type(f.dataType).__name__), False) for f in df.schema]
        write_file(cols, (tuple(r) for r in df.toLocalIterator()), fmt, path)

    def close(self) -> None:
        """Drop the tables' stored rows; keep the session."""
        rdds = self.spark.sparkContext._jsc.getPersistentRDDs()
        for rdd_id in self._kept:
            rdd = rdds.get(rdd_id)
            if rdd is not None:
                rdd.unpersist(False)
        self._kept.clear()
        self.spark.catalog.clearCache()

    def _stored(self) -> set[int]:
        """Ids of the RDDs whose blocks Spark keeps (a checkpoint's rows are kept as one;
        ``DataFrame.unpersist`` does not reach them, so ``close`` unpersists them by id)."""
        return {int(i) for i in self.spark.sparkContext._jsc.getPersistentRDDs().keySet()}


def _local(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri
