"""Who may see or change what: the one place access to follow-up data is decided.

A policy function per resource, each pure: it takes the ``Principal`` (who asks, with their
staff roles, the patients they care for and, for an API token, its scopes) and the facts about
the resource, and answers True or False. The service layer calls these before every read or
change; routes never decide access themselves.

The rules (issue #12):
- a patient sees and changes only their own data; they alone export, delete, withdraw, invite
  caregivers and read their audit log;
- a caregiver, invited by the patient, reads that patient's follow-up and never writes;
- a clinician (or a clinic admin) sees only patients with an active enrolment in their clinic,
  and acts on alerts of their own clinic;
- a clinic admin manages their own clinic (settings, staff invitations), nothing of another.
"""

from __future__ import annotations

from dataclasses import dataclass

from clotwatch.errors import ClotwatchError
from clotwatch.service.accounts import STAFF_ROLES, Principal


class AccessDenied(ClotwatchError):
    """The principal may not do this; routes answer 404 for data (so existence does not leak)
    and 403 for actions."""


@dataclass(frozen=True)
class PatientFacts:
    """What the policy needs about a patient: their id and the clinics they are enrolled with
    (active enrolments only)."""

    patient_id: int
    clinics: frozenset[int]


def read_patient(actor: Principal, patient: PatientFacts) -> bool:
    """Read a patient's follow-up (check-ins, alerts, charts)."""
    if not actor.has_scope("checkins:read"):
        return False
    if actor.user_id == patient.patient_id or patient.patient_id in actor.caregiver_of:
        return True
    return bool(actor.clinics_with(*STAFF_ROLES) & patient.clinics)


def write_checkin(actor: Principal, patient: PatientFacts) -> bool:
    """Submit a check-in: the patient only, for themself, while enrolled somewhere."""
    return (actor.has_scope("checkins:write") and actor.user_id == patient.patient_id
            and bool(patient.clinics))


def write_activity(actor: Principal, patient: PatientFacts) -> bool:
    """Store step samples from a phone or watch: the patient only, for themself, while
    enrolled somewhere (issue #9; read back under ``read_patient``)."""
    return (actor.has_scope("activity:write") and actor.user_id == patient.patient_id
            and bool(patient.clinics))


def record_visit(actor: Principal, patient: PatientFacts) -> bool:
    """Record a clinician's Villalta rating at a visit: staff of a clinic the patient is
    enrolled with, in a browser."""
    return (actor.scopes is None
            and bool(actor.clinics_with(*STAFF_ROLES) & patient.clinics))


def set_movement(actor: Principal, patient: PatientFacts) -> bool:
    """Read and change the reminders to move (issue #9): the person, for themself, or staff of
    a clinic they are enrolled with (the threshold only), in a browser."""
    return actor.scopes is None and (actor.user_id == patient.patient_id
                                     or bool(actor.clinics_with(*STAFF_ROLES) & patient.clinics))


def own_movement(actor: Principal, patient: PatientFacts) -> bool:
    """Add a journey whose plan the reminders to move follow: the patient, for themself, in a
    browser, while enrolled somewhere."""
    return actor.scopes is None and actor.user_id == patient.patient_id and bool(patient.clinics)


def own_data(actor: Principal, patient: PatientFacts) -> bool:
    """Export, delete, withdraw, manage caregivers, read the audit log: the patient only."""
    return actor.user_id == patient.patient_id and actor.has_scope("export")


def invite_caregiver(actor: Principal, patient: PatientFacts) -> bool:
    """Invite a caregiver: the patient, for themself, while enrolled with a clinic."""
    return own_data(actor, patient) and bool(patient.clinics)


def act_on_alert(actor: Principal, alert_clinic: int, patient: PatientFacts) -> bool:
    """Acknowledge, snooze or resolve an alert: staff of the alert's clinic, while the patient
    is enrolled there."""
    return (actor.has_scope("alerts:write") and alert_clinic in actor.clinics_with(*STAFF_ROLES)
            and alert_clinic in patient.clinics)


def view_worklist(actor: Principal, clinic_id: int) -> bool:
    """See a clinic's worklist: its clinicians and admins."""
    return actor.has_scope("worklist:read") and clinic_id in actor.clinics_with(*STAFF_ROLES)


def enrol(actor: Principal, clinic_id: int) -> bool:
    """Invite a patient into a programme of a clinic (or adjust an enrolment's schedule)."""
    return actor.scopes is None and clinic_id in actor.clinics_with(*STAFF_ROLES)


def manage_clinic(actor: Principal, clinic_id: int) -> bool:
    """Change a clinic's settings, invite its staff: that clinic's admins, in a browser."""
    return actor.scopes is None and clinic_id in actor.clinics_with("admin")


def require(allowed: bool) -> None:
    """Raise AccessDenied unless ``allowed``."""
    if not allowed:
        raise AccessDenied("not allowed")
