"""Long-journey plans for the CLI and the web page: the plan (core) and its calendar file.

The calendar (RFC 5545, written with the ``icalendar`` library) holds one event for the
journey, whose alarms are the plan's reminders before it (a negative trigger) and during it
(every so often from the start), and one event for each check after it. Times are written in
UTC so that no VTIMEZONE is needed; UIDs are derived from the plan so that importing the same
file again updates the events instead of adding copies.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

PRODID = "-//clotwatch//travel plan//EN"


def _uid(plan: dict[str, Any], part: str) -> str:
    seed = f"{plan['journey']['depart']}|{plan['journey']['hours']}|{plan['risk']}|{part}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32] + "@clotwatch"


def _text(plan: dict[str, Any], sections: tuple[str, ...]) -> str:
    lines: list[str] = []
    for section in sections:
        lines.extend(f"- {item['text']}" for item in plan[section])
    return "\n".join(lines)


def calendar(plan: dict[str, Any], *, now: datetime, title: str = "Journey",
             after_title: str = "Check your legs after the journey") -> bytes:
    """The plan as an .ics file (bytes, CRLF lines folded at 75 octets by icalendar)."""
    from icalendar import Alarm, Calendar, Event

    depart = datetime.fromisoformat(plan["journey"]["depart"]).astimezone(UTC)
    arrive = datetime.fromisoformat(plan["journey"]["arrive"]).astimezone(UTC)
    stamp = now.astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    journey = Event()
    journey.add("uid", _uid(plan, "journey"))
    journey.add("dtstamp", stamp)
    journey.add("dtstart", depart)
    journey.add("dtend", arrive)
    journey.add("summary", title)
    journey.add("description", _text(plan, ("before", "during", "after")))
    for reminder in plan["reminders"]:
        at = datetime.fromisoformat(reminder["at"]).astimezone(UTC)
        if reminder["section"] == "after":
            check = Event()
            check.add("uid", _uid(plan, f"after|{reminder['at']}"))
            check.add("dtstamp", stamp)
            check.add("dtstart", at)
            check.add("dtend", at + timedelta(minutes=15))
            check.add("summary", after_title)
            check.add("description", reminder["text"])
            check.add_component(_alarm(Alarm, reminder["title"], timedelta(0)))
            cal.add_component(check)
        else:
            journey.add_component(_alarm(Alarm, reminder["title"], at - depart))
    cal.add_component(journey)
    return bytes(cal.to_ical())


def _alarm(alarm_class: Any, text: str, trigger: timedelta) -> Any:
    alarm = alarm_class()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", trigger)  # relative to the event's start (RFC 5545 3.8.6.3)
    return alarm
