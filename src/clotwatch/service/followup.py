"""Remote follow-up use cases: clinics and staff, invitations and enrolment, check-ins and the
alerts they open, the worklist, the patient page, the audit log, export and deletion.

Every function takes the ``Principal`` who asks and calls ``clotwatch.service.policy`` before
it reads or changes a patient's data; every such read or change writes an audit row (who,
when, what; never the data). One function call is one transaction (``Store.session``).

Programmes, schedules and the alert rules are the pure core's (``clotwatch.service.rules``
adapts ``clotwatch.core.followup``); notifications go through ``clotwatch.service.notify``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clotwatch.errors import InputError, MissingDataError
from clotwatch.service import accounts, notify, policy, rules, sharecodes
from clotwatch.service.accounts import Principal
from clotwatch.service.policy import AccessDenied, PatientFacts, require
from clotwatch.store import Store
from clotwatch.store.followup_models import (
    Alert,
    AlertEvent,
    AuditEntry,
    CareLink,
    CheckIn,
    Clinic,
    Enrolment,
    Invitation,
    Membership,
    PushSubscription,
    User,
)

INVITATION_TTL = timedelta(days=7)
HISTORY = 60  # earlier check-ins the rules see (calf rise, Villalta visits)
SNOOZE_MAX = timedelta(days=7)
ACKNOWLEDGED_PENALTY = 10  # an acknowledged alert ranks after every unacknowledged one


class NotFound(MissingDataError):
    """No such thing, or not one this principal may see (deliberately alike)."""


# --- helpers --------------------------------------------------------------------------------

def audit(session: Session, actor: Principal | None, patient_id: int | None, action: str,
          what: str, now: datetime, *, label: str | None = None) -> None:
    """Record who read or changed whose data (``what`` names the resource, never its content).
    ``label`` names an actor without an account (the command line's user, an anonymous web
    visitor); otherwise the actor, or "clotwatch" for the service itself."""
    if actor is not None:
        label = f"{actor.name} <{actor.email}>"
    label = label or "clotwatch"
    session.add(AuditEntry(at=now, actor_id=actor.user_id if actor else None,
                           actor_label=label[:200], patient_id=patient_id, action=action,
                           what=what[:200]))


def patient_facts(session: Session, patient_id: int) -> PatientFacts:
    """The patient and the clinics they are actively enrolled with."""
    clinics = frozenset(session.scalars(select(Enrolment.clinic_id).where(
        Enrolment.patient_id == patient_id, Enrolment.withdrawn_at.is_(None))))
    return PatientFacts(patient_id, clinics)


def readable_patient(session: Session, actor: Principal, patient_id: int) -> User:
    """The patient's user row if ``actor`` may read their follow-up; NotFound otherwise."""
    user = session.get(User, patient_id)
    if user is None or not policy.read_patient(actor, patient_facts(session, patient_id)):
        raise NotFound("no such patient")
    return user


def new_join_code() -> str:
    """A clinic's join code: 10 Crockford base32 characters in two groups."""
    return sharecodes.new_code()[:11]


# --- clinics and staff ----------------------------------------------------------------------

def create_clinic(store: Store, name: str, now: datetime, *, require_totp: bool = False
                  ) -> Clinic:
    """A new clinic with a fresh join code."""
    if not name.strip() or len(name.strip()) > 200:
        raise InputError("name", "enter a clinic name of 1 to 200 characters")
    with store.session() as session:
        clinic = Clinic(name=name.strip(), join_code=new_join_code(), require_totp=require_totp,
                        created_at=now)
        session.add(clinic)
        session.flush()
        return clinic


def add_staff(session: Session, clinic_id: int, user: User, role: str) -> Membership:
    """Make ``user`` a clinician or admin of a clinic (idempotent; the role is updated)."""
    if role not in accounts.STAFF_ROLES:
        raise InputError("role", "choose clinician or admin")
    if session.get(Clinic, clinic_id) is None:
        raise InputError("clinic", f"no clinic with id {clinic_id}")
    row = session.scalars(select(Membership).where(
        Membership.user_id == user.id, Membership.clinic_id == clinic_id)).one_or_none()
    if row is None:
        row = Membership(user_id=user.id, clinic_id=clinic_id, role=role)
        session.add(row)
    row.role = role
    session.flush()
    return row


def clinics_of(store: Store, actor: Principal) -> list[Clinic]:
    """The clinics where ``actor`` is staff."""
    with store.session() as session:
        return list(session.scalars(select(Clinic).where(Clinic.id.in_(actor.staff))
                                    .order_by(Clinic.name)))


def set_require_totp(store: Store, actor: Principal, clinic_id: int, required: bool,
                     now: datetime) -> None:
    """A clinic admin requires (or stops requiring) TOTP for the clinic's staff."""
    require(policy.manage_clinic(actor, clinic_id))
    with store.session() as session:
        clinic = session.get(Clinic, clinic_id)
        if clinic is None:
            raise NotFound("no such clinic")
        clinic.require_totp = required
        audit(session, actor, None, "update", f"clinic {clinic_id}: require_totp={required}",
              now)


def _windows_of(clinic: Clinic | None) -> dict[str, timedelta] | None:
    """The clinic's escalation windows for the rules (None: clotwatch's defaults)."""
    if clinic is None:
        return None
    try:
        return rules.escalation_windows(clinic.escalate_emergency_minutes,
                                        clinic.escalate_urgent_minutes)
    except InputError:
        return None  # only written through _set_windows; a value edited in by hand: defaults


def _set_windows(session: Session, clinic_id: int, emergency_minutes: int | None,
                 urgent_minutes: int | None) -> Clinic:
    rules.escalation_windows(emergency_minutes, urgent_minutes)  # InputError naming the field
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound("no such clinic")
    clinic.escalate_emergency_minutes = emergency_minutes
    clinic.escalate_urgent_minutes = urgent_minutes
    return clinic


def set_escalation_windows(store: Store, actor: Principal, clinic_id: int,
                           emergency_minutes: int | None, urgent_minutes: int | None,
                           now: datetime) -> None:
    """A clinic admin sets how long an emergency and a same-day alert may stay
    unacknowledged before the clinic's admins are told (None: clotwatch's default, 15 and
    240 minutes). InputError naming the field outside the allowed range
    (``clotwatch.core.followup.ACKNOWLEDGE_WITHIN_MINUTES``). Applies to open alerts too."""
    require(policy.manage_clinic(actor, clinic_id))
    with store.session() as session:
        _set_windows(session, clinic_id, emergency_minutes, urgent_minutes)
        audit(session, actor, None, "update", f"clinic {clinic_id}: escalation windows "
              f"{emergency_minutes}/{urgent_minutes} min", now)


def set_escalation_windows_by_operator(store: Store, clinic_id: int,
                                       emergency_minutes: int | None,
                                       urgent_minutes: int | None, now: datetime) -> None:
    """``set_escalation_windows`` for the server's operator (``clotwatch admin``)."""
    with store.session() as session:
        _set_windows(session, clinic_id, emergency_minutes, urgent_minutes)
        audit(session, None, None, "update", f"clinic {clinic_id}: escalation windows "
              f"{emergency_minutes}/{urgent_minutes} min (clotwatch admin)", now)


# --- invitations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedInvitation:
    """The only copy of an invitation's secrets: the link token and the short code."""

    id: int
    token: str
    code: str
    kind: str
    expires_at: datetime


def _issue(session: Session, now: datetime, **values: Any) -> IssuedInvitation:
    token = accounts.new_token()
    code = sharecodes.new_code()
    row = Invitation(token_hash=accounts.token_hash(token), code_hash=sharecodes.hash_code(code),
                     created_at=now, expires_at=now + INVITATION_TTL, **values)
    session.add(row)
    session.flush()
    return IssuedInvitation(row.id, token, code, row.kind, row.expires_at)


def invite_patient(store: Store, actor: Principal, clinic_id: int, programme_id: str,
                   start: date, now: datetime, *,
                   doses_until_day: int | None = None) -> IssuedInvitation:
    """A clinician enrols a patient: a single-use invitation into ``programme_id``;
    ``doses_until_day`` how long the dose questions apply (0: the patient takes no
    anticoagulant or prophylaxis; None: the programme's length)."""
    require(policy.enrol(actor, clinic_id))
    rules.programme(programme_id)  # InputError if unknown
    rules.check_doses_until_day(doses_until_day)
    with store.session() as session:
        issued = _issue(session, now, kind="patient", clinic_id=clinic_id,
                        programme_id=programme_id, role=start.isoformat(),
                        created_by=actor.user_id, doses_until_day=doses_until_day)
        audit(session, actor, None, "create", f"patient invitation {issued.id}", now)
        return issued


def invite_caregiver(store: Store, actor: Principal, now: datetime) -> IssuedInvitation:
    """A patient invites a caregiver to read (never change) their follow-up."""
    with store.session() as session:
        require(policy.invite_caregiver(actor, patient_facts(session, actor.user_id)))
        issued = _issue(session, now, kind="caregiver", patient_id=actor.user_id,
                        created_by=actor.user_id)
        audit(session, actor, actor.user_id, "create", "caregiver invitation", now)
        return issued


def invite_staff(store: Store, actor: Principal, clinic_id: int, role: str,
                 now: datetime) -> IssuedInvitation:
    """A clinic admin invites a clinician or another admin."""
    require(policy.manage_clinic(actor, clinic_id))
    if role not in accounts.STAFF_ROLES:
        raise InputError("role", "choose clinician or admin")
    with store.session() as session:
        issued = _issue(session, now, kind="staff", clinic_id=clinic_id, role=role,
                        created_by=actor.user_id)
        audit(session, actor, None, "create", f"staff invitation {issued.id} ({role})", now)
        return issued


def _find_invitation(session: Session, secret: str) -> Invitation | None:
    secret = secret.strip()
    if not secret or len(secret) > 100:
        return None
    row = session.scalars(select(Invitation).where(
        Invitation.token_hash == accounts.token_hash(secret))).one_or_none()
    if row is None:
        try:
            code_hash = sharecodes.hash_code(secret)
        except InputError:
            return None
        row = session.scalars(select(Invitation).where(
            Invitation.code_hash == code_hash)).one_or_none()
    return row


@dataclass(frozen=True)
class InvitationView:
    """What a person opening an invitation is told before accepting it."""

    kind: str
    clinic_name: str | None
    programme_id: str | None
    expires_at: datetime


def look_up_invitation(store: Store, secret: str, now: datetime) -> InvitationView:
    """The invitation behind a link token or code if it is still usable; InputError if not."""
    with store.session() as session:
        row = _find_invitation(session, secret)
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise InputError("code", "this invitation is not valid: it may have been used "
                                     "or have expired; ask for a new one")
        clinic = session.get(Clinic, row.clinic_id) if row.clinic_id else None
        return InvitationView(row.kind, clinic.name if clinic else None, row.programme_id,
                              row.expires_at)


def accept_invitation(store: Store, secret: str, now: datetime, *,
                      user_id: int | None = None,
                      new_account: Mapping[str, str] | None = None) -> User:
    """Use an invitation once, as an existing user or with a new account; returns the user.

    The claim is a conditional UPDATE (``used_at IS NULL AND expires_at > now``): of two
    people racing with one code, exactly one succeeds.
    """
    with store.session() as session:
        row = _find_invitation(session, secret)
        invalid = InputError("code", "this invitation is not valid: it may have been used or "
                                     "have expired; ask for a new one")
        if row is None:
            raise invalid
        if user_id is not None:
            user = session.get(User, user_id)
            if user is None:
                raise invalid
        elif new_account is not None:
            user = accounts.create_user(
                session, email=new_account.get("email", ""),
                password=new_account.get("password", ""), name=new_account.get("name", ""),
                now=now, lang=new_account.get("lang", "en"),
                timezone=new_account.get("timezone", "UTC"))
        else:
            raise InputError("email", "sign in or create an account to accept the invitation")
        claimed = session.execute(
            update(Invitation)
            .where(Invitation.id == row.id, Invitation.used_at.is_(None),
                   Invitation.expires_at > now)
            .values(used_at=now, used_by=user.id))
        if not getattr(claimed, "rowcount", 0):
            raise invalid
        if row.kind == "patient":
            assert row.clinic_id is not None and row.programme_id is not None
            _enrol(session, user.id, row.clinic_id, row.programme_id,
                   date.fromisoformat(row.role or now.date().isoformat()), now,
                   doses_until_day=row.doses_until_day)
        elif row.kind == "caregiver":
            assert row.patient_id is not None
            if row.patient_id == user.id:
                raise InputError("code", "this invitation is for someone who cares for you")
            session.add(CareLink(patient_id=row.patient_id, caregiver_id=user.id,
                                 created_at=now))
            session.add(AuditEntry(at=now, actor_id=user.id,
                                   actor_label=f"{user.display_name} <{user.email}>",
                                   patient_id=row.patient_id, action="create",
                                   what="caregiver access granted"))
        else:
            assert row.clinic_id is not None and row.role is not None
            add_staff(session, row.clinic_id, user, row.role)
        return user


def _enrol(session: Session, patient_id: int, clinic_id: int, programme_id: str,
           start: date, now: datetime, *, doses_until_day: int | None = None) -> Enrolment:
    existing = session.scalars(select(Enrolment).where(
        Enrolment.patient_id == patient_id, Enrolment.clinic_id == clinic_id,
        Enrolment.programme_id == programme_id, Enrolment.withdrawn_at.is_(None))).first()
    if existing is not None:
        return existing
    row = Enrolment(patient_id=patient_id, clinic_id=clinic_id, programme_id=programme_id,
                    start_date=start.isoformat(), started_at=now,
                    doses_until_day=doses_until_day)
    session.add(row)
    session.add(AuditEntry(at=now, actor_id=patient_id, actor_label="enrolment",
                           patient_id=patient_id, action="create",
                           what=f"enrolled with clinic {clinic_id} in {programme_id}"))
    session.flush()
    return row


def join_clinic(store: Store, actor: Principal, join_code: str, programme_id: str,
                start: date, now: datetime) -> Enrolment:
    """A patient joins a clinic with the clinic's code, in a programme they choose."""
    rules.programme(programme_id)
    cleaned = "".join(ch for ch in join_code.upper() if ch.isalnum())
    with store.session() as session:
        clinic = session.scalars(select(Clinic).where(
            func.replace(Clinic.join_code, "-", "") == cleaned)).one_or_none()
        if clinic is None or not cleaned:
            raise InputError("clinic_code", "no clinic has this code; check it with your clinic")
        return _enrol(session, actor.user_id, clinic.id, programme_id, start, now)


@dataclass(frozen=True)
class Viewer:
    """Someone who can see a patient's data, as the patient is shown it."""

    kind: str  # clinic | caregiver
    id: int
    name: str
    detail: str


def who_can_see(store: Store, actor: Principal) -> list[Viewer]:
    """The clinics (with their programme) and caregivers who can see the patient's data."""
    with store.session() as session:
        viewers: list[Viewer] = []
        for enrolment, clinic in session.execute(
                select(Enrolment, Clinic).join(Clinic, Clinic.id == Enrolment.clinic_id)
                .where(Enrolment.patient_id == actor.user_id, Enrolment.withdrawn_at.is_(None))
                .order_by(Enrolment.id)):
            viewers.append(Viewer("clinic", enrolment.id, clinic.name, enrolment.programme_id))
        for link, user in session.execute(
                select(CareLink, User).join(User, User.id == CareLink.caregiver_id)
                .where(CareLink.patient_id == actor.user_id, CareLink.revoked_at.is_(None))):
            viewers.append(Viewer("caregiver", link.id, user.display_name, user.email))
        return viewers


def withdraw(store: Store, actor: Principal, kind: str, item_id: int, now: datetime) -> None:
    """The patient withdraws a clinic's (enrolment) or a caregiver's access, at once."""
    with store.session() as session:
        require(policy.own_data(actor, patient_facts(session, actor.user_id)))
        if kind == "clinic":
            enrolment = session.get(Enrolment, item_id)
            if enrolment is None or enrolment.patient_id != actor.user_id:
                raise NotFound("no such enrolment")
            enrolment.withdrawn_at = enrolment.withdrawn_at or now
            # Open alerts of a clinic that can no longer see the patient are closed.
            if not session.scalars(select(Enrolment.id).where(
                    Enrolment.patient_id == actor.user_id,
                    Enrolment.clinic_id == enrolment.clinic_id,
                    Enrolment.withdrawn_at.is_(None))).first():
                for alert in session.scalars(select(Alert).where(
                        Alert.patient_id == actor.user_id,
                        Alert.clinic_id == enrolment.clinic_id, Alert.resolved_at.is_(None))):
                    _resolve(session, alert, None, "withdrawn by the patient", now)
            what = f"withdrew clinic {enrolment.clinic_id}"
        elif kind == "caregiver":
            link = session.get(CareLink, item_id)
            if link is None or link.patient_id != actor.user_id:
                raise NotFound("no such caregiver")
            link.revoked_at = link.revoked_at or now
            what = f"withdrew caregiver {link.caregiver_id}"
        else:
            raise InputError("kind", "choose clinic or caregiver")
        audit(session, actor, actor.user_id, "update", what, now)


# --- check-ins ------------------------------------------------------------------------------

VILLALTA_SYMPTOMS = ("pain", "cramps", "heaviness", "paresthesia", "pruritus")
LIMITS: dict[str, tuple[float, float]] = {
    "calf_left_cm": (15, 80), "calf_right_cm": (15, 80), "leg_pain": (0, 10),
    "doses_taken": (0, 10), "doses_missed": (0, 10), "daily_steps": (0, 200_000),
}


@dataclass
class CheckInInput:
    """One check-in as submitted (validated by ``validate_checkin``)."""

    warning_signs: dict[str, bool | None]
    leg: dict[str, Any] = field(default_factory=dict)
    calf_left_cm: float | None = None
    calf_right_cm: float | None = None
    leg_pain: int | None = None
    doses_taken: int | None = None
    doses_missed: int | None = None
    villalta_symptoms: dict[str, int | None] = field(default_factory=dict)
    venous_ulcer: bool | None = None
    daily_steps: int | None = None


def validate_checkin(data: CheckInInput) -> CheckInInput:
    """The check-in if every value is in range; InputError naming the first bad field."""
    from clotwatch import triage

    answers = {**data.warning_signs, **data.leg}
    try:
        triage.validate_answers({k: v for k, v in answers.items() if v is not None})
    except InputError:
        raise
    for name, (low, high) in LIMITS.items():
        value = getattr(data, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise InputError(name, "enter a number")
        if not low <= value <= high:
            raise InputError(name, f"enter a value from {low:g} to {high:g}")
        if name != "calf_left_cm" and name != "calf_right_cm" and value != int(value):
            raise InputError(name, "enter a whole number")
    for item, grade in data.villalta_symptoms.items():
        if item not in VILLALTA_SYMPTOMS:
            raise InputError(f"villalta.{item}", "unknown Villalta symptom")
        if grade is not None and (isinstance(grade, bool) or grade not in (0, 1, 2, 3)):
            raise InputError(f"villalta.{item}", "choose 0 none, 1 mild, 2 moderate or 3 severe")
    return data


def has_warning_sign(warning_signs: Mapping[str, bool | None]) -> bool:
    """True when the triage engine's emergency stop fires on these answers."""
    from clotwatch import triage

    return bool(triage.emergency_stop({k: v for k, v in warning_signs.items()
                                       if v is not None}))


@dataclass(frozen=True)
class CheckInOutcome:
    """What a check-in led to: the emergency screen first if a warning sign was reported.

    ``disposition`` is what the person is told: the triage's disposition on the check-in's
    facts (``rules.checkin_triage``; the most urgent over the patient's enrolments), and
    ``triage_answers`` those facts (``clotwatch.triage.assess`` words the result)."""

    checkin_id: int
    emergency: bool
    alerts_opened: tuple[str, ...]
    disposition: str = "soon"
    triage_answers: Mapping[str, Any] = field(default_factory=dict)


def _checkin_dict(row: CheckIn) -> dict[str, Any]:
    return {"id": row.id, "at": row.at.isoformat(), "answers": dict(row.answers),
            "warning_sign": row.warning_sign, "calf_left_cm": row.calf_left_cm,
            "calf_right_cm": row.calf_right_cm, "leg_pain": row.leg_pain,
            "doses_taken": row.doses_taken, "doses_missed": row.doses_missed,
            "villalta_symptoms": dict(row.villalta_symptoms or {}),
            "villalta_symptom_score": row.villalta_symptom_score,
            "daily_steps": row.daily_steps, "kind": row.kind}


def _enrolment_facts(session: Session, enrolment: Enrolment,
                     user: User | None = None) -> rules.EnrolmentFacts:
    user = user if user is not None else session.get(User, enrolment.patient_id)
    return rules.EnrolmentFacts(
        enrolment.programme_id, date.fromisoformat(enrolment.start_date),
        user.timezone if user is not None else "UTC",
        user.reminder_time if user is not None else None, enrolment.interval_days,
        enrolment.started_at, enrolment.doses_until_day,
        (user.quiet_start, user.quiet_end)
        if user is not None and user.quiet_start and user.quiet_end else None)


def _open_alerts(session: Session, patient_id: int,
                 clinic_id: int) -> dict[str, rules.OpenAlertFacts]:
    return {a.rule_id: rules.OpenAlertFacts(a.rule_id, a.severity, a.opened_at,
                                            a.acknowledged_at, a.escalated_at)
            for a in session.scalars(select(Alert).where(
                Alert.patient_id == patient_id, Alert.clinic_id == clinic_id,
                Alert.resolved_at.is_(None)))}


def submit_checkin(store: Store, actor: Principal, data: CheckInInput,
                   now: datetime) -> CheckInOutcome:
    """Store one check-in and apply what its rules decide, in one transaction."""
    validate_checkin(data)
    emergency = has_warning_sign(data.warning_signs)
    symptoms = {k: v for k, v in data.villalta_symptoms.items() if v is not None}
    score = sum(symptoms.values()) if len(symptoms) == len(VILLALTA_SYMPTOMS) else None
    with store.session() as session:
        facts = patient_facts(session, actor.user_id)
        if not policy.write_checkin(actor, facts):
            raise AccessDenied("only an enrolled patient checks in, for themself")
        enrolments = list(session.scalars(select(Enrolment).where(
            Enrolment.patient_id == actor.user_id, Enrolment.withdrawn_at.is_(None))))
        previous = [_checkin_dict(r) for r in session.scalars(
            select(CheckIn).where(CheckIn.patient_id == actor.user_id)
            .order_by(CheckIn.at.desc()).limit(HISTORY))]
        row = CheckIn(patient_id=actor.user_id, enrolment_id=enrolments[0].id, at=now,
                      kind="patient", answers={**data.warning_signs, **data.leg,
                               **({"venous_ulcer": data.venous_ulcer}
                                  if data.venous_ulcer is not None else {})},
                      warning_sign=emergency, calf_left_cm=data.calf_left_cm,
                      calf_right_cm=data.calf_right_cm, leg_pain=data.leg_pain,
                      doses_taken=data.doses_taken, doses_missed=data.doses_missed,
                      villalta_symptoms=symptoms, villalta_symptom_score=score,
                      daily_steps=data.daily_steps)
        session.add(row)
        session.flush()
        for enrolment in enrolments:
            enrolment.last_checkin_at = now
        current = _checkin_dict(row)
        rules.validate(current)
        opened: list[str] = []
        told: tuple[str, dict[str, Any]] | None = None
        for enrolment in enrolments:
            enrolment_facts = _enrolment_facts(session, enrolment)
            found = rules.checkin_triage(enrolment_facts, current)
            if told is None or rules.LEVEL_RANK[found[0]] > rules.LEVEL_RANK[told[0]]:
                told = found
            decisions = rules.evaluate(
                enrolment_facts, current, previous,
                _open_alerts(session, actor.user_id, enrolment.clinic_id), now,
                _windows_of(session.get(Clinic, enrolment.clinic_id)))
            for decision in decisions:
                if apply_decision(session, actor.user_id, enrolment.clinic_id, decision,
                                  row.id, now):
                    opened.append(decision.rule_id)
        audit(session, actor, actor.user_id, "create", f"check-in {row.id}", now)
        assert told is not None  # write_checkin: an enrolled patient
        disposition, answers = told
        row.warning_sign = emergency or disposition == "emergency"
        return CheckInOutcome(row.id, emergency or disposition == "emergency",
                              tuple(dict.fromkeys(opened)), disposition, answers)


VILLALTA_ITEMS = ("pain", "cramps", "heaviness", "paresthesia", "pruritus", "pretibial_edema",
                  "skin_induration", "hyperpigmentation", "redness", "venous_ectasia",
                  "pain_on_calf_compression")


def record_visit(store: Store, actor: Principal, patient_id: int,
                 villalta: Mapping[str, int | None], venous_ulcer: bool | None,
                 now: datetime) -> CheckInOutcome:
    """A clinician's Villalta rating at a visit (symptoms and signs, Kahn 2009), stored as a
    check-in of kind "visit" and evaluated by the rules with the patient's own check-ins."""
    items: dict[str, int] = {}
    for item, grade in villalta.items():
        if item not in VILLALTA_ITEMS:
            raise InputError(f"villalta.{item}", "unknown Villalta item")
        if grade is None:
            continue
        if isinstance(grade, bool) or grade not in (0, 1, 2, 3):
            raise InputError(f"villalta.{item}", "choose 0 none, 1 mild, 2 moderate or 3 severe")
        items[item] = grade
    with store.session() as session:
        facts = patient_facts(session, patient_id)
        if session.get(User, patient_id) is None or not policy.record_visit(actor, facts):
            raise NotFound("no such patient")
        enrolments = list(session.scalars(select(Enrolment).where(
            Enrolment.patient_id == patient_id, Enrolment.withdrawn_at.is_(None),
            Enrolment.clinic_id.in_(actor.clinics_with(*accounts.STAFF_ROLES)))))
        previous = [_checkin_dict(r) for r in session.scalars(
            select(CheckIn).where(CheckIn.patient_id == patient_id)
            .order_by(CheckIn.at.desc()).limit(HISTORY))]
        complete = len(items) == len(VILLALTA_ITEMS)
        row = CheckIn(patient_id=patient_id, enrolment_id=enrolments[0].id, at=now,
                      kind="visit", recorded_by=actor.user_id,
                      answers={"venous_ulcer": venous_ulcer} if venous_ulcer is not None
                      else {}, warning_sign=False, villalta_symptoms=items,
                      villalta_symptom_score=sum(items.values()) if complete else None)
        session.add(row)
        session.flush()
        current = _checkin_dict(row)
        rules.validate(current)
        opened: list[str] = []
        for enrolment in enrolments:
            for decision in rules.evaluate(
                    _enrolment_facts(session, enrolment), current, previous,
                    _open_alerts(session, patient_id, enrolment.clinic_id), now,
                    _windows_of(session.get(Clinic, enrolment.clinic_id))):
                if apply_decision(session, patient_id, enrolment.clinic_id, decision, row.id,
                                  now):
                    opened.append(decision.rule_id)
        audit(session, actor, patient_id, "create", f"visit {row.id} (Villalta)", now)
        return CheckInOutcome(row.id, False, tuple(dict.fromkeys(opened)))


# --- alerts ---------------------------------------------------------------------------------

def apply_decision(session: Session, patient_id: int, clinic_id: int,
                   decision: rules.Decision, checkin_id: int | None, now: datetime) -> bool:
    """Apply one rule decision to the store; True if it opened (or raised) an alert.

    open: a new alert (unless one is open for this patient, clinic and rule: the unique open
    key holds even against a concurrent check-in); keep: the finding is still there (noted on a
    check-in); raise: a higher level, a fresh acknowledgement window; clear: the finding is gone
    but a clinician still resolves it; resolve: closed by the rule (stale data once a check-in
    arrives); escalate: not acknowledged in time, the clinic's admins are told.
    """
    key = f"{patient_id}:{clinic_id}:{decision.rule_id}"
    existing = session.scalars(select(Alert).where(Alert.open_key == key)).one_or_none()
    if decision.action == "open" and existing is None:
        alert = Alert(patient_id=patient_id, clinic_id=clinic_id, rule_id=decision.rule_id,
                      severity=decision.level, urgency=rules.URGENCY.get(decision.level, 3),
                      status="open", open_key=key,
                      reason={"id": decision.reason, **_plain(decision.evidence)},
                      checkin_id=checkin_id, opened_at=now)
        try:
            with session.begin_nested():
                session.add(alert)
                session.flush()
        except IntegrityError:
            return False  # another transaction opened it a moment ago
        session.add(AlertEvent(alert_id=alert.id, kind="opened", at=now))
        notify.alert_decision(session, alert_id=alert.id, rule_id=decision.rule_id,
                              action="open", level=decision.level, clinic_id=clinic_id, now=now)
        return True
    if existing is None:
        return False
    if decision.action in ("open", "keep"):
        if checkin_id is not None:
            session.add(AlertEvent(alert_id=existing.id, kind="recurred", at=now,
                                   note=f"check-in {checkin_id}"))
        return False
    if decision.action == "raise":
        existing.severity = decision.level
        existing.urgency = rules.URGENCY.get(decision.level, 3)
        existing.opened_at = now
        existing.acknowledged_at = None
        existing.escalated_at = None
        existing.status = "open"
        existing.reason = {"id": decision.reason, **_plain(decision.evidence)}
        session.add(AlertEvent(alert_id=existing.id, kind="raised", at=now,
                               note=decision.level))
        notify.alert_decision(session, alert_id=existing.id, rule_id=decision.rule_id,
                              action="raise", level=decision.level, clinic_id=clinic_id,
                              now=now)
        return True
    if decision.action == "clear":
        session.add(AlertEvent(alert_id=existing.id, kind="cleared", at=now))
    elif decision.action == "resolve":
        _resolve(session, existing, None, "resolved by the rule", now)
    elif decision.action == "escalate":
        claimed = session.execute(update(Alert).where(
            Alert.id == existing.id, Alert.escalated_at.is_(None)).values(escalated_at=now))
        if getattr(claimed, "rowcount", 0):
            session.add(AlertEvent(alert_id=existing.id, kind="escalated", at=now))
            notify.alert_decision(session, alert_id=existing.id, rule_id=decision.rule_id,
                                  action="escalate", level=existing.severity,
                                  clinic_id=clinic_id, now=now)
    return False


def _plain(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Evidence as JSON-ready values (lists for tuples)."""
    return {str(k): list(v) if isinstance(v, tuple) else v for k, v in evidence.items()}


def _alert_for(session: Session, actor: Principal, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or not policy.act_on_alert(
            actor, alert.clinic_id, patient_facts(session, alert.patient_id)):
        raise NotFound("no such alert")
    return alert


def _resolve(session: Session, alert: Alert, actor_id: int | None, note: str | None,
             now: datetime) -> None:
    alert.status = "resolved"
    alert.resolved_at = now
    alert.open_key = None
    session.add(AlertEvent(alert_id=alert.id, kind="resolved", actor_id=actor_id, note=note,
                           at=now))


def act_on_alert(store: Store, actor: Principal, alert_id: int, action: str, now: datetime, *,
                 note: str | None = None, snooze_hours: float | None = None,
                 lang: str = "en") -> dict[str, Any]:
    """Acknowledge (with a note), snooze (until) or resolve one alert, and only that one."""
    note = (note or "").strip()[:2000] or None
    with store.session() as session:
        alert = _alert_for(session, actor, alert_id)
        if alert.resolved_at is not None:
            raise InputError("alert", "this alert is already resolved")
        until = None
        if action == "acknowledge":
            alert.status = "acknowledged"
            alert.acknowledged_at = now
        elif action == "snooze":
            if snooze_hours is None or not 0 < snooze_hours <= SNOOZE_MAX.total_seconds() / 3600:
                raise InputError("hours", "snooze for more than 0 and at most 168 hours")
            if alert.severity == "emergency":
                raise InputError("hours", "an emergency alert cannot be snoozed; acknowledge it")
            until = now + timedelta(hours=snooze_hours)
            alert.status = "snoozed"
            alert.snoozed_until = until
            # Snoozing is a clinician's decision about it: it stops the escalation clock.
            alert.acknowledged_at = alert.acknowledged_at or now
        elif action == "resolve":
            _resolve(session, alert, actor.user_id, note, now)
        else:
            raise InputError("action", "choose acknowledge, snooze or resolve")
        if action != "resolve":
            session.add(AlertEvent(alert_id=alert.id, kind={"acknowledge": "acknowledged",
                                                           "snooze": "snoozed"}[action],
                                   actor_id=actor.user_id, note=note, until=until, at=now))
        audit(session, actor, alert.patient_id, "update", f"alert {alert.id}: {action}", now)
        return alert_view(session, alert, now, lang)


def alert_summary(alert: Alert, now: datetime, lang: str = "en") -> dict[str, Any]:
    """An alert as the worklist shows it: level, status, title (no history)."""
    snoozed = alert.snoozed_until is not None and alert.snoozed_until > now
    return {"id": alert.id, "rule_id": alert.rule_id, "severity": alert.severity,
            "title": rules.rule_text(alert.rule_id, lang).title,
            "status": "snoozed" if snoozed else ("open" if alert.status == "snoozed"
                                                 else alert.status),
            "opened_at": alert.opened_at.isoformat(), "escalated": alert.escalated_at is not None}


def alert_view(session: Session, alert: Alert, now: datetime,
               lang: str = "en") -> dict[str, Any]:
    """An alert with its rule's wording and citation, and its history."""
    events = []
    for event, user in session.execute(
            select(AlertEvent, User).outerjoin(User, User.id == AlertEvent.actor_id)
            .where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.at, AlertEvent.id)):
        events.append({"kind": event.kind, "at": event.at.isoformat(),
                       "by": user.display_name if user else None, "note": event.note,
                       "until": event.until.isoformat() if event.until else None})
    snoozed = alert.snoozed_until is not None and alert.snoozed_until > now \
        and alert.resolved_at is None
    text = rules.rule_text(alert.rule_id, lang)
    reason = dict(alert.reason)
    reason_id = str(reason.pop("id", ""))
    return {"id": alert.id, "patient_id": alert.patient_id, "clinic_id": alert.clinic_id,
            "rule_id": alert.rule_id, "title": text.title, "action": text.care_team,
            "citation": text.sources, "severity": alert.severity,
            "reason_text": rules.message(reason_id, lang) if reason_id else "",
            "status": "snoozed" if snoozed else ("open" if alert.status == "snoozed"
                                                 else alert.status),
            "reason": reason, "opened_at": alert.opened_at.isoformat(),
            "snoozed_until": alert.snoozed_until.isoformat() if snoozed and alert.snoozed_until
            else None, "escalated": alert.escalated_at is not None, "events": events}


def sweep(session: Session, now: datetime) -> dict[str, int]:
    """What time alone brings, in the caller's transaction: for each active enrolment, the
    rules without a check-in (stale data) and the escalation of open alerts not acknowledged
    in time. Four queries for all enrolments (clinics' escalation windows, enrolments with
    their patients, open alerts);
    the time-based rules read only when the latest check-in was (kept on the enrolment)."""
    counts = {"opened": 0, "escalated": 0, "resolved": 0}
    open_alerts: dict[tuple[int, int], dict[str, rules.OpenAlertFacts]] = {}
    for a in session.scalars(select(Alert).where(Alert.resolved_at.is_(None))):
        open_alerts.setdefault((a.patient_id, a.clinic_id), {})[a.rule_id] = \
            rules.OpenAlertFacts(a.rule_id, a.severity, a.opened_at, a.acknowledged_at,
                                 a.escalated_at)
    windows = {c.id: _windows_of(c) for c in session.scalars(select(Clinic))}
    for enrolment, user in list(session.execute(
            select(Enrolment, User).join(User, User.id == Enrolment.patient_id)
            .where(Enrolment.withdrawn_at.is_(None)))):
        facts = _enrolment_facts(session, enrolment, user)
        history = [] if enrolment.last_checkin_at is None else [
            {"id": 0, "at": enrolment.last_checkin_at.isoformat(), "answers": {},
             "villalta_symptoms": {}, "kind": "patient"}]
        for decision in rules.evaluate(
                facts, None, history,
                open_alerts.get((enrolment.patient_id, enrolment.clinic_id), {}), now,
                windows.get(enrolment.clinic_id)):
            opened = apply_decision(session, enrolment.patient_id, enrolment.clinic_id,
                                    decision, None, now)
            counts["opened"] += opened
            counts["escalated"] += decision.action == "escalate"
            counts["resolved"] += decision.action == "resolve"
    return counts


def tick(store: Store, now: datetime) -> dict[str, int]:
    """``sweep`` in its own transaction (``clotwatch admin tick``; the worker's planner)."""
    with store.session() as session:
        return sweep(session, now)


# --- worklist and patient page --------------------------------------------------------------

@dataclass(frozen=True)
class WorklistRow:
    """One patient on the worklist."""

    patient_id: int
    name: str
    programme_id: str
    clinic_id: int
    top_alert: dict[str, Any] | None
    open_alerts: int
    last_checkin_at: datetime | None


def worklist(store: Store, actor: Principal, now: datetime, *, programme: str | None = None,
             limit: int = 200, offset: int = 0, lang: str = "en") -> list[WorklistRow]:
    """The actor's clinics' patients: the most urgent unacknowledged open alert first, then
    acknowledged ones, then the oldest data (never checked in counts as oldest)."""
    clinics = [c for c in actor.staff if policy.view_worklist(actor, c)]
    if not clinics:
        raise AccessDenied("the worklist is for a clinic's staff")
    if programme is not None:
        rules.programme(programme)
    active = or_(Alert.snoozed_until.is_(None), Alert.snoozed_until <= now)
    rank = case((Alert.acknowledged_at.is_(None), Alert.urgency),
                else_=Alert.urgency + ACKNOWLEDGED_PENALTY)
    alerts = (select(Alert.patient_id, Alert.clinic_id, func.min(rank).label("rank"),
                     func.count(Alert.id).label("n"))
              .where(Alert.clinic_id.in_(clinics), Alert.resolved_at.is_(None), active)
              .group_by(Alert.patient_id, Alert.clinic_id).subquery())
    query = (select(Enrolment, User.display_name, alerts.c.rank, alerts.c.n)
             .join(User, User.id == Enrolment.patient_id)
             .outerjoin(alerts, and_(alerts.c.patient_id == Enrolment.patient_id,
                                     alerts.c.clinic_id == Enrolment.clinic_id))
             .where(Enrolment.clinic_id.in_(clinics), Enrolment.withdrawn_at.is_(None)))
    if programme:
        query = query.where(Enrolment.programme_id == programme)
    query = query.order_by(alerts.c.rank.is_(None), alerts.c.rank,
                           Enrolment.last_checkin_at.is_not(None), Enrolment.last_checkin_at,
                           Enrolment.id)
    with store.session() as session:
        page = list(session.execute(query.limit(max(1, min(limit, 1000)))
                                    .offset(max(0, offset))))
        with_alerts = [e.patient_id for e, _n, _r, count in page if count]
        tops: dict[tuple[int, int], Alert] = {}
        if with_alerts:
            for alert in session.scalars(
                    select(Alert).where(Alert.patient_id.in_(with_alerts),
                                        Alert.clinic_id.in_(clinics),
                                        Alert.resolved_at.is_(None), active)
                    .order_by(rank, Alert.opened_at)):
                tops.setdefault((alert.patient_id, alert.clinic_id), alert)
        rows = []
        for enrolment, name, _rank, count in page:
            top = tops.get((enrolment.patient_id, enrolment.clinic_id))
            rows.append(WorklistRow(enrolment.patient_id, name, enrolment.programme_id,
                                    enrolment.clinic_id,
                                    alert_summary(top, now, lang) if top else None,
                                    int(count or 0), enrolment.last_checkin_at))
        audit(session, actor, None, "read", f"worklist ({len(rows)} patients)", now)
        return rows


def patient_record(store: Store, actor: Principal, patient_id: int, now: datetime,
                   *, limit: int = 180, lang: str = "en") -> dict[str, Any]:
    """A patient's follow-up as the patient page shows it: enrolments, check-ins (newest
    first), alerts with their history, and whether the reader may act on alerts."""
    with store.session() as session:
        user = readable_patient(session, actor, patient_id)
        facts = patient_facts(session, patient_id)
        enrolments = list(session.scalars(select(Enrolment).where(
            Enrolment.patient_id == patient_id).order_by(Enrolment.id)))
        checkins = [_checkin_dict(r) for r in session.scalars(
            select(CheckIn).where(CheckIn.patient_id == patient_id)
            .order_by(CheckIn.at.desc(), CheckIn.id.desc()).limit(limit))]
        visible_clinics = facts.clinics & actor.clinics_with(*accounts.STAFF_ROLES) \
            if actor.user_id != patient_id and patient_id not in actor.caregiver_of else None
        alert_query = select(Alert).where(Alert.patient_id == patient_id)
        if visible_clinics is not None:
            alert_query = alert_query.where(Alert.clinic_id.in_(visible_clinics))
        alerts = [alert_view(session, a, now, lang) for a in session.scalars(
            alert_query.order_by(Alert.resolved_at.is_not(None), Alert.urgency,
                                 Alert.opened_at.desc()).limit(200))]
        for item in alerts:
            item["can_act"] = policy.act_on_alert(actor, item["clinic_id"], facts)
        audit(session, actor, patient_id, "read", "follow-up record", now)
        return {"patient": {"id": user.id, "name": user.display_name},
                "enrolments": [{"id": e.id, "clinic_id": e.clinic_id,
                                "programme_id": e.programme_id, "start_date": e.start_date,
                                "interval_days": e.interval_days,
                                "doses_until_day": e.doses_until_day,
                                "programme_doses": rules.programme_doses(e.programme_id),
                                "withdrawn": e.withdrawn_at is not None} for e in enrolments],
                "checkins": checkins, "alerts": alerts}


def set_interval(store: Store, actor: Principal, enrolment_id: int, days: int | None,
                 now: datetime, *, doses_until_day: int | None | bool = False) -> None:
    """A clinician adjusts a patient's check-in interval (None: the programme's own) and, if
    ``doses_until_day`` is given (an int, or None for the programme's length; 0: no
    anticoagulant or prophylaxis), how long the dose questions apply."""
    if days is not None and not 1 <= days <= 90:
        raise InputError("interval_days", "enter a number of days from 1 to 90")
    change_doses = doses_until_day is not False
    doses = None if isinstance(doses_until_day, bool) else doses_until_day
    rules.check_doses_until_day(doses)
    with store.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or not policy.enrol(actor, enrolment.clinic_id):
            raise NotFound("no such enrolment")
        enrolment.interval_days = days
        if change_doses:
            enrolment.doses_until_day = doses
        audit(session, actor, enrolment.patient_id, "update",
              f"enrolment {enrolment_id}: interval {days or 'programme default'}"
              + (f", doses until day {'programme default' if doses is None else doses}"
                 if change_doses else ""), now)


def asks_doses(store: Store, actor: Principal, now: datetime) -> bool:
    """Whether the signed-in patient's check-in today asks about anticoagulant or prophylaxis
    doses (any active enrolment whose schedule asks them; the core's ``Schedule.asks``)."""
    with store.session() as session:
        for enrolment in session.scalars(select(Enrolment).where(
                Enrolment.patient_id == actor.user_id, Enrolment.withdrawn_at.is_(None))):
            schedule = rules.schedule(_enrolment_facts(session, enrolment))
            if schedule.asks("doses", schedule.day_of(now)):
                return True
        return False


def set_preferences(store: Store, actor: Principal, *, time_zone: str, reminder_time: str,
                    lang: str, now: datetime, quiet_start: str | None = None,
                    quiet_end: str | None = None) -> None:
    """The account's time zone, check-in reminder time (HH:MM, local), language and quiet
    hours (``quiet_start``/``quiet_end`` HH:MM local, may wrap midnight; both empty: the
    default 22:00-08:00; None leaves them as they are)."""
    rules.check_time_zone(time_zone)
    text = reminder_time.strip()
    if text:
        text = rules.check_clock("reminder_time", text)
    if lang not in ("en", "ru"):
        raise InputError("lang", "choose en or ru")
    quiet: tuple[str | None, str | None] | None = None
    if quiet_start is not None or quiet_end is not None:
        start, end = (quiet_start or "").strip(), (quiet_end or "").strip()
        if bool(start) != bool(end):
            raise InputError("quiet_end" if start else "quiet_start",
                             "give both the start and the end of the quiet hours, or neither")
        if start:
            start, end = rules.check_clock("quiet_start", start), \
                rules.check_clock("quiet_end", end)
            if start == end:
                raise InputError("quiet_end", "the quiet hours must end at a different time "
                                              "from when they start")
        quiet = (start or None, end or None)
    with store.session() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound("no such account")
        user.timezone, user.reminder_time, user.lang = time_zone, text or None, lang
        if quiet is not None:
            user.quiet_start, user.quiet_end = quiet
        audit(session, actor, actor.user_id, "update", "preferences", now)


def _b64url_bytes(field: str, text: str, length: int) -> bytes:
    import base64
    import binascii

    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise InputError(field, "not base64url") from None
    if len(raw) != length:
        raise InputError(field, f"must be {length} bytes")
    return raw


def save_push_subscription(store: Store, actor: Principal, *, endpoint: str, p256dh: str,
                           auth: str, now: datetime) -> None:
    """Store the browser's Web Push subscription for the signed-in account (reminders then go
    by Web Push). The endpoint must be https; ``p256dh`` an uncompressed P-256 point (65 bytes)
    and ``auth`` 16 bytes, base64url (RFC 8291). A browser's endpoint moves to whoever
    subscribes it last."""
    endpoint = endpoint.strip()
    if not endpoint.startswith("https://") or len(endpoint) > 1000 or " " in endpoint:
        raise InputError("endpoint", "must be an https address of at most 1000 characters")
    if _b64url_bytes("keys.p256dh", p256dh, 65)[0] != 4:
        raise InputError("keys.p256dh", "must be an uncompressed P-256 public key")
    _b64url_bytes("keys.auth", auth, 16)
    with store.session() as session:
        if session.get(User, actor.user_id) is None:
            raise NotFound("no such account")
        row = session.scalars(select(PushSubscription).where(
            PushSubscription.endpoint == endpoint)).first()
        if row is None:
            row = PushSubscription(endpoint=endpoint, created_at=now, user_id=actor.user_id,
                                   p256dh=p256dh.strip(), auth=auth.strip())
            session.add(row)
        else:
            row.user_id, row.p256dh, row.auth = actor.user_id, p256dh.strip(), auth.strip()
        audit(session, actor, actor.user_id, "create", "push subscription", now)


def remove_push_subscriptions(store: Store, actor: Principal, now: datetime) -> int:
    """Stop Web Push for the account (every browser): reminders go by email again."""
    with store.session() as session:
        rows = list(session.scalars(select(PushSubscription).where(
            PushSubscription.user_id == actor.user_id)))
        for row in rows:
            session.delete(row)
        audit(session, actor, actor.user_id, "delete", "push subscriptions", now)
        return len(rows)


def push_subscriptions(store: Store, actor: Principal) -> int:
    """How many browsers receive the account's reminders by Web Push."""
    with store.session() as session:
        return len(list(session.scalars(select(PushSubscription.id).where(
            PushSubscription.user_id == actor.user_id))))


def audit_trail(store: Store, actor: Principal, now: datetime,
                limit: int = 500) -> list[dict[str, Any]]:
    """Who read or changed the patient's data (the patient's own view of the audit log)."""
    with store.session() as session:
        require(policy.own_data(actor, patient_facts(session, actor.user_id)))
        return [{"at": e.at.isoformat(), "who": e.actor_label, "action": e.action,
                 "what": e.what} for e in session.scalars(
            select(AuditEntry).where(AuditEntry.patient_id == actor.user_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))]


# --- data rights ----------------------------------------------------------------------------

def export(store: Store, actor: Principal, now: datetime) -> dict[str, Any]:
    """Everything stored about the patient, as JSON-ready data."""
    with store.session() as session:
        require(policy.own_data(actor, patient_facts(session, actor.user_id)))
        user = session.get(User, actor.user_id)
        assert user is not None
        data = {
            "exported_at": now.isoformat(),
            "account": {"email": user.email, "name": user.display_name, "lang": user.lang,
                        "timezone": user.timezone, "reminder_time": user.reminder_time,
                        "quiet_start": user.quiet_start, "quiet_end": user.quiet_end,
                        "created_at": user.created_at.isoformat()},
            "enrolments": [{"clinic": c.name, "programme_id": e.programme_id,
                            "start_date": e.start_date, "interval_days": e.interval_days,
                            "doses_until_day": e.doses_until_day,
                            "started_at": e.started_at.isoformat(),
                            "withdrawn_at": e.withdrawn_at.isoformat() if e.withdrawn_at
                            else None}
                           for e, c in session.execute(
                               select(Enrolment, Clinic).join(Clinic)
                               .where(Enrolment.patient_id == user.id))],
            "push_subscriptions": [{"endpoint": p.endpoint,
                                    "created_at": p.created_at.isoformat()}
                                   for p in session.scalars(select(PushSubscription).where(
                                       PushSubscription.user_id == user.id))],
            "checkins": [_checkin_dict(r) for r in session.scalars(
                select(CheckIn).where(CheckIn.patient_id == user.id).order_by(CheckIn.at))],
            "alerts": [alert_view(session, a, now) for a in session.scalars(
                select(Alert).where(Alert.patient_id == user.id).order_by(Alert.opened_at))],
            "caregivers": [{"name": u.display_name, "email": u.email,
                            "since": link.created_at.isoformat(),
                            "revoked_at": link.revoked_at.isoformat() if link.revoked_at
                            else None}
                           for link, u in session.execute(
                               select(CareLink, User).join(User, User.id == CareLink.caregiver_id)
                               .where(CareLink.patient_id == user.id))],
            "audit": [{"at": e.at.isoformat(), "who": e.actor_label, "action": e.action,
                       "what": e.what} for e in session.scalars(
                select(AuditEntry).where(AuditEntry.patient_id == user.id)
                .order_by(AuditEntry.at))],
            "activity_samples": _activity_samples(session, user.id),
            "movement_settings": _movement_settings(session, user.id),
        }
        audit(session, actor, actor.user_id, "export", "all follow-up data", now)
        return data


def _activity_samples(session: Session, patient_id: int) -> list[dict[str, Any]]:
    """The patient's stored step samples (issue #9), each time in its own UTC offset."""
    from datetime import timezone

    from clotwatch.store.activity_models import ActivitySample

    rows = []
    for row in session.scalars(select(ActivitySample).where(
            ActivitySample.patient_id == patient_id).order_by(ActivitySample.start_at)):
        zone = timezone(timedelta(minutes=row.utc_offset_minutes))
        rows.append({"source": row.source, "kind": row.kind,
                     "start": row.start_at.astimezone(zone).isoformat(),
                     "end": row.end_at.astimezone(zone).isoformat(), "steps": row.steps})
    return rows


def _movement_settings(session: Session, patient_id: int) -> dict[str, Any] | None:
    """The patient's reminders-to-move settings and journey (issue #9), if any."""
    from clotwatch.store.movement_models import MovementSettings

    row = session.get(MovementSettings, patient_id)
    if row is None:
        return None
    return {name: (value.isoformat() if isinstance(value, datetime) else value)
            for name in ("threshold_minutes", "gap_minutes", "channel", "notice_at",
                         "journey_depart", "journey_arrive", "journey_every_minutes",
                         "updated_at")
            for value in (getattr(row, name),)}


def delete_account(store: Store, actor: Principal, password: str, now: datetime) -> None:
    """Delete the account and everything stored about the patient (the password confirms)."""
    with store.session() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound("no such account")
        if actor.scopes is not None:
            raise AccessDenied("an account is deleted from the browser, not with a token")
        if not accounts.password_matches(user, password):
            raise InputError("password", "the password does not match")
        session.delete(user)
