"""The travel plan's calendar file against RFC 5545's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from icalendar import Calendar

from clotwatch.core.travel import RISK_FACTORS, make_plan
from clotwatch.service.travel import calendar

DEPART = datetime(2026, 12, 20, 10, 0, tzinfo=timezone(timedelta(hours=1)))
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _plan(**answers: bool) -> dict:
    return make_plan(DEPART, 9.5, {**{f.id: False for f in RISK_FACTORS}, **answers}, now=NOW)


def test_lines_are_crlf_and_folded_at_75_octets() -> None:  # RFC 5545 3.1
    raw = calendar(_plan(previous_vte=True), now=NOW)
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75


def test_required_properties_and_alarms() -> None:
    raw = calendar(_plan(previous_vte=True), now=NOW)
    cal = Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])  # 3.7.3, 3.7.4
    events = cal.walk("VEVENT")
    assert len(events) == 3  # the journey and two checks after it
    for event in events:
        assert event.get("UID") and event.get("DTSTAMP") and event.get("DTSTART")  # 3.6.1
        for alarm in event.walk("VALARM"):
            # 3.6.6: a DISPLAY alarm has ACTION, TRIGGER and DESCRIPTION.
            assert str(alarm["ACTION"]) == "DISPLAY" and alarm.get("DESCRIPTION")
            assert alarm.get("TRIGGER") is not None
    journey = next(e for e in events if str(e["SUMMARY"]) == "Journey")
    assert journey.decoded("DTSTART") == DEPART.astimezone(UTC)
    triggers = sorted(a.decoded("TRIGGER") for a in journey.walk("VALARM"))
    assert triggers[0] == timedelta(days=-7)  # see the doctor a week ahead
    assert triggers[1] == timedelta(days=-1)  # stockings the day before
    assert triggers[2:] == [timedelta(hours=h) for h in range(1, 10)]  # move every hour


def test_the_same_plan_gives_the_same_uids() -> None:
    first = Calendar.from_ical(calendar(_plan(), now=NOW))
    again = Calendar.from_ical(calendar(_plan(), now=NOW + timedelta(days=1)))
    assert [str(e["UID"]) for e in first.walk("VEVENT")] == \
        [str(e["UID"]) for e in again.walk("VEVENT")]


def test_text_values_are_escaped() -> None:  # RFC 5545 3.3.11: commas and semicolons
    raw = calendar(_plan(), now=NOW).decode()
    unfolded = raw.replace("\r\n ", "")
    assert "Swelling\\, pain\\, warmth" in unfolded
