"""What a reading of one Bundle produces (``Finding``, ``Derivation``) and the helpers every
finding family shares: references, times, codings, statuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

OBS_OK = {"final", "amended", "corrected"}


ACTIVE = {"active", "recurrence", "relapse"}


NOT_EVIDENCE = {"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"}


RECENT_DAYS = 30  # "acute" / "in the past month" conditions: onset in the 30 days before now


@dataclass(frozen=True)
class Finding:
    """One derived fact: its value (``None`` = unknown), the resources it came from, and why."""

    concept: str
    value: Any
    reason: str
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"value": self.value, "reason": self.reason, "sources": list(self.sources)}


@dataclass
class Derivation:
    """What one bundle says about one patient, as of ``now``."""

    patient_id: str
    now: datetime
    findings: dict[str, Finding]
    notes: list[str] = field(default_factory=list)
    # Findings left unknown because the resources that could answer them carry a modifier
    # extension clotwatch does not understand (``clotwatch.fhir.modifiers``): concept -> why.
    # A note may not lower such an item (``clotwatch.notes.fhir``): unknown is never "no".
    unread: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def value(self, concept: str) -> Any:
        """The value of a finding (None when unknown or not derived)."""
        f = self.findings.get(concept)
        return None if f is None else f.value


def _ref(resource: Any) -> str:
    rtype = str(resource.get_resource_type())
    return f"{rtype}/{resource.id}" if resource.id else rtype


def _subject(resource: Any) -> str | None:
    for attr in ("subject", "patient"):
        ref = getattr(resource, attr, None)
        if ref is not None and getattr(ref, "reference", None):
            return str(ref.reference)
    return None


def _as_utc(value: Any) -> datetime | None:
    """A FHIR dateTime/instant/date as an aware datetime (dates at 00:00 UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _when(resource: Any, *names: str) -> datetime | None:
    for name in names:
        value = getattr(resource, name, None)
        if value is None:
            continue
        if hasattr(value, "end") or hasattr(value, "start"):  # Period
            t = _as_utc(getattr(value, "end", None)) or _as_utc(getattr(value, "start", None))
        else:
            t = _as_utc(value)
        if t is not None:
            return t
    return None


def _code_of(resource: Any, attr: str = "code") -> tuple[list[Any], str | None]:
    concept = getattr(resource, attr, None)
    if concept is None:
        return [], None
    return list(concept.coding or []), concept.text


def _set(d: Derivation, concept: str, value: Any, reason: str, sources: Iterable[str] = ()) -> None:
    d.findings[concept] = Finding(concept, value, reason, tuple(sources))


def _span(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    return f"{hours:g} h" if hours < 48 else f"{hours / 24:g} days"


def _status(concept: Any) -> str | None:
    if concept is None:
        return None
    for coding in concept.coding or []:
        if coding.code:
            return str(coding.code)
    return None
