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
from bisect import bisect_left
from functools import lru_cache
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

LIMIT = 400  # more alternatives than this: not worth checking, run the pattern
# The characters that re.IGNORECASE matches to an ASCII letter although their lower() is not
# that letter: capital I with dot (lower() gives two characters), dotless i, long s.
# (The Kelvin sign also matches "k", and lower() gives "k".) tests/notes/test_prefilter.py
# recomputes the list.
FOLDS = frozenset("\u0130\u0131\u017f")
_NON_WORD = re.compile(r"\W")


def starts(pattern: str, ignorecase: bool, n: int = 4) -> frozenset[str] | None:
    """The possible first ``n`` characters of a match (lower-cased when ``ignorecase``)."""
    try:
        tree = _parser.parse(pattern, re.IGNORECASE if ignorecase else 0)
    except re.error:
        return None
    found = _first(list(tree), n, ignorecase)
    if found is None or "" in found or not all(p.isascii() for p in found):
        return None
    return frozenset(found)


def nonempty(pattern: str, ignorecase: bool) -> bool:
    """Whether every match of ``pattern`` holds at least one character."""
    try:
        low, _ = _parser.parse(pattern, re.IGNORECASE if ignorecase else 0).getwidth()
    except re.error:
        return False
    return bool(low > 0)


def lowered(text: str) -> str | None:
    """``text.lower()`` when every place a case-insensitive pattern with ASCII prefixes may
    match ``text`` shows in it at the same index; else None (then run the pattern)."""
    lower = text.lower()
    if len(lower) != len(text) or (not text.isascii() and not FOLDS.isdisjoint(text)):
        return None
    return lower


class Places:
    """Where, in one note, a word-bounded pattern with known starts may begin.

    Only for patterns that cannot match right after a word character (every concept's and
    cue's compiled pattern begins with such a look-behind): the places a match may begin are
    the note's word starts that begin with one of the pattern's starts. The word starts are
    indexed once per note by their first four characters, lower-cased, so that a start costs
    a dictionary look-up (a shorter start, a binary search of the sorted keys), not a scan of
    the note.
    """

    def __init__(self, text: str, lower: str) -> None:
        """``lower`` is ``lowered(text)``."""
        self._text = text
        # Not right after a word character: the start, and after each non-word character.
        at = [m.end() for m in _NON_WORD.finditer(text)]
        if at and at[-1] == len(text):
            at.pop()
        index: dict[str, list[int]] = {}
        for i in [0, *at] if text else ():
            key = lower[i : i + 4]
            found = index.get(key)
            if found is None:
                index[key] = [i]
            else:
                found.append(i)
        self._index = index
        self._keys: list[str] | None = None

    def _shorter(self, prefix: str) -> list[int]:
        """The word starts that begin with ``prefix`` (fewer than four characters)."""
        if self._keys is None:
            self._keys = sorted(self._index)
        keys = self._keys
        lo = bisect_left(keys, prefix)
        hi = bisect_left(keys, prefix[:-1] + chr(ord(prefix[-1]) + 1), lo)
        return [i for key in keys[lo:hi] for i in self._index[key]]

    def of(self, prefixes: frozenset[str], *, exact: bool = False) -> list[int]:
        """The sorted places where one of ``prefixes`` (one to four ASCII characters, as
        :func:`starts` gives them; lower-case unless ``exact``) begins a word start."""
        index = self._index
        four, shorter = _split(prefixes, exact)
        found: list[int] = []
        for key in index.keys() & four:  # most starts are four characters: one set operation
            found.extend(index[key])
        for key in shorter:
            found.extend(self._shorter(key))
        if exact:
            found = [i for i in found if any(self._text.startswith(p, i) for p in prefixes)]
        return sorted(set(found))


@lru_cache(maxsize=1024)
def _split(prefixes: frozenset[str], exact: bool) -> tuple[frozenset[str], tuple[str, ...]]:
    """The starts, lower-cased, of four characters and of fewer."""
    keys = {p.lower() if exact else p for p in prefixes}
    return (frozenset(k for k in keys if len(k) == 4),
            tuple(sorted(k for k in keys if len(k) < 4)))


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
