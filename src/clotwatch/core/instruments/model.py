"""The shape of an instrument: inputs that score points, bands that name categories.

An instrument is declared once, as data (see ``catalogue.py``). One generic ``evaluate``
(``engine.py``) turns answers into a ``Result``; help text, JSON Schema, web forms and
explanations are generated from the same declaration, so a criterion's points are written in
exactly one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

Number = int | float
Kind = Literal["bool", "number", "integer", "enum"]


@dataclass(frozen=True)
class Citation:
    """A primary source: readable reference plus DOI and/or PMID."""

    text: str
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None

    def __str__(self) -> str:
        ids = []
        if self.doi:
            ids.append(f"doi:{self.doi}")
        if self.pmid:
            ids.append(f"PMID:{self.pmid}")
        if self.url:
            ids.append(self.url)
        return f"{self.text}. {' '.join(ids)}".strip()


@dataclass(frozen=True)
class Tier:
    """Points for a number that falls in ``[at_least, below)`` / ``(above, at_most]``.

    Bounds that are ``None`` are open. ``label`` says the criterion in words ("> 100/min").
    """

    points: Number
    label: str
    at_least: Number | None = None
    above: Number | None = None
    below: Number | None = None
    at_most: Number | None = None

    def matches(self, value: Number) -> bool:
        """Whether ``value`` lies in this tier."""
        if self.at_least is not None and not value >= self.at_least:
            return False
        if self.above is not None and not value > self.above:
            return False
        if self.below is not None and not value < self.below:
            return False
        if self.at_most is not None and not value <= self.at_most:
            return False
        return True

    def edges(self) -> tuple[Number, ...]:
        """The finite bounds of the tier (used to pick probe values)."""
        return tuple(
            b for b in (self.at_least, self.above, self.below, self.at_most) if b is not None
        )


@dataclass(frozen=True)
class Option:
    """One allowed value of an enum input and the points it scores."""

    value: str
    label: str
    points: Number = 0


@dataclass(frozen=True)
class Condition:
    """An input counts only when another input has one of ``values`` (e.g. women-only items)."""

    input: str
    values: tuple[Any, ...]
    label: str


@dataclass(frozen=True)
class Input:
    """One input of an instrument, with how it scores.

    - ``bool``: ``points`` when answered true, 0 when false.
    - ``number``/``integer``: the first matching tier of ``tiers`` gives the points (0 if none);
      with ``graded=True`` the integer value itself is the points (Villalta items, 0-3).
    - ``enum``: the chosen option's points.
    ``group`` names a set of inputs that together score at most once (the largest member wins):
    "haemoglobin < 10 g/dL or ESA use" is one Khorana point however many of them are present.
    """

    id: str
    meaning: str
    kind: Kind
    points: Number = 0
    tiers: tuple[Tier, ...] = ()
    options: tuple[Option, ...] = ()
    minimum: Number | None = None
    maximum: Number | None = None
    unit: str | None = None
    graded: bool = False
    only_if: Condition | None = None
    group: str | None = None
    scored: bool = True

    @property
    def option_values(self) -> tuple[str, ...]:
        """The allowed enum values, in declaration order."""
        return tuple(o.value for o in self.options)

    def points_for(self, value: Any) -> Number:
        """Points that an answered (validated) value scores, before conditions and groups."""
        if not self.scored:
            return 0
        if self.kind == "bool":
            return self.points if value else 0
        if self.kind == "enum":
            for opt in self.options:
                if opt.value == value:
                    return opt.points
            raise AssertionError(f"unvalidated enum value {value!r} for {self.id}")
        if self.graded:
            return int(value)
        for tier in self.tiers:
            if tier.matches(value):
                return tier.points
        return 0

    def probe_values(self) -> tuple[Any, ...]:
        """Values that together reach every distinct outcome of this input.

        Used to find the totals and categories still possible while the input is unanswered.
        """
        if self.kind == "bool":
            return (False, True)
        if self.kind == "enum":
            return self.option_values
        if self.graded:
            first = int(self.minimum or 0)
            last = int(self.maximum if self.maximum is not None else 3)
            return tuple(range(first, last + 1))
        lo: Number = self.minimum if self.minimum is not None else 0
        hi: Number = self.maximum if self.maximum is not None else lo + 10_000
        probes: set[Number] = {lo, hi}
        for tier in self.tiers:
            for edge in tier.edges():
                for v in (edge - 1e-9, edge, edge + 1e-9):
                    if lo <= v <= hi:
                        probes.add(v)
        return tuple(sorted(probes))

    def point_range(self) -> tuple[Number, Number]:
        """Smallest and largest points this input can score."""
        pts = [self.points_for(v) for v in self.probe_values()]
        if self.only_if is not None:
            pts.append(0)
        return min(pts), max(pts)


@dataclass(frozen=True)
class Band:
    """A category for totals up to ``upto`` (inclusive) or ``below`` (exclusive).

    The last band of a scheme has neither bound: it takes every larger total.
    """

    value: str
    upto: Number | None = None
    below: Number | None = None
    label: str = ""

    def holds(self, total: Number) -> bool:
        """Whether ``total`` belongs to this band (given it is above earlier bands)."""
        if self.upto is not None:
            return total <= self.upto
        if self.below is not None:
            return total < self.below
        return True


@dataclass(frozen=True)
class Interpretation:
    """What a category means and what to do next, with the source of any figure in it."""

    text: str
    source: Citation | None = None


@dataclass(frozen=True)
class Override:
    """A rule that sets a category whatever the total (Villalta: venous ulcer = severe)."""

    input: str
    value: Any
    scheme: str
    category: str
    reason: str


# A custom classifier for rule-based instruments (YEARS, age-adjusted D-dimer). It receives
# every input id -> value or None and returns (total or None when it cannot be computed from
# what is answered, contributions as (input id, points), categories by scheme or None when an
# input it needs is unanswered). The engine finds what is still possible by enumeration.
Rule = Callable[
    [Mapping[str, Any]],
    tuple[Number | None, tuple[tuple[str, Number], ...], dict[str, str] | None],
]


@dataclass(frozen=True)
class Instrument:
    """A validated clinical instrument, declared once as data."""

    id: str
    name: str
    version: str
    citation: Citation
    inputs: tuple[Input, ...]
    schemes: Mapping[str, tuple[Band, ...]]
    primary: str
    purpose: str
    interpretations: Mapping[tuple[str, str], Interpretation] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    rule: Rule | None = None
    total_label: str = "points"
    note: str = ""
    other_citations: tuple[Citation, ...] = ()

    def __post_init__(self) -> None:
        ids = [i.id for i in self.inputs]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate input ids")
        if self.primary not in self.schemes:
            raise ValueError(f"{self.id}: primary scheme {self.primary!r} not declared")
        for scheme, bands in self.schemes.items():
            if bands[-1].upto is not None or bands[-1].below is not None:
                raise ValueError(f"{self.id}: last band of {scheme} must be open-ended")
        groups: dict[str, set[Number]] = {}
        for inp in self.inputs:
            if inp.group:
                groups.setdefault(inp.group, set()).add(inp.point_range()[1])
        for name, maxima in groups.items():
            if len(maxima) != 1:
                raise ValueError(f"{self.id}: members of group {name} must score alike")
        ids_set = set(ids)
        for inp in self.inputs:
            if inp.only_if is not None and inp.only_if.input not in ids_set:
                raise ValueError(f"{self.id}: {inp.id} depends on unknown {inp.only_if.input}")

    def input(self, input_id: str) -> Input:
        """The input with this id (KeyError if none)."""
        for inp in self.inputs:
            if inp.id == input_id:
                return inp
        raise KeyError(input_id)

    @cached_property
    def input_ids(self) -> tuple[str, ...]:
        """Ids of every input, in declaration order."""
        return tuple(i.id for i in self.inputs)

    @cached_property
    def known_ids(self) -> frozenset[str]:
        """Ids of every input, as a set for look-ups."""
        return frozenset(self.input_ids)

    def category_values(self, scheme: str) -> tuple[str, ...]:
        """The values a scheme can take, lowest first."""
        return tuple(b.value for b in self.schemes[scheme])

    def classify(self, total: Number) -> dict[str, str]:
        """The category of ``total`` under every band scheme."""
        out: dict[str, str] = {}
        for scheme, bands in self.schemes.items():
            for band in bands:
                if (band.upto is not None and total > band.upto) or (
                    band.below is not None and total >= band.below
                ):
                    continue
                out[scheme] = band.value
                break
        return out

    def input_schema(self) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of this instrument's answers object."""
        props: dict[str, Any] = {}
        for inp in self.inputs:
            prop: dict[str, Any] = {"description": inp.meaning}
            if inp.kind == "bool":
                prop["type"] = ["boolean", "null"]
            elif inp.kind == "enum":
                prop["enum"] = [*inp.option_values, None]
            else:
                prop["type"] = ["integer" if inp.kind == "integer" else "number", "null"]
                if inp.minimum is not None:
                    prop["minimum"] = inp.minimum
                if inp.maximum is not None:
                    prop["maximum"] = inp.maximum
            if inp.unit:
                prop["x-unit"] = inp.unit
            props[inp.id] = prop
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"clotwatch.instruments/{self.id}",
            "title": self.name,
            "description": f"{self.purpose} Source: {self.citation}. "
            "Every input is optional; a missing or null input is reported as missing, "
            "never read as 'no'.",
            "type": "object",
            "additionalProperties": False,
            "properties": props,
        }


def is_finite_number(value: Any) -> bool:
    """True for int/float values that are finite and not bools."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
