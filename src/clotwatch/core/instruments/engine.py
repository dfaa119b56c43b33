"""One generic ``evaluate`` for every declared instrument.

Missing answers (absent or ``None``) are never read as "no": they are listed in ``missing``,
the total counts only what was answered, and ``total_range``/``possible_categories`` say what
the unanswered inputs could still change. ``category`` is ``None`` while it is undetermined.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.instruments.model import Input, Instrument, Number, is_finite_number

# Enumerating every combination of unanswered inputs is exact but exponential; rule-based
# instruments have at most four inputs, so this bound is never reached by them.
_MAX_ENUMERATION = 20_000


@dataclass(frozen=True)
class Contribution:
    """What one answered input added to the total."""

    input: str
    points: Number
    answer: Any
    note: str = ""


@dataclass(frozen=True)
class Result:
    """The outcome of evaluating one instrument on one set of answers."""

    instrument: Instrument
    answers: Mapping[str, Any]
    total: Number | None
    total_range: tuple[Number, Number]
    category: str | None
    categories: Mapping[str, str | None]
    possible_categories: Mapping[str, tuple[str, ...]]
    contributions: tuple[Contribution, ...]
    missing: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Every input answered."""
        return not self.missing

    @property
    def interpretation(self) -> str:
        """One or two sentences: what the result means and the next step."""
        from clotwatch.core.instruments.explain import interpretation

        return interpretation(self)

    def to_dict(self) -> dict[str, Any]:
        """The result as the JSON object of the CLI and the API."""
        inst = self.instrument
        return {
            "instrument": inst.id,
            "name": inst.name,
            "version": inst.version,
            "total": _num(self.total),
            "total_range": [_num(self.total_range[0]), _num(self.total_range[1])],
            "category": self.category,
            "categories": dict(self.categories),
            "possible_categories": {k: list(v) for k, v in self.possible_categories.items()},
            "complete": self.complete,
            "missing": list(self.missing),
            "contributions": [
                {"input": c.input, "points": _num(c.points), "answer": c.answer}
                | ({"note": c.note} if c.note else {})
                for c in self.contributions
            ],
            "interpretation": self.interpretation,
            "citation": str(inst.citation),
            "notes": list(self.notes),
        }


def _num(value: Number | None) -> Number | None:
    """Whole floats as ints so that JSON shows 3, not 3.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def validate(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``answers`` against the declaration; return every input id -> value or None.

    Raises ``InputError`` naming the first offending input. The caller's mapping is not
    modified.
    """
    if not isinstance(answers, Mapping):
        raise InputError(None, f"answers must be an object, got {type(answers).__name__}")
    known = set(instrument.input_ids)
    for key in answers:
        if key not in known:
            raise InputError(
                str(key),
                f"unknown input for {instrument.id}; expected one of: "
                + ", ".join(instrument.input_ids),
            )
    clean: dict[str, Any] = {}
    for inp in instrument.inputs:
        value = answers.get(inp.id)
        clean[inp.id] = None if value is None else _check(inp, value)
    return clean


def _check(inp: Input, value: Any) -> Any:
    if inp.kind == "bool":
        if not isinstance(value, bool):
            raise InputError(inp.id, f"expected true or false, got {value!r}")
        return value
    if inp.kind == "enum":
        if not isinstance(value, str) or value not in inp.option_values:
            raise InputError(
                inp.id, f"expected one of {', '.join(inp.option_values)}; got {value!r}"
            )
        return value
    if not is_finite_number(value):
        raise InputError(inp.id, f"expected a number, got {value!r}")
    if inp.kind == "integer":
        if isinstance(value, float):
            if not value.is_integer():
                raise InputError(inp.id, f"expected a whole number, got {value!r}")
            value = int(value)
    unit = f" {inp.unit}" if inp.unit else ""
    if inp.minimum is not None and value < inp.minimum:
        raise InputError(inp.id, f"{value}{unit} is below the allowed minimum {inp.minimum}{unit}")
    if inp.maximum is not None and value > inp.maximum:
        raise InputError(inp.id, f"{value}{unit} is above the allowed maximum {inp.maximum}{unit}")
    return value


def evaluate(instrument: Instrument, answers: Mapping[str, Any]) -> Result:
    """Score ``answers`` with ``instrument``; see the module docstring for missing answers."""
    values = validate(instrument, answers)
    missing = tuple(k for k, v in values.items() if v is None)
    if instrument.rule is not None:
        return _evaluate_rule(instrument, values, missing)
    return _evaluate_additive(instrument, values, missing)


def _unit_points(
    instrument: Instrument, members: tuple[Input, ...], values: Mapping[str, Any]
) -> Number:
    """Points of one scoring unit (an input, or a group that scores once) for full values."""
    best: Number = 0
    for inp in members:
        pts = inp.points_for(values[inp.id])
        if inp.only_if is not None and values[inp.only_if.input] not in inp.only_if.values:
            pts = 0
        best = max(best, pts) if inp.group else pts
    return best


def _units(instrument: Instrument) -> list[tuple[Input, ...]]:
    """Scoring units in declaration order: each ungrouped input, and each group once."""
    out: list[tuple[Input, ...]] = []
    seen: set[str] = set()
    for inp in instrument.inputs:
        if inp.group is None:
            out.append((inp,))
        elif inp.group not in seen:
            seen.add(inp.group)
            out.append(tuple(i for i in instrument.inputs if i.group == inp.group))
    return out


def _unit_possible(
    instrument: Instrument, members: tuple[Input, ...], values: Mapping[str, Any]
) -> set[Number]:
    """Every point value the unit can still take, given what is answered."""
    free: list[Input] = [m for m in members if values[m.id] is None]
    for m in members:
        cond = m.only_if
        if cond is not None and values[cond.input] is None:
            free.append(instrument.input(cond.input))
    if not free:
        return {_unit_points(instrument, members, values)}
    possible: set[Number] = set()
    for combo in itertools.product(*(f.probe_values() for f in free)):
        trial = dict(values)
        trial.update({f.id: v for f, v in zip(free, combo, strict=True)})
        possible.add(_unit_points(instrument, members, trial))
    return possible


def _evaluate_additive(
    instrument: Instrument, values: Mapping[str, Any], missing: tuple[str, ...]
) -> Result:
    contributions: list[Contribution] = []
    notes: list[str] = []
    total: Number = 0
    achievable: set[Number] = {0}
    for members in _units(instrument):
        answered = [m for m in members if values[m.id] is not None]
        # Points counted now: answered members only; an unanswered condition counts the item
        # (scoring the higher risk is the safe side) and is said so in the notes.
        counted: Number = 0
        credited = False
        for m in answered:
            pts = m.points_for(values[m.id])
            note = ""
            if m.only_if is not None:
                cond_value = values[m.only_if.input]
                if cond_value is None and pts:
                    note = f"counted although {m.only_if.input} is unanswered ({m.only_if.label})"
                    notes.append(f"{m.id}: {note}")
                elif cond_value is not None and cond_value not in m.only_if.values:
                    if pts:
                        note = f"not counted: {m.only_if.label}"
                    pts = 0
            if m.group and pts:
                # Members of a group score the same points, once (declaration-checked).
                if credited:
                    note = note or f"already counted in its group ({m.group})"
                    contributions.append(Contribution(m.id, 0, values[m.id], note))
                    continue
                credited = True
            if m.scored:
                contributions.append(Contribution(m.id, pts, values[m.id], note))
            counted = max(counted, pts) if m.group else counted + pts
        total += counted
        possible = _unit_possible(instrument, members, values)
        achievable = {a + p for a in achievable for p in possible}

    lo, hi = min(achievable), max(achievable)
    possible_cats: dict[str, tuple[str, ...]] = {}
    for scheme in instrument.schemes:
        seen = {instrument.classify(t)[scheme] for t in achievable}
        possible_cats[scheme] = tuple(v for v in instrument.category_values(scheme) if v in seen)

    for ov in instrument.overrides:
        v = values[ov.input]
        if v == ov.value:
            possible_cats[ov.scheme] = (ov.category,)
            notes.append(ov.reason)
        elif v is None and ov.category not in possible_cats[ov.scheme]:
            possible_cats[ov.scheme] = tuple(
                c
                for c in instrument.category_values(ov.scheme)
                if c in possible_cats[ov.scheme] or c == ov.category
            )
    categories: dict[str, str | None] = {
        s: (vals[0] if len(vals) == 1 else None) for s, vals in possible_cats.items()
    }
    return Result(
        instrument=instrument,
        answers=dict(values),
        total=total,
        total_range=(lo, hi),
        category=categories[instrument.primary],
        categories=categories,
        possible_categories=possible_cats,
        contributions=tuple(contributions),
        missing=missing,
        notes=tuple(notes),
    )


def _evaluate_rule(
    instrument: Instrument, values: Mapping[str, Any], missing: tuple[str, ...]
) -> Result:
    assert instrument.rule is not None
    free = [instrument.input(k) for k in missing]
    combos: Iterable[tuple[Any, ...]] = itertools.product(*(f.probe_values() for f in free))
    outcomes: list[tuple[Number | None, dict[str, str]]] = []
    for n, combo in enumerate(combos):
        if n >= _MAX_ENUMERATION:  # pragma: no cover - guarded by the declaration tests
            raise AssertionError(f"{instrument.id}: too many unanswered combinations")
        trial = dict(values)
        trial.update({f.id: v for f, v in zip(free, combo, strict=True)})
        total, _, cats = instrument.rule(trial)
        assert cats is not None, f"{instrument.id}: rule gave no category for full answers"
        outcomes.append((total, cats))
    possible_cats = {
        s: tuple(v for v in instrument.category_values(s) if any(c[s] == v for _, c in outcomes))
        for s in instrument.schemes
    }
    categories: dict[str, str | None] = {
        s: (vals[0] if len(vals) == 1 else None) for s, vals in possible_cats.items()
    }
    totals = [t for t, _ in outcomes if t is not None]
    partial_total, contribs, _ = instrument.rule(values)
    contributions = tuple(Contribution(k, p, values[k]) for k, p in contribs)
    return Result(
        instrument=instrument,
        answers=dict(values),
        total=partial_total,
        total_range=(min(totals), max(totals)),
        category=categories[instrument.primary],
        categories=categories,
        possible_categories=possible_cats,
        contributions=contributions,
        missing=missing,
        notes=(),
    )
