"""Saving an assessment and sharing it by code; opening and revoking it.

Nothing is stored unless the person asks for it (``save``). The result is recomputed here from
the answers, so a stored result is always one clotwatch produced, never one a client sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from clotwatch.errors import ClotwatchError, InputError, MissingDataError
from clotwatch.service import compute, sharecodes
from clotwatch.store import Assessment, AssessmentRepository, Store

Kind = Literal["triage", "instrument"]
DEFAULT_TTL = timedelta(days=14)


class AssessmentNotFound(MissingDataError):
    """No assessment answers to this code: unknown, expired or revoked (deliberately alike)."""


class RevokeRefused(ClotwatchError):
    """The revoke token does not belong to this assessment."""


@dataclass(frozen=True)
class SharedAssessment:
    """A saved assessment as a reader sees it (no hashes)."""

    kind: str
    subject: str
    lang: str
    answers: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_row(cls, row: Assessment) -> SharedAssessment:
        """Copy the readable fields of a row."""
        return cls(kind=row.kind, subject=row.subject, lang=row.lang, answers=dict(row.answers),
                   result=dict(row.result), created_at=row.created_at,
                   expires_at=row.expires_at)


@dataclass(frozen=True)
class SavedAssessment:
    """What the person who saved an assessment gets back: the only copy of the secrets."""

    code: str
    revoke_token: str
    assessment: SharedAssessment


def compute_result(kind: str, subject: str | None, answers: Mapping[str, Any],
                   lang: str) -> tuple[str, dict[str, Any]]:
    """(subject, result) for a triage or an instrument assessment."""
    if kind == "triage":
        return "triage", compute.triage(answers, lang)
    if kind == "instrument":
        if not subject:
            raise InputError("instrument", "the instrument id is required for kind 'instrument'")
        return subject, compute.evaluate(subject, answers)
    raise InputError("kind", "must be 'triage' or 'instrument'")


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def save(store: Store, *, kind: str, answers: Mapping[str, Any], now: datetime,
         subject: str | None = None, lang: str = "en",
         ttl: timedelta = DEFAULT_TTL) -> SavedAssessment:
    """Compute and store an assessment; returns its new share code and revoke token."""
    now = _aware(now)
    compute.check_lang(lang)
    subject, result = compute_result(kind, subject, answers, lang)
    code = sharecodes.new_code()
    token = sharecodes.new_revoke_token()
    with store.session() as session:
        repo = AssessmentRepository(session)
        # Expired assessments are health data nobody can open any more: delete them as we go
        # (an indexed range delete, usually of nothing).
        repo.purge_expired(now)
        row = repo.add(
            code_hash=sharecodes.hash_code(code), revoke_hash=sharecodes.hash_token(token),
            kind=kind, subject=subject, lang=lang, answers=dict(answers), result=result,
            created_at=now, expires_at=now + ttl,
        )
        shared = SharedAssessment.from_row(row)
    return SavedAssessment(code=code, revoke_token=token, assessment=shared)


def purge_expired(store: Store, *, now: datetime) -> int:
    """Delete every assessment past its expiry; returns how many."""
    with store.session() as session:
        return AssessmentRepository(session).purge_expired(_aware(now))


def _live(repo: AssessmentRepository, code: str, now: datetime) -> Assessment:
    row = repo.by_code_hash(sharecodes.hash_code(code))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise AssessmentNotFound("no shared assessment with this code: it may have expired "
                                 "or been withdrawn")
    return row


def open_shared(store: Store, code: str, *, now: datetime) -> SharedAssessment:
    """The live assessment behind ``code``; AssessmentNotFound if unknown/expired/revoked."""
    now = _aware(now)
    with store.session() as session:
        return SharedAssessment.from_row(_live(AssessmentRepository(session), code, now))


def revoke(store: Store, code: str, token: str, *, now: datetime) -> None:
    """Withdraw a shared assessment; only the holder of its revoke token may."""
    now = _aware(now)
    with store.session() as session:
        repo = AssessmentRepository(session)
        row = _live(repo, code, now)
        if not sharecodes.token_matches(token, row.revoke_hash):
            raise RevokeRefused("this revoke token does not belong to this share code")
        repo.revoke(row.id, now)
