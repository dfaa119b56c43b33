"""Alert rules as data, each citing its sources, and the one evaluation function.

``evaluate(schedule, checkin, history, open_alerts, now, enrolled_at)`` is pure: given what the
patient just reported (or ``None`` for a periodic sweep), what they reported before, and the
alerts already open, it returns what should happen to each alert: open, keep, raise, clear,
resolve or escalate. The store applies the decisions; nothing here reads a clock or a database.

Levels are the triage levels (``soon < urgent < emergency``; "urgent" is same-day care). A
finding never lowers an open alert: only a clinician resolves an alert, except the rules marked
``auto_resolve`` (stale data resolves itself when a check-in arrives). The warning signs and the
same-day leg signs are the triage rules themselves (``clotwatch.core.triage``), not a second
copy; the Villalta score is the instrument (``clotwatch.core.instruments``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from clotwatch.core.errors import InputError
from clotwatch.core.followup.checkin import (
    LEG_SIGNS,
    TRIAGE_QUESTIONS,
    VILLALTA,
    VILLALTA_SYMPTOMS,
    CheckIn,
)
from clotwatch.core.followup.movement import ActivityFacts, immobile_run, wearable_stale
from clotwatch.core.followup.schedule import Schedule
from clotwatch.core.instruments import evaluate as evaluate_instrument
from clotwatch.core.triage.bounds import decide
from clotwatch.core.triage.keys import KEYS as TRIAGE_KEYS
from clotwatch.core.triage.rules import (
    EMERGENCY_KEYS,
    WELLS_CALF_CM,
    Hit,
    Level,
    apply_rules,
    rank,
)

Action = Literal["open", "keep", "raise", "clear", "resolve", "escalate"]
ACTIONS: tuple[Action, ...] = ("open", "keep", "raise", "clear", "resolve", "escalate")

# How long an alert may stay unacknowledged before it escalates to the clinic's admin. No
# guideline gives these numbers: they are clotwatch's defaults (docs/follow-up.md), chosen so
# that an emergency is seen within a quarter of an hour and a same-day finding within the
# working half-day; a clinic may change them (``evaluate(..., acknowledge_within=...)``).
ACKNOWLEDGE_WITHIN: Mapping[Level, timedelta] = MappingProxyType({
    "emergency": timedelta(minutes=15),
    "urgent": timedelta(hours=4),
})
# The range within which a clinic may set its own windows (minutes), and the field each is
# named by in errors. clotwatch's own bounds (no guideline gives them): an emergency reaches an
# admin within the hour and not before 5 minutes (a window shorter than a phone call would
# escalate alerts the team is already acting on); a same-day finding within 30 minutes to 12
# hours (the working day), and never sooner than an emergency.
ACKNOWLEDGE_WITHIN_MINUTES: Mapping[Level, tuple[int, int]] = MappingProxyType({
    "emergency": (5, 60),
    "urgent": (30, 12 * 60),
})
WINDOW_FIELDS: Mapping[Level, str] = MappingProxyType({
    "emergency": "escalate_emergency_minutes",
    "urgent": "escalate_urgent_minutes",
})


def acknowledge_windows(emergency_minutes: int | None,
                        urgent_minutes: int | None) -> dict[Level, timedelta]:
    """A clinic's escalation windows (``evaluate(..., acknowledge_within=...)``) from its
    settings in minutes, None for clotwatch's default; ``InputError`` naming the field
    (``escalate_emergency_minutes``, ``escalate_urgent_minutes``) outside
    ``ACKNOWLEDGE_WITHIN_MINUTES`` or when the same-day window is the shorter."""
    windows: dict[Level, timedelta] = dict(ACKNOWLEDGE_WITHIN)
    given: tuple[tuple[Level, int | None], ...] = (("emergency", emergency_minutes),
                                                   ("urgent", urgent_minutes))
    for level, value in given:
        if value is None:
            continue
        lo, hi = ACKNOWLEDGE_WITHIN_MINUTES[level]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise InputError(WINDOW_FIELDS[level], f"enter whole minutes from {lo} to {hi}, or "
                                                   "leave it empty for the default")
        windows[level] = timedelta(minutes=value)
    if windows["urgent"] < windows["emergency"]:
        raise InputError(WINDOW_FIELDS["urgent"], "a same-day alert cannot escalate sooner "
                                                  "than an emergency")
    return windows


# A rise in the calf difference (against its smallest value in the programme) that is worth a
# look: clotwatch's own threshold (no source gives one), a third of the Wells 3 cm item.
CALF_RISE_CM = 1.0
# Missed anticoagulant or prophylaxis doses that open an alert: any (clotwatch's decision; NICE
# NG158 1.6 asks clinicians to support adherence, it gives no count).
MISSED_DOSES = 1


@dataclass(frozen=True)
class Finding:
    """What a rule found in the data: the level it calls for, a reason message id, evidence."""

    level: Level
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a rule may read: the schedule, the new check-in (or None), the earlier ones."""

    schedule: Schedule
    checkin: CheckIn | None
    history: tuple[CheckIn, ...]     # earlier check-ins, oldest first
    now: datetime
    enrolled_at: datetime
    # The patient's step figures for the movement rules (None: not given to this evaluation).
    activity: ActivityFacts | None = None

    @cached_property
    def day(self) -> float:
        at = self.checkin.at if self.checkin is not None else self.now
        return self.schedule.day_of(at)

    @cached_property
    def triage(self) -> tuple[Level, list[Hit]]:
        """The triage rules applied once to the check-in's facts (``triage_answers``), shared
        by the rules that read them. ``apply_rules``, not ``decide``: the alert rules read the
        emergency and same-day hits, which are the same in both (``decide`` differs only in
        raising self-care to "soon"), and ``checkin_triage`` is what the person is told."""
        assert self.checkin is not None
        return apply_rules(triage_answers(self.schedule, self.checkin))


@dataclass(frozen=True)
class AlertRule:
    """A named rule, the sources it is written from, and the function that applies it."""

    id: str
    sources: tuple[str, ...]
    levels: tuple[Level, ...]            # the levels it may open at
    check: Callable[[Context], Finding | None]
    needs_checkin: bool = True           # False: evaluated on every sweep (time-based)
    auto_resolve: bool = False
    # The step data it reads: "" none; "last_data": ``ActivityFacts.last_data_at``; "days":
    # the daily figures too. Without them the rule is skipped (neither opened nor cleared).
    needs_activity: str = ""
    acknowledge_within: Mapping[Level, timedelta] = field(
        default_factory=lambda: dict(ACKNOWLEDGE_WITHIN))

    @property
    def title_id(self) -> str:
        return f"alert.{self.id}.title"

    @property
    def care_team_id(self) -> str:
        """What the care team should do (message id)."""
        return f"alert.{self.id}.care_team"

    @property
    def patient_id(self) -> str:
        """What the patient is told (message id)."""
        return f"alert.{self.id}.patient"


@dataclass(frozen=True)
class OpenAlert:
    """An alert that is open in the store, as far as the evaluation needs to know it."""

    rule: str
    level: Level
    opened_at: datetime                  # or when it was last raised
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """What to do with one rule's alert for one patient."""

    rule: str
    action: Action
    level: Level
    reason: str                          # message id
    evidence: Mapping[str, Any] = field(default_factory=dict)
    escalate_at: datetime | None = None  # when it escalates if still unacknowledged


# --- context answers --------------------------------------------------------------------------

def context_answers(schedule: Schedule, day: float) -> dict[str, Any]:
    """Triage answers the enrolment itself establishes (the patient's own answers win).

    After an operation the patient has had recent surgery; before the birth she is pregnant and
    after it postpartum; after a long journey, 4 hours or more of travel. The triage risk rules
    (NICE NG158, RCOG, WHO WRIGHT) then treat leg symptoms in one leg as same-day, as they would
    for anyone with that risk factor. After a DVT/PE nothing is added: the clot is known and
    treated, and pain in the treated leg is expected while it recovers, so "previous clot" (a
    Wells item for suspecting a *new* clot) would make every report of leg pain a same-day
    alert. Swelling, warmth, redness and the other DVT signs in one leg still are (the triage
    DVT-signs rule), and the Villalta rule takes over from 3 months.
    """
    pid = schedule.programme.id
    if pid == "after_surgery":
        return {"recent_surgery": True}
    if pid == "pregnancy_postpartum":
        return {"pregnancy_status": "pregnant" if day < 0 else "postpartum", "sex": "female"}
    if pid == "after_journey":
        return {"long_travel_hours": float(schedule.programme.thresholds["journey_hours"])}
    return {}


_CALF_KEY_MAX = float(TRIAGE_KEYS["calf_difference_cm"].maximum or WELLS_CALF_CM)


def triage_answers(schedule: Schedule, checkin: CheckIn) -> dict[str, Any]:
    """The triage facts of a check-in: the programme's context answers, the check-in's own
    answers (they win), and the calf difference when both calves were measured (the triage's
    ``calf_difference_cm``; a difference above the key's range, 30 cm, is given as 30: every
    rule reading it compares with 2 or 3 cm)."""
    answers = {**context_answers(schedule, schedule.day_of(checkin.at)), **checkin.answers}
    diff = checkin.calf_difference_cm
    if diff is not None and answers.get("calf_difference_cm") is None:
        answers["calf_difference_cm"] = min(diff, _CALF_KEY_MAX)
    return answers


def checkin_triage(schedule: Schedule, checkin: CheckIn) -> tuple[Level, list[Hit]]:
    """What the person is told after a check-in: the triage's disposition and hits on the
    check-in's facts (``clotwatch.core.triage.decide`` on ``triage_answers``), what
    ``clotwatch check`` says on the same answers. The alert levels follow it: an emergency
    opens the ``warning_sign`` alert at emergency, a same-day disposition a same-day alert.

    One difference, below same-day only: the triage's self-care check covers the questions
    the check-in asks (``TRIAGE_QUESTIONS``), not the person's risk profile (sex, age,
    pregnancy, clotting disorder, cancer ...), which the care team assessed when it enrolled
    them and the programme gives as context. Without it every calm check-in would be "soon"
    ("book an appointment") for want of answers the check-in never asks. An unanswered
    check-in question still keeps self-care away ("don't know" is never read as "no")."""
    return decide(triage_answers(schedule, checkin), asked=TRIAGE_QUESTIONS)


def least_told(warning_signs: Mapping[str, Any]) -> tuple[Level, list[Hit]]:
    """After the warning signs (step 1), the least the check-in can still tell: the triage on
    those answers with every other check-in question answered the reassuring way (no leg has
    symptoms, no leg sign), before the programme's own risk factor (which only raises). A
    racing heart at rest gives "urgent": whatever the legs, a doctor today, so the check-in can
    say so before it asks about the legs."""
    calm: dict[str, Any] = {**dict.fromkeys(LEG_SIGNS, False), "leg_side": "none"}
    return decide({**calm, **warning_signs}, asked=TRIAGE_QUESTIONS)


def _triage(ctx: Context) -> tuple[Level, list[Hit]]:
    return ctx.triage


# --- the rules ----------------------------------------------------------------------------------

def _warning_sign(ctx: Context) -> Finding | None:
    """Breathlessness, chest pain, coughing blood, fainting, a racing heart with leg symptoms
    (or legs not ruled out), a cold pale numb leg: the triage emergency rules. An unanswered
    ("don't know") warning sign, a racing heart or a cold pale numb leg included (the triage's
    ``EMERGENCY_KEYS``), is never read as "no": a ``soon`` alert asks the team to call the
    patient."""
    c = ctx.checkin
    assert c is not None
    _, hits = _triage(ctx)
    emergency = [h for h in hits if h.level == "emergency"]
    if emergency:
        return Finding("emergency", "alert.warning_sign.reason",
                       {"keys": sorted({h.key for h in emergency}),
                        "triage_rules": sorted({h.rule for h in emergency})})
    if c.kind == "patient":
        unknown = [k for k in EMERGENCY_KEYS if c.answers.get(k) is None]
        if unknown:
            return Finding("soon", "alert.warning_sign.unknown", {"keys": unknown})
    return None


def _same_day_signs(ctx: Context) -> Finding | None:
    """DVT signs in one leg, and the other same-day findings of the triage rules (a racing
    heart without leg symptoms, a leg that may be infected, swelling in pregnancy)."""
    _, hits = _triage(ctx)
    # The Wells 3 cm item has its own alert (calf_difference), at the same level.
    urgent = [h for h in hits if h.level == "urgent" and h.rule != "calf_swelling_3cm"]
    if not urgent:
        return None
    return Finding("urgent", "alert.same_day_signs.reason",
                   {"keys": sorted({h.key for h in urgent}),
                    "triage_rules": sorted({h.rule for h in urgent})})


def _calf_difference(ctx: Context) -> Finding | None:
    """Calf circumferences differing by 3 cm or more (Wells 2003; NICE NG158 Table 1)."""
    assert ctx.checkin is not None
    diff = ctx.checkin.calf_difference_cm
    if diff is not None and diff >= WELLS_CALF_CM:
        return Finding("urgent", "alert.calf_difference.reason",
                       {"difference_cm": diff, "threshold_cm": WELLS_CALF_CM})
    return None


def _calf_rising(ctx: Context) -> Finding | None:
    """A calf difference that has risen by ``CALF_RISE_CM`` or more from its smallest value in
    this programme (swelling coming back), while still under 3 cm."""
    assert ctx.checkin is not None
    diff = ctx.checkin.calf_difference_cm
    if diff is None:
        return None
    earlier = [d for d in (c.calf_difference_cm for c in ctx.history) if d is not None]
    if not earlier:
        return None
    lowest = min(earlier)
    if diff - lowest >= CALF_RISE_CM - 1e-9:
        return Finding("soon", "alert.calf_rising.reason",
                       {"difference_cm": diff, "lowest_cm": lowest,
                        "rise_cm": round(diff - lowest, 2), "threshold_cm": CALF_RISE_CM})
    return None


def _villalta(ctx: Context) -> Finding | None:
    """Villalta 5-14 (post-thrombotic syndrome) or 15 or more / a venous ulcer (severe), from 3
    months after the DVT (Kahn 2009). The patient rates the symptoms at each check-in; the
    signs come from the latest visit. Unanswered items count 0 in the lower bound, so the alert
    only says what the answered items already prove."""
    c = ctx.checkin
    assert c is not None
    if not ctx.schedule.asks("villalta", ctx.day):
        return None
    answers: dict[str, Any] = {}
    visits = [h for h in ctx.history if h.kind == "visit" and h.villalta]
    if visits:
        answers.update(visits[-1].villalta)
    if c.kind == "visit":
        answers.update(c.villalta)
    else:
        answers.update({k: v for k, v in c.villalta.items()
                        if k in VILLALTA_SYMPTOMS or k == "venous_ulcer"})
    if not answers:
        return None
    result = evaluate_instrument(VILLALTA, answers)
    lowest, highest = result.total_range
    ulcer = answers.get("venous_ulcer") is True
    evidence = {"total_at_least": lowest, "total_at_most": highest, "venous_ulcer": ulcer,
                "missing": list(result.missing)}
    if ulcer or lowest >= 15:
        return Finding("soon", "alert.villalta.severe", evidence)
    if lowest >= 5:
        return Finding("soon", "alert.villalta.pts", evidence)
    return None


def _missed_doses(ctx: Context) -> Finding | None:
    """Anticoagulant or prophylaxis doses missed since the last check-in; a dose question left
    unanswered is not read as "none missed"."""
    c = ctx.checkin
    assert c is not None
    if c.kind != "patient" or not ctx.schedule.asks("doses", ctx.day):
        return None
    if c.doses_missed is None:
        return Finding("soon", "alert.missed_doses.unknown", {})
    if c.doses_missed >= MISSED_DOSES:
        return Finding("soon", "alert.missed_doses.reason",
                       {"doses_missed": c.doses_missed, "threshold": MISSED_DOSES})
    return None


def _stale(ctx: Context) -> Finding | None:
    """No check-in for the programme's interval (plus its grace period): the data is stale."""
    times = [c.at for c in ctx.history]
    if ctx.checkin is not None:
        times.append(ctx.checkin.at)
    last = max(times) if times else ctx.enrolled_at
    if ctx.schedule.is_stale(last, ctx.now):
        since = ctx.schedule.stale_at(last)
        return Finding("soon", "alert.stale.reason",
                       {"last": last.isoformat(), "stale_since": since.isoformat()
                        if since else None})
    return None


def _immobile(ctx: Context) -> Finding | None:
    """Steps far below the patient's own baseline for several days after an operation
    (``clotwatch.core.followup.movement``; a day without data is never a low day)."""
    assert ctx.activity is not None
    evidence = immobile_run(ctx.activity, ctx.schedule.programme.thresholds,
                            ctx.schedule.index_date)
    return None if evidence is None else Finding("soon", "alert.immobile.reason", evidence)


def _wearable_stale(ctx: Context) -> Finding | None:
    """No step data for longer than the programme expects, from a patient whose device has
    sent data before, while the programme runs."""
    assert ctx.activity is not None
    if ctx.now >= ctx.schedule.end:
        return None
    evidence = wearable_stale(ctx.activity, ctx.schedule.programme.thresholds, ctx.now)
    return None if evidence is None else Finding("soon", "alert.wearable_stale.reason",
                                                 evidence)


def _activity_ready(rule: AlertRule, activity: ActivityFacts | None) -> bool:
    if not rule.needs_activity:
        return True
    if activity is None:
        return False
    return rule.needs_activity != "days" or activity.days is not None


RULES: dict[str, AlertRule] = {r.id: r for r in (
    AlertRule("warning_sign", ("nhs_dvt", "nhs_pe", "nhs_pad", "safety_unknown"),
              ("soon", "emergency"), _warning_sign),
    AlertRule("same_day_signs", ("nhs_dvt", "nice_ng158_treatment"), ("urgent",),
              _same_day_signs),
    AlertRule("calf_difference", ("wells_dvt_2003",), ("urgent",), _calf_difference),
    AlertRule("calf_rising", ("clotwatch_followup",), ("soon",), _calf_rising),
    AlertRule("villalta", ("villalta_kahn_2009",), ("soon",), _villalta),
    AlertRule("missed_doses", ("nice_ng158_treatment", "clotwatch_followup"), ("soon",),
              _missed_doses),
    AlertRule("stale", ("clotwatch_followup",), ("soon",), _stale, needs_checkin=False,
              auto_resolve=True),
    AlertRule("immobile", ("lebleu_2021", "clotwatch_movement"), ("soon",), _immobile,
              needs_checkin=False, needs_activity="days"),
    AlertRule("wearable_stale", ("clotwatch_movement",), ("soon",), _wearable_stale,
              needs_checkin=False, auto_resolve=True, needs_activity="last_data"),
)}

# Every reason message id a rule can produce (a test checks that no other is produced).
REASON_IDS = (
    "alert.warning_sign.reason", "alert.warning_sign.unknown", "alert.same_day_signs.reason",
    "alert.calf_difference.reason", "alert.calf_rising.reason", "alert.villalta.pts",
    "alert.villalta.severe", "alert.missed_doses.reason", "alert.missed_doses.unknown",
    "alert.stale.reason", "alert.immobile.reason", "alert.wearable_stale.reason",
)


def _escalate_at(rule: AlertRule, level: Level, since: datetime,
                 windows: Mapping[Level, timedelta] | None = None) -> datetime | None:
    window = (windows if windows is not None else rule.acknowledge_within).get(level)
    return None if window is None else since + window


def evaluate(schedule: Schedule, checkin: CheckIn | None, history: Sequence[CheckIn],
             open_alerts: Mapping[str, OpenAlert], now: datetime,
             enrolled_at: datetime,
             acknowledge_within: Mapping[Level, timedelta] | None = None,
             activity: ActivityFacts | None = None,
             ) -> tuple[Decision, ...]:
    """What should happen to each of the programme's alerts, given the data and ``now``.

    ``checkin`` is the check-in just made (None for a periodic sweep, when only time-based rules
    run); ``history`` the earlier check-ins (any order); ``open_alerts`` the open alert of each
    rule (one per patient and rule); ``acknowledge_within`` a clinic's own escalation windows
    (default ``ACKNOWLEDGE_WITHIN``). Returns decisions in the programme's rule order, then the
    escalations of open alerts whose acknowledgement is overdue.
    """
    for name, value in (("now", now), ("enrolled_at", enrolled_at)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError(name, "must be a timezone-aware datetime")
    ctx = Context(schedule, checkin, tuple(sorted(history, key=lambda c: c.at)), now,
                  enrolled_at, activity)
    decisions: list[Decision] = []
    escalated: set[str] = set()
    for rule_id in schedule.programme.rules:
        rule = RULES[rule_id]
        current = open_alerts.get(rule_id)
        if rule.needs_checkin and checkin is None:
            continue
        if not _activity_ready(rule, activity):
            continue
        finding = rule.check(ctx)
        if finding is None:
            if current is not None:
                action: Action = "resolve" if rule.auto_resolve else "clear"
                decisions.append(Decision(rule_id, action, current.level,
                                          f"alert.{rule_id}.cleared"))
            continue
        if current is None:
            decisions.append(Decision(rule_id, "open", finding.level, finding.reason,
                                      finding.evidence,
                                      _escalate_at(rule, finding.level, now,
                                                   acknowledge_within)))
        elif rank(finding.level) > rank(current.level):
            decisions.append(Decision(rule_id, "raise", finding.level, finding.reason,
                                      finding.evidence,
                                      _escalate_at(rule, finding.level, now,
                                                   acknowledge_within)))
            escalated.add(rule_id)   # a raised alert gets a fresh acknowledgement window
        else:
            decisions.append(Decision(rule_id, "keep", current.level, finding.reason,
                                      finding.evidence,
                                      None if current.acknowledged_at else
                                      _escalate_at(rule, current.level, current.opened_at,
                                                   acknowledge_within)))
    for rule_id, current in open_alerts.items():
        if rule_id in escalated or rule_id not in RULES:
            continue
        decision = escalation(RULES[rule_id], current, now, acknowledge_within)
        if decision is not None:
            decisions.append(decision)
    return tuple(decisions)


def escalation(rule: AlertRule, alert: OpenAlert, now: datetime,
               acknowledge_within: Mapping[Level, timedelta] | None = None) -> Decision | None:
    """An ``escalate`` decision if ``alert`` was not acknowledged within its window."""
    if alert.acknowledged_at is not None or alert.escalated_at is not None:
        return None
    deadline = _escalate_at(rule, alert.level, alert.opened_at, acknowledge_within)
    if deadline is None or now < deadline:
        return None
    return Decision(alert.rule, "escalate", alert.level, "alert.escalated",
                    {"opened_at": alert.opened_at.isoformat(),
                     "deadline": deadline.isoformat()}, deadline)
