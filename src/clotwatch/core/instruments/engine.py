"""One generic ``evaluate`` for every declared instrument.

Missing answers (absent or ``None``) are never read as "no": they are listed in ``missing``,
the total counts only what was answered, and ``total_range``/``possible_categories`` say what
the unanswered inputs could still change. ``category`` is ``None`` while it is undetermined.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from clotwatch.core.errors import InputError
from clotwatch.core.instruments.model import Input, Instrument, Number, is_finite_number

# Enumerating every combination of unanswered inputs is exact but exponential; rule-based
# instruments have at most four inputs, so this bound is never reached by them.
_MAX_ENUMERATION = 20_000

# Notes on contributions (and, prefixed with the input id, in ``Result.notes``). Templates so
# that ``explain.note_text`` can put them into another language.
COUNTED_UNANSWERED = "counted although {input} is unanswered ({label})"
NOT_COUNTED = "not counted: {label}"
IN_GROUP = "already counted in its group ({group})"
NOTE_TEMPLATES = (COUNTED_UNANSWERED, NOT_COUNTED, IN_GROUP)


class Contribution(NamedTuple):
    """What one answered input added to the total."""

    input: str
    points: Number
    answer: Any
    note: str = ""


# Result and Contribution are immutable NamedTuples rather than frozen dataclasses: they are
# built on every call and a frozen dataclass's __init__ costs several times more
# (docs/benchmarks.md, "Instrument library").
class Result(NamedTuple):
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
    values, _ = _validate(instrument, answers)
    return values


def _validate(
    instrument: Instrument, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Validated values of every input (None if unanswered) and the ids left unanswered."""
    if not isinstance(answers, Mapping):
        raise InputError(None, f"answers must be an object, got {type(answers).__name__}")
    known = instrument.known_ids
    for key in answers:
        if key not in known:
            raise InputError(
                str(key),
                f"unknown input for {instrument.id}; expected one of: "
                + ", ".join(instrument.input_ids),
            )
    clean: dict[str, Any] = {}
    missing: list[str] = []
    for inp in instrument.inputs:
        value = answers.get(inp.id)
        if value is None:
            missing.append(inp.id)
        elif not (value.__class__ is bool and inp.kind == "bool"):
            value = _check(inp, value)
        clean[inp.id] = value
    return clean, tuple(missing)


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
    if instrument.rule is not None:
        values, missing = _validate(instrument, answers)
        return _evaluate_rule(instrument, values, missing)
    return _evaluate_additive(instrument, answers)


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


_new = tuple.__new__


class _Row(NamedTuple):
    """One input as the additive loop needs it, compiled once per instrument."""

    inp: Input
    id: str
    is_bool: bool
    simple: bool  # scores on its own: no group, no condition
    free: frozenset[Number]  # the points a simple input can still take while unanswered
    scored_bool: bool  # a simple, scored yes/no item: points are ``yes`` or 0
    yes: Number


class _Plan(NamedTuple):
    rows: tuple[_Row, ...]
    complex_units: tuple[tuple[Input, ...], ...]  # groups and conditional items


def _plan(instrument: Instrument) -> _Plan:
    """The instrument's scoring plan, compiled once and kept on the instrument."""
    plan: _Plan | None = instrument.__dict__.get("_plan")
    if plan is None:
        rows = []
        complex_units = []
        for members in _units(instrument):
            simple = len(members) == 1 and members[0].only_if is None and not members[0].group
            if not simple:
                complex_units.append(members)
        complex_ids = {m.id for unit in complex_units for m in unit}
        for inp in instrument.inputs:
            simple = inp.id not in complex_ids
            free = (
                frozenset(inp.points_for(v) for v in inp.probe_values()) if simple else frozenset()
            )
            is_bool = inp.kind == "bool"
            rows.append(
                _Row(
                    inp,
                    inp.id,
                    is_bool,
                    simple,
                    free,
                    simple and inp.scored and is_bool,
                    inp.points,
                )
            )
        plan = _Plan(tuple(rows), tuple(complex_units))
        # A cache, not state: the declaration itself stays frozen.
        instrument.__dict__["_plan"] = plan
    return plan


def _evaluate_additive(instrument: Instrument, answers: Mapping[str, Any]) -> Result:
    if not isinstance(answers, Mapping):
        raise InputError(None, f"answers must be an object, got {type(answers).__name__}")
    known = instrument.known_ids
    for key in answers:
        if key not in known:
            validate(instrument, answers)  # raises, naming the key
    plan = _plan(instrument)
    values: dict[str, Any] = {}
    missing: list[str] = []
    contributions: list[Contribution] = []
    notes: list[str] = []
    total: Number = 0
    # Unanswered inputs: each distinct set of points they could still add, with its count.
    free_sets: dict[frozenset[Number], int] = {}
    # One pass validates, records and (for simple inputs) scores each input.
    for row in plan.rows:
        value = answers.get(row.id)
        if value is None:
            missing.append(row.id)
            values[row.id] = None
            if row.simple and len(row.free) > 1:
                free_sets[row.free] = free_sets.get(row.free, 0) + 1
            continue
        if row.scored_bool and value.__class__ is bool:
            pts = row.yes if value else 0
        else:
            if not (row.is_bool and value.__class__ is bool):
                value = _check(row.inp, value)
            if not (row.simple and row.inp.scored):
                values[row.id] = value
                continue
            pts = row.inp.points_for(value)
        values[row.id] = value
        # tuple.__new__ skips NamedTuple's Python-level __new__ (a third of the cost here).
        contributions.append(_new(Contribution, (row.id, pts, value, "")))
        total += pts
    for members in plan.complex_units:
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
                    note = COUNTED_UNANSWERED.format(input=m.only_if.input,
                                                     label=m.only_if.label)
                    notes.append(f"{m.id}: {note}")
                elif cond_value is not None and cond_value not in m.only_if.values:
                    if pts:
                        note = NOT_COUNTED.format(label=m.only_if.label)
                    pts = 0
            if m.group and pts:
                # Members of a group score the same points, once (declaration-checked).
                if credited:
                    note = note or IN_GROUP.format(group=m.group)
                    contributions.append(Contribution(m.id, 0, values[m.id], note))
                    continue
                credited = True
            if m.scored:
                contributions.append(Contribution(m.id, pts, values[m.id], note))
            counted = max(counted, pts) if m.group else counted + pts
        total += counted
        possible = _unit_possible(instrument, members, values)
        if len(possible) > 1 or counted not in possible:
            shifted = frozenset(p - counted for p in possible)
            free_sets[shifted] = free_sets.get(shifted, 0) + 1
    # Contributions in declaration order, whatever unit they came from.
    if plan.complex_units:
        order = {k: i for i, k in enumerate(instrument.input_ids)}
        contributions.sort(key=lambda c: order[c.input])

    achievable: set[Number] = {total}
    for free, count in free_sets.items():
        if len(free) == 2 and 0 in free:
            # k unanswered items worth 0 or `step` add 0, step, ..., k * step.
            (step,) = free - {0}
            achievable = {a + i * step for a in achievable for i in range(count + 1)}
        else:
            for _ in range(count):
                achievable = {a + p for a in achievable for p in free}
    possible_cats: dict[str, tuple[str, ...]]
    if len(achievable) == 1:
        possible_cats = {s: (v,) for s, v in instrument.classify(total).items()}
    else:
        possible_cats = _reachable_bands(instrument, sorted(achievable))

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
    lo = hi = total
    if len(achievable) > 1:
        lo, hi = min(achievable), max(achievable)
    return Result(
        instrument=instrument,
        answers=values,
        total=total,
        total_range=(lo, hi),
        category=categories[instrument.primary],
        categories=categories,
        possible_categories=possible_cats,
        contributions=tuple(contributions),
        missing=tuple(missing),
        notes=tuple(notes),
    )


def _reachable_bands(instrument: Instrument, totals: list[Number]) -> dict[str, tuple[str, ...]]:
    """Per scheme, the bands that hold at least one of the ascending ``totals``.

    Bands ascend with the total, so one walk over the totals per scheme finds them.
    """
    out: dict[str, tuple[str, ...]] = {}
    for scheme, bands in instrument.schemes.items():
        seen: list[str] = []
        i = 0
        for t in totals:
            while not bands[i].holds(t):
                i += 1
            if not seen or seen[-1] != bands[i].value:
                seen.append(bands[i].value)
        out[scheme] = tuple(seen)
    return out


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
