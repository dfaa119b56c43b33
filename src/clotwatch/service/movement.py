"""Reminders to move as the person (or their clinician) sets them, journeys, and the care team's
movement alerts (issue #9).

- ``movement_settings`` / ``set_movement``: the still spell after which a person is nudged
  (default 120 minutes, Healy 2010; 30-240), the least time between two nudges (default 60;
  30-720 minutes) and the channel (email, Web Push, in the app, or off). The person sets all
  three; a clinician of a clinic they are enrolled with sets the threshold (audited both ways).
- ``add_journey`` / ``remove_journey``: a journey from the travel page. While it lasts, the
  nudges follow its plan's cadence ("get up and walk about every N minutes", the plan's walk
  advice, ACCP 2012 / BSH 2011 / Healy 2010) instead of the person's threshold; afterwards the
  usual rules apply again.
- ``plan_movement_alerts``: a worker planner that gives the follow-up alert rules the step
  figures they need (``clotwatch.core.followup.movement``): the last data time on every pass
  (stale wearable data), the daily figures when new data has arrived (immobility), at most once
  an hour per patient. Only the movement rules' decisions are applied here; escalation of their
  alerts is the follow-up sweep's, as for every other rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clotwatch.core.activity import DEFAULT_WAKING, LONG_BOUT_MINUTES, Kind, Sample, Tally
from clotwatch.core.followup import PROGRAMMES, ActivityFacts, baseline_of
from clotwatch.core.followup.movement import BASELINE_DAYS, IMMOBILE_DAYS
from clotwatch.errors import InputError
from clotwatch.service import policy, rules
from clotwatch.service.accounts import Principal
from clotwatch.service.activity import zone_or_utc
from clotwatch.service.followup import (
    NotFound,
    _enrolment_facts,
    _open_alerts,
    apply_decision,
    audit,
    patient_facts,
)
from clotwatch.store import Store
from clotwatch.store.activity_models import ActivitySample
from clotwatch.store.followup_models import Enrolment, User
from clotwatch.store.movement_models import CHANNELS, MovementSettings

#: The default still spell before a nudge: Healy et al. 2010 (doi:10.1258/jrsm.2010.100155).
DEFAULT_THRESHOLD = LONG_BOUT_MINUTES
#: clotwatch's own bounds: under 30 minutes a nudge would come at almost every sitting; past 4
#: hours it would miss the journeys WHO WRIGHT found to double the risk (more than 4 hours).
THRESHOLD_RANGE = (30, 240)
#: The default least time between two nudges (clotwatch's own), and its bounds.
DEFAULT_GAP = 60
GAP_RANGE = (30, 720)
#: A journey's nudge cadence: the travel plan's own bounds (``core.travel`` move_every).
JOURNEY_EVERY_RANGE = (15, 120)
#: The daily figures of one patient are recomputed at most this often (new data only).
RECHECK = timedelta(hours=1)
#: At most this many patients' daily figures are recomputed in one pass (about 30 ms each with
#: 10-minute samples; docs/activity.md): the rest wait for the next pass, the longest-unchecked
#: first, so one pass never holds the worker for long.
DAYS_PER_PASS = 100
MOVEMENT_RULES = ("immobile", "wearable_stale")


def _whole(field: str, value: object, low: int, high: int, unit: str) -> int:
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit():
            raise InputError(field, f"enter a whole number of {unit} from {low} to {high}")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"enter a whole number of {unit} from {low} to {high}")
    if not low <= value <= high:
        raise InputError(field, f"enter a whole number of {unit} from {low} to {high}")
    return value


def check_threshold(value: object) -> int | None:
    """The still spell in minutes (None or "" for the default); InputError
    (``move_threshold``) outside 30-240."""
    if value is None or value == "":
        return None
    return _whole("move_threshold", value, *THRESHOLD_RANGE, "minutes")


def check_gap(value: object) -> int | None:
    """The least minutes between two nudges (None or "" for the default); InputError
    (``move_gap``) outside 30-720."""
    if value is None or value == "":
        return None
    return _whole("move_gap", value, *GAP_RANGE, "minutes")


def check_channel(value: object) -> str | None:
    """email, webpush, app or off (None or "" for the default); InputError (``move_channel``)."""
    if value is None or value == "":
        return None
    if value not in CHANNELS:
        raise InputError("move_channel", "choose email, webpush, app or off")
    return str(value)


@dataclass(frozen=True)
class Journey:
    """A journey whose plan the nudges follow while it lasts."""

    depart: datetime
    arrive: datetime
    every_minutes: int


def check_journey(depart: datetime, arrive: datetime, every_minutes: object,
                  now: datetime) -> Journey:
    """The journey if it is usable; InputError naming the field otherwise."""
    from clotwatch.core.travel.plan import MAX_JOURNEY_HOURS, MOVE_FROM_HOURS

    for name, value in (("depart", depart), ("arrive", arrive)):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise InputError(name, "give the time with its time zone")
    if arrive <= depart:
        raise InputError("arrive", "must be after the departure")
    if arrive - depart > timedelta(hours=MAX_JOURNEY_HOURS):
        raise InputError("hours", f"at most {MAX_JOURNEY_HOURS} hours")
    if arrive - depart < timedelta(hours=MOVE_FROM_HOURS):
        raise InputError("hours", f"a journey under {MOVE_FROM_HOURS} hours needs no plan to "
                                  "move (BSH 2011): the usual reminders apply")
    if arrive <= now:
        raise InputError("arrive", "this journey is over")
    every = _whole("move_every", every_minutes, *JOURNEY_EVERY_RANGE, "minutes")
    return Journey(depart.astimezone(UTC), arrive.astimezone(UTC), every)


def _row(session: Session, user_id: int, now: datetime) -> MovementSettings:
    row = session.get(MovementSettings, user_id)
    if row is None:
        row = MovementSettings(user_id=user_id, updated_at=now)
        session.add(row)
    return row


def _local(moment: datetime, zone_name: str) -> str:
    """``2026-12-20 10:00 (UTC+01:00)``: a time in the person's zone, as people read it."""
    local = moment.astimezone(zone_or_utc(zone_name))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def _view(row: MovementSettings | None, now: datetime, zone_name: str = "UTC"
          ) -> dict[str, Any]:
    journey = None
    if row is not None and row.journey_arrive is not None and row.journey_arrive > now \
            and row.journey_depart is not None:
        journey = {"depart": row.journey_depart.isoformat(),
                   "arrive": row.journey_arrive.isoformat(),
                   "depart_local": _local(row.journey_depart, zone_name),
                   "arrive_local": _local(row.journey_arrive, zone_name),
                   "every_minutes": row.journey_every_minutes}
    return {"threshold_minutes": row.threshold_minutes if row else None,
            "gap_minutes": row.gap_minutes if row else None,
            "channel": row.channel if row else None,
            "default_threshold": DEFAULT_THRESHOLD, "default_gap": DEFAULT_GAP,
            "threshold_range": THRESHOLD_RANGE, "gap_range": GAP_RANGE,
            "journey": journey}


def _may_set(session: Session, actor: Principal, patient_id: int) -> bool:
    facts = patient_facts(session, patient_id)
    return policy.set_movement(actor, facts)


def movement_settings(store: Store, actor: Principal, patient_id: int,
                      now: datetime) -> dict[str, Any]:
    """The person's reminder-to-move settings (theirs, or a clinician's of their clinic)."""
    with store.session() as session:
        if session.get(User, patient_id) is None or not _may_set(session, actor, patient_id):
            raise NotFound("no such patient")
        user = session.get(User, patient_id)
        view = _view(session.get(MovementSettings, patient_id), now,
                     user.timezone if user is not None else "UTC")
        audit(session, actor, patient_id, "read", "movement settings", now)
        return view


_UNSET: Any = object()


def set_movement(store: Store, actor: Principal, patient_id: int, now: datetime, *,
                 threshold: object = _UNSET, gap: object = _UNSET,
                 channel: object = _UNSET) -> dict[str, Any]:
    """Change what is given (each validated first: nothing is stored on a bad value). The
    person sets all three; their clinician only the threshold."""
    values: dict[str, Any] = {}
    if threshold is not _UNSET:
        values["threshold_minutes"] = check_threshold(threshold)
    if gap is not _UNSET:
        values["gap_minutes"] = check_gap(gap)
    if channel is not _UNSET:
        values["channel"] = check_channel(channel)
    with store.session() as session:
        if session.get(User, patient_id) is None or not _may_set(session, actor, patient_id):
            raise NotFound("no such patient")
        if actor.user_id != patient_id and set(values) - {"threshold_minutes"}:
            raise policy.AccessDenied("a clinician sets the threshold; the person the rest")
        row = _row(session, patient_id, now)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        audit(session, actor, patient_id, "update",
              "movement settings: " + ", ".join(sorted(values)), now)
        user = session.get(User, patient_id)
        return _view(row, now, user.timezone if user is not None else "UTC")


def add_journey(store: Store, actor: Principal, journey: Journey, now: datetime) -> None:
    """The person's journey: while it lasts, the nudges follow its cadence (one at a time: a
    new journey replaces the last)."""
    with store.session() as session:
        if not policy.own_movement(actor, patient_facts(session, actor.user_id)):
            raise policy.AccessDenied("only an enrolled patient adds a journey, for themself")
        row = _row(session, actor.user_id, now)
        row.journey_depart, row.journey_arrive = journey.depart, journey.arrive
        row.journey_every_minutes = journey.every_minutes
        row.updated_at = now
        audit(session, actor, actor.user_id, "update", "journey added", now)


def remove_journey(store: Store, actor: Principal, now: datetime) -> None:
    """Forget the person's journey (the usual rules apply again)."""
    with store.session() as session:
        row = session.get(MovementSettings, actor.user_id)
        if row is not None:
            row.journey_depart = row.journey_arrive = None
            row.journey_every_minutes = None
            row.updated_at = now
        audit(session, actor, actor.user_id, "update", "journey removed", now)


def current_notice(store: Store, actor: Principal, now: datetime,
                   fresh: timedelta = timedelta(minutes=30)) -> datetime | None:
    """When the person's latest in-app reminder to move was made, if it is still fresh."""
    with store.session() as session:
        row = session.get(MovementSettings, actor.user_id)
        if row is None or row.notice_at is None or now - row.notice_at > fresh:
            return None
        return row.notice_at


# --- the care team's movement alerts ------------------------------------------------------------

def samples_between(session: Session, patient_id: int, since: datetime,
                    until: datetime) -> Iterator[Sample]:
    """The patient's stored samples that overlap ``(since, until)``, each in its own UTC
    offset (plain columns, not ORM objects: the planners read many of them on every pass)."""
    for source, kind, start, end, offset, steps in session.execute(select(
            ActivitySample.source, ActivitySample.kind, ActivitySample.start_at,
            ActivitySample.end_at, ActivitySample.utc_offset_minutes, ActivitySample.steps)
            .where(ActivitySample.patient_id == patient_id, ActivitySample.end_at > since,
                   ActivitySample.start_at < until)):
        zone = timezone(timedelta(minutes=offset))
        yield Sample(source, cast(Kind, kind), start.astimezone(zone), end.astimezone(zone),
                     steps)  # the table's check constraint holds kind to the four kinds


def _daily(session: Session, patient_id: int, since: datetime, until: datetime,
           now: datetime) -> list[tuple[date, int | None]]:
    tally = Tally()
    for sample in samples_between(session, patient_id, since, until):
        tally.add_valid(sample)
    days = tally.summary(now=now, waking=DEFAULT_WAKING)["days"]
    return [(date.fromisoformat(d["date"]), d["steps"]) for d in days]


def activity_facts(session: Session, user: User, last_end: datetime, now: datetime,
                   with_days: bool) -> ActivityFacts:
    """The figures the movement rules read for one patient (days only if ``with_days``)."""
    last = min(last_end, now)
    zone = zone_or_utc(user.timezone)
    through = last.astimezone(zone).date()
    if not with_days:
        return ActivityFacts(last, through)
    first = session.scalar(select(func.min(ActivitySample.start_at)).where(
        ActivitySample.patient_id == user.id))
    assert first is not None
    first_day = first.astimezone(zone).date()
    week_end = datetime.combine(first_day + timedelta(days=BASELINE_DAYS + 1),
                                datetime.min.time(), zone)
    week = _daily(session, user.id, first - timedelta(days=1), week_end, now)
    recent_from = datetime.combine(through - timedelta(days=IMMOBILE_DAYS + 1),
                                   datetime.min.time(), zone)
    recent = _daily(session, user.id, recent_from - timedelta(days=1), now, now)
    by_date = dict(week)
    by_date.update(recent)
    baseline_week = [(d, s) for d, s in week
                     if first_day <= d < first_day + timedelta(days=BASELINE_DAYS)]
    return ActivityFacts(last, through, baseline_of(baseline_week, through),
                         first_day + timedelta(days=BASELINE_DAYS - 1),
                         tuple(sorted(by_date.items())))


def plan_movement_alerts(session: Session, now: datetime) -> int:
    """Evaluate the movement rules for every active enrolment whose programme has them and
    whose patient has sent step data; the number of alerts opened or resolved."""
    programmes = [p.id for p in PROGRAMMES.values() if set(p.rules) & set(MOVEMENT_RULES)]
    latest = (select(ActivitySample.patient_id, func.max(ActivitySample.end_at).label("end"),
                     func.max(ActivitySample.received_at).label("received"))
              .group_by(ActivitySample.patient_id).subquery())
    changed = 0
    budget = DAYS_PER_PASS
    facts_of: dict[int, ActivityFacts] = {}
    for enrolment, user, last_end, received in list(session.execute(
            select(Enrolment, User, latest.c.end, latest.c.received)
            .join(User, User.id == Enrolment.patient_id)
            .join(latest, latest.c.patient_id == Enrolment.patient_id)
            .outerjoin(MovementSettings, MovementSettings.user_id == Enrolment.patient_id)
            .where(Enrolment.withdrawn_at.is_(None),
                   Enrolment.programme_id.in_(programmes))
            # the longest-unchecked first, so that the budget never starves anyone
            .order_by(MovementSettings.checked_at.is_not(None), MovementSettings.checked_at,
                      Enrolment.id))):
        facts = facts_of.get(user.id)
        if facts is None:
            row = _row(session, user.id, now)
            with_days = budget > 0 and (row.checked_at is None or (
                received >= row.checked_at and now - row.checked_at >= RECHECK))
            facts = activity_facts(session, user, last_end, now, with_days)
            if with_days:
                row.checked_at = now
                budget -= 1
            facts_of[user.id] = facts
        history = [] if enrolment.last_checkin_at is None else [
            {"id": 0, "at": enrolment.last_checkin_at.isoformat(), "answers": {},
             "villalta_symptoms": {}, "kind": "patient"}]
        for decision in rules.evaluate(
                _enrolment_facts(session, enrolment, user), None, history,
                _open_alerts(session, user.id, enrolment.clinic_id), now, activity=facts):
            if decision.rule_id not in MOVEMENT_RULES or decision.action == "escalate":
                continue  # the other rules and every escalation are the sweep's
            changed += apply_decision(session, user.id, enrolment.clinic_id, decision, None,
                                      now)
            changed += decision.action == "resolve"
    return changed


def register() -> None:
    """Add the planner to ``clotwatch worker``'s passes."""
    from clotwatch.worker.planners import register_planner

    register_planner(plan_movement_alerts)


__all__ = ["DEFAULT_GAP", "DEFAULT_THRESHOLD", "Journey", "activity_facts",
           "add_journey", "check_channel", "check_gap", "check_journey", "check_threshold",
           "current_notice", "movement_settings", "plan_movement_alerts", "remove_journey",
           "set_movement"]
