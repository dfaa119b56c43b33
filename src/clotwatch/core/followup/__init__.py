"""Remote follow-up: programmes and alert rules as data, schedules, and check-in evaluation.

Pure (standard library only, no clock: ``now`` is passed in). ``clotwatch.followup`` wires in
the ``followup`` message catalogues and is the public entry point for the service layer.

- ``PROGRAMMES`` / ``get_programme(id)``: the programmes, each with its sources.
- ``Schedule``: due check-ins in the patient's time zone, quiet hours, adjustments, staleness.
- ``validate_checkin(raw, at) -> CheckIn``: InputError(field, reason) on bad input.
- ``RULES`` and ``evaluate(schedule, checkin, history, open_alerts, now, enrolled_at)`` ->
  ``Decision``s (open / keep / raise / clear / resolve / escalate).
"""

from __future__ import annotations

from clotwatch.core.followup.checkin import (
    VILLALTA_SYMPTOMS,
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
    ACTIONS,
    REASON_IDS,
    RULES,
    AlertRule,
    Decision,
    Finding,
    OpenAlert,
    context_answers,
    escalation,
    evaluate,
)
from clotwatch.core.followup.schedule import Adjustment, QuietHours, Schedule, zone
from clotwatch.core.followup.sources import SOURCES, Source

__all__ = [
    "ACKNOWLEDGE_WITHIN", "ACTIONS", "PROGRAMMES", "QUESTION_GROUPS", "REASON_IDS", "RULES",
    "SOURCES", "VILLALTA_SYMPTOMS", "ActivityFacts", "Adjustment", "AlertRule", "CheckIn",
    "Decision", "Finding", "OpenAlert", "Phase", "Programme", "QuietHours", "Schedule",
    "Source", "baseline_of", "context_answers", "escalation", "evaluate", "get_programme",
    "message_ids", "validate_checkin", "zone",
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
