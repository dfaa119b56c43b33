"""Repositories: the only place that writes SQL for the service layer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from clotwatch.store.models import Assessment, CdsFeedback


class AssessmentRepository:
    """Saved assessments, addressed by the hash of their share code."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        code_hash: str,
        revoke_hash: str,
        kind: str,
        subject: str,
        lang: str,
        answers: dict[str, Any],
        result: dict[str, Any],
        created_at: datetime,
        expires_at: datetime,
    ) -> Assessment:
        """Insert one assessment and return it (flushed, with its id)."""
        row = Assessment(
            code_hash=code_hash, revoke_hash=revoke_hash, kind=kind, subject=subject, lang=lang,
            answers=answers, result=result, created_at=created_at, expires_at=expires_at,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def by_code_hash(self, code_hash: str) -> Assessment | None:
        """The assessment with this code hash, whatever its state (expired, revoked)."""
        return self.session.scalars(
            select(Assessment).where(Assessment.code_hash == code_hash)
        ).one_or_none()

    def revoke(self, assessment_id: int, now: datetime) -> bool:
        """Mark revoked (once) and erase its answers and result at once; True if this call
        revoked it. The row itself goes with the expired ones (``purge_expired``)."""
        result = self.session.execute(
            update(Assessment)
            .where(Assessment.id == assessment_id, Assessment.revoked_at.is_(None))
            .values(revoked_at=now, answers={}, result={})
        )
        return bool(getattr(result, "rowcount", 0))

    def purge_expired(self, now: datetime) -> int:
        """Delete assessments past their expiry; returns how many."""
        result = self.session.execute(delete(Assessment).where(Assessment.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)


class CdsFeedbackRepository:
    """Feedback on CDS Hooks cards: accepted or overridden, with the override reason."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        service_id: str,
        card_uuid: str,
        outcome: str,
        accepted_suggestions: list[str],
        outcome_at: datetime,
        received_at: datetime,
        override_system: str | None = None,
        override_code: str | None = None,
        override_display: str | None = None,
        user_comment: str | None = None,
        client_iss: str | None = None,
        tenant: str | None = None,
    ) -> CdsFeedback:
        """Insert one feedback item and return it (flushed, with its id)."""
        row = CdsFeedback(
            service_id=service_id, card_uuid=card_uuid, outcome=outcome,
            accepted_suggestions=list(accepted_suggestions), override_system=override_system,
            override_code=override_code, override_display=override_display,
            user_comment=user_comment, outcome_at=outcome_at, received_at=received_at,
            client_iss=client_iss, tenant=tenant,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def for_card(self, card_uuid: str) -> list[CdsFeedback]:
        """Every feedback item on one card, oldest first."""
        return list(self.session.scalars(
            select(CdsFeedback).where(CdsFeedback.card_uuid == card_uuid)
            .order_by(CdsFeedback.outcome_at, CdsFeedback.id)))

    def for_service(self, service_id: str, *, limit: int = 1000) -> list[CdsFeedback]:
        """The latest feedback items on one service's cards, newest first."""
        return list(self.session.scalars(
            select(CdsFeedback).where(CdsFeedback.service_id == service_id)
            .order_by(CdsFeedback.outcome_at.desc(), CdsFeedback.id.desc()).limit(limit)))
