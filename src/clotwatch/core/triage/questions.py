"""The questionnaire as data: one ``Question`` per answer key, and the screens that ask them.

A screen is one question or a ``Group`` of yes/no items answered together ("Do any of these
apply?"). Screens are tried in ``SCREENS`` order (warning signs first, then the leg, most
telling first, then the person and risk factors), and a screen is shown only while the
disposition is not *determined*: while some way of answering the keys not yet asked (any value
or "don't know") would give a different disposition (``bounds``). So the questionnaire never
stops below (or above) what a person's full answers give.

Wording lives in the catalogues: message ids ``q.<id>.text``, ``q.<id>.help``,
``q.<id>.opt.<value>`` (enum options and number presets), and ``g.<id>.text``, ``g.<id>.help``,
``g.<id>.item.<key>`` for groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from clotwatch.core.triage.bounds import bounds
from clotwatch.core.triage.keys import KEYS, Kind
from clotwatch.core.triage.rules import LEVELS, apply_rules

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
    presets: tuple[Preset, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The answer keys this screen sets: its own."""
        return (self.id,)

    is_group = False

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

    def preset_value(self, choice: str) -> float:
        """The exact value of a preset chosen by its id (what forms carry, never a float)."""
        for preset in self.presets:
            if preset.id == choice:
                return preset.value
        raise ValueError(f"{self.id}: no choice {choice!r}")

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


_DURATION = (
    Preset("minutes", 10 / 60),       # NHS: a cramp lasts seconds up to 10 minutes
    Preset("under_hour", 0.5),
    Preset("hours", 4.0),
    Preset("day", 24.0),
    Preset("days", 72.0),
    Preset("weeks", 1000.0),          # more than 4 weeks: long-standing (about 6 weeks)
)
_TRAVEL = (
    Preset("under_4", 0.0),           # no journey of 4 hours or more
    Preset("4_plus", 4.0),            # WHO WRIGHT: risk doubles from 4 hours
)
_BEDRIDDEN = (
    Preset("under_3", 0.0),           # less than 3 days
    Preset("3_plus", 3.0),            # Wells: bedridden 3 days or more
)

QUESTIONS: tuple[Question, ...] = (
    # Warning signs first (asked together, one screen): any "yes" is an emergency.
    Question("short_of_breath", "warning"),
    Question("chest_pain", "warning"),
    Question("coughing_blood", "warning"),
    Question("fainting", "warning"),
    Question("cold_pale_numb_leg", "warning"),
    Question("fast_heartbeat", "warning"),
    # The leg.
    Question("leg_side", "leg"),
    Question("cramp", "leg"),
    Question("leg_pain", "leg"),
    Question("duration_hours", "leg", presets=_DURATION),
    Question("relieved_by_stretching", "leg"),
    Question("swelling", "leg"),
    Question("warmth", "leg"),
    Question("redness", "leg"),
    Question("pain_on_toes_up", "leg"),
    Question("getting_worse", "leg"),
    Question("worse_walking_standing", "leg"),
    Question("hard_tender_vein", "leg"),
    Question("new_visible_veins", "leg"),
    Question("fever", "leg"),
    Question("calf_difference_cm", "leg"),
    Question("recent_leg_injury", "leg"),
    Question("after_exercise", "leg"),
    Question("recurrent_cramps", "leg"),
    Question("at_night", "leg"),
    Question("leg_ulcer", "leg"),
    Question("chronic_skin_changes", "leg"),
    # About the person and risk factors.
    Question("sex", "risk"),
    Question("age_years", "risk"),
    Question("pregnancy_status", "risk"),
    Question("recent_surgery", "risk"),
    Question("leg_cast_or_immobilised", "risk"),
    Question("bedridden_days", "risk", presets=_BEDRIDDEN),
    Question("long_travel_hours", "risk", presets=_TRAVEL),
    Question("active_cancer", "risk"),
    Question("previous_clot", "risk"),
    Question("clotting_disorder", "risk"),
    Question("on_anticoagulant", "risk"),
    Question("hormones", "risk"),
    Question("family_history_clots", "risk"),
    Question("recent_covid", "risk"),
    Question("varicose_veins", "risk"),
    Question("smoker", "risk"),
    Question("bmi", "risk"),
)

QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}


@dataclass(frozen=True)
class Item:
    """One line of a group screen: the key it sets, and the values for "applies" and "does not
    apply" (for numbers, a preset on each side of the rule's threshold)."""

    key: str
    yes: Any = True
    no: Any = False


@dataclass(frozen=True)
class Group:
    """A screen of yes/no items people answer together ("Do any of these apply?"), as NHS 111
    online asks warning signs and risk factors: the ticked items are "yes", the others "no";
    "None of these" makes all "no"; "I'm not sure" leaves the unticked ones unknown."""

    id: str
    phase: Phase
    items: tuple[Item, ...]

    is_group = True

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)

    @property
    def text_id(self) -> str:
        return f"g.{self.id}.text"

    @property
    def help_id(self) -> str:
        return f"g.{self.id}.help"

    def item_id(self, key: str) -> str:
        """Message id of the item's wording."""
        return f"g.{self.id}.item.{key}"

    def message_ids(self) -> list[str]:
        return [self.text_id, self.help_id, *[self.item_id(i.key) for i in self.items]]

    def answers(self, ticked: Any, *, not_sure: bool = False,
                only: Any = None) -> dict[str, Any]:
        """The answers this screen sets: ``ticked`` keys "yes", the rest "no" (or unknown
        when ``not_sure``). ``only`` limits it to the items shown."""
        ticked = set(ticked)
        unknown = [k for k in ticked if k not in self.keys]
        if unknown:
            raise ValueError(f"{self.id}: no item {unknown[0]!r}")
        shown = self.keys if only is None else tuple(k for k in self.keys if k in set(only))
        out: dict[str, Any] = {}
        for item in self.items:
            if item.key not in shown:
                continue
            if item.key in ticked:
                out[item.key] = item.yes
            else:
                out[item.key] = None if not_sure else item.no
        return out


Screen = Question | Group


def _g(group_id: str, phase: Phase, *keys: str) -> Group:
    items = []
    for key in keys:
        q = QUESTIONS_BY_ID[key]
        if q.presets:   # a number asked as "this or more": the two presets around the rule
            items.append(Item(key, q.presets[-1].value, q.presets[0].value))
        else:
            items.append(Item(key))
    return Group(group_id, phase, tuple(items))


# Screens in the order they are asked when each can still change the result: the most telling
# first. Groups hold yes/no items a person answers together.
SCREENS: tuple[Screen, ...] = (
    _g("warning_signs", "warning", "short_of_breath", "chest_pain", "coughing_blood",
       "fainting", "cold_pale_numb_leg", "fast_heartbeat"),
    QUESTIONS_BY_ID["leg_side"],
    QUESTIONS_BY_ID["cramp"],
    _g("leg_signs", "leg", "swelling", "warmth", "redness", "pain_on_toes_up", "getting_worse",
       "worse_walking_standing", "hard_tender_vein", "new_visible_veins", "fever"),
    QUESTIONS_BY_ID["leg_pain"],
    QUESTIONS_BY_ID["duration_hours"],
    QUESTIONS_BY_ID["relieved_by_stretching"],
    QUESTIONS_BY_ID["calf_difference_cm"],
    _g("leg_history", "leg", "recent_leg_injury", "after_exercise", "recurrent_cramps",
       "at_night", "leg_ulcer", "chronic_skin_changes"),
    QUESTIONS_BY_ID["sex"],
    QUESTIONS_BY_ID["age_years"],
    QUESTIONS_BY_ID["pregnancy_status"],
    _g("risk_factors", "risk", "recent_surgery", "leg_cast_or_immobilised", "bedridden_days",
       "long_travel_hours", "active_cancer", "previous_clot", "clotting_disorder",
       "on_anticoagulant", "hormones", "family_history_clots", "recent_covid",
       "varicose_veins", "smoker"),
    QUESTIONS_BY_ID["bmi"],
)
SCREENS_BY_ID: dict[str, Screen] = {s.id: s for s in SCREENS}
SCREEN_OF: dict[str, Screen] = {k: s for s in SCREENS for k in s.keys}
# Asked before the end whatever the answers (not in an emergency): the context a clinician
# reading the summary needs.
CONTEXT = ("sex", "age_years")


def emergency_stop(answers: Mapping[str, Any]) -> bool:
    """True when the answers already call for an emergency whatever is still to be answered:
    stop asking and say what to do. (A racing heart is an emergency with leg symptoms and
    urgent without: until the leg is asked about, the questionnaire goes on.)"""
    if apply_rules(answers)[0] != LEVELS[-1]:
        return False
    return bounds(answers).low == len(LEVELS) - 1


def next_screen(answers: Mapping[str, Any]) -> Screen | None:
    """The next screen worth asking, or None when the disposition is determined (every way of
    answering what is left gives the same disposition) or an emergency.

    A key present in ``answers`` counts as asked, even when ``None`` ("don't know").
    """
    found = bounds(answers)
    if found.level == LEVELS[-1] and found.determined:
        return None
    if not found.determined:
        movers = set(found.movers)
        for screen in SCREENS:
            if movers.intersection(screen.keys):
                return screen
        raise AssertionError("open keys that move the result belong to no screen")
    for key in CONTEXT:
        if key not in answers:
            return SCREEN_OF[key]
    return None


def next_question(answers: Mapping[str, Any]) -> Screen | None:
    """The next screen (a question or a group): see ``next_screen``."""
    return next_screen(answers)


def open_keys(screen: Screen, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys of ``screen`` still to be answered (what the screen shows)."""
    return tuple(k for k in screen.keys if k not in answers)
