"""Compile a SQL on FHIR v2 ViewDefinition to one SQL query for an engine.

The query reads a table ``src`` with one row per resource (the resource's top-level elements
as JSON columns; see ``root_fields``) and returns one row per view row. Every FHIRPath value is
compiled to an SQL expression of one of four kinds:

- ``coll``: a list of JSON items (an FHIRPath collection, empty list = empty collection);
- ``bool``, ``num``, ``str``: a scalar (SQL NULL = the empty collection), the result of an
  operator. FHIRPath's three-valued logic on empty operands is SQL's logic on NULL.

A select node compiles to a list of structs (its rows); forEach is a ``transform`` over the
items, sibling selects a cross product, unionAll a concatenation. So the whole view is one
expression per resource, which DuckDB and Spark both evaluate in parallel without joins. What
differs between engines (lambda syntax, JSON functions, list functions) is in a ``Dialect``.

Semantics follow the specification pages in ``../shared/benchmarks/sql-on-fhir-v2/spec``
(ViewDefinition notes, functional model); the official test suite checks them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.population import fhirpath as fp
from clotwatch.population.fhirmodel import element

# FHIR type of a column -> SQL kind of its value.
NUMERIC_TYPES = {"integer": "int", "positiveInt": "int", "unsignedInt": "int",
                 "integer64": "int", "decimal": "float"}
PRIMITIVE_SUFFIX = {
    "boolean": "Boolean", "integer": "Integer", "string": "String", "decimal": "Decimal",
    "uri": "Uri", "url": "Url", "canonical": "Canonical", "base64Binary": "Base64Binary",
    "instant": "Instant", "date": "Date", "dateTime": "DateTime", "time": "Time",
    "code": "Code", "oid": "Oid", "id": "Id", "markdown": "Markdown",
    "unsignedInt": "UnsignedInt", "positiveInt": "PositiveInt", "uuid": "Uuid",
    "integer64": "Integer64",
}
# The elements whose items are whole resources (FHIR R4 type Resource): ``ofType(Medication)``
# on them keeps the items of that resourceType. Every other ``x.ofType(T)`` is a choice element
# (``medication.ofType(Reference)`` is ``medicationReference``).
RESOURCES = frozenset({"contained", "resource"})
# Maximum depth that ``repeat`` follows (DuckDB binds nested lambdas in time exponential in
# their depth, so the unrolling is kept short); a deeper structure stops the query with an error
# rather than losing rows silently.
REPEAT_DEPTH = 6
# A column's name (ViewDefinition invariant sql-name, FHIR/sql-on-fhir-v2 input/fsh/models.fsh:
# "limited to letters, numbers, or underscores and cannot start with an underscore",
# ^[A-Za-z][A-Za-z0-9_]*$): usable as a column of any database.
SQL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Val:
    """A compiled FHIRPath value: ``kind`` is coll, bool, num, str or path (a single element
    reached by one JSON path, known single from the FHIR models); ``fhir`` a type hint."""

    kind: str
    sql: str
    fhir: str | None = None
    ftype: str | None = None  # FHIR type of the items, when the models say
    base: str = ""  # kind "path": one JSON value reached from ``base`` by ``jpath``
    jpath: str = ""
    one: bool = False  # kind "coll": at most one item (first(), last(), an index)


@dataclass(frozen=True)
class Column:
    """One output column."""

    name: str
    type: str | None
    collection: bool


class Dialect:
    """SQL for one engine. Items are JSON values; collections are lists of them."""

    name = "abstract"
    # Whether the items of a member of a collection whose FHIR type the models know keep
    # their type (``Encounter.type.coding``: Coding), so that ``where`` and ``forEach`` over
    # them read each item's elements by JSON paths (one shared ``json_extract_string`` per
    # item) as for single elements, instead of the general child-of-any-JSON form (a bound
    # list per element). Same values for data the models describe. DuckDB only: Spark's SQL
    # is kept as it was measured and tested.
    item_paths = False
    # Whether a column whose value is a collection of at most one item (``first()``) is
    # read as that item without the more-than-one check and the binding it needs, so that a
    # dialect that knows a collection's first item without building the collection
    # (``item``) never builds it. DuckDB only, as ``item_paths``.
    first_items = False

    def lam(self, params: Sequence[str], body: str) -> str:
        raise NotImplementedError

    def empty(self) -> str:
        raise NotImplementedError

    def coll_of(self, json: str) -> str:
        """The collection a JSON value stands for (NULL, JSON null -> empty; array spliced)."""
        raise NotImplementedError

    def child(self, item: str, name: str) -> str:
        """The JSON value of element ``name`` of the item (NULL if absent)."""
        raise NotImplementedError

    def root(self, name: str) -> str:
        """The JSON value of the resource's top-level element ``name``."""
        return self.quote_ident("r_" + name)

    def quote_ident(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def transform(self, coll: str, params: Sequence[str], body: str) -> str:
        raise NotImplementedError

    def items(self, coll: str, param: str) -> None:
        """Called before the body of a ``transform`` or ``filter`` over ``coll`` whose
        parameter ``param`` is an item of it is compiled: a dialect that reads the items of
        some lists typed learns here what ``param`` stands for (none by default)."""

    def filter(self, coll: str, param: str, pred: str) -> str:
        raise NotImplementedError

    def flatten(self, nested: str) -> str:
        raise NotImplementedError

    def transform_each(self, coll: str, params: Sequence[str], item: str) -> str:
        """The list of one ``item`` per item of ``coll`` (a row per item)."""
        return self.flatten(self.transform(coll, params, self.list_of([item])))

    def concat(self, parts: Sequence[str]) -> str:
        raise NotImplementedError

    def size(self, coll: str) -> str:
        raise NotImplementedError

    def item(self, coll: str, index0: str) -> str:
        """The item at a 0-based index, NULL when out of range."""
        raise NotImplementedError

    def slice1(self, coll: str, index0: str) -> str:
        """A collection of the one item at a 0-based index (empty when out of range)."""
        raise NotImplementedError

    def list_of(self, items: Sequence[str]) -> str:
        raise NotImplementedError

    def json_kind(self, item: str) -> str:
        """'string', 'number', 'boolean', 'object', 'array' or 'null' for a JSON item."""
        raise NotImplementedError

    def as_str(self, item: str) -> str:
        raise NotImplementedError

    def as_num(self, item: str) -> str:
        raise NotImplementedError

    def as_bool(self, item: str) -> str:
        raise NotImplementedError

    def num_text(self, item: str) -> str:
        """A JSON number's text as written (for the precision of lowBoundary)."""
        raise NotImplementedError

    def to_json(self, value: str, kind: str) -> str:
        """A JSON item from a scalar of kind bool, num or str."""
        raise NotImplementedError

    def lit_str(self, s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    def str_join(self, strs: str, sep: str) -> str:
        raise NotImplementedError

    def struct(self, fields: Sequence[tuple[str, str]]) -> str:
        raise NotImplementedError

    def typed_null(self, col: Column) -> str:
        raise NotImplementedError

    def error(self, message: str) -> str:
        raise NotImplementedError

    def regexp_extract(self, s: str, pattern: str, group: int) -> str:
        raise NotImplementedError

    def sql_type(self, col: Column) -> str:
        raise NotImplementedError

    def explode_rows(self, rows: str, where: str, names: Sequence[str]) -> str:
        raise NotImplementedError

    def num_str(self, n: str) -> str:
        """A number scalar as text."""
        raise NotImplementedError

    def last_day(self, date_text: str) -> str:
        """The last day of the month of a 'YYYY-MM-DD' text, as text."""
        raise NotImplementedError

    def whole_resource(self) -> str:
        """The whole resource as one JSON value."""
        return self.quote_ident("_resource")

    def null_items(self) -> str:
        """A collection of one null item (the row of forEachOrNull over nothing)."""
        raise NotImplementedError

    def index0(self, i: str) -> str:
        """A lambda's index parameter as a 0-based position."""
        return i

    def or_null(self, coll: str, name: str) -> str:
        """``coll``, or when it is empty a collection of one null item (forEachOrNull: one
        row evaluated on a null item, its columns null, %rowIndex 0); ``name`` is free for
        binding ``coll``."""
        return self.let(coll, name, f"CASE WHEN {self.size(name)} = 0 THEN {self.null_items()} "
                        f"ELSE {name} END")

    def let(self, value: str, name: str, body: str) -> str:
        """``body`` with the name ``name`` bound to ``value`` (evaluated once)."""
        return self.item(self.transform(self.list_of([value]), [name], body), "0")

    def reference_key(self, ref: str, want: str | None) -> str:
        """The id of the relative literal reference ``ref`` (text), of type ``want`` if
        given; NULL when it is none."""
        key = self.regexp_extract(ref, "([A-Za-z]+)/([^/]+)$", 2)
        rtype = self.regexp_extract(ref, "([A-Za-z]+)/([^/]+)$", 1)
        ok = f"{rtype} = {self.lit_str(want)}" if want else "TRUE"
        return f"CASE WHEN {ok} AND {key} <> '' THEN {key} END"

    def str_num(self, s: str) -> str:
        """A string scalar as a number, NULL when it is not one."""
        raise NotImplementedError

    def root_path(self, name: str) -> tuple[str, str]:
        """(base, JSON path) of the resource's top-level element ``name``."""
        raise NotImplementedError

    def json_at(self, base: str, jpath: str) -> str:
        """The JSON value at ``jpath`` of ``base`` (NULL when absent)."""
        raise NotImplementedError

    def str_at(self, base: str, jpath: str) -> str:
        """The value at ``jpath`` of ``base`` as text (NULL when absent)."""
        raise NotImplementedError

    def num_at(self, base: str, jpath: str) -> str:
        """The value at ``jpath`` of ``base`` as a number (NULL when absent or not one)."""
        raise NotImplementedError

    def num_text_at(self, base: str, jpath: str) -> str:
        """The text of the JSON number at ``jpath`` of ``base`` as written in the file."""
        return self.num_text(self.json_at(base, jpath))

    def array_at(self, base: str, jpath: str) -> str:
        """The items of the element at ``jpath`` of ``base``, which the FHIR models say is a
        list."""
        return self.coll_of(self.json_at(base, jpath))


@dataclass
class _Ctx:
    item: str | None  # None = the resource (the row of src)
    row_index: str = "0"
    item_type: str | None = None  # FHIR type of the item, when known


@dataclass
class ViewSQL:
    """A compiled view: the resource type, the root fields it reads, the columns and the SQL."""

    resource: str
    columns: tuple[Column, ...]
    root_fields: tuple[str, ...]
    sql: str
    view: Mapping[str, Any] = field(default_factory=dict)
    whole: bool = False  # the query also reads the whole resource (``_resource``)
    rows: str = ""  # per row of ``src``: the list of its view rows (structs)
    line: bool = False  # the query reads the resource's line as written (``cw_line``)
    where: str = "TRUE"  # per row of ``src``: whether the resource is in the view


def validate(view: Any) -> None:
    """Refuse a ViewDefinition that breaks the specification (``InputError``)."""
    if not isinstance(view, Mapping):
        raise InputError("view", "a ViewDefinition must be a JSON object")
    if not isinstance(view.get("resource"), str) or not view["resource"]:
        raise InputError("resource", "a ViewDefinition names the resource type it reads")
    select = view.get("select")
    if not isinstance(select, list) or not select:
        raise InputError("select", "a ViewDefinition needs at least one select")
    for w in view.get("where", []) or []:
        if not isinstance(w, Mapping) or not isinstance(w.get("path"), str):
            raise InputError("where", "each where needs a FHIRPath 'path'")


class Compiler:
    """Compiles one ViewDefinition for one dialect."""

    def __init__(self, view: Mapping[str, Any], dialect: Dialect) -> None:
        validate(view)
        self.view = view
        self.d = dialect
        self.names = (f"v{i}" for i in itertools.count())
        self.roots: set[str] = {"id"}
        self.whole = False
        self.line = False
        self.constants: dict[str, Val] = {}
        for c in view.get("constant", []) or []:
            self.constants[c["name"]] = self._constant(c)

    def fresh(self) -> str:
        return next(self.names)

    # --- constants ------------------------------------------------------------------------
    def _constant(self, c: Mapping[str, Any]) -> Val:
        name = c.get("name")
        keys = [k for k in c if k.startswith("value")]
        if not isinstance(name, str) or len(keys) != 1:
            raise InputError("constant", f"constant {name!r} needs a name and one value[x]")
        key = keys[0]
        value = c[key]
        fhir_type = key[5:6].lower() + key[6:]
        if isinstance(value, bool):
            return Val("bool", "TRUE" if value else "FALSE", "boolean")
        if isinstance(value, int | float):
            return Val("num", repr(value), fhir_type)
        return Val("str", self.d.lit_str(str(value)), fhir_type)

    # --- FHIRPath to SQL ------------------------------------------------------------------
    def path(self, text: Any, ctx: _Ctx) -> Val:
        return self.expr(fp.parse(text), ctx)

    def to_coll(self, v: Val) -> Val:
        if v.kind == "coll":
            return v
        if v.kind == "path":
            return Val("coll", self.d.coll_of(self.d.json_at(v.base, v.jpath)), v.fhir, v.ftype)
        t = self.fresh()
        item = self.d.to_json(t, v.kind)
        return Val("coll", self._let(v.sql, t, f"CASE WHEN {t} IS NULL THEN {self.d.empty()} "
                                     f"ELSE {self.d.list_of([item])} END"), v.fhir)

    def _let(self, value: str, name: str, body: str) -> str:
        """``body`` with ``name`` bound to ``value`` (evaluated once)."""
        return self.d.let(value, name, body)

    def first_item(self, v: Val) -> str:
        return self.d.item(self.to_coll(v).sql, "0")

    def to_bool(self, v: Val) -> str:
        if v.kind == "path":
            v = self.to_coll(v)
        if v.kind == "bool":
            return v.sql
        if v.kind in ("num", "str"):
            return f"({v.sql} IS NOT NULL)"
        t = self.fresh()
        # A singleton that is not a boolean is true in a boolean context (FHIRPath N1 4.5).
        body = (f"CASE WHEN {t} IS NULL THEN NULL WHEN {self.d.json_kind(t)} = 'boolean' "
                f"THEN {self.d.as_bool(t)} ELSE TRUE END")
        return self._let(self.d.item(v.sql, "0"), t, body)

    def to_num(self, v: Val) -> str:
        if v.kind == "path":
            return self.d.num_at(v.base, v.jpath)
        if v.kind == "num":
            return v.sql
        if v.kind == "str":
            return self.d.str_num(v.sql)
        if v.kind == "bool":
            return f"CAST({v.sql} AS DOUBLE)"
        return self.d.as_num(self.d.item(v.sql, "0"))

    def to_str(self, v: Val) -> str:
        if v.kind == "path":
            return self.d.str_at(v.base, v.jpath)
        if v.kind == "str":
            return v.sql
        if v.kind == "num":
            return self.d.num_str(v.sql)
        if v.kind == "bool":
            return f"CASE WHEN {v.sql} THEN 'true' WHEN NOT {v.sql} THEN 'false' END"
        return self.d.as_str(self.d.item(v.sql, "0"))

    def member(self, base: Val, name: str, ctx: _Ctx, root: bool) -> Val:
        d = self.d
        if root:
            self.roots.add(name)
            info = element(self.view["resource"], name)
            if info is not None and not info[0]:
                b, jp = d.root_path(name)
                return Val("path", "", None, info[1], b, jp)
            return Val("coll", d.coll_of(d.root(name)), None, info[1] if info else None)
        if base.kind == "path" and base.ftype:
            info = element(base.ftype, name)
            if info is not None:
                jp = f"{base.jpath}.{name}"
                if not info[0]:
                    return Val("path", "", None, info[1], base.base, jp)
                return Val("coll", d.array_at(base.base, jp), None, info[1])
        x = self.fresh()
        if d.item_paths and base.kind == "coll" and base.ftype:
            info = element(base.ftype, name)
            if info is not None:  # (a list spliced, anything else one item: as ``child``)
                d.items(base.sql, x)
                body = d.coll_of(d.json_at(x, f"$.{name}"))
                return Val("coll", d.flatten(d.transform(base.sql, [x], body)), None, info[1])
        body = self.d.coll_of(self.d.child(x, name))
        return Val("coll", self.d.flatten(self.d.transform(self.to_coll(base).sql, [x], body)))

    def expr(self, node: fp.Node, ctx: _Ctx) -> Val:
        d = self.d
        if isinstance(node, fp.Literal):
            if node.kind == "string":
                return Val("str", d.lit_str(node.value), "string")
            if node.kind in ("integer", "decimal"):
                return Val("num", node.value, node.kind)
            if node.kind == "boolean":
                return Val("bool", node.value.upper(), "boolean")
            if node.kind in ("date", "datetime", "time"):
                return Val("str", d.lit_str(node.value), node.kind)
            if node.kind == "empty":
                return Val("coll", d.empty())
            raise InputError("path", f"a type name ({node.value}) cannot stand alone")
        if isinstance(node, fp.This):
            return self.this(ctx)
        if isinstance(node, fp.Index):
            return Val("num", ctx.row_index)
        if isinstance(node, fp.Variable):
            if node.name == "rowIndex":
                return Val("num", ctx.row_index, "integer")
            if node.name not in self.constants:
                raise InputError("constant", f"%{node.name} is not a constant of this view")
            return self.constants[node.name]
        if isinstance(node, fp.Member):
            root = isinstance(node.base, fp.This) and ctx.item is None
            if isinstance(node.base, fp.This) and ctx.item is not None and ctx.item_type:
                base = Val("path", "", None, ctx.item_type, ctx.item, "$")
            else:
                base = Val("coll", "") if root else self.expr(node.base, ctx)
            return self.member(base, node.name, ctx, root)
        if isinstance(node, fp.Indexer):
            base = self.to_coll(self.expr(node.base, ctx))
            idx = self.to_num(self.expr(node.index, ctx))
            return Val("coll", d.slice1(base.sql, f"CAST({idx} AS INTEGER)"), base.fhir,
                       one=True)
        if isinstance(node, fp.Unary):
            v = self.expr(node.operand, ctx)
            return Val("num", f"(-{self.to_num(v)})") if node.op == "-" else v
        if isinstance(node, fp.Binary):
            return self.binary(node, ctx)
        if isinstance(node, fp.Call):
            return self.call(node, ctx)
        if isinstance(node, fp.TypeOp):
            return self.call(fp.Call(node.operand, "ofType" if node.op == "as" else "is",
                                     (fp.Literal("type", node.type_name),)), ctx)
        raise InputError("path", f"unsupported FHIRPath element {node!r}")

    def this(self, ctx: _Ctx) -> Val:
        if ctx.item is None:
            self.whole = True  # the resource as one JSON value
            return Val("coll", self.d.list_of([self.d.whole_resource()]))
        return Val("coll", self.d.list_of([ctx.item]))

    def binary(self, node: fp.Binary, ctx: _Ctx) -> Val:
        op = node.op
        a = self.expr(node.left, ctx)
        b = self.expr(node.right, ctx)
        if op in ("and", "or"):
            return Val("bool", f"({self.to_bool(a)} {op.upper()} {self.to_bool(b)})")
        if op == "xor":
            return Val("bool", f"({self.to_bool(a)} <> {self.to_bool(b)})")
        if op == "implies":
            return Val("bool", f"((NOT {self.to_bool(a)}) OR {self.to_bool(b)})")
        if op in ("=", "!=", "<", ">", "<=", ">=", "~", "!~"):
            sql_op = {"~": "=", "!~": "<>", "!=": "<>"}.get(op, op)
            return Val("bool", self.compare(a, b, sql_op))
        if op in ("+", "-", "*", "/", "div", "mod"):
            if op == "+" and "str" in (a.kind, b.kind) and "num" not in (a.kind, b.kind):
                return Val("str", f"({self.to_str(a)} || {self.to_str(b)})")
            x, y = self.to_num(a), self.to_num(b)
            if op == "/":
                return Val("num", f"(CAST({x} AS DOUBLE) / NULLIF(CAST({y} AS DOUBLE), 0))")
            if op == "div":
                return Val("num", f"CAST(FLOOR({x} / NULLIF({y}, 0)) AS BIGINT)")
            if op == "mod":
                return Val("num", f"({x} % NULLIF({y}, 0))")
            return Val("num", f"({x} {op} {y})")
        if op == "&":
            left, right = self.to_str(a), self.to_str(b)
            return Val("str", f"(COALESCE({left}, '') || COALESCE({right}, ''))")
        if op == "|":
            return Val("coll", self.d.concat([self.to_coll(a).sql, self.to_coll(b).sql]))
        if op in ("in", "contains"):
            item, coll = (a, b) if op == "in" else (b, a)
            x = self.fresh()
            s = self.to_str(item)
            hits = self.d.filter(self.to_coll(coll).sql, x, f"{self.d.as_str(x)} = {s}")
            return Val("bool", f"CASE WHEN {s} IS NULL THEN NULL ELSE {self.d.size(hits)} > 0 END")
        raise InputError("path", f"operator {op!r} is not supported")

    def compare(self, a: Val, b: Val, op: str) -> str:
        if a.kind == "path" and b.kind in ("path", "coll"):
            a = self.to_coll(a)
        if b.kind == "path" and a.kind == "coll":
            b = self.to_coll(b)
        kinds = {a.kind, b.kind}
        if "bool" in kinds:
            return f"({self.to_bool(a)} {op} {self.to_bool(b)})"
        if "num" in kinds:
            return f"({self.to_num(a)} {op} {self.to_num(b)})"
        if "str" in kinds:
            return f"({self.to_str(a)} {op} {self.to_str(b)})"
        # Two collections: compare as numbers when both items are numbers, else as text.
        d = self.d
        p = self.fresh()
        x, y = f"{p}.a", f"{p}.b"
        body = (f"CASE WHEN {x} IS NULL OR {y} IS NULL THEN NULL "
                f"WHEN {d.json_kind(x)} = 'number' AND {d.json_kind(y)} = 'number' "
                f"THEN {d.as_num(x)} {op} {d.as_num(y)} "
                f"WHEN {d.json_kind(x)} = 'boolean' AND {d.json_kind(y)} = 'boolean' "
                f"THEN {d.as_bool(x)} {op} {d.as_bool(y)} "
                f"ELSE {d.as_str(x)} {op} {d.as_str(y)} END")
        pair = d.list_of([d.struct([("a", d.item(a.sql, "0")), ("b", d.item(b.sql, "0"))])])
        return d.item(d.transform(pair, [p], body), "0")

    def call(self, node: fp.Call, ctx: _Ctx) -> Val:
        d = self.d
        name, args = node.name, node.args
        at_root = isinstance(node.base, fp.This) and ctx.item is None
        if name == "getResourceKey":
            if not at_root:
                raise InputError("path", "getResourceKey() is called on the resource itself")
            # the resource's id (Resource.id, 0..1 in every resource): read as the element
            # ``id`` is, a single value where the models say so (typed text, not a JSON
            # value checked for more than one item on every row)
            return self.member(Val("coll", ""), "id", ctx, True)
        if name == "ofType" and isinstance(node.base, fp.Member) and node.base.name in RESOURCES:
            # the items are resources (DomainResource.contained, Bundle.entry.resource): of a
            # type by their resourceType (FHIRPath ofType), not a choice element's suffix
            type_name = self._type_arg(args)
            coll = self.to_coll(self.expr(node.base, ctx))
            x = self.fresh()
            rtype = d.as_str(d.item(d.coll_of(d.child(x, "resourceType")), "0"))
            return Val("coll", d.filter(coll.sql, x, f"COALESCE({rtype} = {d.lit_str(type_name)}, "
                                        "FALSE)"), type_name)
        if name == "ofType" and isinstance(node.base, fp.Member):
            type_name = self._type_arg(args)
            suffix = PRIMITIVE_SUFFIX.get(type_name, type_name[:1].upper() + type_name[1:])
            rewritten = fp.Member(node.base.base, node.base.name + suffix)
            v = self.expr(rewritten, ctx)
            return replace(v, fhir=type_name)
        if name == "extension":
            # extension(url) is extension.where(url = url) (FHIR's FHIRPath extensions): so
            # compiled, the items are Extensions and their elements typed like any other's
            if len(args) != 1:
                raise InputError("path", "extension() takes one url")
            same_url = fp.Binary("=", fp.Member(fp.This(), "url"), args[0])
            return self.expr(fp.Call(fp.Member(node.base, "extension"), "where", (same_url,)),
                             ctx)
        base = self.this(ctx) if isinstance(node.base, fp.This) else self.expr(node.base, ctx)
        if base.kind == "path":
            if name in ("exists", "empty") and not args:
                test = "IS NOT NULL" if name == "exists" else "IS NULL"
                return Val("bool", f"({d.json_at(base.base, base.jpath)} {test})")
            if name == "first":
                return base
            if name == "getReferenceKey":
                return self.reference_key(base, args)
        coll = self.to_coll(base)
        if name == "where":
            x = self.fresh()
            d.items(coll.sql, x)
            cond = self.to_bool(self.expr(args[0], _Ctx(x, item_type=coll.ftype)))
            return Val("coll", d.filter(coll.sql, x, f"COALESCE({cond}, FALSE)"), base.fhir,
                       coll.ftype)
        if name == "select":
            x = self.fresh()
            inner = self.to_coll(self.expr(args[0], _Ctx(x)))
            return Val("coll", d.flatten(d.transform(coll.sql, [x], inner.sql)))
        if name == "exists":
            if args:
                x = self.fresh()
                cond = self.to_bool(self.expr(args[0], _Ctx(x)))
                hits = d.filter(coll.sql, x, f"COALESCE({cond}, FALSE)")
                return Val("bool", f"({d.size(hits)} > 0)")
            if base.kind != "coll":
                return Val("bool", f"({base.sql} IS NOT NULL)")
            return Val("bool", f"({d.size(coll.sql)} > 0)")
        if name == "empty":
            if base.kind != "coll":
                return Val("bool", f"({base.sql} IS NULL)")
            return Val("bool", f"({d.size(coll.sql)} = 0)")
        if name == "not":
            return Val("bool", f"(NOT {self.to_bool(base)})")
        if name == "first":
            return Val("coll", d.slice1(coll.sql, "0"), base.fhir, coll.ftype, one=True)
        if name == "last":
            return Val("coll", d.slice1(coll.sql, f"({d.size(coll.sql)} - 1)"), base.fhir,
                       one=True)
        if name == "count":
            return Val("num", d.size(coll.sql), "integer")
        if name == "join":
            sep = self.to_str(self.expr(args[0], ctx)) if args else "''"
            x = self.fresh()
            strs = d.transform(coll.sql, [x], d.as_str(x))
            return Val("str", f"COALESCE({d.str_join(strs, sep)}, '')")
        if name == "ofType":
            type_name = self._type_arg(args)
            kind = {"string": "string", "code": "string", "id": "string", "uri": "string",
                    "integer": "number", "decimal": "number", "boolean": "boolean"}.get(type_name)
            if kind is None:
                return Val("coll", coll.sql, type_name)
            x = self.fresh()
            pred = f"{d.json_kind(x)} = '{kind}'"
            if type_name == "integer":
                pred += f" AND {d.as_num(x)} = FLOOR({d.as_num(x)})"
            return Val("coll", d.filter(coll.sql, x, pred), type_name)
        if name == "getReferenceKey":
            want = self._type_arg(args) if args else None
            x = self.fresh()
            ref = d.as_str(d.item(d.coll_of(d.child(x, "reference")), "0"))
            keyed = d.transform(coll.sql, [x], d.reference_key(ref, want))
            y = self.fresh()
            return Val("coll", d.transform(d.filter(keyed, y, f"{y} IS NOT NULL"), [y],
                                           d.to_json(y, "str")))
        if name in ("lowBoundary", "highBoundary"):
            return self.boundary(base, name == "lowBoundary")
        raise InputError("path", f"function {name}() is not supported")

    def reference_key(self, base: Val, args: Sequence[fp.Node]) -> Val:
        """getReferenceKey() of a single Reference: the id of a relative literal reference."""
        d = self.d
        want = self._type_arg(args) if args else None
        ref = d.str_at(base.base, base.jpath + ".reference")
        t = self.fresh()
        return Val("str", self._let(ref, t, d.reference_key(t, want)), "id")

    def _type_arg(self, args: Sequence[fp.Node]) -> str:
        if len(args) != 1 or not isinstance(args[0], fp.Literal) or args[0].kind != "type":
            raise InputError("path", "expected one type name")
        return args[0].value

    def boundary(self, base: Val, low: bool) -> Val:
        """lowBoundary()/highBoundary() (FHIRPath 3.0, experimental in SQL on FHIR)."""
        d = self.d
        x = self.fresh()
        item = d.item(self.to_coll(base).sql, "0")
        fhir = base.fhir or ""
        # the digits as written (1.0 has one decimal): from the file's text where the engine
        # can reach it (a single element), else the item's own text
        text = d.num_text(x)
        if base.kind == "path":
            text = d.num_text_at(base.base, base.jpath)
            self.line = True
        digits = (f"CASE WHEN instr({text}, '.') > 0 "
                  f"THEN length({text}) - instr({text}, '.') ELSE 0 END")
        half = f"(0.5 / power(10, {digits}))"
        sign = "-" if low else "+"
        scale = f"power(10, {digits} + 1)"
        decimal = d.num_str(f"(round(({d.as_num(x)} {sign} {half}) * {scale}) / {scale})")
        if base.kind == "num":
            t = self.fresh()
            return Val("num", self._let(base.sql, t, f"{t} {sign} 0.5"), "decimal")
        s = d.as_str(x)
        if fhir == "time":
            frac = "000" if low else "999"
            pad = (f"CASE WHEN {d.json_kind(x)} <> 'string' THEN NULL "
                   f"WHEN length({s}) = 8 THEN {s} || '.{frac}' ELSE {s} END")
            return Val("str", self._let(item, x, pad), "time")
        if fhir in ("dateTime", "instant"):
            tz = "+14:00" if low else "-12:00"
            clock = "T00:00:00.000" if low else "T23:59:59.999"
            full_date = self._date_bound(s, low)
            body = (f"CASE WHEN {d.json_kind(x)} <> 'string' THEN NULL "
                    f"WHEN instr({s}, 'T') > 0 THEN {s} "
                    f"ELSE {full_date} || '{clock}{tz}' END")
            return Val("str", self._let(item, x, body), "dateTime")
        body = (f"CASE WHEN {x} IS NULL THEN NULL WHEN {d.json_kind(x)} = 'number' THEN {decimal} "
                f"WHEN {d.json_kind(x)} <> 'string' THEN NULL ELSE {self._date_bound(s, low)} END")
        return Val("str", self._let(item, x, body), fhir or None)

    def _date_bound(self, s: str, low: bool) -> str:
        if low:
            return (f"CASE WHEN length({s}) = 4 THEN {s} || '-01-01' "
                    f"WHEN length({s}) = 7 THEN {s} || '-01' ELSE substr({s}, 1, 10) END")
        last = self.d.last_day(f"{s} || '-01'")
        return (f"CASE WHEN length({s}) = 4 THEN {s} || '-12-31' "
                f"WHEN length({s}) = 7 THEN {last} ELSE substr({s}, 1, 10) END")

    # --- selects --------------------------------------------------------------------------
    def columns_of(self, node: Mapping[str, Any]) -> list[Column]:
        cols: list[Column] = []
        for c in node.get("column", []) or []:
            if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
                raise InputError("column", "each column needs a name and a path")
            if not SQL_NAME.fullmatch(c["name"]):
                raise InputError("column", f"column name {c['name']!r} is not a database name: "
                                 "letters, digits and _, starting with a letter (the spec's "
                                 "sql-name rule)")
            cols.append(Column(c["name"], c.get("type"), bool(c.get("collection", False))))
        for s in node.get("select", []) or []:
            cols.extend(self.columns_of(s))
        union = node.get("unionAll", []) or []
        if union:
            first = self.columns_of(union[0])
            for other in union[1:]:
                if [c.name for c in self.columns_of(other)] != [c.name for c in first]:
                    raise InputError("unionAll", "every branch of a unionAll needs the same "
                                     "columns in the same order")
            cols.extend(first)
        return cols

    def column_value(self, c: Mapping[str, Any], col: Column, ctx: _Ctx) -> str:
        v = self.path(c.get("path"), ctx)
        d = self.d
        if col.collection:
            coll = self.to_coll(v)
            x = self.fresh()
            return d.transform(coll.sql, [x], self.scalar(Val("coll", d.list_of([x])), col))
        if v.kind != "coll" or (v.one and d.first_items):
            return self.scalar(v, col)  # a single value (an operator's, or one element)
        t = self.fresh()
        many = d.error(f"column {col.name} has more than one value: declare it collection: true")
        check = (f"CASE WHEN {d.size(t)} > 1 THEN {many} "
                 f"ELSE {self.scalar(Val('coll', t), col)} END")
        return self._let(v.sql, t, check)

    def scalar(self, v: Val, col: Column) -> str:
        t = col.type
        if t == "boolean":
            return self.to_bool(v)
        if t in NUMERIC_TYPES:
            num = self.to_num(v)
            sql_type = "BIGINT" if NUMERIC_TYPES[t] == "int" else "DOUBLE"
            return f"CAST({num} AS {sql_type})"
        if t is None and v.kind == "coll":
            return self.d.as_str(self.d.item(v.sql, "0"))
        if t is None and v.kind == "path":
            return self.to_str(v)
        return self.to_str(v)

    def rows(self, node: Mapping[str, Any], ctx: _Ctx) -> tuple[str | None, list[tuple[str, str]]]:
        """(list-of-structs SQL or None, scalar fields) for a select node in a context."""
        for_each = node.get("forEach")
        or_null = node.get("forEachOrNull")
        repeat = node.get("repeat")
        if for_each is not None or or_null is not None or repeat is not None:
            return self.iterate(node, ctx, for_each, or_null, repeat), []
        d = self.d
        fields: list[tuple[str, str]] = []
        lists: list[tuple[str, list[str]]] = []  # (rows sql, column names)
        for c in node.get("column", []) or []:
            col = Column(c["name"], c.get("type"), bool(c.get("collection", False)))
            fields.append((col.name, self.column_value(c, col, ctx)))
        for s in node.get("select", []) or []:
            sub, subfields = self.rows(s, ctx)
            if sub is None:
                fields.extend(subfields)
            else:
                lists.append((sub, [c.name for c in self.columns_of(s)]))
        union = node.get("unionAll", []) or []
        if union:
            names = [c.name for c in self.columns_of(union[0])]
            parts = []
            for u in union:
                sub, subfields = self.rows(u, ctx)
                parts.append(sub if sub is not None else d.list_of([d.struct(subfields)]))
            lists.append((d.concat(parts), names))
        if not lists:
            return None, fields
        return self.cross(fields, lists), []

    def cross(self, fields: list[tuple[str, str]], lists: list[tuple[str, list[str]]]) -> str:
        d = self.d
        params = [self.fresh() for _ in lists]
        # The scalar fields are computed once, outside the loops over the lists, and copied
        # into each row (inside, they would be computed again for every item).
        f = self.fresh() if fields else ""
        out_fields = [(n, f"{f}.{d.quote_ident(n)}") for n, _ in fields]
        for p, (_, names) in zip(params, lists, strict=True):
            out_fields.extend((n, f"{p}.{d.quote_ident(n)}") for n in names)
        pairs = list(zip(params, lists, strict=True))
        (p, (sql, _)), outer = pairs[-1], pairs[:-1]
        body = d.transform_each(sql, [p], d.struct(out_fields))
        for p, (sql, _) in reversed(outer):
            body = d.flatten(d.transform(sql, [p], body))
        return self._let(d.struct(fields), f, body) if fields else body

    def iterate(self, node: Mapping[str, Any], ctx: _Ctx, for_each: Any, or_null: Any,
                repeat: Any) -> str:
        d = self.d
        inner = {k: v for k, v in node.items() if k not in ("forEach", "forEachOrNull", "repeat")}
        if repeat is not None:
            if not isinstance(repeat, list) or not repeat:
                raise InputError("repeat", "repeat is a list of FHIRPath expressions")
            items, item_type = self.repeat_items(repeat, ctx), None
        else:
            items_val = self.to_coll(self.path(for_each if for_each is not None else or_null, ctx))
            items, item_type = items_val.sql, items_val.ftype
        if or_null is not None:
            items = d.or_null(items, self.fresh())
        x, i = self.fresh(), self.fresh()
        d.items(items, x)
        sub, fields = self.rows(inner, _Ctx(x, row_index=d.index0(i), item_type=item_type))
        if sub is None:
            return d.transform_each(items, [x, i], d.struct(fields))
        return d.flatten(d.transform(items, [x, i], sub))

    def repeat_items(self, paths: list[Any], ctx: _Ctx) -> str:
        """Items reached by following ``paths`` recursively, depth first (each item, then
        what is below it), down to ``REPEAT_DEPTH`` levels."""
        d = self.d

        def children(c: _Ctx) -> str:
            return d.concat([self.to_coll(self.path(p, c)).sql for p in paths])

        def expand(items: str, depth: int) -> str:
            x = self.fresh()
            if depth == 0:
                below = children(_Ctx(x))
                stop = d.error(f"repeat goes deeper than {REPEAT_DEPTH} levels")
                return d.flatten(d.transform(items, [x], f"CASE WHEN {d.size(below)} > 0 "
                                             f"THEN {stop} ELSE {d.list_of([x])} END"))
            return d.flatten(d.transform(items, [x], d.concat(
                [d.list_of([x]), expand(children(_Ctx(x)), depth - 1)])))

        return expand(children(ctx), REPEAT_DEPTH)

    def compile(self) -> ViewSQL:
        d = self.d
        view = self.view
        top: Mapping[str, Any] = {"select": view["select"]}
        columns = self.columns_of(top)
        seen: set[str] = set()
        for c in columns:
            if c.name in seen:
                raise InputError("column", f"column name {c.name!r} is used twice")
            seen.add(c.name)
        for s in view["select"]:
            self._check(s)
        root = _Ctx(None)
        rows, fields = self.rows(top, root)
        conds = []
        for w in view.get("where", []) or []:
            v = self.path(w["path"], root)
            if v.kind == "path":
                v = self.to_coll(v)
            if v.kind == "coll":
                t = self.fresh()
                msg = f"where path {w['path']!r} does not give a boolean"
                conds.append(self._let(
                    d.item(v.sql, "0"), t,
                    f"CASE WHEN {t} IS NULL THEN FALSE WHEN {d.json_kind(t)} <> 'boolean' "
                    f"THEN {d.error(msg)} ELSE {d.as_bool(t)} END"))
            else:
                conds.append(f"COALESCE({self.to_bool(v)}, FALSE)")
        where = " AND ".join(conds) if conds else "TRUE"
        names = [c.name for c in columns]
        if rows is None:
            select = ", ".join(f"{sql} AS {d.quote_ident(n)}" for n, sql in fields)
            sql = f"SELECT {select} FROM src WHERE {where}"
            rows = d.list_of([d.struct(fields)])
        else:
            sql = d.explode_rows(rows, where, names)
        return ViewSQL(view["resource"], tuple(columns), tuple(sorted(self.roots)), sql, view,
                       self.whole, rows, self.line, where)

    def _check(self, node: Any) -> None:
        if not isinstance(node, Mapping):
            raise InputError("select", "each select is a JSON object")
        for key in ("forEach", "forEachOrNull"):
            if key in node and not isinstance(node[key], str):
                raise InputError(key, f"{key} must be a FHIRPath string, got {node[key]!r}")
            if key in node:
                fp.parse(node[key])
        for c in node.get("column", []) or []:
            fp.parse(c.get("path"))
        for s in (node.get("select", []) or []) + (node.get("unionAll", []) or []):
            self._check(s)


def compile_view(view: Mapping[str, Any], dialect: Dialect) -> ViewSQL:
    """Compile ``view`` for ``dialect``; ``InputError`` when the view breaks the spec."""
    return Compiler(view, dialect).compile()
