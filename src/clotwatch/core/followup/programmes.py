"""Follow-up programmes as data: each declared once, with its sources.

A programme counts its days from an *index date* (the operation or discharge, the DVT/PE
diagnosis, the birth, the end of the journey): the risk window is measured from that event, not
from the day the patient happened to be enrolled. ``phases`` give the check-in interval over
that window (a day may be negative: the weeks of a pregnancy before the birth). Text never lives
here: ``name``, ``summary`` and what the patient is told are message ids of the ``followup``
catalogue (``clotwatch/locales/<lang>/LC_MESSAGES/followup.po``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from clotwatch.core.errors import InputError

# Question groups a check-in can hold (``clotwatch.core.followup.checkin``).
QUESTION_GROUPS = ("warning_signs", "leg_signs", "calf_cm", "leg_pain", "doses", "villalta")


@dataclass(frozen=True)
class Phase:
    """From day ``start`` (inclusive) to day ``end`` (exclusive) of the index date: a check-in
    every ``every_days`` days."""

    start: int
    end: int
    every_days: int

    def __post_init__(self) -> None:
        if self.end <= self.start or self.every_days < 1:
            raise ValueError(f"bad phase {self}")


@dataclass(frozen=True)
class Programme:
    """One follow-up programme: its window, check-in schedule, questions, thresholds, sources."""

    id: str
    index_event: str            # what day 0 is: "operation or discharge", "diagnosis", ...
    phases: tuple[Phase, ...]
    questions: tuple[str, ...]
    rules: tuple[str, ...]      # alert rule ids (clotwatch.core.followup.rules) that apply
    sources: tuple[str, ...]    # ids in clotwatch.core.followup.sources.SOURCES
    # Thresholds: per-programme numbers the rules read (each documented where it is declared).
    thresholds: Mapping[str, float] = field(default_factory=dict)
    # Days (from the index date) during which anticoagulant or prophylaxis doses are asked.
    doses_until_day: int | None = None
    # Day from which the patient-rated Villalta symptoms are asked and alert (Kahn 2009).
    villalta_from_day: int | None = None
    # Extra hours after a missed interval before the data counts as stale.
    stale_grace_hours: float = 12.0

    @property
    def first_day(self) -> int:
        return self.phases[0].start

    @property
    def length_days(self) -> int:
        """Days from the index date to the end of the programme."""
        return self.phases[-1].end

    @property
    def name_id(self) -> str:
        return f"programme.{self.id}.name"

    @property
    def summary_id(self) -> str:
        return f"programme.{self.id}.summary"

    @property
    def patient_intro_id(self) -> str:
        return f"programme.{self.id}.patient_intro"

    @property
    def patient_end_id(self) -> str:
        return f"programme.{self.id}.patient_end"

    def message_ids(self) -> tuple[str, ...]:
        return (self.name_id, self.summary_id, self.patient_intro_id, self.patient_end_id)

    def phase_on(self, day: float) -> Phase | None:
        """The phase that holds ``day`` (days since the index date, may be fractional)."""
        for phase in self.phases:
            if phase.start <= day < phase.end:
                return phase
        return None

    def asks(self, group: str, day: float) -> bool:
        """Whether a check-in on ``day`` asks the question group ``group``."""
        if group not in self.questions:
            return False
        if group == "doses" and self.doses_until_day is not None:
            return day < self.doses_until_day
        if group == "villalta" and self.villalta_from_day is not None:
            return day >= self.villalta_from_day
        return True


# Every programme asks about the warning signs first and about the legs.
_BASE_QUESTIONS = ("warning_signs", "leg_signs", "calf_cm", "leg_pain")
_BASE_RULES = ("warning_sign", "same_day_signs", "calf_difference", "calf_rising", "stale")

PROGRAMMES: dict[str, Programme] = {p.id: p for p in (
    # NICE NG89: extended prophylaxis for 28 days after major abdominal/pelvic cancer surgery,
    # hip fracture or elective hip replacement (14 days after knee replacement: a clinician
    # sets ``Schedule.doses_until_day=14``). The risk window is the Wells /
    # NICE NG158 Table 1 item "major surgery within 12 weeks": 84 days.
    Programme(
        id="after_surgery",
        index_event="operation or discharge from hospital",
        phases=(Phase(0, 28, 1), Phase(28, 84, 7)),
        questions=(*_BASE_QUESTIONS, "doses"),
        rules=(*_BASE_RULES, "missed_doses", "immobile", "wearable_stale"),
        sources=("nice_ng89", "wells_dvt_2003"),
        # immobile_* and wearable_stale_hours: clotwatch.core.followup.movement (Lebleu 2021
        # for the expected rise of steps; the cut-offs are clotwatch's own).
        thresholds={"prophylaxis_days": 28, "risk_window_days": 84, "immobile_fraction": 0.5,
                    "immobile_days": 3, "wearable_stale_hours": 48},
        doses_until_day=28,
    ),
    # NICE NG158 1.6: anticoagulation for at least 3 months (90 days) then review; Villalta for
    # post-thrombotic syndrome from 3 months (Kahn 2009: after the acute phase). Six months of
    # follow-up covers the review at 3 months and the first Villalta assessments after it.
    Programme(
        id="after_vte",
        index_event="DVT or PE diagnosis",
        phases=(Phase(0, 14, 1), Phase(14, 90, 3), Phase(90, 182, 7)),
        questions=(*_BASE_QUESTIONS, "doses", "villalta"),
        rules=(*_BASE_RULES, "missed_doses", "villalta"),
        sources=("nice_ng158_treatment", "villalta_kahn_2009"),
        thresholds={"anticoagulation_days": 90, "villalta_from_day": 90},
        doses_until_day=None,        # asked throughout: many continue beyond 3 months
        villalta_from_day=90,
    ),
    # RCOG GTG 37a: the puerperium is 6 weeks; postnatal LMWH for at least 10 days
    # (intermediate risk) or 6 weeks (high risk). Weekly in pregnancy (from enrolment), daily
    # over the first 10 days after the birth, then every other day to 6 weeks.
    Programme(
        id="pregnancy_postpartum",
        index_event="birth (the expected date until the birth)",
        phases=(Phase(-280, 0, 7), Phase(0, 10, 1), Phase(10, 42, 2)),
        questions=(*_BASE_QUESTIONS, "doses"),
        rules=(*_BASE_RULES, "missed_doses"),
        sources=("rcog_gtg37a",),
        thresholds={"postnatal_prophylaxis_days_intermediate": 10,
                    "postnatal_prophylaxis_days_high": 42},
        doses_until_day=42,
    ),
    # Kuipers 2007 (WHO WRIGHT): exposure counted for 8 weeks after a flight of 4 hours or
    # more, the risk highest in the first week: daily for a week, then weekly to 8 weeks.
    Programme(
        id="after_journey",
        index_event="end of a journey of 4 hours or more",
        phases=(Phase(0, 7, 1), Phase(7, 56, 7)),
        questions=_BASE_QUESTIONS,
        rules=_BASE_RULES,
        sources=("kuipers_2007",),
        thresholds={"risk_window_days": 56, "journey_hours": 4},
    ),
)}


def get_programme(programme_id: str) -> Programme:
    """The programme with this id; ``InputError("programme", ...)`` naming the known ids."""
    try:
        return PROGRAMMES[programme_id]
    except (KeyError, TypeError):
        raise InputError("programme", f"unknown programme {programme_id!r}; known: "
                                      f"{', '.join(PROGRAMMES)}") from None
