"""Score inputs from clinical notes: offline, rule-based, every answer pointing at its words.

``extract(text, instrument_id)`` returns the JSON-ready result of ``clotwatch notes
extract``: the inputs the note answers, the evidence for each (sentence and character span,
ConText status), the inputs still missing with the reason, and the instrument's result on
those inputs (the same ``evaluate()``; missing inputs give a range, never a "no").
The rules are data files in ``clotwatch/notes/rules/<language>/`` (docs/notes.md).
"""

from clotwatch.notes.pipeline import SUPPORTED, NoteResult, extract, note_result, note_results
from clotwatch.notes.rules import load_rules

__all__ = ["SUPPORTED", "NoteResult", "extract", "load_rules", "note_result", "note_results"]
