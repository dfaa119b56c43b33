"""Plausible people and walks through the questionnaire: the validation of ``next_question``.

``people(n, seed)`` draws full answer sets from eight stories (an ordinary cramp, a strain, a
DVT-like leg, both legs, long-standing symptoms, cellulitis, phlebitis, no leg symptoms), with
risk factors at realistic rates and "don't know" sprinkled in. ``walk(person)`` answers the
questionnaire screen by screen from the person's answers, as ``clotwatch check`` and the web
pages do. ``check(person)`` compares the walk's disposition with ``decide`` on the full answers
and, at the walk's end, tries every key left unasked (singly, and in pairs when ``pairs``):
none may give a different disposition. ``clotwatch triage validate`` runs it at scale
(docs/validation/triage.md). Pure: the random generator is passed in, seeded, by the caller.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from clotwatch.core.triage.bounds import DOMAIN, level_of
from clotwatch.core.triage.keys import KEYS
from clotwatch.core.triage.questions import Screen, next_screen
from clotwatch.core.triage.rules import LEVELS


class Rng(Protocol):
    """What the simulation draws with (``random.Random``, seeded by the caller)."""

    def random(self) -> float: ...
    def choice(self, seq: Any) -> Any: ...
    def randint(self, a: int, b: int) -> int: ...
    def uniform(self, a: float, b: float) -> float: ...

STORIES = ("cramp", "strain", "dvt", "both_legs", "chronic", "cellulitis", "phlebitis", "none")
WARNINGS = ("short_of_breath", "chest_pain", "coughing_blood", "fainting",
            "cold_pale_numb_leg", "fast_heartbeat")
RISKS = {"recent_surgery": 0.06, "leg_cast_or_immobilised": 0.03, "active_cancer": 0.04,
         "previous_clot": 0.06, "clotting_disorder": 0.02, "on_anticoagulant": 0.04,
         "hormones": 0.12, "family_history_clots": 0.08, "recent_covid": 0.03,
         "varicose_veins": 0.15, "smoker": 0.15}


def _person(rng: Rng, story: str, dont_know: float) -> dict[str, Any]:
    r = rng.random
    a: dict[str, Any] = {k: r() < 0.02 for k in WARNINGS}   # a few with a warning sign
    a["sex"] = rng.choice(("female", "male", "male", "female", "other"))
    a["age_years"] = rng.randint(14, 95)
    fertile = a["sex"] != "male" and 10 <= a["age_years"] <= 55
    a["pregnancy_status"] = (rng.choice(("pregnant", "postpartum")) if fertile and r() < 0.08
                             else "no")
    for k, p in RISKS.items():
        a[k] = r() < p
    a["bedridden_days"] = rng.choice((0, 0, 0, 0, 1, 2, 3, 5, 10)) if r() < 0.3 else 0
    a["long_travel_hours"] = rng.choice((0, 1, 2, 3.5, 4, 6, 9, 14)) if r() < 0.3 else 0
    a["bmi"] = round(rng.uniform(18, 42), 1)
    leg = {k: False for k in ("leg_pain", "cramp", "swelling", "warmth", "redness",
                              "hard_tender_vein", "new_visible_veins", "pain_on_toes_up",
                              "getting_worse", "worse_walking_standing", "fever",
                              "recent_leg_injury", "after_exercise", "at_night",
                              "recurrent_cramps", "leg_ulcer", "chronic_skin_changes")}
    a.update(leg)
    a["relieved_by_stretching"] = None if r() < 0.5 else False
    a["calf_difference_cm"] = None
    side = rng.choice(("left", "right"))
    if story == "cramp":
        a.update(leg_side=side, leg_pain=True, cramp=True, relieved_by_stretching=r() < 0.9,
                 duration_hours=rng.choice((0.02, 0.05, 0.1, 10 / 60, 0.25, 0.5)),
                 at_night=r() < 0.6, after_exercise=r() < 0.3, recurrent_cramps=r() < 0.2)
    elif story == "strain":
        a.update(leg_side=side, leg_pain=True, recent_leg_injury=r() < 0.8,
                 after_exercise=r() < 0.7, worse_walking_standing=r() < 0.7,
                 duration_hours=rng.choice((2, 12, 24, 48, 96)), getting_worse=r() < 0.15,
                 swelling=r() < 0.2)
    elif story == "dvt":
        a.update(leg_side=side, leg_pain=r() < 0.9, swelling=r() < 0.8, warmth=r() < 0.5,
                 redness=r() < 0.4, pain_on_toes_up=r() < 0.4, getting_worse=r() < 0.6,
                 worse_walking_standing=r() < 0.6, hard_tender_vein=r() < 0.2,
                 new_visible_veins=r() < 0.1, duration_hours=rng.choice((6, 24, 48, 120, 300)),
                 calf_difference_cm=rng.choice((None, None, 1.5, 2.5, 3, 4.5)))
    elif story == "both_legs":
        a.update(leg_side="both", swelling=r() < 0.8, leg_pain=r() < 0.4, warmth=r() < 0.15,
                 redness=r() < 0.15, getting_worse=r() < 0.3, pain_on_toes_up=r() < 0.1,
                 duration_hours=rng.choice((12, 48, 200, 1000)),
                 calf_difference_cm=rng.choice((None, None, 0, 1, 3.5)))
    elif story == "chronic":
        a.update(leg_side=side, leg_pain=r() < 0.8, swelling=r() < 0.5,
                 chronic_skin_changes=r() < 0.6, leg_ulcer=r() < 0.2, getting_worse=r() < 0.2,
                 worse_walking_standing=r() < 0.5, duration_hours=rng.choice((700, 1000, 5000)),
                 varicose_veins=r() < 0.5)
    elif story == "cellulitis":
        a.update(leg_side=side, leg_pain=True, redness=True, warmth=True, swelling=r() < 0.7,
                 fever=r() < 0.7, getting_worse=r() < 0.7, duration_hours=rng.choice((12, 48)))
    elif story == "phlebitis":
        a.update(leg_side=side, leg_pain=True, hard_tender_vein=True, redness=r() < 0.7,
                 warmth=r() < 0.5, varicose_veins=r() < 0.6, duration_hours=rng.choice((24, 72)))
    else:
        a.update(leg_side="none", duration_hours=None, relieved_by_stretching=None)
    if a["leg_side"] == "none" or not a["cramp"]:
        a["relieved_by_stretching"] = None if a["leg_side"] == "none" or r() < 0.7 \
            else a["relieved_by_stretching"]
    for k in list(a):
        if r() < dont_know:
            a[k] = None
    return a


def people(n: int, rng: Rng, *, dont_know: float = 0.04
           ) -> Iterator[tuple[str, dict[str, Any]]]:
    """``n`` (story, full answers) drawn with ``rng`` (the caller seeds it: core has no
    source of randomness of its own)."""
    for i in range(n):
        story = STORIES[i % len(STORIES)]
        yield story, _person(rng, story, dont_know)


def walk(person: Mapping[str, Any]) -> tuple[dict[str, Any], list[Screen]]:
    """Answer the questionnaire from ``person``'s answers; the answers given and the screens."""
    answers: dict[str, Any] = {}
    screens: list[Screen] = []
    while (screen := next_screen(answers)) is not None:
        screens.append(screen)
        for key in screen.keys:
            if key not in answers:
                answers[key] = person.get(key)
        if len(screens) > 60:
            raise AssertionError("the questionnaire does not end")
    return answers, screens


@dataclass
class Report:
    """Figures of a validation run."""

    walks: int = 0
    lower: int = 0        # the walk ended below the full answers' disposition
    higher: int = 0       # ... above it
    end_checks: int = 0   # completions of the unasked keys tried at the walks' ends
    end_moves: int = 0    # ... that gave another disposition
    screens: dict[str, list[int]] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        per_story = {s: {"walks": len(v), "max_screens": max(v), "mean_screens":
                         round(sum(v) / len(v), 2)} for s, v in sorted(self.screens.items())}
        return {"walks": self.walks, "walk_below_full_answers": self.lower,
                "walk_above_full_answers": self.higher, "end_state_checks": self.end_checks,
                "end_state_changes": self.end_moves, "screens": per_story,
                "examples": self.examples[:5]}


def check(story: str, person: Mapping[str, Any], report: Report, *, pairs: bool) -> None:
    """Walk ``person``, compare with the full answers, try the unasked keys at the end."""
    answers, screens = walk(person)
    got, full = level_of(answers), level_of(person)
    report.walks += 1
    report.screens.setdefault(story, []).append(len(screens))
    if got != full:
        report.lower += got < full
        report.higher += got > full
        report.examples.append({"person": dict(person), "walk": LEVELS[got],
                                "full": LEVELS[full]})
    unasked = [k for k in KEYS if k not in answers]
    combos: list[tuple[str, ...]] = [(k,) for k in unasked]
    if pairs:
        combos += list(itertools.combinations(unasked, 2))
    for keys in combos:
        for values in itertools.product(*(DOMAIN[k] for k in keys)):
            report.end_checks += 1
            if level_of({**answers, **dict(zip(keys, values, strict=True))}) != got:
                report.end_moves += 1
                report.examples.append({"answers": answers, "changed": dict(zip(
                    keys, values, strict=True))})


def validate(n: int, rng: Rng, *, pairs_every: int = 1) -> Report:
    """Walk ``n`` plausible people drawn with ``rng`` and check each: see the module docstring.
    Every ``pairs_every``-th walk also has every pair of unasked keys tried (0: none)."""
    report = Report()
    for i, (story, person) in enumerate(people(n, rng)):
        check(story, person, report, pairs=bool(pairs_every) and i % pairs_every == 0)
    return report
