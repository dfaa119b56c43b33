"""Remote follow-up: programmes and alert rules as data, schedules, and check-in evaluation.

Pure (standard library only, no clock: ``now`` is passed in). ``clotwatch.followup`` wires in
the ``followup`` message catalogues and is the public entry point for the service layer.

- ``PROGRAMMES`` / ``get_programme(id)``: the programmes, each with its sources.
- ``Schedule``: due check-ins in the patient's time zone, quiet hours, adjustments, staleness.
- ``validate_checkin(raw, at) -> CheckIn``: InputError(field, reason) on bad input.
- ``RULES`` and ``evaluate(schedule, checkin, history, open_alerts, now, enrolled_at)`` ->
  ``Decision``s (open / keep / raise / clear / resolve / escalate).
- ``checkin_triage(schedule, checkin)``: what the person is told, the triage's disposition on
  the check-in's facts (``triage_answers``).
"""

from __future__ import annotations

from clotwatch.core.followup.checkin import (
    LEG_SIGNS,
    TRIAGE_QUESTIONS,
    VILLALTA_SYMPTOMS,
    WARNING_KEYS,
    CheckIn,
    validate_checkin,
)
from clotwatch.core.followup.movement import ActivityFacts, baseline_of
from clotwatch.core.followup.programmes import (
    PROGRAMMES,
    QUESTION_GROUPS,
    Phase,
    Programme,
    get_programme,
)
from clotwatch.core.followup.rules import (
    ACKNOWLEDGE_WITHIN,
    ACKNOWLEDGE_WITHIN_MINUTES,
    ACTIONS,
    REASON_IDS,
    RULES,
    AlertRule,
    Decision,
    Finding,
    OpenAlert,
    acknowledge_windows,
    checkin_triage,
    context_answers,
    escalation,
    evaluate,
    least_told,
    triage_answers,
)
from clotwatch.core.followup.schedule import Adjustment, QuietHours, Schedule, zone
from clotwatch.core.followup.sources import SOURCES, Source

__all__ = [
    "ACKNOWLEDGE_WITHIN", "ACKNOWLEDGE_WITHIN_MINUTES", "ACTIONS", "LEG_SIGNS", "PROGRAMMES",
    "QUESTION_GROUPS", "REASON_IDS", "RULES", "SOURCES", "TRIAGE_QUESTIONS",
    "VILLALTA_SYMPTOMS", "WARNING_KEYS", "ActivityFacts", "Adjustment", "AlertRule", "CheckIn",
    "Decision", "Finding", "OpenAlert", "Phase", "Programme", "QuietHours", "Schedule",
    "Source", "acknowledge_windows", "baseline_of", "checkin_triage", "context_answers",
    "escalation", "evaluate", "get_programme", "least_told", "message_ids", "triage_answers",
    "validate_checkin", "zone",
]

# Messages the worker sends (reminders, alert notifications, escalations). Notifications carry
# no health data: they say that something is waiting and where to sign in to see it.
NOTIFICATION_IDS = (
    "notify.reminder.subject", "notify.reminder.body",
    "notify.alert.subject", "notify.alert.body",
    "notify.escalation.subject", "notify.escalation.body",
)
LEVEL_IDS = ("level.soon", "level.urgent", "level.emergency")


def message_ids() -> list[str]:
    """Every message id of the ``followup`` catalogue the code can ask for."""
    ids: list[str] = []
    for programme in PROGRAMMES.values():
        ids += programme.message_ids()
    for rule in RULES.values():
        ids += [rule.title_id, rule.care_team_id, rule.patient_id, f"alert.{rule.id}.cleared"]
    ids += list(REASON_IDS)
    ids += ["alert.escalated", *LEVEL_IDS, *NOTIFICATION_IDS]
    return list(dict.fromkeys(ids))
