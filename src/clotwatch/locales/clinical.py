"""The ``clinical`` message domain: every user-visible English string of the instrument
declarations and the pathway tables, for the web pages in other languages.

Message ids are the English text exactly as declared in ``core`` (core stays English and is the
source of truth); a band value such as ``low`` carries its scheme as the message context, since
it reads differently in each ("low risk", "low probability"). Sentences assembled at run time are
translated piece by piece: the ``tr("...")`` templates of ``core/instruments/explain.py`` and
the engine's note templates are collected here too. ``scripts/web-catalogue`` writes
``clinical.pot`` and merges it into ``<lang>/LC_MESSAGES/clinical.po``; the web layer reads the
``.po`` with Babel at first use. The REST API, the CLI and FHIR stay English.
"""

from __future__ import annotations

from pathlib import Path

Key = tuple[str | None, str]  # (context, English text)
Where = tuple[str, int | None]

CORE = Path(__file__).resolve().parent.parent / "core"


def _tr_literals(relative: str) -> dict[Key, list[Where]]:
    """The literal ``tr("...")`` strings of a core module, with their line numbers."""
    from babel.messages.extract import extract_python

    found: dict[Key, list[Where]] = {}
    with (CORE / relative).open("rb") as handle:
        for lineno, _func, message, _comments in extract_python(
                handle, keywords={"tr": None}, comment_tags=[], options={}):
            text = message[0] if isinstance(message, tuple) else message
            if isinstance(text, str) and text:
                found.setdefault((None, text), []).append((f"core/{relative}", lineno))
    return found


def instrument_messages() -> dict[Key, list[Where]]:
    """Every string an instrument declaration, the engine's notes or ``explain`` can show."""
    from clotwatch.core.instruments import INSTRUMENTS
    from clotwatch.core.instruments.engine import NOTE_TEMPLATES

    found = _tr_literals("instruments/explain.py")

    def add(text: str | None, where: str, context: str | None = None) -> None:
        if text:
            found.setdefault((context, text), []).append((where, None))

    for text in NOTE_TEMPLATES:
        add(text, "core/instruments/engine.py")
    for inst in INSTRUMENTS.values():
        where = f"instrument {inst.id}"
        for text in (inst.name, inst.purpose, inst.note, inst.total_label):
            add(text, where)
        for inp in inst.inputs:
            add(inp.meaning, f"{where} {inp.id}")
            add(inp.unit, f"{where} {inp.id}")
            for tier in inp.tiers:
                add(tier.label, f"{where} {inp.id}")
            for option in inp.options:
                add(option.label, f"{where} {inp.id}")
            if inp.only_if is not None:
                add(inp.only_if.label, f"{where} {inp.id}")
        for scheme, bands in inst.schemes.items():
            for band in bands:
                add(band.label, f"{where} {scheme}")
                add(band.value, f"{where} {scheme}", context=scheme)
        for (scheme, value), meaning in inst.interpretations.items():
            add(meaning.text, f"{where} {scheme}={value}")
        for override in inst.overrides:
            add(override.reason, f"{where} {override.input}")
    return found


def pathway_messages() -> dict[Key, list[Where]]:
    """Every string the NG158 pathway tables, facts, inputs and engine can show."""
    from clotwatch.core.pathway import CONCLUSIONS, FACTS, INPUTS, PATHWAYS
    from clotwatch.core.pathway.engine import _START

    found = _tr_literals("pathway/engine.py")
    for key, where in _tr_literals("pathway/facts.py").items():
        found.setdefault(key, []).extend(where)

    def add(text: str | None, where: str, context: str | None = None) -> None:
        if text:
            found.setdefault((context, text), []).append((where, None))

    add(_START, "core/pathway/engine.py")
    for code, text in CONCLUSIONS.items():
        add(text, f"pathway conclusion {code}")
    for pathway in PATHWAYS.values():
        add(pathway.title, f"pathway {pathway.id}")
        for state in pathway.states.values():
            if state.step is not None:
                add(state.step.action, f"pathway {pathway.id} {state.id}")
                add(state.step.time_limit_text, f"pathway {pathway.id} {state.id}")
    for inp in INPUTS:
        add(inp.meaning, f"pathway input {inp.id}")
        for option in inp.options:
            add(option, f"pathway input {inp.id}", context="pathway")
    for value in ("excluded", "ctpa"):  # YEARS verdicts shown as the D-dimer result
        add(value, "core/pathway/facts.py", context="pathway")
    for fact in FACTS.values():
        add(fact.question, f"pathway fact {fact.id}")
    return found


def travel_messages() -> dict[Key, list[Where]]:
    """The long-journey plan's texts (core/travel/plan.py)."""
    from clotwatch.core.travel import messages

    return {(None, text): [("core/travel/plan.py", None)] for text in messages()}


def note_reason_messages() -> dict[Key, list[Where]]:
    """Why the "paste a note" box left an input unfilled (core/notes/why.py), with the phrases
    inside those reasons: what a number lacks, and the signs an item still needs as the
    English rule files name them (``all_of_names``)."""
    from clotwatch.core.notes import why
    from clotwatch.core.notes.measures import NO_VALUE_REASONS
    from clotwatch.notes.rules import load_rules

    found: dict[Key, list[Where]] = {}
    for text in (*why.TEMPLATES, *why.JOINERS):
        found.setdefault((None, text), []).append(("core/notes/why.py", None))
    for text in NO_VALUE_REASONS:
        found.setdefault((None, text), []).append(("core/notes/measures.py", None))
    for instrument, table in sorted(load_rules("en").instruments.items()):
        for input_id, rule in table.items():
            for name in rule.all_of_names:
                found.setdefault((None, name), []).append(
                    (f"notes rules {instrument} {input_id}", None))
    return found


def clinical_messages() -> dict[Key, list[Where]]:
    """Every message of the ``clinical`` domain, with where it comes from."""
    found: dict[Key, list[Where]] = {}
    for source in (instrument_messages(), pathway_messages(), travel_messages(),
                   note_reason_messages()):
        for key, where in source.items():
            found.setdefault(key, []).extend(where)
    return found
