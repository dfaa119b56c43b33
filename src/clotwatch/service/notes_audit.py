"""Notes sent to the local language model are audited (issue 11).

The optional adapter (``clotwatch.notes.llm``) sends a clinical note to an OpenAI-compatible
endpoint: a disclosure of health data to another program, so every call is recorded in the
audit log the follow-up service keeps (``followup.audit``, table ``audit_log``): who, when,
action ``disclose``, and in ``what`` the surface (the command line or the web note box), the
endpoint (scheme, host, port and path, never credentials or a query), the model's name, the
SHA-256 (first 16 hex digits) and length of the note as given, and how many of the model's
claims were accepted and refused, or that the call failed. Never the note's text nor any
answer drawn from it: the row would be health data in a log.

A call is recorded whether it succeeded or not (the note has left the process either way),
after the model answered; :func:`ask_audited` writes the row even when the adapter raises.
Before the note is sent, :func:`check_writable` writes a row and rolls it back: a call that
could not be recorded is not made (:class:`AuditUnavailable`). Both surfaces (the command line
and the web note box) go through :func:`ask_audited`, so neither can send without the check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from clotwatch.errors import StoreError
from clotwatch.service.followup import audit

if TYPE_CHECKING:
    from clotwatch.notes.llm import ModelConfig, ModelOutcome
    from clotwatch.notes.pipeline import NoteResult
    from clotwatch.service.accounts import Principal
    from clotwatch.store import Store

ACTION = "disclose"
SURFACES = {"cli": "command line", "web": "web note box"}


class AuditUnavailable(StoreError):
    """The audit log cannot be written, so the note was not sent to the model; ``cause`` is
    the failure's type name."""

    def __init__(self, cause: str) -> None:
        self.cause = cause
        super().__init__(f"the audit log cannot be written ({cause})")


def check_writable(store: Store, now: datetime) -> None:
    """Write one audit row and roll it back, so that a call is made only when its row can be
    written. :class:`AuditUnavailable` (naming the cause's type, never a message that could
    hold a path or a password) otherwise."""
    from sqlalchemy import insert

    from clotwatch.store.followup_models import AuditEntry

    try:
        with store.sessions() as session:
            session.execute(insert(AuditEntry).values(at=now, actor_label="check",
                                                      action="check", what="check"))
            session.rollback()
    except Exception as exc:  # whatever the cause, the note is not sent
        raise AuditUnavailable(type(exc).__name__) from exc


def endpoint(url: str) -> str:
    """The model's address as recorded: scheme, host, port and path, no credentials, no
    query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def fingerprint(text: str) -> str:
    """The note's SHA-256, first 16 hex digits (enough to match a note one holds, nothing of
    its content)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def describe(text: str, surface: str, config: ModelConfig, outcome: ModelOutcome | None,
             failure: str | None = None) -> str:
    """The audit row's ``what``: counts first, so a long address is what gets cut at 200."""
    if outcome is not None and outcome.error is None and failure is None:
        told = f"{len(outcome.accepted)} accepted, {len(outcome.refused)} refused"
    else:
        told = "failed, no answer used"
    return (f"note to language model ({SURFACES[surface]}): sha256 {fingerprint(text)}, "
            f"{len(text)} characters; {told}; model {config.model!r} at "
            f"{endpoint(config.url)}")


def record(store: Store, *, text: str, surface: str, config: ModelConfig,
           outcome: ModelOutcome | None, now: datetime, actor: Principal | None = None,
           who: str | None = None, failure: str | None = None) -> None:
    """One audit row for one call (``who`` names an actor without an account)."""
    with store.session() as session:
        audit(session, actor, None, ACTION, describe(text, surface, config, outcome, failure),
              now, label=who)


def ask_audited(store: Store, res: NoteResult, config: ModelConfig, *, surface: str,
                now: Callable[[], datetime], actor: Principal | None = None,
                who: str | None = None, client: Any = None) -> ModelOutcome:
    """``with_model`` with its call recorded in the audit log. Nothing is recorded when the
    model is not asked (the rules left no input missing): no note was sent.
    :class:`AuditUnavailable` before anything is sent when the audit log cannot be written;
    :class:`~clotwatch.errors.StoreError` when the row fails after the call (the note was
    sent, the answer is not returned)."""
    from clotwatch.notes.llm import with_model

    if surface not in SURFACES:
        raise ValueError(f"surface: one of {', '.join(SURFACES)}")
    if not res.extraction.missing:
        return with_model(res, config, client)
    check_writable(store, now())
    outcome: ModelOutcome | None = None
    failure: str | None = None
    try:
        outcome = with_model(res, config, client)
        return outcome
    except Exception as exc:  # recorded, then raised as it was
        failure = type(exc).__name__
        raise
    finally:
        record(store, text=res.text, surface=surface, config=config, outcome=outcome,
               now=now(), actor=actor, who=who, failure=failure)
