"""Code sets (LOINC, SNOMED CT, ICD-10, ATC, RxNorm) loaded from the JSON files beside this
module, each with its sources; and matching of FHIR codings against them.

A finding comes from a code, never from display text alone: a medicine's RxNorm product code
(clinical or branded drug, pack) is matched through its ingredients in ``rxnorm_products.json``
(RxNorm's own relationships), and ``CodeSet.mentioned`` finds a name in the text only so that
the reason can say what was seen and not counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CodeEntry:
    """One code, a code prefix (ICD-10 I26 matches I26.9), or a range of 3-character codes."""

    system: str
    display: str
    code: str | None = None
    prefix: str | None = None
    range: tuple[str, str] | None = None
    basis: str | None = None  # D-dimer only: FEU or DDU fixed by the LOINC code
    component: str | None = None  # a panel code: the value is in this component (LOINC)
    numeric: tuple[int, int] | None = None  # numeric codes in this range (CPT 10004-69990)
    pcs_approach: str | None = None  # ICD-10-PCS: with ``prefix``, these 5th characters

    def matches(self, system: str | None, code: str | None) -> bool:
        """Whether a coding (system, code) falls under this entry."""
        if system != self.system or not code:
            return False
        code = code.strip().upper()
        if self.code is not None:
            return code == self.code.upper()
        if self.pcs_approach is not None and self.prefix is not None:
            return (len(code) == 7 and code.startswith(self.prefix.upper())
                    and code[4] in self.pcs_approach)
        if self.prefix is not None:
            return code.startswith(self.prefix.upper())
        if self.numeric is not None:
            return code.isdigit() and self.numeric[0] <= int(code) <= self.numeric[1]
        if self.range is not None:
            head = code[:3]
            return self.range[0] <= head <= self.range[1]
        return False


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@dataclass(frozen=True)
class Product:
    """An RxNorm product (clinical/branded drug or pack) and its ingredients (IN names)."""

    code: str
    tty: str
    name: str
    ingredients: tuple[str, ...]


@cache
def _products() -> dict[str, Product]:
    raw = json.loads(resources.files("clotwatch.fhir").joinpath(
        "rxnorm_products.json").read_text(encoding="utf-8"))
    return {p["code"]: Product(p["code"], p["tty"], p["name"], tuple(p["ingredients"]))
            for p in raw["products"]}


def rxnorm_products() -> tuple[Product, ...]:
    """Every RxNorm product ``rxnorm_products.json`` holds, in code order."""
    return tuple(p for _, p in sorted(_products().items()))


def rxnorm_product(code: str | None) -> Product | None:
    """The RxNorm product with this code, if the table holds it."""
    return _products().get(code.strip()) if code else None


@dataclass(frozen=True)
class Answer:
    """A coded answer to a questionnaire item, with the least quantity it stands for."""

    question: str
    code: str
    display: str
    at_least: float


_UNSEEN = object()
# Answers remembered per code set (70 sets: at most 140,000 small entries in a process; a CDS
# call needs about 85, the codings of one hospital's traffic a few thousand at most).
MATCH_CACHE_SIZE = 2_000


@dataclass(frozen=True)
class CodeSet:
    """A named set of codes (and, for medicines, ingredient names) with its sources."""

    id: str
    description: str
    kind: str
    codes: tuple[CodeEntry, ...]
    sources: tuple[str, ...]
    names: tuple[str, ...] = ()
    unit: str | None = None
    note: str = ""
    answers: tuple[Answer, ...] = ()

    def answer(self, question: str | None, codings: Iterable[Any]) -> Answer | None:
        """The answer of ``question`` (a LOINC code) among ``codings``, if one is known."""
        for coding in codings:
            for a in self.answers:
                if a.question == question and getattr(coding, "code", None) == a.code and (
                        getattr(coding, "system", None) == "http://loinc.org"):
                    return a
        return None

    @cached_property
    def _index(self) -> dict[str, tuple[dict[str, tuple[int, CodeEntry]],
                                        tuple[tuple[int, CodeEntry], ...]]]:
        """Per system: exact codes (upper case) to their first entry and its position, and
        the other entries (prefixes, ranges) with their positions, in file order."""
        out: dict[str, tuple[dict[str, tuple[int, CodeEntry]], list[tuple[int, CodeEntry]]]] = {}
        for position, entry in enumerate(self.codes):
            exact, patterns = out.setdefault(entry.system, ({}, []))
            if entry.code is not None:
                exact.setdefault(entry.code.upper(), (position, entry))
            else:
                patterns.append((position, entry))
        return {system: (exact, tuple(patterns)) for system, (exact, patterns) in out.items()}

    @cached_property
    def _any_name(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in self.names) + r")\b")

    @cached_property
    def _matched(self) -> dict[tuple[Any, ...], CodeEntry | None]:
        return {}

    def match(self, codings: Iterable[Any]) -> CodeEntry | None:
        """The entry a coding matches (directly, or an RxNorm product through an ingredient
        in ``names``), or None. Display text is not read.

        Answers are remembered by the codings themselves (issue 13: a CDS call matched each
        of its 36 Observations against ten code sets, 300 matches a call). A coding read
        from JSON (``clotwatch.fhir.elements``) is an object that is never changed, and the
        Codings of strings are the same objects from call to call; a coding that cannot be a
        key (an R4B model, a ``SimpleNamespace``) is matched every time. Bounded."""
        key = tuple(codings)
        memo = self._matched
        try:
            found = memo.get(key, _UNSEEN)
        except TypeError:  # unhashable
            return self._match(key)
        if found is _UNSEEN:
            found = self._match(key)
            if len(memo) >= MATCH_CACHE_SIZE:
                memo.clear()
            memo[key] = found
        return found  # type: ignore[return-value]

    def _match(self, codings: tuple[Any, ...]) -> CodeEntry | None:
        for coding in codings:
            system = getattr(coding, "system", None)
            code = getattr(coding, "code", None)
            index = self._index.get(system or "")
            if index is None or not code:
                continue
            exact, patterns = index
            # The first entry (in file order) that matches, as a scan of every entry finds:
            # an exact code by dictionary, then only the pattern entries listed before it.
            hit = exact.get(code.strip().upper())
            for position, entry in patterns:
                if hit is not None and position > hit[0]:
                    break
                if entry.matches(system, code):
                    return entry
            if hit is not None:
                return hit[1]
        if not self.names:
            return None
        for coding in codings:
            if getattr(coding, "system", None) != RXNORM:
                continue
            product = rxnorm_product(getattr(coding, "code", None))
            if product is None:
                continue
            found = [i for i in product.ingredients if i in self.names]
            if found:
                return CodeEntry(system=RXNORM, code=product.code,
                                 display=f"{product.name} (RxNorm {product.tty}; "
                                         f"{', '.join(found)})")
        return None

    def mentioned(self, codings: Iterable[Any], text: str | None = None) -> str | None:
        """An ingredient name of this set seen in the text or a coding's display (for the
        reason only: such a mention is never counted as the finding)."""
        if self._any_name is None:
            return None
        codings = list(codings)
        blob = " ".join([text or ""] + [getattr(c, "display", None) or ""
                                        for c in codings]).lower()
        found = self._any_name.search(blob)
        return found.group(0) if found else None


def _entry(raw: Mapping[str, Any]) -> CodeEntry:
    rng = raw.get("range")
    numeric = raw.get("numeric")
    return CodeEntry(
        system=raw["system"],
        display=raw.get("display", ""),
        code=raw.get("code"),
        prefix=raw.get("prefix"),
        range=(rng[0], rng[1]) if rng else None,
        basis=raw.get("basis"),
        component=raw.get("component"),
        numeric=(int(numeric[0]), int(numeric[1])) if numeric else None,
        pcs_approach=raw.get("pcs_approach"),
    )


@cache
def codeset(name: str) -> CodeSet:
    """Load the code set ``name`` (e.g. ``"heart_rate"``) from ``codesets/<name>.json``."""
    text = resources.files("clotwatch.fhir").joinpath("codesets", f"{name}.json").read_text(
        encoding="utf-8"
    )
    raw = json.loads(text)
    return CodeSet(
        id=raw["id"],
        description=raw["description"],
        kind=raw["kind"],
        codes=tuple(_entry(c) for c in raw["codes"]),
        sources=tuple(raw["sources"]),
        names=tuple(raw.get("names", ())),
        unit=raw.get("unit"),
        note=raw.get("note", ""),
        answers=tuple(Answer(a["question"], a["code"], a["display"], float(a["at_least"]))
                      for a in raw.get("answers", ())),
    )


def all_codesets() -> tuple[CodeSet, ...]:
    """Every code set shipped, sorted by id."""
    folder = resources.files("clotwatch.fhir").joinpath("codesets")
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
    return tuple(codeset(n) for n in names)
