"""Which code sets a record's codings fall in, all sets at once (issue 13: speed).

``derive`` asks of each Condition whether it is coded in one code set after another (cancer,
DVT, PE, pregnancy, the 20 rules of ``CONDITION_RULES``, and every condition set to tell an
unrecognised code): about 700 ``CodeSet.match`` calls for 15 Conditions. ``names_of`` answers
them together: one dictionary look-up per coding in an index of the exact codes of every code
set, then the prefix/range entries of that coding's system.

The answer is exactly ``{cs.id for cs in all_codesets() if cs.match(codings) is not None}``
(tests/fhir/test_fhir_matching.py compares the two on every code of every set and on real
records): ``match`` finds an entry for a list of codings when it finds one for some coding,
and for one coding it reads only its system and code. RxNorm codings go to ``match`` itself
(a product is read through its ingredients there).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from clotwatch.fhir.codes import RXNORM, CodeEntry, all_codesets, codeset


@cache
def _index() -> tuple[dict[str, dict[str, frozenset[str]]],
                      dict[str, tuple[tuple[str, CodeEntry], ...]], tuple[str, ...]]:
    """Per system: exact code (upper case) -> the sets listing it; the other entries
    (prefixes, ranges) with their set; and the sets that read RxNorm products by name."""
    exact: dict[str, dict[str, set[str]]] = {}
    patterns: dict[str, list[tuple[str, CodeEntry]]] = {}
    for cs in all_codesets():
        for entry in cs.codes:
            if entry.code is not None:
                exact.setdefault(entry.system, {}).setdefault(entry.code.upper(),
                                                              set()).add(cs.id)
            else:
                patterns.setdefault(entry.system, []).append((cs.id, entry))
    products = tuple(cs.id for cs in all_codesets() if cs.names)
    return ({system: {code: frozenset(names) for code, names in codes.items()}
             for system, codes in exact.items()},
            {system: tuple(entries) for system, entries in patterns.items()}, products)


def names_of(codings: Iterable[Any]) -> frozenset[str]:
    """The ids of the code sets in which any of ``codings`` falls (as ``CodeSet.match``)."""
    exact, patterns, products = _index()
    out: set[str] = set()
    for coding in codings:
        system = getattr(coding, "system", None)
        code = getattr(coding, "code", None)
        if system == RXNORM:
            for name in products:
                if name not in out and codeset(name).match([coding]) is not None:
                    out.add(name)
        if not code:
            continue
        codes = exact.get(system or "")
        if codes is not None:
            out.update(codes.get(code.strip().upper(), ()))
        for name, entry in patterns.get(system or "", ()):
            if name not in out and entry.matches(system, code):
                out.add(name)
    return frozenset(out)


@cache
def names_of_kind(kind: str) -> frozenset[str]:
    """The ids of the code sets of one kind (``condition``, ``observation``, ...)."""
    return frozenset(cs.id for cs in all_codesets() if cs.kind == kind)
