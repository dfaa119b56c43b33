"""Public API of remote follow-up: ``clotwatch.core.followup`` plus its message catalogue.

Re-exports the pure core (programmes, schedules, check-in validation, alert rules and
``evaluate``) and adds ``translator(lang)`` for the ``followup`` catalogue (English, Russian),
so the service layer and the worker render programme, alert and notification text from ids.
"""

from __future__ import annotations

from collections.abc import Callable

from clotwatch.core.followup import *  # noqa: F403 - the public API is core's __all__
from clotwatch.core.followup import __all__ as _core_all
from clotwatch.locales import LANGUAGES
from clotwatch.locales import translator as _translator

DOMAIN = "followup"

__all__ = [*_core_all, "DOMAIN", "LANGUAGES", "translator"]


def translator(lang: str) -> Callable[[str], str]:
    """Message id -> text in ``lang`` for the ``followup`` catalogue (English fallback)."""
    return _translator(lang, DOMAIN)
