"""The one exception tree of clotwatch (kept in core so that pure code can raise it).

    ClotwatchError
     +-- InputError        bad input: unknown id, wrong type, out of range, malformed document
     +-- MissingDataError  data that an operation cannot do without is absent
     +-- MappingError      a FHIR resource or code cannot be mapped to clotwatch's inputs
     +-- StoreError        the database refused or lost something
     +-- ConfigError       settings are invalid or unsafe

HTTP status codes are chosen only in ``clotwatch.api``; exit codes only in ``clotwatch.cli``.
"""

from __future__ import annotations


class ClotwatchError(Exception):
    """Base of every error clotwatch raises on purpose."""


class InputError(ClotwatchError, ValueError):
    """Input that clotwatch cannot accept; ``field`` names the offending input."""

    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)


class MissingDataError(ClotwatchError):
    """Data that an operation needs is absent."""


class MappingError(ClotwatchError):
    """A FHIR resource, code or unit cannot be mapped onto clotwatch's inputs."""


class StoreError(ClotwatchError):
    """The store could not do what was asked."""


class ConfigError(ClotwatchError):
    """Settings are invalid or unsafe."""
