"""Accounts: passwords (argon2id), sign-in with backoff, server-side sessions, TOTP, password
reset links, scoped API tokens, and the ``Principal`` every policy decision is made about.

Secrets handed out (session cookies, reset links, API tokens) are 256-bit random values; only
their SHA-256 is stored, so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clotwatch.errors import ClotwatchError, InputError
from clotwatch.store.followup_models import (
    ApiToken,
    CareLink,
    Clinic,
    Membership,
    PasswordReset,
    User,
    WebSession,
)

# argon2id with argon2-cffi's default parameters (RFC 9106 "low memory" profile: t=3, 64 MiB).
HASHER = PasswordHasher()
MIN_PASSWORD = 10
MAX_PASSWORD = 256
SESSION_TTL = timedelta(hours=12)
RESET_TTL = timedelta(hours=1)
FREE_FAILURES = 3  # failed sign-ins allowed before the backoff starts
MAX_LOCK = timedelta(minutes=15)
SCOPES = frozenset({"profile", "checkins:read", "checkins:write", "worklist:read",
                    "alerts:write", "export", "activity:write"})
STAFF_ROLES = ("clinician", "admin")
# A fixed hash verified when the email is unknown, so the answer takes as long either way.
_DUMMY_HASH = HASHER.hash("clotwatch-no-such-account")


class SignInRefused(ClotwatchError):
    """Wrong email or password, or too many attempts (``retry_after`` seconds)."""

    def __init__(self, retry_after: int = 0) -> None:
        self.retry_after = retry_after
        super().__init__("email or password not recognised" if not retry_after
                         else f"too many attempts; try again in {retry_after} s")


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a presented secret token."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh 256-bit secret, URL-safe."""
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    """Trimmed, lower-cased email; InputError (field ``email``) unless it looks like one."""
    text = email.strip().lower()
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or len(text) > 320 or " " in text:
        raise InputError("email", "enter an email address like name@example.org")
    return text


def check_password(password: str) -> str:
    """The password if acceptable; InputError (field ``password``) naming what is wrong."""
    if len(password) < MIN_PASSWORD:
        raise InputError("password", f"use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InputError("password", f"use at most {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password."""
    return HASHER.hash(check_password(password))


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user, their staff roles by clinic, whom they care for, and (for an
    API token) the scopes it carries (None: a browser session, every scope of the user)."""

    user_id: int
    email: str
    name: str
    lang: str
    staff: dict[int, str] = field(default_factory=dict)  # clinic id -> clinician | admin
    caregiver_of: frozenset[int] = frozenset()
    scopes: frozenset[str] | None = None
    totp_ok: bool = True

    def has_scope(self, scope: str) -> bool:
        """True for a browser session, or a token that carries ``scope``."""
        return self.scopes is None or scope in self.scopes

    @property
    def is_staff(self) -> bool:
        return bool(self.staff)

    def clinics_with(self, *roles: str) -> frozenset[int]:
        """The clinics where this user holds one of ``roles``."""
        return frozenset(c for c, r in self.staff.items() if r in roles)


def principal_for(session: Session, user: User, *, scopes: frozenset[str] | None = None,
                  totp_ok: bool = True) -> Principal:
    """Load a user's roles into a Principal."""
    staff = {m.clinic_id: m.role for m in session.scalars(
        select(Membership).where(Membership.user_id == user.id))}
    cares = frozenset(session.scalars(select(CareLink.patient_id).where(
        CareLink.caregiver_id == user.id, CareLink.revoked_at.is_(None))))
    return Principal(user.id, user.email, user.display_name, user.lang, staff, cares, scopes,
                     totp_ok)


def create_user(session: Session, *, email: str, password: str, name: str, now: datetime,
                lang: str = "en", timezone: str = "UTC") -> User:
    """A new account; InputError if the email is taken or a field is bad."""
    address = normalise_email(email)
    display = name.strip()
    if not display or len(display) > 200:
        raise InputError("name", "enter a name of 1 to 200 characters")
    if session.scalars(select(User.id).where(User.email == address)).first() is not None:
        raise InputError("email", "an account with this email already exists; sign in instead")
    user = User(email=address, display_name=display, password_hash=hash_password(password),
                lang=lang if lang in ("en", "ru") else "en", timezone=timezone,
                failed_signins=0, created_at=now)
    session.add(user)
    session.flush()
    return user


def backoff(failures: int) -> timedelta:
    """How long sign-in is refused after ``failures`` consecutive failures: none for the first
    three, then 2, 4, 8 ... seconds, at most 15 minutes."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES)), MAX_LOCK)


def authenticate(session: Session, email: str, password: str, now: datetime) -> User:
    """The user if the password matches; SignInRefused otherwise (same for an unknown email),
    with a retry-after while the account is backing off."""
    try:
        address = normalise_email(email)
    except InputError:
        raise SignInRefused() from None
    user = session.scalars(select(User).where(User.email == address)).one_or_none()
    if user is None:
        try:
            HASHER.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        raise SignInRefused()
    if user.locked_until is not None and user.locked_until > now:
        raise SignInRefused(int((user.locked_until - now).total_seconds()) + 1)
    try:
        HASHER.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_signins += 1
        wait = backoff(user.failed_signins)
        user.locked_until = now + wait if wait else None
        raise SignInRefused() from None
    user.failed_signins = 0
    user.locked_until = None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def password_matches(user: User, password: str) -> bool:
    """True when ``password`` is the user's (a confirmation, without the sign-in backoff)."""
    try:
        return bool(HASHER.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_totp(session: Session, user: User) -> bool:
    """True when the user has TOTP set up, or is staff of a clinic that requires it."""
    if user.totp_secret:
        return True
    return session.scalars(select(Clinic.id).join(Membership, Membership.clinic_id == Clinic.id)
                           .where(Membership.user_id == user.id, Clinic.require_totp)
                           ).first() is not None


def start_session(session: Session, user: User, now: datetime, *, totp_ok: bool) -> str:
    """A new server-side session; returns the cookie value (only its hash is kept)."""
    token = new_token()
    session.add(WebSession(token_hash=token_hash(token), user_id=user.id, totp_ok=totp_ok,
                           created_at=now, expires_at=now + SESSION_TTL))
    session.execute(delete(WebSession).where(WebSession.user_id == user.id,
                                             WebSession.expires_at <= now))
    return token


def session_user(session: Session, cookie: str | None, now: datetime
                 ) -> tuple[User, WebSession] | None:
    """The user and session behind a session cookie, if it is live."""
    if not cookie or len(cookie) > 100:
        return None
    row = session.scalars(select(WebSession).where(
        WebSession.token_hash == token_hash(cookie))).one_or_none()
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return (user, row) if user is not None else None


def end_session(session: Session, cookie: str | None) -> None:
    """Sign out: the session row goes."""
    if cookie:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(cookie)))


# --- TOTP -----------------------------------------------------------------------------------

def new_totp_secret() -> str:
    """A fresh base32 TOTP secret (RFC 6238, 160 bits)."""
    import pyotp

    return str(pyotp.random_base32(32))


def totp_uri(secret: str, email: str, issuer: str = "clotwatch") -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    import pyotp

    return str(pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer))


def totp_valid(secret: str, code: str, now: datetime) -> bool:
    """True when ``code`` is the 6-digit code for ``now`` (one 30 s step of drift allowed)."""
    import pyotp

    cleaned = code.replace(" ", "").strip()
    if not (len(cleaned) == 6 and cleaned.isdigit()):
        return False
    return bool(pyotp.TOTP(secret).verify(cleaned, for_time=now, valid_window=1))


# --- password reset -------------------------------------------------------------------------

def request_reset(session: Session, email: str, now: datetime) -> tuple[User, str] | None:
    """A reset token for the account with this email (None if there is none: the caller says
    the same thing either way)."""
    try:
        address = normalise_email(email)
    except InputError:
        return None
    user = session.scalars(select(User).where(User.email == address)).one_or_none()
    if user is None:
        return None
    token = new_token()
    session.add(PasswordReset(token_hash=token_hash(token), user_id=user.id, created_at=now,
                              expires_at=now + RESET_TTL))
    return user, token


def reset_password(session: Session, token: str, password: str, now: datetime) -> User:
    """Use a reset link once: set the password, end every session; InputError if the link is
    unknown, used or expired."""
    check_password(password)
    row = session.scalars(select(PasswordReset).where(
        PasswordReset.token_hash == token_hash(token))).one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InputError("token", "this reset link is not valid any more; ask for a new one")
    row.used_at = now
    user = session.get(User, row.user_id)
    if user is None:
        raise InputError("token", "this reset link is not valid any more; ask for a new one")
    user.password_hash = hash_password(password)
    user.failed_signins = 0
    user.locked_until = None
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


# --- API tokens -----------------------------------------------------------------------------

def parse_scopes(text: str) -> frozenset[str]:
    """Space- or comma-separated scopes; InputError naming an unknown one."""
    scopes = frozenset(s for s in text.replace(",", " ").split() if s)
    unknown = sorted(scopes - SCOPES)
    if unknown:
        raise InputError("scopes", f"unknown scope {unknown[0]!r}; known: "
                                   + ", ".join(sorted(SCOPES)))
    if not scopes:
        raise InputError("scopes", "give at least one scope")
    return scopes


def create_api_token(session: Session, user: User, name: str, scopes: frozenset[str],
                     now: datetime, ttl: timedelta | None = None) -> str:
    """A new API token for ``user`` with ``scopes``; returns the only copy of the secret."""
    token = "cwt_" + new_token()
    session.add(ApiToken(token_hash=token_hash(token), user_id=user.id, name=name[:100],
                         scopes=" ".join(sorted(scopes)), created_at=now,
                         expires_at=now + ttl if ttl else None))
    return token


def token_principal(session: Session, token: str, now: datetime) -> Principal | None:
    """The principal of a live API token (its scopes attached), or None."""
    if not token or len(token) > 100:
        return None
    row = session.scalars(select(ApiToken).where(
        ApiToken.token_hash == token_hash(token))).one_or_none()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    return principal_for(session, user, scopes=frozenset(row.scopes.split()))
