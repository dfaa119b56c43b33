"""From alert decisions to notifications: who is told what, with which idempotency key.

The follow-up service applies ``clotwatch.core.followup.evaluate``'s decisions to its alert rows
and, in the same transaction, calls ``notify`` with the alert's id: an alert opened or raised
to ``urgent`` or ``emergency`` notifies the clinic's clinicians at once; an ``escalate``
decision notifies the clinic's admins. ``soon`` alerts are not pushed to anyone: they wait at
the top of the worklist, where the care team looks every working day (an email for every missed
check-in would teach people to ignore the emails that matter). The notification says only that
an alert of a level is waiting, and where to sign in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from clotwatch.core.followup import Decision
from clotwatch.worker.outbox import enqueue

NOTIFY_LEVELS = ("urgent", "emergency")


@dataclass(frozen=True)
class Recipient:
    """Where one person wants notifications: a channel, an address, a language."""

    channel: str      # "email" | "webhook" | "webpush"
    address: str
    lang: str = "en"


def notify(session: Session, decision: Decision, alert_id: str | int, link: str,
           clinicians: Sequence[Recipient], admins: Sequence[Recipient],
           now: datetime) -> int:
    """Queue the notifications ``decision`` calls for; return how many rows are new.

    Keys: ``alert:<id>:<level>:<recipient no>`` for an opened or raised alert (one notification
    per level reached), ``alert:<id>:escalate:<recipient no>`` for an escalation. Calling again
    for the same decision queues nothing new. ``{lang}`` in ``link`` becomes each recipient's
    language (``https://clinic.example/{lang}/care``: each clinician opens their own language).
    """
    template: str
    tag: str
    if decision.action in ("open", "raise") and decision.level in NOTIFY_LEVELS:
        template, who, tag = "notify.alert", clinicians, str(decision.level)
    elif decision.action == "escalate":
        template, who, tag = "notify.escalation", admins, "escalate"
    else:
        return 0
    created = 0
    for n, person in enumerate(who):
        created += enqueue(session, person.channel, person.address, template,
                           {"link": link.replace("{lang}", person.lang),
                            "level": decision.level}, now,
                           f"alert:{alert_id}:{tag}:{n}:{person.channel}", lang=person.lang,
                           now=now)
    return created
