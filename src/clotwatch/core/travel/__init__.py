"""Long journeys: a plan before, during and after, from WHO WRIGHT, ACCP 2012 and BSH 2011."""

from clotwatch.core.travel.plan import (
    ADVICE,
    AFTER_WEEKS,
    DEFAULT_MOVE_EVERY_MINUTES,
    LONG_JOURNEY_HOURS,
    MOVE_FROM_HOURS,
    RISK_FACTORS,
    RISK_FACTORS_BY_ID,
    SCHEMA,
    check_answers,
    make_plan,
    messages,
    risk_level,
)
from clotwatch.core.travel.sources import SOURCES

__all__ = [
    "ADVICE",
    "AFTER_WEEKS",
    "DEFAULT_MOVE_EVERY_MINUTES",
    "LONG_JOURNEY_HOURS",
    "MOVE_FROM_HOURS",
    "RISK_FACTORS",
    "RISK_FACTORS_BY_ID",
    "SCHEMA",
    "SOURCES",
    "check_answers",
    "make_plan",
    "messages",
    "risk_level",
]
