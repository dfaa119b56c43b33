"""Words for a result, rendered from its declaration and contributions (never from the sums)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from clotwatch.core.instruments.model import Band, Input, Number

if TYPE_CHECKING:
    from clotwatch.core.instruments.engine import Result


def fmt(value: Number | None) -> str:
    """A number as people write it: 3, 4.5, -2."""
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def band_label(result: Result, scheme: str, value: str) -> str:
    """The label of a category value (its id when it has no label)."""
    for band in result.instrument.schemes[scheme]:
        if band.value == value:
            return band.label or band.value
    return value


def interpretation(result: Result) -> str:
    """What the result means and what to do next, in one or two sentences."""
    inst = result.instrument
    scheme = inst.primary
    parts: list[str] = []
    if result.category is not None:
        label = band_label(result, scheme, result.category)
        parts.append(f"{inst.name}: {fmt(result.total)} {inst.total_label}, {label}.")
        meaning = inst.interpretations.get((scheme, result.category))
        if meaning is not None:
            parts.append(meaning.text)
    else:
        possible = " or ".join(
            band_label(result, scheme, v) for v in result.possible_categories[scheme]
        )
        lo, hi = result.total_range
        counted = (
            f"{fmt(result.total)} {inst.total_label} from the answered inputs"
            if result.total is not None
            else "no total yet"
        )
        parts.append(
            f"{inst.name}: incomplete ({len(result.missing)} of {len(inst.inputs)} inputs "
            f"unanswered: {', '.join(result.missing)}); {counted}. With the unanswered inputs "
            f"the result could be {fmt(lo)} to {fmt(hi)}, so it could be {possible}: answer "
            "them before acting on this score."
        )
    for note in result.notes:
        parts.append(note)
    return " ".join(parts)


def kind_text(inp: Input) -> str:
    """The type of an input in words: yes/no, one of ..., number 20..300 beats/min."""
    if inp.kind == "bool":
        return "yes/no"
    if inp.kind == "enum":
        return "one of: " + ", ".join(inp.option_values)
    rng = ""
    if inp.minimum is not None or inp.maximum is not None:
        rng = f" {fmt(inp.minimum)}..{fmt(inp.maximum)}"
    unit = f" {inp.unit}" if inp.unit else ""
    return f"{'whole number' if inp.kind == 'integer' else 'number'}{rng}{unit}"


def points_text(inp: Input) -> str:
    """How an input scores, in words: '+1 if yes', '> 100 beats/min: 1.5', 'the grade'."""
    if not inp.scored:
        return "used by the rule"
    if inp.kind == "bool":
        if not inp.points:
            return ""
        sign = "+" if inp.points > 0 else ""
        cond = f" ({inp.only_if.label})" if inp.only_if else ""
        return f"{sign}{fmt(inp.points)} if yes{cond}"
    if inp.kind == "enum":
        return "; ".join(f"{o.value} {fmt(o.points)}" for o in inp.options if o.points)
    if inp.graded:
        return "the grade (0-3)"
    return "; ".join(f"{t.label}: {fmt(t.points)}" for t in inp.tiers if t.points)


def bands_text(bands: Sequence[Band]) -> str:
    """A scheme's bands in words: 'unlikely (<= 1); likely (> 1)'."""
    parts = []
    low = ""
    for band in bands:
        if band.upto is not None:
            high = f"<= {fmt(band.upto)}"
        elif band.below is not None:
            high = f"< {fmt(band.below)}"
        else:
            high = ""
        rng = " and ".join(p for p in (low, high) if p) or "any"
        parts.append(f"{band.value} ({rng})")
        low = f"> {fmt(band.upto)}" if band.upto is not None else f">= {fmt(band.below)}"
    return "; ".join(parts)
