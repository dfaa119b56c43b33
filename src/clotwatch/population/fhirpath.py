"""A parser for the FHIRPath subset that SQL on FHIR v2 ViewDefinitions use.

The grammar follows the FHIRPath normative release (http://hl7.org/fhirpath/N1, section
"Grammar"): terms (literals, identifiers, ``$this``, ``%constant``, function calls),
invocation with ``.``, indexers ``[n]`` and the binary operators by precedence. The parser
only builds a tree; ``clotwatch.population.compile`` turns the tree into SQL for an engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clotwatch.core.errors import InputError


@dataclass(frozen=True)
class Node:
    """Base class of the expression tree."""


@dataclass(frozen=True)
class Literal(Node):
    """A literal: ``kind`` is string, integer, decimal, boolean, date, datetime, time, empty."""

    kind: str
    value: str


@dataclass(frozen=True)
class This(Node):
    """``$this``: the current item (or the start of a path)."""


@dataclass(frozen=True)
class Index(Node):
    """``$index``: the position of the current item inside ``where`` etc."""


@dataclass(frozen=True)
class Variable(Node):
    """``%name``: a ViewDefinition constant or ``%rowIndex``."""

    name: str


@dataclass(frozen=True)
class Member(Node):
    """``base.name``: children called ``name`` of every item of ``base``."""

    base: Node
    name: str


@dataclass(frozen=True)
class Call(Node):
    """``base.fn(args)``; ``base`` is ``This()`` for a call at the start of a path."""

    base: Node
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Indexer(Node):
    """``base[i]``."""

    base: Node
    index: Node


@dataclass(frozen=True)
class Unary(Node):
    """``-x`` or ``+x``."""

    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """``left op right``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class TypeOp(Node):
    """``x is T`` / ``x as T``."""

    op: str
    operand: Node
    type_name: str


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^'\\]|\\.)*')
    | (?P<dt>@\d{4}(?:-\d{2}(?:-\d{2})?)?T(?:\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?
            (?:Z|[+-]\d{2}:\d{2})?)
    | (?P<date>@\d{4}(?:-\d{2}(?:-\d{2})?)?)
    | (?P<time>@T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)
    | (?P<num>\d+(?:\.\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)
    | (?P<special>\$this|\$index|\$total)
    | (?P<var>%(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]+`|'[^']+'))
    | (?P<op><=|>=|!=|!~|[-+*/&|<>=~(),.\[\]{}])
    )""",
    re.VERBOSE,
)

# Binary operators, lowest precedence first (FHIRPath N1 section 6 "Operator precedence").
_LEVELS: tuple[tuple[str, ...], ...] = (
    ("implies",),
    ("or", "xor"),
    ("and",),
    ("in", "contains"),
    ("=", "~", "!=", "!~"),
    ("<=", "<", ">", ">="),
    ("|",),
    ("is", "as"),
    ("+", "-", "&"),
    ("*", "/", "div", "mod"),
)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            if m is None or m.end() == pos:
                raise InputError("path", f"cannot read FHIRPath {text!r} at {pos}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise InputError("path", f"FHIRPath {self.text!r} ends too early")
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, got = self.take()
        if got != value:
            raise InputError("path", f"FHIRPath {self.text!r}: expected {value!r}, got {got!r}")

    def at(self, *values: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[1] in values and tok[0] in ("op", "ident")

    def parse(self) -> Node:
        node = self.binary(0)
        if self.peek() is not None:
            raise InputError("path", f"FHIRPath {self.text!r}: unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.at(*_LEVELS[level]):
            op = self.take()[1]
            if op in ("is", "as"):
                left = TypeOp(op, left, self.type_name())
                continue
            right = self.binary(level + 1)
            left = Binary(op, left, right)
        return left

    def type_name(self) -> str:
        kind, name = self.take()
        if kind != "ident":
            raise InputError("path", f"FHIRPath {self.text!r}: expected a type name")
        while self.at(".") and self.peek(1) is not None and self.peek(1)[0] == "ident":  # type: ignore[index]
            self.take()
            name = self.take()[1]  # FHIR.Quantity -> Quantity
        return name.strip("`")

    def unary(self) -> Node:
        if self.at("-", "+"):
            op = self.take()[1]
            return Unary(op, self.unary())
        return self.postfix(self.term())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at("."):
                self.take()
                kind, name = self.take()
                if kind != "ident":
                    raise InputError("path", f"FHIRPath {self.text!r}: expected a name after '.'")
                node = self.invocation(node, name.strip("`"), kind)
            elif self.at("["):
                self.take()
                index = self.binary(0)
                self.expect("]")
                node = Indexer(node, index)
            else:
                return node

    def invocation(self, base: Node, name: str, kind: str) -> Node:
        if self.at("("):
            self.take()
            args: list[Node] = []
            if not self.at(")"):
                args.append(self.call_arg(name))
                while self.at(","):
                    self.take()
                    args.append(self.call_arg(name))
            self.expect(")")
            return Call(base, name, tuple(args))
        return Member(base, name)

    def call_arg(self, fn: str) -> Node:
        # ofType(X), getReferenceKey(X), as(X), is(X): the argument is a type specifier.
        if fn in ("ofType", "getReferenceKey", "as", "is"):
            return Literal("type", self.type_name())
        return self.binary(0)

    def term(self) -> Node:
        kind, value = self.take()
        if kind == "str":
            return Literal("string", _unescape(value[1:-1]))
        if kind == "num":
            return Literal("decimal" if "." in value else "integer", value)
        if kind == "date":
            return Literal("date", value[1:])
        if kind == "dt":
            return Literal("datetime", value[1:])
        if kind == "time":
            return Literal("time", value[2:])
        if kind == "special":
            return This() if value == "$this" else Index()
        if kind == "var":
            return Variable(value[1:].strip("`'"))
        if kind == "ident":
            if value in ("true", "false"):
                return Literal("boolean", value)
            return self.invocation(This(), value.strip("`"), kind)
        if value == "(":
            node = self.binary(0)
            self.expect(")")
            return node
        if value == "{":
            self.expect("}")
            return Literal("empty", "")
        raise InputError("path", f"FHIRPath {self.text!r}: unexpected {value!r}")


def _unescape(s: str) -> str:
    out = []
    i = 0
    table = {"'": "'", '"': '"', "`": "`", "\\": "\\", "/": "/", "f": "\f", "n": "\n",
             "r": "\r", "t": "\t"}
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt == "u" and i + 5 < len(s):
                out.append(chr(int(s[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(table.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse(text: object) -> Node:
    """Parse a FHIRPath expression; ``InputError("path", ...)`` when it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("path", f"a FHIRPath expression must be a non-empty string, got {text!r}")
    return _Parser(text).parse()
