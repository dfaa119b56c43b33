"""The DuckDB engine: ViewDefinitions compiled to DuckDB SQL over NDJSON read by ``read_json``.

Resources stay inside DuckDB: each file is read with ``read_json(format =
'newline_delimited')`` declaring only the top-level elements a view uses (DuckDB skips the rest
while parsing), so no resource ever passes through Python objects. Elements the views read only
by a chain of names are declared typed (struct / VARCHAR / JSON[], see ``typed``), the others
as JSON; a typed read that meets a value of another type fails, and the files are read again
with every element as JSON.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.population.checks import refuse_malformed_lines
from clotwatch.population.compile import RESOURCES, Column, Dialect, ViewSQL, compile_view
from clotwatch.population.fhirmodel import element


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class DuckDBDialect(Dialect):
    """DuckDB 1.3+ SQL (Python-style lambdas, JSON extension)."""

    name = "duckdb"
    binds = 0
    item_paths = True
    first_items = True

    def __init__(self) -> None:
        # SQL of a collection -> SQL of its first item (NULL when it has none), for the
        # collections whose first item is cheaper to reach than the collection is to build
        # (``item``): one JSON value's items (``coll_of``), a concatenation of such, their
        # first() (``slice1``).
        self._firsts: dict[str, str] = {}

    def _with_first(self, coll: str, first: str) -> str:
        self._firsts[coll] = first
        return coll

    def lam(self, params: Sequence[str], body: str) -> str:
        body = share_extracts(body, params, params[0] + "_j")
        return f"lambda {', '.join(params)}: {body}"

    def array_at(self, base: str, jpath: str) -> str:
        # An element the FHIR models say is a list: one wildcard path (absent or JSON null
        # gives no items, as coll_of does).
        return f"coalesce(json_extract({base}, {_q(jpath + '[*]')}), {self.empty()})"

    def empty(self) -> str:
        return "CAST([] AS JSON[])"

    def null_items(self) -> str:
        return "CAST([NULL] AS JSON[])"

    # JSON values here are DuckDB's own text (read_json's columns, json_extract's results):
    # minified, so the first character tells the kind without parsing the text again.
    def coll_of(self, json: str) -> str:
        if not _SIMPLE.match(json):
            return self._bind(json, self.coll_of)
        # (its first item: NULL exactly when it has none, an array's first item being
        # never SQL NULL, JSON null included)
        return self._with_first(
            f"CASE WHEN {json} IS NULL OR {json} = 'null' THEN {self.empty()} "
            f"WHEN starts_with({json}, '[') THEN json_extract({json}, '$[*]') "
            f"ELSE [{json}] END",
            f"CASE WHEN {json} IS NULL OR {json} = 'null' THEN NULL "
            f"WHEN starts_with({json}, '[') THEN json_extract({json}, '$[0]') "
            f"ELSE {json} END")

    def child(self, item: str, name: str) -> str:
        return (f"CASE WHEN starts_with({item}, '{{') "
                f"THEN json_extract({item}, {_q('$.' + _jsonpath_key(name))}) END")

    def _bind(self, value: str, use: Any) -> str:
        """``use(x)`` with ``x`` bound to ``value`` (evaluated once; CASE would repeat it)."""
        self.binds += 1
        x = f"cw_b{self.binds}"
        return f"list_transform([{value}], lambda {x}: {use(x)})[1]"

    def root(self, name: str) -> str:
        return self.quote_ident(name)

    def root_path(self, name: str) -> tuple[str, str]:
        return self.quote_ident(name), "$"

    def json_at(self, base: str, jpath: str) -> str:
        if jpath == "$":
            return f"CASE WHEN {base} <> 'null' THEN {base} END"
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

    def transform_each(self, coll: str, params: Sequence[str], item: str) -> str:
        # (not a one-item list per item, flattened)
        return self.transform(coll, params, item)

    def concat(self, parts: Sequence[str]) -> str:
        out = parts[0]
        for p in parts[1:]:
            out = f"list_concat({out}, {p})"
        if len(parts) > 1 and all(p in self._firsts for p in parts):
            # the first item of the first part that has one
            return self._with_first(out, "coalesce(" + ", ".join(
                self._firsts[p] for p in parts) + ")")
        return out

    def size(self, coll: str) -> str:
        return f"len({coll})"

    def item(self, coll: str, index0: str) -> str:
        if index0 == "0" and coll in self._firsts:
            return self._firsts[coll]
        return f"({coll})[{index0} + 1]" if index0 != "0" else f"({coll})[1]"

    def slice1(self, coll: str, index0: str) -> str:
        out = (f"CASE WHEN {index0} < 0 THEN {self.empty()} "
               f"ELSE ({coll})[{index0} + 1:{index0} + 1] END")
        if index0 == "0" and coll in self._firsts:
            return self._with_first(out, self._firsts[coll])
        return out

    def list_of(self, items: Sequence[str]) -> str:
        return "[" + ", ".join(items) + "]"

    def json_kind(self, item: str) -> str:
        if not _SIMPLE.match(item):
            return self._bind(item, self.json_kind)
        first = f"left({item}, 1)"
        return (f"CASE WHEN {item} IS NULL THEN 'null' WHEN {first} = '\"' THEN 'string' "
                f"WHEN {first} = '{{' THEN 'object' WHEN {first} = '[' THEN 'array' "
                f"WHEN {first} IN ('t', 'f') THEN 'boolean' WHEN {first} = 'n' THEN 'null' "
                f"ELSE 'number' END")

    def as_str(self, item: str) -> str:
        return f"json_extract_string({item}, '$')"

    def as_num(self, item: str) -> str:
        return f"TRY_CAST(json_extract_string({item}, '$') AS DOUBLE)"

    def as_bool(self, item: str) -> str:
        return f"TRY_CAST(json_extract_string({item}, '$') AS BOOLEAN)"

    def num_text(self, item: str) -> str:
        return f"CAST({item} AS VARCHAR)"

    def num_text_at(self, base: str, jpath: str) -> str:
        # DuckDB's JSON values print numbers anew (1.50 becomes 1.5), so the text comes from
        # the line as written: the numbers after this element's name whose value is the
        # element's value, the first of them (same value written differently at another place
        # in one resource is the one case this can get wrong).
        key = jpath.rsplit(".", 1)[-1] if jpath != "$" else base.strip('"').replace('""', '"')
        if "[" in key:
            return super().num_text_at(base, jpath)
        ws = "[ \t\r\n]*"
        pattern = '"' + key + '"' + ws + ":" + ws + "(-?[0-9][0-9.eE+-]*)"
        raw = f"regexp_extract_all(cw_line, {_q(pattern)}, 1)"
        return (f"coalesce(list_filter({raw}, lambda cw_n: TRY_CAST(cw_n AS DOUBLE) = "
                f"{self.num_at(base, jpath)})[1], "
                f"CAST(json_extract({base}, {_q(jpath)}) AS VARCHAR))")

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

    def let(self, value: str, name: str, body: str) -> str:
        # A value as cheap as a name (a column, a struct field, a lambda's item) is written
        # in place of the name: binding it by a one-item list_transform costs more than
        # reading it again.
        if _SIMPLE.match(value):
            return _substitute(body, name, value)
        return super().let(value, name, body)

    def reference_key(self, ref: str, want: str | None) -> str:
        # One regular expression instead of three: the type is the run of letters just
        # before the last '/', the key what follows it (as in the general form).
        if want is not None and not _NAME.match(want):
            return super().reference_key(ref, want)
        if want is None:
            return f"nullif(regexp_extract({ref}, '[A-Za-z]/([^/]+)$', 1), '')"
        pattern = f"(?:^|[^A-Za-z]){want}/([^/]+)$"
        general = f"nullif(regexp_extract({ref}, {_q(pattern)}, 1), '')"
        # The usual form, "Type/id" with no other '/', by plain string functions: the same key
        # the expression gives (it matches at the start), at a fraction of its cost (every
        # view row's patient and encounter keys; at 100,000 patients the regular expressions
        # were about 0.5 CPU-s of the Observation read alone). Any other form takes the
        # regular expression (CASE evaluates its ELSE only for the rows that reach it).
        if not _SIMPLE.match(ref):
            return general
        start = len(want) + 2
        return (f"CASE WHEN starts_with({ref}, {_q(want + '/')}) "
                f"AND strpos(substr({ref}, {start}), '/') = 0 "
                f"THEN nullif(substr({ref}, {start}), '') ELSE {general} END")

    def explode_rows(self, rows: str, where: str, names: Sequence[str]) -> str:
        cols = ", ".join(f"s.{self.quote_ident(n)} AS {self.quote_ident(n)}" for n in names)
        return f"SELECT {cols} FROM (SELECT unnest({rows}) AS s FROM src WHERE {where})"


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_]*")


def _substitute(sql: str, name: str, value: str) -> str:
    """``sql`` with the identifier ``name`` (not inside a quoted string or name) replaced by
    ``value``."""
    return _TOKEN.sub(lambda m: value if m.group(0) == name else m.group(0), sql)


def _segments(jpath: str) -> tuple[str, ...] | None:
    """``$.a.b`` -> ('a', 'b'); None for a path that is not a plain chain of names."""
    if jpath == "$":
        return ()
    if not jpath.startswith("$."):
        return None
    segs = tuple(jpath[2:].split("."))
    return segs if all(_NAME.match(x) for x in segs) else None


# What the recorder writes in place of a lambda's item where it noted the use (the item
# written anywhere else is a use it did not note), and of a list whose items a lambda reads.
_ITEM = "cw_item"
_USED = "cw_used"
_LIST = re.compile(r"\bcw_list\d+\b")
# A path segment: each item of the list the segments before it reach.
ITEMS = "[]"


class _Recorder(DuckDBDialect):
    """The DuckDB dialect, noting how the compiled view reads each top-level element: by a
    chain of names (``json``: as JSON, ``str``: as text or number, ``array``: the items of a
    list), ``coll`` (the items of a top-level element the FHIR models say is a list) or
    ``whole`` (any other use: the element is then read as JSON, as always).

    The items of a list (``array`` or ``coll``) are noted below it, under the segment
    ``ITEMS``: how the lambdas over it (``where``, ``forEach``, a member of each item) read
    their item, by the same kinds. A list reaches such a lambda as the SQL ``array_at`` or
    ``coll_of`` gave (a name here, ``(cw_listN)``), or filtered or sliced from it (the same
    items); anywhere else in the view's SQL (concatenated, an item taken out, a lambda that
    is not told its items), or an item written anywhere but in a noted read, its items are
    noted ``whole``."""

    def __init__(self, resource: str) -> None:
        super().__init__()
        self.uses: dict[str, set[tuple[tuple[str, ...], str]]] = {}
        # SQL of a top-level element or a lambda's item -> (element, path to it)
        self._idents: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._listed: dict[str, str] = {}  # SQL of a top-level list -> its name
        self._lists: dict[str, tuple[str, tuple[str, ...]]] = {}  # (cw_listN) -> its path
        self._params: dict[str, str] = {}  # lambda item -> the (cw_listN) it ranges over
        self._dropped: list[str] = []  # SQL left out of what the recorder returns
        self._resource = resource

    def _note(self, base: str, jpath: str, kind: str) -> str:
        """Note the read; the base to write (an item noted here is written ``_ITEM``)."""
        at = self._idents.get(base)
        if at is None:
            return base
        name, path = at
        segs = _segments(jpath)
        self.uses.setdefault(name, set()).add(
            (path, "whole") if segs is None else (path + segs, kind))
        return _ITEM if base in self._params else base

    def _list(self, name: str, path: tuple[str, ...]) -> str:
        sql = f"(cw_list{len(self._lists)})"
        self._lists[sql] = (name, path)
        return sql

    def _hooked(self, coll: str, param: str) -> bool:
        return coll in self._lists and self._params.get(param) == coll

    def root(self, name: str) -> str:
        # (the compiler reads a top-level element this way only through coll_of)
        info = element(self._resource, name)
        kind = "coll" if info is not None and info[0] else "whole"
        self.uses.setdefault(name, set()).add(((), kind))
        sql = super().root(name)
        if kind == "coll":
            self._listed[sql] = name
        return sql

    def coll_of(self, json: str) -> str:
        if json in self._listed:
            return self._list(self._listed[json], ())
        return super().coll_of(json)

    def root_path(self, name: str) -> tuple[str, str]:
        base, jpath = super().root_path(name)
        self._idents[base] = (name, ())
        return base, jpath

    def items(self, coll: str, param: str) -> None:
        if coll in self._lists:
            name, path = self._lists[coll]
            self._idents[param] = (name, path + (ITEMS,))
            self._params[param] = coll

    def lam(self, params: Sequence[str], body: str) -> str:
        names = [_ITEM if p in self._params else p for p in params]
        return f"lambda {', '.join(names)}: {body}"

    def transform(self, coll: str, params: Sequence[str], body: str) -> str:
        if self._hooked(coll, params[0]):
            coll = _USED
        return super().transform(coll, params, body)

    def filter(self, coll: str, param: str, pred: str) -> str:
        if not self._hooked(coll, param):
            return super().filter(coll, param, pred)
        self._dropped.append(super().filter(_USED, param, pred))
        return self._list(*self._lists[coll])

    def slice1(self, coll: str, index0: str) -> str:
        if coll not in self._lists:
            return super().slice1(coll, index0)
        self._dropped.append(index0)
        return self._list(*self._lists[coll])

    def size(self, coll: str) -> str:
        return super().size(_USED if coll in self._lists else coll)

    def or_null(self, coll: str, name: str) -> str:
        # (the null item added is read by names as any item: every element null)
        return self._list(*self._lists[coll]) if coll in self._lists else super().or_null(
            coll, name)

    def json_at(self, base: str, jpath: str) -> str:
        return super().json_at(self._note(base, jpath, "json"), jpath)

    def str_at(self, base: str, jpath: str) -> str:
        return super().str_at(self._note(base, jpath, "str"), jpath)

    def num_at(self, base: str, jpath: str) -> str:
        return super().num_at(self._note(base, jpath, "str"), jpath)

    def array_at(self, base: str, jpath: str) -> str:
        at = self._idents.get(base)
        written = self._note(base, jpath, "array")
        segs = _segments(jpath)
        if at is None or segs is None:
            return super().array_at(written, jpath)
        return self._list(at[0], at[1] + segs)

    def num_text_at(self, base: str, jpath: str) -> str:
        self._note(base, "", "whole")  # read from the line as written: never typed
        return super().num_text_at(base, jpath)

    def finish(self, compiled: ViewSQL) -> None:
        """Note ``whole`` the items of every list, and every item, that the compiled view
        writes anywhere but where it was noted."""
        texts = [compiled.sql, *self._dropped]
        for text in texts:
            for m in _LIST.finditer(text):
                name, path = self._lists[f"({m.group(0)})"]
                self.uses.setdefault(name, set()).add((path + (ITEMS,), "whole"))
        written = {m.group(0) for text in texts for m in _TOKEN.finditer(text)}
        for param in written & self._params.keys():
            name, path = self._idents[param]
            self.uses.setdefault(name, set()).add((path, "whole"))


# A typed element: a DuckDB type name (VARCHAR, JSON, JSON[]), a struct (name -> element) or
# a list of structs (``[struct]``).
Typed = str | dict[str, "Typed"] | list["Typed"]
_LISTS = ("array", "coll")


def _typed(uses: set[tuple[tuple[str, ...], str]]) -> Typed:
    """The type to read an element as, from how the views read it: a struct down to the
    elements read, each read element VARCHAR (read only as text or number: DuckDB gives the
    text ``json_extract_string`` gives), a list of its items' type when only its items are
    read and they are read by names only (a list of structs), JSON[] when only its items are
    read otherwise, or JSON (anything else, and every element read both itself and below)."""
    here = {kind for segs, kind in uses if not segs}
    below: dict[str, set[tuple[tuple[str, ...], str]]] = {}
    for segs, kind in uses:
        if segs:
            below.setdefault(segs[0], set()).add((segs[1:], kind))
    items = below.pop(ITEMS, None)
    if here and below or "whole" in here or "json" in here or len(here) > 1:
        return "JSON"
    if items is not None and not (here and here <= set(_LISTS)):
        return "JSON"  # (items of what is not read as a list: not from the compiler)
    if here == {"str"}:
        return "VARCHAR"
    if here == {"array"} or here == {"coll"}:
        item = _typed(items) if items else "JSON"
        return [item] if isinstance(item, dict) else "JSON[]"
    return {name: _typed(u) for name, u in sorted(below.items())}


# FHIRPath functions that give nothing for nothing (an empty input, an empty output).
_EMPTY_KEEPING = frozenset({"where", "select", "first", "last", "ofType", "extension",
                            "getReferenceKey", "skip", "take", "tail"})


def _for_each_root(path: str) -> str | None:
    """The top-level element a forEach path starts from, when the path gives nothing
    whenever that element is absent (a chain of names, indexes and the functions in
    ``_EMPTY_KEEPING``); None otherwise."""
    from clotwatch.population import fhirpath as fp

    try:
        node = fp.parse(path)
    except InputError:
        return None
    while True:
        if isinstance(node, fp.Member):
            if isinstance(node.base, fp.This):
                return node.name
            node = node.base
        elif isinstance(node, fp.Call) and node.name in _EMPTY_KEEPING:
            if isinstance(node.base, fp.This):
                return node.name if node.name == "extension" else None
            if (node.name == "ofType" and isinstance(node.base, fp.Member)
                    and isinstance(node.base.base, fp.This) and node.base.name not in RESOURCES):
                return None  # (value.ofType(Quantity) reads valueQuantity, not "value")
            node = node.base
        elif isinstance(node, fp.Indexer):
            node = node.base
        else:
            return None


def _guarded(v: ViewSQL, fields: Sequence[str]) -> str:
    """A view's rows over one read (``_load_group``), computed only where every top-level
    ``forEach`` has its element: a select crosses its top-level selects, so a resource
    without that element has no rows (most encounters have no procedure extension, a third
    no diagnosis or location; the rows expression, lists and lambdas, cost as much on them as
    on the others). NULL, like no rows, elsewhere. ``forEachOrNull`` gives a row for nothing
    and is not guarded."""
    roots: list[str] = []
    for node in v.view.get("select", []) or []:
        path = node.get("forEach") if isinstance(node, Mapping) else None
        if isinstance(path, str):
            root = _for_each_root(path)
            if root is not None and root in fields and root not in roots:
                roots.append(root)
    if not roots:
        return v.rows
    test = " AND ".join(f"{DIALECT.quote_ident(r)} IS NOT NULL" for r in roots)
    return f"CASE WHEN {test} THEN {v.rows} END"


def type_sql(t: Typed) -> str:
    """DuckDB's name of a typed element's type."""
    if isinstance(t, str):
        return t
    if isinstance(t, list):
        return type_sql(t[0]) + "[]"
    return "STRUCT(" + ", ".join(f"{DIALECT.quote_ident(n)} {type_sql(x)}"
                                 for n, x in t.items()) + ")"


def read_uses(view: Mapping[str, Any]) -> dict[str, set[tuple[tuple[str, ...], str]]]:
    """How the compiled ``view`` reads each top-level element (see ``_Recorder``)."""
    rec = _Recorder(str(view.get("resource", "")))
    rec.finish(compile_view(view, rec))
    return rec.uses


def schema_of(uses: Mapping[str, set[tuple[tuple[str, ...], str]]]) -> dict[str, Typed]:
    """The top-level elements worth reading typed (not as one JSON value) and their types."""
    out = {}
    for name, u in uses.items():
        # an element used otherwise than by names stays as it was (not in the schema);
        # one read by names only, even as a whole JSON value, is read as typed here.
        if name != "resourceType" and ((), "whole") not in u:
            out[name] = _typed(u)
    return out


class TypedDuckDBDialect(DuckDBDialect):
    """The DuckDB dialect over a ``src`` whose elements in ``schema`` are read typed
    (``read_json`` with ``columns`` of STRUCT / VARCHAR / JSON[] / STRUCT[] types): a chain
    of names is then a struct field access, not a JSON parse of the element's text per call,
    also from the item of a lambda over a list of structs. What it reads must be what
    ``_Recorder`` noted for the schema (the same views compile the same calls)."""

    def __init__(self, schema: Mapping[str, Typed]) -> None:
        super().__init__()
        self.schema = schema
        self._lists: dict[str, Typed] = {}  # SQL of a list of typed items -> their type
        self._items: dict[str, Typed] = {}  # lambda item (over such a list) -> its type

    def _list(self, sql: str, item: Typed) -> str:
        self._lists[sql] = item
        return sql

    def items(self, coll: str, param: str) -> None:
        if coll in self._lists:
            self._items[param] = self._lists[coll]

    def _resolve(self, base: str, jpath: str) -> tuple[str, Typed, str] | None:
        """(SQL of the typed element the path reaches, its type, the rest of the path as a
        JSON path) for a path from a typed top-level element or typed item; None
        otherwise."""
        segs = _segments(jpath)
        if segs is None:
            return None
        t: Typed | None
        if base in self._items:
            t = self._items[base]
        elif base.startswith('"'):
            t = self.schema.get(base[1:-1].replace('""', '"'))
        else:
            return None
        if t is None:
            return None
        expr = base
        for i, name in enumerate(segs):
            if not isinstance(t, dict):
                return expr, t, "$." + ".".join(segs[i:])
            t = t[name]
            expr = f"{expr}.{self.quote_ident(name)}"
        if isinstance(t, dict):
            raise AssertionError(f"{base} {jpath}: a typed read of a struct")
        return expr, t, "$"

    def json_at(self, base: str, jpath: str) -> str:
        r = self._resolve(base, jpath)
        if r is None:
            return super().json_at(base, jpath)
        expr, t, rest = r
        if t != "JSON":
            raise AssertionError(f"{base} {jpath}: read as JSON but typed {t}")
        # (a JSON null read into a typed column is SQL NULL already)
        return expr if rest == "$" else f"json_extract({expr}, {_q(rest)})"

    def str_at(self, base: str, jpath: str) -> str:
        r = self._resolve(base, jpath)
        if r is None:
            return super().str_at(base, jpath)
        expr, t, rest = r
        return expr if t == "VARCHAR" else f"json_extract_string({expr}, {_q(rest)})"

    def _typed_list(self, expr: str, t: Typed) -> str | None:
        """The items of a typed list element (NULL: none), when it is one."""
        if t == "JSON[]":
            return f"coalesce({expr}, {self.empty()})"
        if isinstance(t, list):
            return self._list(f"coalesce({expr}, CAST([] AS {type_sql(t)}))", t[0])
        return None

    def coll_of(self, json: str) -> str:
        if json.startswith('"'):
            t = self.schema.get(json[1:-1].replace('""', '"'))
            items = None if t is None else self._typed_list(json, t)
            if items is not None:
                return items
        return super().coll_of(json)

    def num_at(self, base: str, jpath: str) -> str:
        if self._resolve(base, jpath) is None:
            return super().num_at(base, jpath)
        return f"TRY_CAST({self.str_at(base, jpath)} AS DOUBLE)"

    def array_at(self, base: str, jpath: str) -> str:
        r = self._resolve(base, jpath)
        if r is None:
            return super().array_at(base, jpath)
        expr, t, rest = r
        items = self._typed_list(expr, t) if rest == "$" else None
        return items if items is not None else super().array_at(expr, rest)

    def filter(self, coll: str, param: str, pred: str) -> str:
        out = super().filter(coll, param, pred)
        return self._list(out, self._lists[coll]) if coll in self._lists else out

    def or_null(self, coll: str, name: str) -> str:
        if coll not in self._lists:
            return super().or_null(coll, name)
        item = self._lists[coll]
        return self._list(self.let(coll, name, f"CASE WHEN {self.size(name)} = 0 THEN "
                                   f"CAST([NULL] AS {type_sql([item])}) ELSE {name} END"), item)

    def slice1(self, coll: str, index0: str) -> str:
        if coll not in self._lists:
            return super().slice1(coll, index0)
        item = self._lists[coll]
        return self._list(f"CASE WHEN {index0} < 0 THEN CAST([] AS {type_sql([item])}) "
                          f"ELSE ({coll})[{index0} + 1:{index0} + 1] END", item)


_EXTRACT = re.compile(r"json_(extract_string|extract|type)\((\"(?:[^\"]|\"\")+\"|v\d+)"
                      r"(?:, ('(?:[^']|'')*'))?\)")
_FNS = {"extract_string": "s", "extract": "j", "type": "t"}
# An expression cheap enough to repeat: a column, a lambda parameter, a field or item of either.
_SIMPLE = re.compile(r'^(?:"(?:[^"]|"")+"(?:\."[A-Za-z_][A-Za-z0-9_]*")*'
                     r'|[A-Za-z_][A-Za-z0-9_]*(?:\.[a-z]\[\d+\]|(?:\."[A-Za-z_][A-Za-z0-9_]*")+)?'
                     r'|\((?:[A-Za-z_][A-Za-z0-9_]*)\)\[\d+\])$')


def share_extracts(expr: str, bases: Sequence[str], name: str) -> str:
    """``expr`` with its JSON reads of each of ``bases`` (``json_extract(base, 'path')``,
    ``json_extract_string``, ``json_type``) done once: DuckDB parses the JSON text anew for each
    call, so N reads of one value cost N parses; here one call per base and function takes every
    path at once (``json_extract(base, ['$.a', '$.b'])``), all bound together by one one-item
    ``list_transform`` (one level of lambda: DuckDB binds nested lambdas in time that grows fast
    with their depth)."""
    found: dict[tuple[str, str], list[str]] = {}
    hits: dict[str, int] = {}
    for m in _EXTRACT.finditer(expr):
        fn, b, path = m.group(1), m.group(2), m.group(3) or "'$'"
        if b in bases and "*" not in path:
            hits[b] = hits.get(b, 0) + 1
            paths = found.setdefault((b, fn), [])
            if path not in paths:
                paths.append(path)
    shared = [b for b in bases if hits.get(b, 0) >= 2]
    if not shared:
        return expr

    def field(b: str, fn: str) -> str:
        return f"x{shared.index(b)}{_FNS[fn]}"

    def sub(m: re.Match[str]) -> str:
        fn, b, path = m.group(1), m.group(2), m.group(3) or "'$'"
        if b not in shared or "*" in path:
            return m.group(0)
        return f"{name}.{field(b, fn)}[{found[(b, fn)].index(path) + 1}]"

    body = _EXTRACT.sub(sub, expr)
    packed = ", ".join(f"{field(b, fn)} := json_{fn}({b}, [{', '.join(paths)}])"
                       for (b, fn), paths in found.items() if b in shared)
    return f"list_transform([struct_pack({packed})], lambda {name}: {body})[1]"


def _jsonpath_key(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


DIALECT = DuckDBDialect()


def compile(view: Mapping[str, Any],  # noqa: A001 - the engine's verb
            schema: Mapping[str, Typed] | None = None) -> ViewSQL:
    """Compile a ViewDefinition to DuckDB SQL (over ``src`` reading the elements of
    ``schema`` typed, see ``typed``)."""
    return compile_view(view, TypedDuckDBDialect(schema) if schema else DuckDBDialect())


def typed(view: Mapping[str, Any]) -> tuple[ViewSQL, dict[str, Typed]] | None:
    """The view compiled over its elements read typed, and their types; None when it reads
    none that way (or reads whole resources or lines as written)."""
    schema = schema_of(read_uses(view))
    if not schema:
        return None
    compiled = compile(view, schema)
    return None if compiled.whole or compiled.line else (compiled, schema)


# Every NDJSON read with ``columns`` says the lines are records (objects): left to detect it,
# DuckDB (2.0.1) takes a file holding one line that is JSON but not an object (``[1, 2]``,
# ``"x"``, ``3``, ``true``) as a file of values, and with one declared column (the plain
# count's ``resourceType``) puts every line's text in it: no error, every resource of the
# file counted as a resource of another type. Said, such a line is an error like a line that
# is not JSON (``ignore_errors`` reads it as a row of NULLs), and the file's other lines are
# read as they are without it. (A ``null`` line is read as a row of NULLs either way:
# ``checks.check_export`` looks for it where a file has rows without a resourceType.)
RECORDS = "records = true, "


def source_sql(files: Sequence[str], resource: str, root_fields: Sequence[str],
               whole: bool = False, line: bool = False,
               schema: Mapping[str, Typed] | None = None) -> str:
    """A query giving one row per ``resource`` in ``files``, its used elements as JSON, or
    typed as ``schema`` says (and, with ``line``, the line as written: ``cw_line``)."""
    fields = sorted(set(root_fields) | {"resourceType"})
    file_list = "[" + ", ".join(_q(f) for f in files) + "]"
    kind = f"json_extract_string(\"resourceType\", '$') = {_q(resource)}"
    if line:
        cols = ", ".join(f"json_extract(cw_line, {_q('$.' + _jsonpath_key(f))}) AS "
                         f"{DIALECT.quote_ident(f)}" for f in fields)
        resource_json = (", json(cw_line) AS \"_resource\"" if whole else "")
        return (f"SELECT * FROM (SELECT cw_line, {cols}{resource_json} FROM (SELECT json AS "
                f"cw_line FROM read_ndjson_objects({file_list}, "
                f"maximum_object_size = 67108864))) WHERE {kind}")
    if whole:
        cols = ", ".join(f"json_extract(json, {_q('$.' + _jsonpath_key(f))}) AS "
                         f"{DIALECT.quote_ident(f)}" for f in fields)
        return (f"SELECT json AS \"_resource\", * FROM (SELECT json, {cols} FROM "
                f"read_json({file_list}, format = 'newline_delimited', records = false, "
                f"columns = {{'json': 'JSON'}}, "
                f"maximum_object_size = 67108864)) WHERE {kind}")
    columns = "{" + ", ".join(f"{_q(f)}: {_q(type_sql((schema or {}).get(f, 'JSON')))}"
                              for f in fields) + "}"
    return (f"SELECT * FROM read_json({file_list}, format = 'newline_delimited', "
            f"{RECORDS}columns = {columns}, maximum_object_size = 67108864) WHERE {kind}")


def view_query(compiled: ViewSQL, files: Sequence[str],
               schema: Mapping[str, Typed] | None = None) -> str:
    """The full SQL of a compiled view over NDJSON files (``src`` bound to them, reading the
    elements of ``schema`` typed: ``compiled`` must be compiled for it)."""
    if not files:
        empty = ", ".join(f"CAST(NULL AS {DIALECT.sql_type(c)}) AS {DIALECT.quote_ident(c.name)}"
                          for c in compiled.columns)
        return f"SELECT {empty} WHERE FALSE"
    src = source_sql(files, compiled.resource, compiled.root_fields, compiled.whole,
                     compiled.line, schema)
    return f"WITH src AS ({src}) {compiled.sql}"


# ``maximum_object_size`` of the screening's reads. DuckDB (2.0) reads a file in parallel in
# buffers of this size, and a line longer than it is still read whole (a test says so): at
# 64 MB a 50 MB file was one buffer read by one thread, and a 290 MB file five, the last of
# them read alone.
READ_CHUNK = 4 * 2**20

MEMORY_FRACTION = 0.25  # default memory_limit of a screening: this share of the machine's RAM
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|[KMGT]i?B)\s*$", re.I)


def parse_memory_limit(text: str | None = None) -> str:
    """DuckDB's ``memory_limit`` from ``text``: a size (``4GB``, ``512MiB``) or a share of the
    machine's RAM (``25%``); None gives ``MEMORY_FRACTION`` of it. InputError for anything
    else."""
    if text is None:
        return f"{_ram_mib() * MEMORY_FRACTION:.0f}MiB"
    m = _SIZE.match(text)
    if m is None:
        raise InputError("--memory-limit", f"{text!r} is not a size: give e.g. 4GB, 512MB "
                         "or 25% (of the machine's RAM)")
    number, unit = float(m.group(1)), m.group(2)
    if unit == "%":
        if not 0 < number <= 100:
            raise InputError("--memory-limit", f"{text!r}: a share of RAM is over 0% and at "
                             "most 100%")
        return f"{_ram_mib() * number / 100:.0f}MiB"
    if number <= 0:
        raise InputError("--memory-limit", f"{text!r}: give more than 0")
    return f"{number:g}{unit.upper().replace('I', 'i')}"


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB running out of its ``memory_limit`` (raised as it is, or
    reported as an InputError by a step that reads the files)."""
    import duckdb

    return isinstance(exc, duckdb.OutOfMemoryException) or (
        isinstance(exc, InputError) and "Out of Memory Error" in exc.reason)


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C caught inside a DuckDB query: DuckDB takes the pending
    KeyboardInterrupt and raises ``RuntimeError("Query interrupted")`` (DuckDB 2.0) or its
    InterruptException instead, so the command would end in a traceback."""
    import duckdb

    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError | InputError) and "Query interrupted" in str(exc))


def _ram_mib() -> float:
    """The machine's physical memory in MiB."""
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20


def connect(threads: int | None = None, memory_limit: str | None = None,
            database: str | None = None, temp_directory: str | None = None) -> Any:
    """A DuckDB connection (imported lazily: the CLI starts fast without it): in memory, or
    on the ``database`` file; ``temp_directory`` is where it spills past ``memory_limit``."""
    import duckdb

    config: dict[str, Any] = {"preserve_insertion_order": False}
    if temp_directory:
        config["temp_directory"] = temp_directory
    con = duckdb.connect(database or ":memory:", config=config)
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
        self.n = 0

    def refuse_malformed(self, files: Sequence[str]) -> None:
        """``InputError`` naming the first line of ``files`` that is not blank and not a JSON
        object. ``view_rows``'s read refuses most such lines itself, but
        reads a ``null`` line as a row of NULLs: rows without a ``resourceType`` (also objects
        that lack one, which views leave out by design) send the files to the line scan."""
        import duckdb

        if not files:
            return
        file_list = "[" + ", ".join(_q(f) for f in files) + "]"
        try:
            untyped = self.con.execute(
                f"SELECT count(*) FROM read_json({file_list}, format = 'newline_delimited', "
                f"{RECORDS}columns = {{'resourceType': 'VARCHAR'}}, "
                f"maximum_object_size = {READ_CHUNK}) WHERE \"resourceType\" IS NULL"
            ).fetchall()[0][0]
        except duckdb.Error:
            untyped = 1  # a line that is not JSON: the scan names it
        if untyped:
            refuse_malformed_lines(files)

    def view_rows(self, view: Mapping[str, Any], export: Any) -> tuple[
            tuple[Column, ...], Iterator[tuple[Any, ...]]]:
        """Columns and rows of ``view`` over ``export`` (a ``source.Export``)."""
        import duckdb

        compiled = compile(view)
        files = export.files_for(compiled.resource)
        sql = view_query(compiled, files)
        fast = typed(view) if files else None
        self.con.execute(f"DROP TABLE IF EXISTS cw_view_{self.n}")  # the previous view's
        if fast is not None:
            # Typed first, into a table (a value not of the declared type stops the read
            # part-way); any error, and the view is read again as JSON, as below.
            self.n += 1
            table = f"cw_view_{self.n}"
            try:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                                 f"{view_query(fast[0], files, fast[1])}")
                sql = f"SELECT * FROM {table}"
            except duckdb.Error:
                pass
        try:
            cur = self.con.execute(sql)
        except duckdb.Error as exc:
            refuse_malformed_lines(files)
            raise InputError("view", _view_error(exc)) from exc

        def rows() -> Iterator[tuple[Any, ...]]:
            while True:
                try:
                    batch = cur.fetchmany(4096)
                except duckdb.Error as exc:
                    refuse_malformed_lines(files)
                    raise InputError("view", _view_error(exc)) from exc
                if not batch:
                    return
                yield from batch

        return compiled.columns, rows()

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


def _key(view: Mapping[str, Any]) -> str:
    return json.dumps(view, sort_keys=True)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "DuckDB error"


def _view_error(exc: BaseException) -> str:
    """A view's own error, as its ``error()`` call wrote it ("where path 'name' does not give
    a boolean"), without DuckDB's class of error in front ("Invalid Input Error: ")."""
    return _first_line(str(exc)).removeprefix("Invalid Input Error: ")


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


SHARED = "cw_shared"  # DuckDBScreening's catalog of tables every connection reads


def _shared_view(name: str) -> str:
    return f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {SHARED}.main.{name}"


def _copy(con: Any, sql: str, path: str, fmt: str) -> None:
    """``COPY`` a query's rows to ``path`` as csv or parquet, in the query's order."""
    opts = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"COPY ({sql}) TO {_q(path)} ({opts})")


class DuckDBScreening:
    """The operations the screening needs, on DuckDB.

    In memory until ``work_in(folder)``: from then on the run's tables are kept in a database
    file in ``folder`` and DuckDB holds at most ``memory_limit`` (default: ``MEMORY_FRACTION``
    of the machine's RAM) in memory, spilling what does not fit to ``folder``; ``work_done``
    closes the file and removes the folder."""

    name = "duckdb"
    DATABASE = "screening.duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self._threads = threads
        self._memory_limit = memory_limit or parse_memory_limit(None)
        self._work: Path | None = None
        self._open(None, None)

    def _open(self, database: str | None, temp_directory: str | None) -> None:
        self.con = connect(self._threads, self._memory_limit, database, temp_directory)
        # TEMP tables, also when the run works in a database file: DuckDB's buffer manager
        # spills them to ``temp_directory`` under ``memory_limit`` all the same, and they are
        # not compressed and written out as the file's own tables are (100,000 patients on a
        # quiet machine: 1.23x main's CPU as file tables; docs/benchmarks.md, "Bounded memory")
        self._kind = "TEMP TABLE"
        self.con.execute("SET TimeZone = 'UTC'")
        for m in MACROS:
            self.con.execute(m)
        # An in-memory catalog every connection to this database sees (TEMP tables are the
        # connection's own): a table other connections read at once (``writing``) lives here.
        self.con.execute(f"ATTACH ':memory:' AS {SHARED}")
        self._shared: list[str] = []
        self._planned: dict[str, ViewSQL] = {}  # view (as JSON text) -> compiled
        self._export: Any = None
        self._loaded: dict[str, list[tuple[str, str]]] = {}  # view -> (load table, column)

    def work_in(self, folder: Path) -> None:
        """Keep the run's tables in a database file in ``folder`` (made here; it must not
        exist), and spill there past ``memory_limit``. Call before ``plan``."""
        folder.mkdir()
        self.con.close()
        self._work = folder
        self._open(str(folder / self.DATABASE), str(folder / "spill"))

    def work_done(self) -> None:
        """Close the database file and remove its folder (success, failure or interrupt
        alike); the engine is in memory again."""
        if self._work is None:
            return
        try:
            self.con.close()
        finally:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None
            self._open(None, None)

    def plan(self, views: Mapping[str, Mapping[str, Any]], export: Any) -> None:
        """The views the run will materialise over ``export``: ``type_counts`` then reads
        each file once, counting resources and computing every view's rows in the same pass."""
        self._planned = {_key(v): compile(v) for v in views.values()}
        self._export = export
        self._loaded = {}

    def _load(self, ignore_errors: bool) -> list[tuple[str, str, int]]:
        """One pass per group of files (the files of one resource type, or the files that
        may hold any type) into a table of one row per resource: its file (by position in the
        group), its resourceType and, per view of that type, the list of its view rows (NULL
        when none). The counts per (file, resourceType) are then a GROUP BY over that table,
        and each view's rows an ``unnest`` of its column (see ``view_table``)."""
        import duckdb

        export = self._export
        usable = {k: c for k, c in self._planned.items()
                  if c.rows and not c.whole and not c.line}
        groups: list[tuple[tuple[str, ...], list[str], str | None]] = []
        rest: list[str] = []
        for rtype, files in sorted(export.files.items(), key=lambda kv: kv[0] or ""):
            keys = [k for k, c in usable.items() if rtype is None or c.resource == rtype]
            if keys:
                groups.append((tuple(files), keys, rtype))
            else:
                rest.extend(files)
        counts: list[tuple[str, str, int]] = []
        loaded: dict[str, list[tuple[str, str]]] = {}
        for i, (files, keys, rtype) in enumerate(groups):
            table = f"cw_load_{i}"
            # Typed (the elements the views read as STRUCT / VARCHAR / JSON[] columns) where
            # the files hold one resource type and no line is to be skipped: a value not of
            # the declared type stops the read, and the files are read again as JSON.
            fast = (self._typed_group([usable[k] for k in keys])
                    if rtype is not None and not ignore_errors else None)
            done = False
            if fast is not None:
                try:
                    self._load_group(table, files, fast[0], fast[1], ignore_errors)
                    done = True
                except duckdb.Error:
                    self.con.execute(f"DROP TABLE IF EXISTS {table}")
            if not done:
                self._load_group(table, files, [usable[k] for k in keys], {}, ignore_errors)
            counts.extend((files[i - 1], t, n) for i, t, n in self.con.execute(
                f"SELECT cw_file, cw_type, count(*) FROM {table} GROUP BY ALL").fetchall())
            for j, k in enumerate(keys):
                loaded.setdefault(k, []).append((table, f"cw_x{j}"))
        if rest:
            counts.extend(self._count(rest, ignore_errors))
        self._loaded = loaded
        return sorted((str(f), "" if t is None else str(t), int(n)) for f, t, n in counts)

    @staticmethod
    def _typed_group(views: Sequence[ViewSQL]) -> tuple[list[ViewSQL], dict[str, Typed]] | None:
        """The views compiled over one read typing what any of them reads by names only."""
        uses: dict[str, set[tuple[tuple[str, ...], str]]] = {}
        for v in views:
            for name, u in read_uses(v.view).items():
                uses.setdefault(name, set()).update(u)
        schema = schema_of(uses)
        if not schema:
            return None
        return [compile(v.view, schema) for v in views], schema

    def _load_group(self, table: str, files: Sequence[str], views: Sequence[ViewSQL],
                    schema: Mapping[str, Typed], ignore_errors: bool) -> None:
        """``table``: per resource of ``files`` its file (1-based position in ``files``), its
        resourceType and each view's rows (``cw_x0``, ``cw_x1``, ...; NULL when none).

        No aggregation: a ``list()`` per file held every row of a view in one list, which
        DuckDB finalises, flattens, stores and unnests on one thread; one row per resource
        keeps every step parallel."""
        opts = ", ignore_errors = true" if ignore_errors else ""
        fields = sorted({f for v in views for f in v.root_fields} - {"resourceType"})
        columns = "{" + ", ".join([_q("resourceType") + ": 'VARCHAR'"] + [
            f"{_q(f)}: {_q(type_sql(schema.get(f, 'JSON')))}" for f in fields]) + "}"
        as_json = (", to_json(\"resourceType\") AS \"resourceType\""
                   if any("resourceType" in v.root_fields for v in views) else "")
        file_list = f"[{', '.join(_q(f) for f in files)}]"
        # (a name read_json reports otherwise, say one it expanded as a pattern, stops the
        # pass: the plain count and the views one by one then take over)
        read = (f"SELECT coalesce(list_position({file_list}, filename), "
                f"error('a file read is not among the files given')) AS cw_file, "
                f"\"resourceType\" AS cw_type, "
                f"* EXCLUDE (filename, \"resourceType\"){as_json} FROM read_json("
                f"{file_list}, format = 'newline_delimited', {RECORDS}"
                f"columns = {columns}, filename = true, "
                f"maximum_object_size = {READ_CHUNK}{opts})")
        per_row = ", ".join(
            f"CASE WHEN cw_type = {_q(v.resource)} AND ({v.where}) "
            f"THEN {_guarded(v, fields)} END AS cw_x{j}" for j, v in enumerate(views))
        # One row per resource, not one list per file (``list`` aggregated per file made
        # values the size of the file, which DuckDB cannot spill past its memory limit).
        self.con.execute(f"CREATE OR REPLACE {self._kind} {table} AS SELECT cw_file, cw_type, "
                         f"{per_row} FROM ({read})")

    def view_table(self, name: str, view: Mapping[str, Any], files: Sequence[str],
                   ignore_errors: bool = False) -> None:
        """A view's rows as table ``name``: from the read pass's load table, a TEMP VIEW
        unnesting its column there (the rows are computed already; each query using it
        unnests them again, inside its own plan, rather than copying every view's rows into
        a table first; the load tables keep the rows meanwhile)."""
        key = _key(view)
        if key in self._loaded and tuple(files) == self._export.files_for(view["resource"]):
            compiled = self._planned[key]
            cols = ", ".join(f"s.{DIALECT.quote_ident(c.name)} AS {DIALECT.quote_ident(c.name)}"
                             for c in compiled.columns)
            parts = " UNION ALL ".join(f"SELECT unnest({col}) AS s FROM {table} "
                                       f"WHERE {col} IS NOT NULL"
                                       for table, col in self._loaded.pop(key))
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} "
                             f"FROM ({parts})")
            return
        compiled = compile(view)
        sql = view_query(compiled, files)
        if ignore_errors:
            sql = sql.replace("maximum_object_size = 67108864",
                              "maximum_object_size = 67108864, ignore_errors = true")
        import duckdb

        try:
            self.con.execute(f"CREATE OR REPLACE {self._kind} {name} AS {sql}")
        except duckdb.Error as exc:
            raise InputError("data", f"view {view.get('name', name)}: "
                             f"{_first_line(str(exc))}") from exc

    def type_counts(self, files: Sequence[str], ignore_errors: bool) -> list[tuple[str, str, int]]:
        """(file, resourceType, count) over every file: one pass, the floor of any run. With
        ``plan`` called first, the same pass also computes the rows of every planned view."""
        import duckdb

        if self._planned and sorted(files) == list(self._export.all_files):
            try:
                return self._load(ignore_errors)
            except duckdb.Error:
                # A line that is not JSON, or a view's own error: the plain count below tells
                # them apart (it fails only on the first), and the views then run one by one,
                # each reporting its own error.
                self._loaded = {}
        return self._count(files, ignore_errors)

    def _count(self, files: Sequence[str], ignore_errors: bool) -> list[tuple[str, str, int]]:
        import duckdb

        file_list = "[" + ", ".join(_q(f) for f in files) + "]"
        opts = ", ignore_errors = true" if ignore_errors else ""
        try:
            found = self.con.execute(
                f"SELECT filename, resourceType, count(*) FROM read_json({file_list}, "
                f"format = 'newline_delimited', {RECORDS}"
                f"columns = {{'resourceType': 'VARCHAR'}}, "
                f"filename = true, maximum_object_size = {READ_CHUNK}{opts}) GROUP BY ALL "
                "ORDER BY ALL").fetchall()
            return [(str(f), "" if t is None else str(t), int(n)) for f, t, n in found]
        except duckdb.Error as exc:
            raise InputError("data", _first_line(str(exc))) from exc

    def table(self, name: str, sql: str) -> None:
        """``CREATE TABLE name AS sql``."""
        self.con.execute(f"CREATE OR REPLACE {self._kind} {name} AS {sql}")

    def table_chain(self, chain: Sequence[tuple[str, str]], shared: bool = False) -> None:
        """The last table of ``chain`` ((name, SQL) each reading the ones before), in one
        query: the others are its common table expressions, never stored (the screening's
        scores per instrument, scored, populations, encounters; at 100,000 patients scored ->
        populations -> encounters took 1.0 CPU-s as three tables, 0.4 s as one query).

        ``shared``: the table is kept where the connections of ``writing`` read it too (an
        in-memory catalog, under the same memory limit), seen here by the same name."""
        *first, (name, sql) = chain
        ctes = ", ".join(f"{DIALECT.quote_ident(n)} AS (\n{q}\n)" for n, q in first)
        with_ = f"WITH {ctes} " if ctes else ""
        query = f"{with_}SELECT * FROM (\n{sql}\n)"
        if not shared:
            self.table(name, query)
            return
        self.con.execute(f"CREATE OR REPLACE TABLE {SHARED}.main.{name} AS {query}")
        self.con.execute(_shared_view(name))
        self._shared.append(name)

    @contextmanager
    def writing(self, jobs: Sequence[tuple[str, str, str]]) -> Iterator[None]:
        """Write each job's file ((query, path, csv or parquet), as ``write``) while the
        block runs, every job on its own connection at once: a COPY of a table of one row
        group (up to 122,880 rows) runs on one thread, so the screening's three output
        files took one after the other what they take side by side on two cores. The
        queries may read only tables made ``shared``. Leaving the block waits for every job
        (interrupting them if the block failed) and raises the first job's error."""
        cursors = [self.con.cursor() for _ in jobs]
        errors: list[BaseException | None] = [None] * len(jobs)

        def run(i: int, sql: str, path: str, fmt: str) -> None:
            try:
                cur = cursors[i]
                for name in self._shared:
                    cur.execute(_shared_view(name))
                _copy(cur, sql, path, fmt)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                errors[i] = exc

        threads = [threading.Thread(target=run, args=(i, *job), daemon=True)
                   for i, job in enumerate(jobs)]
        for t in threads:
            t.start()
        try:
            yield
        except BaseException:
            for cur in cursors:
                cur.interrupt()
            raise
        finally:
            for t in threads:
                t.join()
            for cur in cursors:
                cur.close()
        for exc in errors:
            if exc is not None:
                raise exc

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        return list(self.con.execute(sql).fetchall())

    def iter_rows(self, sql: str, batch: int = 8192) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched ``batch`` at a time (run nothing else on the engine
        until they are all read)."""
        cur = self.con.execute(sql)
        while rows := cur.fetchmany(batch):
            yield from rows

    def columns(self, sql: str) -> list[str]:
        """Column names of a query."""
        return [d[0] for d in self.con.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]

    def put_rows(self, name: str, columns: Sequence[tuple[str, str]],
                 rows: Iterable[tuple[Any, ...]]) -> None:
        """Create table ``name`` (columns as (name, SQL type)) holding ``rows`` (streamed to
        an NDJSON file in the work folder, or the system's temporary folder, and read back)."""
        import tempfile

        import orjson

        names = [c for c, _ in columns]
        types = "{" + ", ".join(f"{_q(c)}: {_q(t)}" for c, t in columns) + "}"
        with tempfile.NamedTemporaryFile(suffix=".ndjson", dir=self._work) as f:
            n = 0
            for r in rows:
                f.write(orjson.dumps(dict(zip(names, r, strict=True))) + b"\n")
                n += 1
            f.flush()
            cols = ", ".join(DIALECT.quote_ident(c) for c in names)
            src = (f"SELECT {cols} FROM read_json({_q(f.name)}, format = 'newline_delimited', "
                   f"columns = {types})") if n else (
                "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {DIALECT.quote_ident(c)}"
                                      for c, t in columns) + " WHERE FALSE")
            self.con.execute(f"CREATE OR REPLACE {self._kind} {name} AS {src}")

    def write(self, sql: str, path: str, fmt: str) -> None:
        """Write a query's rows to ``path`` as csv or parquet (rows in the query's order)."""
        _copy(self.con, sql, path, fmt)

    def close(self) -> None:
        """Close the connection."""
        self.con.close()
