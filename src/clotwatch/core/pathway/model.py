"""The shape of a pathway: states and transitions as data, and what a step looks like.

A pathway is a table of ``State``s. A state either branches on one derived *fact* (e.g.
``ultrasound`` -> ``positive``/``negative``) or is a final outcome. When the fact is not yet
known, the state says where to go instead (``unknown``), or - when ``unknown`` is ``None`` -
the walk stops there and the state's ``step`` is what the clinician should do now. An unknown
fact is never read as a negative one: it either leads to the step that will find it out, or is
asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Anticoagulation = Literal["start", "stop", "treat"]

# Conclusions a step can carry. "not_excluded" while the work-up goes on.
CONCLUSIONS: Mapping[str, str] = {
    "not_assessed": "Not yet assessed: the pathway needs more information to start.",
    "outside_pathway": "Outside NICE NG158: refer as described; do not use this pathway.",
    "dvt_not_excluded": "DVT not yet excluded: the work-up is under way.",
    "dvt_confirmed": "DVT confirmed by proximal leg vein ultrasound.",
    "dvt_unlikely": "DVT unlikely on this work-up; consider alternative diagnoses.",
    "pe_not_excluded": "PE not yet excluded: the work-up is under way.",
    "pe_confirmed": "PE confirmed by imaging.",
    "pe_unlikely": "PE unlikely on this work-up; consider alternative diagnoses.",
    "pe_ruled_out_perc": "PE ruled out by PERC (low gestalt and all 8 criteria negative).",
    "pe_excluded_years": "PE excluded by the YEARS algorithm (no imaging needed).",
    "vte_confirmed": "Proximal DVT confirmed: treat as venous thromboembolism.",
}


@dataclass(frozen=True)
class StepSpec:
    """What to do while in a state (or, for a final state, the outcome).

    ``time_limit`` is an ISO 8601 duration ("PT4H"); ``clock`` names the input holding the
    time it runs from (when given together with ``now`` the step gets an absolute ``due_by``).
    ``not_before`` opens a window (repeat scan 6-8 days later: not_before P6D, limit P8D).
    ``anticoagulation`` says what to do about interim anticoagulation; the wording adapts to
    whether it is known to have been given.
    """

    action: str
    conclusion: str
    citations: tuple[str, ...]
    time_limit: str | None = None
    time_limit_text: str | None = None
    not_before: str | None = None
    clock: str | None = None
    anticoagulation: Anticoagulation | None = None
    final: bool = False


@dataclass(frozen=True)
class State:
    """One state of a pathway: a branch on a fact, or a step to take / outcome reached."""

    id: str
    fact: str | None = None
    on: Mapping[str, str] = field(default_factory=dict)
    unknown: str | None = None
    step: StepSpec | None = None


@dataclass(frozen=True)
class Pathway:
    """A named table of states with a start state."""

    id: str
    title: str
    start: str
    states: Mapping[str, State]
    citation: str

    def __post_init__(self) -> None:
        if self.start not in self.states:
            raise ValueError(f"{self.id}: start state {self.start!r} not declared")
        for state in self.states.values():
            targets = list(state.on.values()) + ([state.unknown] if state.unknown else [])
            for target in targets:
                if target not in self.states:
                    raise ValueError(f"{self.id}: {state.id} -> unknown state {target!r}")
            if state.fact is None and state.step is None:
                raise ValueError(f"{self.id}: {state.id} has neither a fact nor a step")
            if state.fact is not None and state.unknown is None and state.step is None:
                raise ValueError(f"{self.id}: {state.id} needs a step for an unknown fact")
            if state.step is not None and state.step.conclusion not in CONCLUSIONS:
                raise ValueError(f"{self.id}: {state.id} has unknown conclusion")


@dataclass(frozen=True)
class Missing:
    """An item the pathway needs next: which inputs answer it, and the question in words."""

    fact: str
    inputs: tuple[str, ...]
    question: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"item": self.fact, "inputs": list(self.inputs), "question": self.question}


@dataclass(frozen=True)
class Step:
    """Where the pathway stands: the next step, its time limit, the conclusion so far."""

    pathway: str
    id: str
    action: str
    time_limit: str | None
    time_limit_text: str | None
    conclusion: str
    citation: tuple[str, ...]
    missing: tuple[Missing, ...]
    final: bool
    trail: tuple[tuple[str, str, str | None], ...]
    due_by: str | None = None
    not_before: str | None = None
    overdue: bool | None = None
    ddimer: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()

    @property
    def conclusion_text(self) -> str:
        """The conclusion in words."""
        return CONCLUSIONS[self.conclusion]

    def to_dict(self) -> dict[str, Any]:
        """The step as the JSON object of the CLI and the API."""
        return {
            "pathway": self.pathway,
            "guideline": "NICE NG158",
            "step": {
                "id": self.id,
                "action": self.action,
                "time_limit": self.time_limit,
                "time_limit_text": self.time_limit_text,
                "due_by": self.due_by,
                "not_before": self.not_before,
                "overdue": self.overdue,
            },
            "conclusion": {"code": self.conclusion, "text": self.conclusion_text},
            "final": self.final,
            "citation": list(self.citation),
            "missing": [m.to_dict() for m in self.missing],
            "ddimer": dict(self.ddimer) if self.ddimer is not None else None,
            "trail": [{"state": s, "fact": f, "value": v} for s, f, v in self.trail],
            "notes": list(self.notes),
        }
