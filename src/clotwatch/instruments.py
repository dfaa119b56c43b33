"""Public API of the instrument library: ``evaluate("wells-dvt", {...})``.

Re-exports :mod:`clotwatch.core.instruments`.
"""

from clotwatch.core.instruments import (
    INSTRUMENTS,
    Band,
    Citation,
    Contribution,
    Input,
    Instrument,
    Interpretation,
    Option,
    Result,
    Tier,
    evaluate,
    get,
    validate,
)

__all__ = [
    "INSTRUMENTS",
    "Band",
    "Citation",
    "Contribution",
    "Input",
    "Instrument",
    "Interpretation",
    "Option",
    "Result",
    "Tier",
    "evaluate",
    "get",
    "validate",
]
