"""The note pipeline: rules loaded once, extraction, then the instrument's own evaluate()."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.instruments import Instrument, Result, evaluate, get
from clotwatch.core.notes import Extraction, prepare
from clotwatch.core.notes import extract as _extract
from clotwatch.notes.rules import load_rules

# The instruments that have note rules (one rule file each).
SUPPORTED: tuple[str, ...] = (
    "wells-dvt",
    "wells-pe",
    "perc",
    "geneva-revised",
    "caprini-2005",
    "padua",
    "has-bled",
)
# Refuse notes larger than this early (a long discharge summary is about 20 KB).
MAX_NOTE_CHARS = 200_000


@dataclass(frozen=True)
class NoteResult:
    """A note read for one instrument: the extraction and the score on what it answered."""

    text: str
    extraction: Extraction
    result: Result

    def to_dict(self) -> dict[str, Any]:
        """``{instrument, inputs, evidence, missing, result}`` (the shape of the issue)."""
        ex = self.extraction
        return {
            "instrument": ex.instrument,
            "inputs": dict(ex.inputs),
            "evidence": [e.to_dict() for e in ex.evidence],
            "missing": [m.to_dict() for m in ex.missing],
            "result": self.result.to_dict(),
        }


def note_result(text: str, instrument_id: str, lang: str = "en") -> NoteResult:
    """Read ``text`` for ``instrument_id``; InputError on an unknown id or unusable text."""
    return note_results(text, (instrument_id,), lang)[0]


def check(instrument_ids: Sequence[str], lang: str = "en") -> list[Instrument]:
    """The instruments of ``instrument_ids``, or InputError naming the first that has no note
    rules in ``lang`` (an unknown id is answered with the ids that do, not every instrument
    clotwatch knows: a note cannot answer the others)."""
    load_rules(lang)  # InputError for a language without rules
    insts = []
    for i in instrument_ids:
        try:
            inst = get(i)
        except InputError:
            inst = None
        if inst is None or inst.id not in SUPPORTED:
            what = "unknown instrument" if inst is None else "no note rules for"
            raise InputError("instrument", f"{what} {i!r}; the notes answer: "
                             f"{', '.join(SUPPORTED)}")
        insts.append(inst)
    return insts


def note_results(text: str, instrument_ids: Sequence[str], lang: str = "en") -> list[NoteResult]:
    """Read ``text`` once for several instruments (the note is split and searched once)."""
    if not isinstance(text, str):
        raise InputError("note", "must be text")
    if not text.strip():
        raise InputError("note", "is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise InputError("note", f"is longer than {MAX_NOTE_CHARS} characters")
    insts = check(instrument_ids, lang)
    rules = load_rules(lang)
    document = prepare(text, rules)
    out = []
    for inst in insts:
        ex = _extract(document, inst, rules)
        out.append(NoteResult(text, ex, evaluate(inst, ex.inputs)))
    return out


def extract(text: str, instrument_id: str, lang: str = "en") -> dict[str, Any]:
    """The JSON-ready extraction and result (see :class:`NoteResult`)."""
    return note_result(text, instrument_id, lang).to_dict()
