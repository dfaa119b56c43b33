"""Which short strings every match of a regular expression starts with.

Most concepts never occur in a given note, and running a large case-insensitive pattern over a
3 KB note costs far more than a few substring checks. :func:`starts` reads a pattern with the
standard library's own parser and lists the possible first ``n`` characters of a match; a note
that contains none of them cannot match, so the pattern is not run. When the set cannot be
known exactly (``\\w+``, ``.``, a wide character class, a repeat whose start is not fixed) it
returns None and the pattern is always run: the prefilter may only skip work, never matches
(tests/notes/test_prefilter.py checks this on every concept and note).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

LIMIT = 400  # more alternatives than this: not worth checking, run the pattern


def starts(pattern: str, ignorecase: bool, n: int = 4) -> frozenset[str] | None:
    """The possible first ``n`` characters of a match (lower-cased when ``ignorecase``)."""
    try:
        tree = _parser.parse(pattern, re.IGNORECASE if ignorecase else 0)
    except re.error:
        return None
    found = _first(list(tree), n, ignorecase)
    if found is None or "" in found:
        return None
    return frozenset(found)


def _first(items: list[Any], n: int, lower: bool) -> set[str] | None:
    """Prefixes of the sequence ``items``: length ``n`` (cut) or shorter (the sequence ended)."""
    if n <= 0 or not items:
        return {""}
    head = _item(items[0], n, lower)
    if head is None:
        return None
    out: set[str] = set()
    for p in head:
        if len(p) >= n:
            out.add(p[:n])
            continue
        rest = _first(items[1:], n - len(p), lower)
        if rest is None:
            return None
        out.update(p + q for q in rest)
        if len(out) > LIMIT:
            return None
    return out


def _chars(codes: list[Any], lower: bool) -> set[str] | None:
    chars: set[str] = set()
    for op, av in codes:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 12:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return {c.lower() for c in chars} if lower else chars


def _item(item: Any, n: int, lower: bool) -> set[str] | None:
    op, av = item
    if op is _c.LITERAL:
        ch = chr(av)
        return {ch.lower() if lower else ch}
    if op is _c.IN:
        return _chars(av, lower)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return {""}  # zero width
    if op is _c.SUBPATTERN:
        return _first(list(av[-1]), n, lower)
    if op is _c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            got = _first(list(alt), n, lower)
            if got is None:
                return None
            out |= got
        return out
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        low, high, body = av
        once = _first(list(body), n, lower)
        if once is None:
            return None
        if high > 1 and any(len(p) < n for p in once):
            return None  # a second repeat could follow a short first one
        return once | {""} if low == 0 else once
    return None
