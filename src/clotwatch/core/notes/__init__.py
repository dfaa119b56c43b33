"""Reading score inputs from clinical notes: pure rules and the ConText algorithm.

The note pipeline (``clotwatch.notes``) loads the rule files and calls :func:`extract`. Nothing
here reads files, the clock or the network; the rules arrive as data.
"""

from clotwatch.core.notes.context import ContextRules, Cue, Modifier, modifiers
from clotwatch.core.notes.engine import (
    Concept,
    Document,
    Evidence,
    Extraction,
    InputRule,
    Missing,
    RuleSet,
    extract,
    needed,
    prepare,
)
from clotwatch.core.notes.measures import Measurement, measurements
from clotwatch.core.notes.text import Section, Sentence, sentences

__all__ = [
    "Concept",
    "ContextRules",
    "Cue",
    "Document",
    "Evidence",
    "Extraction",
    "InputRule",
    "Measurement",
    "Missing",
    "Modifier",
    "RuleSet",
    "Section",
    "Sentence",
    "extract",
    "measurements",
    "modifiers",
    "needed",
    "prepare",
    "sentences",
]
