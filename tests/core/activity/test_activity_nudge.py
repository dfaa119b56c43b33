"""Reminders to move: the still spell going on now, and when a nudge is due (once, not in
quiet hours, never for a day without data)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from clotwatch.core.activity import Sample, Tally, nudge_due

CET = timezone(timedelta(hours=1))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CET)


def tally(*walks: tuple[str, str, int]) -> Tally:
    t = Tally()
    for start, end, steps in walks:
        t.add(Sample("Watch", "watch", at(start), at(end), steps))
    return t


WALKS = (("2026-11-02 08:00", "2026-11-02 08:10", 900),)


def test_the_spell_runs_from_the_last_step_to_now() -> None:
    spell = tally(*WALKS).still_spell(at("2026-11-02 10:30"))
    assert spell is not None and spell.minutes == 140 and spell.since == at("2026-11-02 08:10")


def test_data_known_only_until_the_last_sync_ends_the_spell_there() -> None:
    spell = tally(*WALKS).still_spell(at("2026-11-02 15:00"),
                                      known_until=at("2026-11-02 09:00"))
    assert spell is not None and spell.minutes == 50


def test_no_data_today_means_no_spell() -> None:
    assert tally(*WALKS).still_spell(at("2026-11-03 12:00")) is None
    assert Tally().still_spell(at("2026-11-02 12:00")) is None


def test_outside_waking_hours_there_is_no_spell() -> None:
    assert tally(*WALKS).still_spell(at("2026-11-02 23:30")) is None
    assert tally(*WALKS).still_spell(at("2026-11-02 06:30")) is None


def test_a_day_with_data_but_no_steps_yet_counts_from_waking() -> None:
    t = tally(("2026-11-02 02:00", "2026-11-02 02:05", 40))
    spell = t.still_spell(at("2026-11-02 09:30"))
    assert spell is not None and spell.minutes == 150 and spell.since == at("2026-11-02 07:00")


def test_a_nudge_goes_out_once_per_spell() -> None:
    t = tally(*WALKS)
    now = at("2026-11-02 10:10")
    assert nudge_due(t.still_spell(at("2026-11-02 10:09")), now) is None  # 119 minutes
    first = nudge_due(t.still_spell(now), now)
    assert first is not None and first.spell_minutes == 120
    later = at("2026-11-02 11:30")
    assert nudge_due(t.still_spell(later), later, last_sent=now) is None
    # After a walk, a new spell may be nudged again.
    t.add(Sample("Watch", "watch", at("2026-11-02 11:40"), at("2026-11-02 11:45"), 300))
    evening = at("2026-11-02 13:50")
    again = nudge_due(t.still_spell(evening), evening, last_sent=now)
    assert again is not None and again.spell_minutes == 125


def test_never_in_quiet_hours_and_never_sooner_than_allowed() -> None:
    t = tally(*WALKS)
    now = at("2026-11-02 13:00")
    assert nudge_due(t.still_spell(now), now, quiet=(12 * 60, 14 * 60)) is None
    assert nudge_due(t.still_spell(now), now, quiet=(22 * 60, 13 * 60 + 30)) is None  # crosses
    assert nudge_due(t.still_spell(now), now, quiet=(22 * 60, 7 * 60)) is not None
    spell = t.still_spell(now)
    assert nudge_due(spell, now, threshold_minutes=300) is None  # the person's own threshold


def test_never_for_a_day_without_data() -> None:
    now = at("2026-11-03 15:00")
    assert nudge_due(tally(*WALKS).still_spell(now), now) is None


def test_the_gap_the_person_allows_between_nudges() -> None:
    t = tally(*WALKS)
    t.add(Sample("Watch", "watch", at("2026-11-02 10:20"), at("2026-11-02 10:25"), 300))
    sent = at("2026-11-02 10:10")  # nudged for the first spell
    now = at("2026-11-02 12:30")  # a second spell of 125 minutes
    assert nudge_due(t.still_spell(now), now, last_sent=sent) is not None
    assert nudge_due(t.still_spell(now), now, last_sent=sent,
                     min_gap=timedelta(hours=3)) is None
