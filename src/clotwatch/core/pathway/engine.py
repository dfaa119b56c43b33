"""Walk a pathway's state table over what is known and return the next step."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.instruments.explain import Translate, same
from clotwatch.core.pathway.facts import (
    FACTS,
    INPUT_BY_ID,
    Context,
    parse_datetime,
    validate,
)
from clotwatch.core.pathway.model import Missing, Pathway, Step, StepSpec
from clotwatch.core.pathway.tables import PATHWAYS

_DURATION = re.compile(r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?")


def duration(text: str) -> timedelta:
    """A small ISO 8601 duration ("PT4H", "P8D", "PT0S") as a timedelta."""
    m = _DURATION.fullmatch(text)
    if m is None:
        raise ValueError(f"unsupported ISO 8601 duration {text!r}")
    parts = {k: int(v) for k, v in m.groupdict().items() if v}
    return timedelta(
        days=parts.get("d", 0), hours=parts.get("h", 0),
        minutes=parts.get("m", 0), seconds=parts.get("s", 0),
    )


def get_pathway(pathway_id: str) -> Pathway:
    """The pathway ``dvt`` or ``pe``; InputError otherwise."""
    try:
        return PATHWAYS[pathway_id]
    except (KeyError, TypeError):
        raise InputError("pathway", f"unknown pathway {pathway_id!r}; use dvt or pe") from None


def run(pathway_id: str, inputs: Mapping[str, Any], now: datetime | str | None = None,
        tr: Translate = same) -> Step:
    """The next step of pathway ``dvt`` or ``pe`` given what is known.

    ``inputs`` maps input ids (``facts.INPUTS``) to values; a missing or ``None`` value is
    unknown and is asked for, never read as negative. ``now`` (timezone-aware) enables time
    limits with absolute deadlines and lets an elapsed 4-hour window count as "not within
    4 hours". Raises ``InputError`` naming the offending input. ``tr`` words the step's texts
    (action, time limit, questions, notes) in another language; the default keeps the English
    of the tables (the API and the CLI). Codes, ids, values and citations are never translated.
    """
    pathway = get_pathway(pathway_id)
    when = None if now is None else parse_datetime(now, "now")
    ctx = Context(pathway.id, validate(pathway.id, inputs), when, [], {}, tr)
    state = pathway.states[pathway.start]
    trail: list[tuple[str, str, str | None]] = []
    missing: list[Missing] = []
    for _ in range(len(pathway.states) + 1):
        if state.fact is None:
            break
        fact = FACTS[state.fact]
        value = fact.derive(ctx)
        trail.append((state.id, fact.id, value))
        if value is None:
            missing.append(Missing(fact.id, fact.inputs, tr(fact.question)))
            if state.unknown is None:
                break
            state = pathway.states[state.unknown]
            continue
        if value not in state.on:
            raise AssertionError(f"{pathway.id}:{state.id} has no transition for {value!r}")
        state = pathway.states[state.on[value]]
    else:  # pragma: no cover - the table is acyclic; this guards a broken edit
        raise AssertionError(f"{pathway.id}: the walk did not end")
    spec = state.step
    assert spec is not None
    return _step(pathway, state.id, spec, ctx, trail, missing)


def _step(
    pathway: Pathway,
    state_id: str,
    spec: StepSpec,
    ctx: Context,
    trail: list[tuple[str, str, str | None]],
    missing: list[Missing],
) -> Step:
    tr = ctx.tr
    limit_text = tr(spec.time_limit_text) if spec.time_limit_text else spec.time_limit_text
    due_by = not_before = None
    overdue: bool | None = None
    notes = list(ctx.notes)
    if spec.clock and spec.time_limit:
        started = ctx.get(spec.clock)
        if started is not None:
            due = started + duration(spec.time_limit)
            due_by = due.isoformat()
            if spec.not_before:
                not_before = (started + duration(spec.not_before)).isoformat()
            if ctx.now is not None and not spec.final:
                if not_before is not None and ctx.now < started + duration(spec.not_before or ""):
                    notes.append(tr("Not yet due: the window opens at {time}.").format(
                        time=not_before))
                overdue = ctx.now > due
                if overdue:
                    notes.append(tr("Overdue: the time limit ({limit}) ended at {time}.").format(
                        limit=limit_text, time=due_by))
        elif spec.not_before:
            notes.append(tr("Give {input} to get the dates of the window.").format(
                input=spec.clock, label=tr(INPUT_BY_ID[spec.clock].meaning)))
    action = _with_anticoagulation(spec, ctx.get("interim_anticoagulation"), tr)
    return Step(
        pathway=pathway.id,
        id=state_id,
        action=action,
        time_limit=spec.time_limit,
        time_limit_text=limit_text,
        conclusion=spec.conclusion,
        citation=spec.citations,
        missing=tuple(missing),
        final=spec.final,
        trail=tuple(trail),
        due_by=due_by,
        not_before=not_before,
        overdue=overdue,
        ddimer=dict(ctx.ddimer_detail) or None,
        notes=tuple(notes),
    )


_START = (
    "Start interim therapeutic anticoagulation (one that can be continued if the diagnosis is "
    "confirmed: normally apixaban or rivaroxaban; LMWH if these are unsuitable)."
)


def _with_anticoagulation(spec: StepSpec, given: bool | None, tr: Translate = same) -> str:
    """The action text with what to do about interim anticoagulation, given what is known."""
    action = tr(spec.action)
    if spec.anticoagulation == "start":
        lead = tr("Continue interim therapeutic anticoagulation.") if given else tr(_START)
        return f"{lead} {action}"
    if spec.anticoagulation == "stop":
        if given is None:
            return tr("{action} Stop interim anticoagulation if it was started.").format(
                action=action)
        if given:
            return tr("{action} Stop interim anticoagulation.").format(action=action)
        return action
    if spec.anticoagulation == "treat":
        return tr("{action} (See NICE NG158 1.2 for the choice and duration of treatment.)"
                  ).format(action=action)
    return action
