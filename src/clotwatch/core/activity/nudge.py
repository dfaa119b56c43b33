"""When a reminder to move is due: the decision the worker (issue 12) will call, kept pure.

A nudge is due when the still spell going on now (``Tally.still_spell``) has lasted the
person's threshold (default 120 minutes: Healy et al. 2010, sitting 2 hours or more at a time
without getting up, doi:10.1258/jrsm.2010.100155), in waking hours, outside their quiet hours,
not already nudged for this spell, and not sooner than the gap they allow since the last one.
A day without data never gets a nudge (no spell is known).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from clotwatch.core.activity.samples import Waking
from clotwatch.core.activity.summary import LONG_BOUT_MINUTES, StillSpell
from clotwatch.core.errors import InputError

#: What the nudge says (its catalogue id; the sender translates it).
MESSAGE = ("You have been still for {minutes} minutes. Walk for a few minutes, or do seated "
           "calf and ankle exercises: lift your toes, then your heels, ten times each.")


class Nudge(NamedTuple):
    """A reminder to send now."""

    spell_minutes: int
    spell_since: datetime
    message: str


def in_quiet_hours(moment: datetime, quiet: Waking | None, crosses_midnight: bool) -> bool:
    """Whether ``moment``'s local time of day falls in the quiet hours."""
    if quiet is None:
        return False
    minute = moment.hour * 60 + moment.minute
    if crosses_midnight:  # e.g. 22:00-07:00, given as start=22:00, end=07:00
        return minute >= quiet.start or minute < quiet.end
    return quiet.start <= minute < quiet.end


def nudge_due(
    spell: StillSpell | None,
    now: datetime,
    *,
    threshold_minutes: int = LONG_BOUT_MINUTES,
    quiet: tuple[int, int] | None = None,
    last_sent: datetime | None = None,
    min_gap: timedelta = timedelta(0),
) -> Nudge | None:
    """The nudge to send at ``now``, or None. ``quiet`` is (start, end) minutes after midnight,
    and may cross midnight (22:00-07:00 is (1320, 420))."""
    if not 1 <= threshold_minutes <= 24 * 60:
        raise InputError("threshold_minutes", "between 1 and 1440")
    if spell is None or spell.minutes < threshold_minutes:
        return None
    if quiet is not None:
        start, end = quiet
        if not (0 <= start < 1440 and 0 <= end <= 1440) or start == end:
            raise InputError("quiet", "two different times of day, in minutes after midnight")
        if in_quiet_hours(now, Waking(start, end), crosses_midnight=start > end):
            return None
    if last_sent is not None:
        if last_sent >= spell.since:
            return None  # once per spell
        if now - last_sent < min_gap:
            return None
    return Nudge(spell.minutes, spell.since, MESSAGE)
