"""Words for a result, rendered from its declaration and contributions (never from the sums)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clotwatch.core.instruments.model import Number

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
        head = f"{inst.name}: {fmt(result.total)} {inst.total_label}, {band_label(result, scheme, result.category)}."
        parts.append(head)
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
