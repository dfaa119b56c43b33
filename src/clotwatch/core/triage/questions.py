"""The questionnaire as data: one ``Question`` per answer key, in the order they are asked.

Warning signs come first (the questionnaire stops at once when one is present), then the leg,
then risk factors. A question is asked only when its condition holds and its answer could still
change the disposition (assuming the questions not yet asked get the most reassuring answer),
unless it is marked ``always`` (the context a clinician needs: which leg, age, sex,
pregnancy).

Wording lives in the catalogues: message ids ``q.<id>.text``, ``q.<id>.help`` and
``q.<id>.opt.<value>`` (for enum options and number presets).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from clotwatch.core.triage.keys import KEYS, Kind
from clotwatch.core.triage.rules import LEVELS, Facts, Probe, apply_rules

Phase = Literal["warning", "leg", "risk"]


@dataclass(frozen=True)
class Preset:
    """A ready-made answer to a number question ("a few seconds to 10 minutes" -> 10/60 h)."""

    id: str
    value: float


@dataclass(frozen=True)
class Question:
    """One question: the contract key it fills, its type, phase and when it is asked."""

    id: str
    phase: Phase
    asked_when: Callable[[Facts], bool] = lambda f: True
    always: bool = False
    presets: tuple[Preset, ...] = ()

    @property
    def kind(self) -> Kind:
        return KEYS[self.id].kind

    @property
    def options(self) -> tuple[Any, ...]:
        """Allowed answers: enum values, ``(True, False)`` for yes/no, presets' values."""
        key = KEYS[self.id]
        if key.kind == "enum":
            return key.options
        if key.kind == "bool":
            return (True, False)
        return tuple(p.value for p in self.presets)

    @property
    def minimum(self) -> float | None:
        return KEYS[self.id].minimum

    @property
    def maximum(self) -> float | None:
        return KEYS[self.id].maximum

    @property
    def unit(self) -> str | None:
        return KEYS[self.id].unit

    @property
    def text_id(self) -> str:
        return f"q.{self.id}.text"

    @property
    def help_id(self) -> str:
        return f"q.{self.id}.help"

    def option_id(self, value: Any) -> str:
        """Message id of the label for one of ``options`` (a yes/no answer, enum or preset)."""
        if isinstance(value, bool):
            return "answer.yes" if value else "answer.no"
        for preset in self.presets:
            if preset.value == value:
                return f"q.{self.id}.opt.{preset.id}"
        if self.kind == "enum" and value in self.options:
            return f"q.{self.id}.opt.{value}"
        raise ValueError(f"{self.id}: {value!r} is not one of its options")

    def message_ids(self) -> list[str]:
        ids = [self.text_id, self.help_id]
        if self.kind == "enum" or self.presets:
            ids += [self.option_id(v) for v in self.options]
        return ids


def _leg(f: Facts) -> bool:
    return f.a.get("leg_side") != "none" or f.leg_symptoms


def _cramp(f: Facts) -> bool:
    return f.yes("cramp")


def _not_cramp(f: Facts) -> bool:
    return _leg(f) and not f.yes("cramp")


def _pain_or_cramp(f: Facts) -> bool:
    return _leg(f) and (f.yes("cramp") or not f.no("leg_pain"))


def _swollen(f: Facts) -> bool:
    return _leg(f) and not f.no("swelling")


def _pregnancy_possible(f: Facts) -> bool:
    return f.pregnancy_possible


_DURATION = (
    Preset("minutes", 10 / 60),       # NHS: a cramp lasts seconds up to 10 minutes
    Preset("under_hour", 0.5),
    Preset("hours", 4.0),
    Preset("day", 24.0),
    Preset("days", 72.0),
    Preset("weeks", 1000.0),          # more than 4 weeks: long-standing (about 6 weeks)
)
_TRAVEL = (
    Preset("none", 0.0),
    Preset("under_4", 2.0),
    Preset("4_to_8", 4.0),            # WHO WRIGHT: risk doubles from 4 hours
    Preset("over_8", 8.0),
)
_BEDRIDDEN = (
    Preset("none", 0.0),
    Preset("1_2", 1.0),
    Preset("3_plus", 3.0),            # Wells: bedridden 3 days or more
)

QUESTIONS: tuple[Question, ...] = (
    # Warning signs first: any "yes" stops the questionnaire with emergency instructions.
    Question("short_of_breath", "warning", always=True),
    Question("chest_pain", "warning", always=True),
    Question("coughing_blood", "warning", always=True),
    Question("fainting", "warning", always=True),
    Question("cold_pale_numb_leg", "warning", always=True),
    Question("fast_heartbeat", "warning", always=True),
    # The leg.
    Question("leg_side", "leg", always=True),
    Question("cramp", "leg", _leg),
    Question("leg_pain", "leg", _not_cramp),
    Question("duration_hours", "leg", _pain_or_cramp, presets=_DURATION),
    Question("relieved_by_stretching", "leg", _pain_or_cramp),
    Question("pain_on_toes_up", "leg", _pain_or_cramp),
    Question("swelling", "leg", _leg),
    Question("calf_difference_cm", "leg", _swollen),
    Question("warmth", "leg", _leg),
    Question("redness", "leg", _leg),
    Question("getting_worse", "leg", _leg),
    Question("hard_tender_vein", "leg", _leg),
    Question("new_visible_veins", "leg", _leg),
    Question("fever", "leg", _leg),
    Question("leg_ulcer", "leg", _leg),
    Question("chronic_skin_changes", "leg", _leg),
    Question("worse_walking_standing", "leg", _not_cramp),
    Question("recent_leg_injury", "leg", _not_cramp),
    Question("after_exercise", "leg", _pain_or_cramp),
    Question("at_night", "leg", _cramp),
    Question("recurrent_cramps", "leg", _cramp),
    # Risk factors.
    Question("age_years", "risk", always=True),
    Question("sex", "risk", always=True),
    # Always asked when possible: it changes what other answers mean (RCOG; LEFt).
    Question("pregnancy_status", "risk", _pregnancy_possible, always=True),
    Question("recent_surgery", "risk"),
    Question("leg_cast_or_immobilised", "risk"),
    Question("bedridden_days", "risk", presets=_BEDRIDDEN),
    Question("long_travel_hours", "risk", presets=_TRAVEL),
    Question("active_cancer", "risk"),
    Question("previous_clot", "risk"),
    Question("clotting_disorder", "risk"),
    Question("hormones", "risk", lambda f: f.a.get("sex") != "male"),
    Question("on_anticoagulant", "risk"),
    Question("family_history_clots", "risk"),
    Question("recent_covid", "risk"),
    Question("varicose_veins", "risk"),
    Question("smoker", "risk"),
    Question("bmi", "risk"),
)

QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}


def _level(answers: Mapping[str, Any]) -> str:
    return apply_rules(answers)[0]


def reassured(answers: Mapping[str, Any], *, leave_out: str = "") -> dict[str, Any]:
    """The answers with every question not yet asked, that would be asked, filled with its
    most reassuring answer (questions that would not be asked stay unanswered: no cramp
    details for someone without leg symptoms)."""
    facts = Facts(answers)
    filled = {q.id: KEYS[q.id].probes[0] for q in QUESTIONS
              if q.id not in answers and q.id != leave_out and q.asked_when(facts)}
    filled.update(answers)
    return filled


def could_change(answers: Mapping[str, Any], key_id: str, probe: Probe | None = None) -> bool:
    """Could answering ``key_id`` change the disposition (the other open keys reassured)?

    ``probe`` is ``Probe(reassured(answers))`` when the caller already has it (it does not
    depend on ``key_id``: the key's own value is replaced by each probe value, and a value
    equal to the base's has the base's level).
    """
    if probe is None:
        probe = Probe(reassured(answers))
    current = probe.base.get(key_id, _MISSING)
    first: str | None = None
    for value in KEYS[key_id].probes:
        if current is not _MISSING and value == current and type(value) is type(current):
            level = probe.level
        else:
            level = probe.level_with(key_id, value)
        if first is None:
            first = level
        elif level != first:
            return True
    return False


_MISSING = object()


def is_relevant(question: Question, answers: Mapping[str, Any]) -> bool:
    """The question's own condition holds for these answers."""
    return question.asked_when(Facts(answers))


def emergency_stop(answers: Mapping[str, Any]) -> bool:
    """True when the answers already call for an emergency: stop asking and say what to do."""
    return _level(answers) == LEVELS[-1]


def next_question(answers: Mapping[str, Any]) -> Question | None:
    """The next question worth asking, or None when done (or when it is an emergency)."""
    if emergency_stop(answers):
        return None
    facts = Facts(answers)
    probe: Probe | None = None
    for question in QUESTIONS:
        if question.id in answers or not question.asked_when(facts):
            continue
        if question.always:
            return question
        if probe is None:
            probe = Probe(reassured(answers))
        if could_change(answers, question.id, probe):
            return question
    return None
