"""A prototype of a faster additive path for the instrument engine: a proposal, not core code.

``core/instruments/engine.py`` is owned by the instrument library; this file shows, with
figures, what the changes proposed in docs/benchmarks.md ("Instrument library") would buy.
``evaluate_fast`` returns a ``Result`` equal to ``engine.evaluate``'s (``check_equal`` compares
them on random answers for every additive instrument) and differs only in how it computes it:

1. a per-instrument *plan* compiled once (cached): the known input ids as a frozenset, the
   scoring units, and for each simple unit (one input, no group, no condition) the set of
   points it can still take when unanswered; the engine recomputes ``_units``, ``input_ids``
   and probe values on every call;
2. answered simple units add one number to the total instead of going through
   ``_unit_possible`` (which copies the answers dict for every probe combination);
3. the set of achievable totals is convolved only with the *unanswered* units;
4. each achievable total is classified once for all schemes (the engine calls ``classify``,
   which classifies every scheme, once per total per scheme).

Grouped and conditional units (Khorana, Caprini) and rule-based instruments go through the
engine's own code, so their semantics cannot drift.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.instruments import engine
from clotwatch.core.instruments.engine import Contribution, Result
from clotwatch.core.instruments.model import Input, Instrument, Number


@dataclass(frozen=True)
class _Plan:
    known: frozenset[str]
    units: tuple[tuple[Input, ...], ...]
    simple: tuple[bool, ...]
    free_points: tuple[frozenset[Number], ...]


_PLANS: dict[int, _Plan] = {}


def _plan(inst: Instrument) -> _Plan:
    plan = _PLANS.get(id(inst))
    if plan is None:
        units = tuple(engine._units(inst))
        simple = tuple(
            len(u) == 1 and u[0].group is None and u[0].only_if is None for u in units
        )
        free = tuple(
            frozenset(u[0].points_for(v) for v in u[0].probe_values()) if s else frozenset()
            for u, s in zip(units, simple, strict=True)
        )
        plan = _Plan(frozenset(inst.input_ids), units, simple, free)
        _PLANS[id(inst)] = plan
    return plan


def evaluate_fast(inst: Instrument, answers: Mapping[str, Any]) -> Result:
    """Same result as ``engine.evaluate`` (see the module docstring for what differs)."""
    if inst.rule is not None or inst.overrides:
        return engine.evaluate(inst, answers)
    plan = _plan(inst)
    if not isinstance(answers, Mapping):
        raise InputError(None, f"answers must be an object, got {type(answers).__name__}")
    for key in answers:
        if key not in plan.known:
            raise InputError(
                str(key),
                f"unknown input for {inst.id}; expected one of: " + ", ".join(inst.input_ids),
            )
    values: dict[str, Any] = {}
    for inp in inst.inputs:
        v = answers.get(inp.id)
        values[inp.id] = None if v is None else engine._check(inp, v)
    missing = tuple(k for k, v in values.items() if v is None)

    total: Number = 0
    contributions: list[Contribution] = []
    notes: list[str] = []
    free_sets: list[frozenset[Number] | set[Number]] = []
    for members, is_simple, free in zip(plan.units, plan.simple, plan.free_points, strict=True):
        if is_simple:
            inp = members[0]
            v = values[inp.id]
            if v is None:
                free_sets.append(free)
                continue
            pts = inp.points_for(v)
            if inp.scored:
                contributions.append(Contribution(inp.id, pts, v, ""))
            total += pts
            continue
        # Grouped or conditional unit: the engine's own logic, unchanged.
        counted: Number = 0
        credited = False
        for m in (m for m in members if values[m.id] is not None):
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
                if credited:
                    note = note or f"already counted in its group ({m.group})"
                    contributions.append(Contribution(m.id, 0, values[m.id], note))
                    continue
                credited = True
            if m.scored:
                contributions.append(Contribution(m.id, pts, values[m.id], note))
            counted = max(counted, pts) if m.group else counted + pts
        total += counted
        free_sets.append(_shifted(engine._unit_possible(inst, members, values), counted))

    achievable: set[Number] = {total}
    for s in free_sets:
        achievable = {a + p for a in achievable for p in s}
    by_total = {t: inst.classify(t) for t in achievable}
    possible_cats: dict[str, tuple[str, ...]] = {}
    for scheme in inst.schemes:
        seen = {c[scheme] for c in by_total.values()}
        possible_cats[scheme] = tuple(v for v in inst.category_values(scheme) if v in seen)
    categories: dict[str, str | None] = {
        s: (vals[0] if len(vals) == 1 else None) for s, vals in possible_cats.items()
    }
    return Result(
        instrument=inst,
        answers=dict(values),
        total=total,
        total_range=(min(achievable), max(achievable)),
        category=categories[inst.primary],
        categories=categories,
        possible_categories=possible_cats,
        contributions=tuple(contributions),
        missing=missing,
        notes=tuple(notes),
    )


def _shifted(possible: set[Number], counted: Number) -> set[Number]:
    # ``total`` already holds ``counted`` for this unit; convolve with the difference.
    return {p - counted for p in possible}


def _random_answers(inst: Instrument, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for inp in inst.inputs:
        if rng.random() < 0.35:
            continue  # unanswered
        if inp.kind == "bool":
            out[inp.id] = rng.random() < 0.5
        elif inp.kind == "enum":
            out[inp.id] = rng.choice(inp.option_values)
        else:
            lo = inp.minimum if inp.minimum is not None else 0
            hi = inp.maximum if inp.maximum is not None else 100
            probes = [v for v in inp.probe_values() if lo <= v <= hi]
            v = rng.choice(probes + [rng.uniform(lo, hi)])
            out[inp.id] = round(v) if inp.kind == "integer" else v
    return out


def check_equal(n: int = 3000, seed: int = 1) -> int:
    """Compare ``evaluate_fast`` with ``engine.evaluate`` on random answers; return cases run."""
    from clotwatch.instruments import INSTRUMENTS

    rng = random.Random(seed)
    runs = 0
    for inst in INSTRUMENTS.values():
        for _ in range(n // len(INSTRUMENTS)):
            answers = _random_answers(inst, rng)
            a, b = engine.evaluate(inst, answers), evaluate_fast(inst, answers)
            assert a == b, (inst.id, answers, a, b)
            runs += 1
    return runs


if __name__ == "__main__":
    print(f"evaluate_fast == engine.evaluate on {check_equal()} random cases")
