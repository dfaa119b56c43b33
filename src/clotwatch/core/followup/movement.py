"""The care team's movement alerts (issue #9): immobility after an operation, stale wearable data.

Pure: the figures come in as ``ActivityFacts`` (daily steps as ``contracts/activity.md`` counts
them, computed by ``clotwatch.core.activity`` in the service), ``now`` is passed in.

- **Immobility** (``immobile_*`` thresholds of a programme): on each of the last
  ``immobile_days`` complete days, consecutive calendar days, the patient's steps were below
  ``immobile_fraction`` of their own baseline (the median of their first week with data, the
  goal their movement chart shows). A day without data (``steps: null``) is unknown, never
  "no steps": it breaks the run instead of counting as a low day, and a day counts as complete
  only once data from a later day has arrived (a watch that has not synced yet since noon
  would otherwise look like an afternoon in bed). Only the days after the baseline week and
  inside the programme's risk window are read.

  After a hip or knee replacement daily steps rise week by week and are back at the
  pre-operative level by about week 7 (Lebleu 2021, fitness trackers worn continuously from a
  week before to 3 months after the operation): steps far below the patient's own first weeks
  are against the expected course. No source gives a cut-off for "far below" or for how many
  days: half the baseline for 3 days in a row is clotwatch's own choice (docs/follow-up.md):
  one bad day (a long appointment, a day in a chair with visitors) is common and not worth a
  call; three in a row at half the patient's usual is a change the team would want to hear of.
- **Stale wearable data** (``wearable_stale_hours``): a patient whose device has sent steps
  before sends none covering the last ``wearable_stale_hours`` hours. 48 hours is clotwatch's
  own choice: a watch left on its charger for a day is common; two days without any step data
  means the chart the team relies on is out of date. A patient who never connected a device
  gets no such alert (they were never expected to send data). It resolves itself when data
  arrives.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from clotwatch.core.errors import InputError

# The programme thresholds these rules read (declared on each programme that uses them).
IMMOBILE_FRACTION = 0.5     # clotwatch's own (see above)
IMMOBILE_DAYS = 3           # clotwatch's own
WEARABLE_STALE_HOURS = 48   # clotwatch's own
BASELINE_DAYS = 7           # the patient's own first week (service.activity.BASELINE_DAYS)


@dataclass(frozen=True)
class ActivityFacts:
    """What the movement rules read of a patient's step data.

    ``last_data_at``: the end of the latest stored sample (capped at now), None if the patient
    never sent any. ``data_through``: that instant's local date; the days before it are
    complete. ``baseline_steps``: the median steps a day of the first week with data, None
    until that week is complete. ``baseline_to``: the last day of that week. ``days``: the
    recent days as ``(date, steps or None)``, oldest first, from the contract's summary; None
    when this evaluation did not compute them (the immobility rule is then not evaluated at
    all, neither opened nor cleared).
    """

    last_data_at: datetime | None
    data_through: date | None = None
    baseline_steps: int | None = None
    baseline_to: date | None = None
    days: tuple[tuple[date, int | None], ...] | None = None

    def __post_init__(self) -> None:
        if self.last_data_at is not None and self.last_data_at.utcoffset() is None:
            raise InputError("last_data_at", "must be a timezone-aware datetime")
        if self.baseline_steps is not None and (isinstance(self.baseline_steps, bool)
                                                or self.baseline_steps < 0):
            raise InputError("baseline_steps", "a whole number of steps, 0 or more")
        for day, steps in self.days or ():
            if steps is not None and (isinstance(steps, bool) or steps < 0):
                raise InputError("days", f"{day}: a whole number of steps, 0 or more")


def baseline_of(days: Sequence[tuple[date, int | None]], data_through: date) -> int | None:
    """The median steps of the first ``BASELINE_DAYS`` calendar days from the first day with
    data, once they are all complete (before ``data_through``); None otherwise."""
    known = [(d, s) for d, s in days if s is not None]
    if not known:
        return None
    first = min(d for d, _ in known)
    last = first + timedelta(days=BASELINE_DAYS - 1)
    if data_through <= last:
        return None
    week = [s for d, s in known if first <= d <= last]
    return round(statistics.median(week)) if week else None


def immobile_run(facts: ActivityFacts, thresholds: Mapping[str, float], index_date: date
                 ) -> dict[str, Any] | None:
    """The evidence of an immobility finding, or None (see the module's text)."""
    if facts.days is None or facts.baseline_steps is None or facts.data_through is None \
            or facts.baseline_to is None:
        return None
    fraction = float(thresholds.get("immobile_fraction", IMMOBILE_FRACTION))
    count = int(thresholds.get("immobile_days", IMMOBILE_DAYS))
    window = int(thresholds.get("risk_window_days", 84))
    by_date = dict(facts.days)
    last = facts.data_through - timedelta(days=1)        # the latest complete day
    run = [last - timedelta(days=n) for n in range(count - 1, -1, -1)]
    limit = facts.baseline_steps * fraction
    for day in run:
        if day <= facts.baseline_to or not 0 <= (day - index_date).days < window:
            return None
        steps = by_date.get(day)
        if steps is None or not steps < limit:
            return None                                   # unknown, or not low: no finding
    return {"days": [d.isoformat() for d in run], "steps": [by_date[d] for d in run],
            "baseline_steps": facts.baseline_steps, "fraction": fraction,
            "below_steps": round(limit)}


def wearable_stale(facts: ActivityFacts, thresholds: Mapping[str, float], now: datetime
                   ) -> dict[str, Any] | None:
    """The evidence of a stale-wearable finding, or None (never for a patient without data)."""
    if facts.last_data_at is None:
        return None
    hours = float(thresholds.get("wearable_stale_hours", WEARABLE_STALE_HOURS))
    if now - facts.last_data_at < timedelta(hours=hours):
        return None
    return {"last": facts.last_data_at.isoformat(), "hours": hours}
