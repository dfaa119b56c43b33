"""Activity analysis (contracts/activity.md): step samples in, the summary's figures out.

Pure: no I/O, no clock (``now`` is passed in). Importers live in ``clotwatch.activity``.
"""

from clotwatch.core.activity.nudge import Nudge, nudge_due
from clotwatch.core.activity.samples import (
    DEFAULT_WAKING,
    KIND_RANK,
    KINDS,
    Kind,
    Sample,
    Waking,
    WallSample,
    check_sample,
    parse_count,
    parse_waking,
    wall_seconds,
)
from clotwatch.core.activity.summary import (
    LONG_BOUT_MINUTES,
    SCHEMA,
    StillSpell,
    Tally,
    summarize,
)

__all__ = [
    "DEFAULT_WAKING",
    "KINDS",
    "KIND_RANK",
    "LONG_BOUT_MINUTES",
    "SCHEMA",
    "Kind",
    "Nudge",
    "Sample",
    "StillSpell",
    "Tally",
    "Waking",
    "WallSample",
    "check_sample",
    "nudge_due",
    "parse_count",
    "parse_waking",
    "summarize",
    "wall_seconds",
]
