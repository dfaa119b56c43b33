"""Check answers that come from outside the rules (a language model) against the note.

An outside answer is a *claim*: an input, a value, and the words of the note that say so (a
quote, placed either by character offsets or by the number of its sentence). A claim is kept
only when it passes the same evidence rules as the rule-based extraction:

- the input belongs to the instrument and the rules left it missing (the rules, and coded data
  before them, win; a claim never overwrites an answer);
- the value is valid for the input (yes/no, a number in the input's range that is written in
  the quote, one of the options);
- the quote is non-empty, lies inside one sentence, and is exactly the note's text at the
  claimed place (``note[start:end] == quote``, or the quote occurs in the claimed sentence);
- ConText (:mod:`clotwatch.core.notes.context`) does not contradict it: a *yes*, a number or
  an option must have a status the input's rule accepts (so a denied, past-only,
  hypothetical, relative's or uncertain finding is refused), and a *no* needs words that deny
  it, with the categories the rule asks of a denial ("no history of DVT" for a previous DVT).

Everything here is pure (no I/O); the HTTP adapter is :mod:`clotwatch.notes.llm`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clotwatch.core.instruments.model import Input, Instrument
from clotwatch.core.notes.engine import Document, Evidence, Extraction, Missing, RuleSet

MAX_QUOTE = 400
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Refusal:
    """A claim that was not accepted, and why."""

    input: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """``{"input": ..., "reason": ...}``."""
        return {"input": self.input, "reason": self.reason}


def _value_problem(inp: Input, value: Any) -> str | None:
    if inp.kind == "bool":
        return None if isinstance(value, bool) else "the value is not yes/no"
    if inp.kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "the value is not a number"
        if not math.isfinite(value):
            return "the value is not a finite number"
        if (inp.minimum is not None and value < inp.minimum) or (
            inp.maximum is not None and value > inp.maximum
        ):
            return f"{value:g} is outside {inp.minimum}-{inp.maximum}"
        if inp.kind == "integer" and float(value) != int(value):
            return "the value is not a whole number"
        return None
    if inp.kind == "enum":
        return None if value in inp.option_values else "the value is not one of the options"
    return f"inputs of kind {inp.kind!r} are not taken from a model"


def _number_in(quote: str, value: float) -> bool:
    for m in _NUMBER.finditer(quote):
        try:
            if abs(float(m.group(0).replace(",", ".")) - float(value)) < 1e-6:
                return True
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            continue
    return False


def _place(doc: Document, raw: Mapping[str, Any], quote: str) -> tuple[int, int] | str:
    """The claimed span as offsets, or the reason it cannot be placed."""
    text = doc.text
    start, end = raw.get("start"), raw.get("end")
    if isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool) \
            and not isinstance(end, bool):
        if not (0 <= start < end <= len(text)) or text[start:end] != quote:
            return "the quoted words are not in the note at the claimed place"
        return start, end
    sentence = raw.get("sentence")
    if isinstance(sentence, int) and not isinstance(sentence, bool):
        if not 0 <= sentence < len(doc.sentences):
            return f"the note has no sentence {sentence}"
        sent = doc.sentences[sentence]
        at = sent.text.find(quote)
        if at < 0:
            return f"the quoted words are not in sentence {sentence}"
        return sent.start + at, sent.start + at + len(quote)
    return "the claim says neither where (start, end) nor in which sentence the words are"


def _negation_inside(doc: Document, quote: str) -> set[str]:
    """Categories of denial cues inside the quoted words ("denies haemoptysis")."""
    cats: set[str] = set()
    for h in doc.rules.context.hits(quote):
        if "negated" in h.cue.categories and h.cue.direction in ("forward", "backward",
                                                                  "bidirectional"):
            cats.update(h.cue.categories)
    return cats


def check_claims(
    doc: Document,
    instrument: Instrument,
    base: Extraction,
    claims: Iterable[Any],
) -> tuple[list[Evidence], list[Refusal]]:
    """The claims that pass the evidence rules, as evidence, and the refused ones."""
    rules: RuleSet = doc.rules
    table = rules.instruments.get(instrument.id, {})
    inputs = {i.id: i for i in instrument.inputs}
    accepted: list[Evidence] = []
    refused: list[Refusal] = []
    taken: set[str] = set(base.inputs)
    for raw in claims:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("input"), str):
            refused.append(Refusal("?", "a claim must be an object naming an input"))
            continue
        input_id = raw["input"]
        inp = inputs.get(input_id)
        if inp is None:
            refused.append(Refusal(input_id, f"{instrument.id} has no such input"))
            continue
        if input_id in taken:
            why = ("already answered by the rules (they win)" if input_id in base.inputs
                   else "answered twice; the first answer is kept")
            refused.append(Refusal(input_id, why))
            continue
        value: Any = raw.get("value")
        problem = _value_problem(inp, value)
        if problem:
            refused.append(Refusal(input_id, problem))
            continue
        quote = raw.get("quote")
        if not isinstance(quote, str) or not quote.strip() or len(quote) > MAX_QUOTE:
            refused.append(Refusal(input_id, f"a claim needs a quote of 1-{MAX_QUOTE} "
                                             "characters from the note"))
            continue
        placed = _place(doc, raw, quote)
        if isinstance(placed, str):
            refused.append(Refusal(input_id, placed))
            continue
        start, end = placed
        sent = doc.sentence_at(start)
        if sent is None or end > sent.end:
            refused.append(Refusal(input_id, "the quoted words cross a sentence boundary"))
            continue
        status, cats, cue = doc.assertion(sent, start, end)
        inner = _negation_inside(doc, quote)
        rule = table.get(input_id)
        accept = set(rule.accept) if rule is not None else {"present"}
        says_no = value is False
        if says_no:
            denial = (cats | inner) if (status == "negated" or inner) else set()
            need = set(rule.negation_needs) if rule is not None else set()
            if not denial or not need <= denial:
                refused.append(Refusal(input_id, "a 'no' needs words in the note that deny "
                                                 "it" + (f" ({', '.join(sorted(need))})"
                                                         if need else "")))
                continue
            status = "negated"
        else:
            if status == "negated" or inner:
                refused.append(Refusal(input_id, "the note denies it (ConText: negated)"))
                continue
            if status not in accept:
                refused.append(Refusal(input_id, f"the words are {status} (ConText), which "
                                                 "does not answer this input"))
                continue
            if inp.kind in ("number", "integer") and not _number_in(quote, float(value)):
                refused.append(Refusal(input_id, f"{value:g} is not written in the quote"))
                continue
        if inp.kind == "integer":
            value = int(value)
        elif inp.kind == "number":
            value = float(value)
        accepted.append(Evidence(input_id, value, status, sent.text, start, end, cue))
        taken.add(input_id)
    return accepted, refused


def merged(base: Extraction, accepted: Iterable[Evidence]) -> Extraction:
    """``base`` with the accepted claims added (their inputs leave the missing list)."""
    extra = list(accepted)
    got = {e.input for e in extra}
    inputs = dict(base.inputs)
    inputs.update({e.input: e.value for e in extra})
    missing: tuple[Missing, ...] = tuple(m for m in base.missing if m.input not in got)
    return Extraction(base.instrument, inputs, (*base.evidence, *extra), missing)
