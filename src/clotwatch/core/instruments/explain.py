"""Words for a result, rendered from its declaration and contributions (never from the sums).

Every function takes an optional ``tr`` (text, context) -> text that translates the English
pieces it puts together; the default returns them unchanged, so core stays English and pure.
The web layer passes the ``clinical`` catalogue's translator. Sentences are whole format
strings (``tr("{name}: {total} {unit}, {label}.")``) so a translator can reorder them; the
``tr("...")`` literals here are collected into the catalogue by ``clotwatch.locales.clinical``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from clotwatch.core.instruments.model import Band, Input, Number

if TYPE_CHECKING:
    from clotwatch.core.instruments.engine import Result


class Translate(Protocol):
    """``tr(text, context)``: ``text`` in the reader's language (``context`` disambiguates
    words such as a band value, which is read differently in each scheme)."""

    def __call__(self, text: str, context: str | None = None) -> str: ...


def same(text: str, context: str | None = None) -> str:
    """The identity translation: English, as declared."""
    return text


def fmt(value: Number | None) -> str:
    """A number as people write it: 3, 4.5, -2."""
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def total_unit(label: str, total: Number | None, tr: Translate = same) -> str:
    """The unit a total is counted in (``Instrument.total_label``), in the singular for
    exactly one: "1 point", "2 points"."""
    if total == 1 and label == "points":
        return tr("point")
    if total == 1 and label == "YEARS items":
        return tr("YEARS item")
    return tr(label)


def band_label(result: Result, scheme: str, value: str, tr: Translate = same) -> str:
    """The label of a category value (its id when it has no label)."""
    for band in result.instrument.schemes[scheme]:
        if band.value == value:
            return tr(band.label) if band.label else tr(band.value, scheme)
    return value


def interpretation(result: Result, tr: Translate = same) -> str:
    """What the result means and what to do next, in one or two sentences."""
    inst = result.instrument
    scheme = inst.primary
    name, unit = tr(inst.name), total_unit(inst.total_label, result.total, tr)
    parts: list[str] = []
    if result.category is not None:
        label = band_label(result, scheme, result.category, tr)
        parts.append(tr("{name}: {total} {unit}, {label}.").format(
            name=name, total=fmt(result.total), unit=unit, label=label))
        meaning = inst.interpretations.get((scheme, result.category))
        if meaning is not None:
            parts.append(tr(meaning.text))
    else:
        possible = tr(" or ").join(
            band_label(result, scheme, v, tr) for v in result.possible_categories[scheme]
        )
        lo, hi = result.total_range
        counted = (
            tr("{total} {unit} from the answered inputs").format(
                total=fmt(result.total), unit=unit)
            if result.total is not None
            else tr("no total yet")
        )
        parts.append(tr(
            "{name}: incomplete ({missing} of {count} inputs unanswered: {ids}); {counted}. "
            "With the unanswered inputs the result could be {low} to {high}, so it could be "
            "{possible}: answer them before acting on this score."
        ).format(name=name, missing=len(result.missing), count=len(inst.inputs),
                 ids=", ".join(result.missing), counted=counted, low=fmt(lo), high=fmt(hi),
                 possible=possible))
    for note in result.notes:
        parts.append(note_text(result, note, tr))
    return " ".join(parts)


def note_text(result: Result, note: str, tr: Translate = same,
              names: Mapping[str, str] | None = None) -> str:
    """One of ``result.notes`` in the reader's language (the engine writes them in English).

    ``names`` (input id -> words) names the inputs in words instead of by id, as the web pages
    do; without it the ids stay, as the API and the CLI show them.
    """
    from clotwatch.core.instruments.engine import COUNTED_UNANSWERED

    words = names or {}
    for inp in result.instrument.inputs:
        cond = inp.only_if
        if cond is None:
            continue
        english = COUNTED_UNANSWERED.format(input=cond.input, label=cond.label)
        if note == f"{inp.id}: {english}":
            return f"{words.get(inp.id, inp.id)}: " + tr(COUNTED_UNANSWERED).format(
                input=words.get(cond.input, cond.input), label=tr(cond.label))
    return tr(note)


def kind_text(inp: Input, tr: Translate = same) -> str:
    """The type of an input in words: yes/no, one of ..., number 20..300 beats/min."""
    if inp.kind == "bool":
        return tr("yes/no")
    if inp.kind == "enum":
        return tr("one of: {options}").format(options=", ".join(inp.option_values))
    rng = ""
    if inp.minimum is not None or inp.maximum is not None:
        rng = f" {fmt(inp.minimum)}..{fmt(inp.maximum)}"
    unit = f" {tr(inp.unit)}" if inp.unit else ""
    kind = tr("whole number") if inp.kind == "integer" else tr("number")
    return f"{kind}{rng}{unit}"


def points_text(inp: Input, tr: Translate = same) -> str:
    """How an input scores, in words: '+1 if yes', '> 100 beats/min: 1.5', 'the grade'."""
    if not inp.scored:
        return tr("used by the rule")
    if inp.kind == "bool":
        if not inp.points:
            return ""
        sign = "+" if inp.points > 0 else ""
        text = tr("{points} if yes").format(points=f"{sign}{fmt(inp.points)}")
        cond = f" ({tr(inp.only_if.label)})" if inp.only_if else ""
        return f"{text}{cond}"
    if inp.kind == "enum":
        return "; ".join(f"{o.value} {fmt(o.points)}" for o in inp.options if o.points)
    if inp.graded:
        return tr("the grade (0-3)")
    return "; ".join(f"{tr(t.label)}: {fmt(t.points)}" for t in inp.tiers if t.points)


def bands_text(bands: Sequence[Band], tr: Translate = same, scheme: str | None = None) -> str:
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
        rng = tr(" and ").join(p for p in (low, high) if p) or tr("any")
        parts.append(f"{tr(band.value, scheme)} ({rng})")
        low = f"> {fmt(band.upto)}" if band.upto is not None else f">= {fmt(band.below)}"
    return "; ".join(parts)
