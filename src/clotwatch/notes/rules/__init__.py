"""Load the note rules of one language from its JSON files into ``core.notes`` objects.

Layout of ``rules/<lang>/``: ``context.json`` (ConText cues and section headings),
``concepts.json`` (concept id -> patterns) and ``instruments/<instrument id>.json`` (input id ->
how it is read). The files are checked when loaded: an unknown concept, status, instrument
input or enum option is an error naming the file and the key, so a rule cannot silently do
nothing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from clotwatch.core.errors import InputError
from clotwatch.core.instruments import INSTRUMENTS
from clotwatch.core.notes import Concept, ContextRules, Cue, InputRule, RuleSet, Section
from clotwatch.core.notes.engine import ACCEPT_EXTRA, STATUSES, THRESHOLD_KEYS
from clotwatch.core.notes.measures import PATTERNS

LANGUAGES = ("en",)
_RULE_KEYS = set(InputRule.__dataclass_fields__) - {"source"} | {"source"}


def _read(lang: str, *parts: str) -> Any:
    node = resources.files("clotwatch.notes.rules").joinpath(lang, *parts)
    return json.loads(node.read_text(encoding="utf-8"))


def _input_rule(where: str, raw: dict[str, Any], concepts: set[str]) -> InputRule:
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    rule = InputRule(
        concepts=tuple(raw.get("concepts", ())),
        accept=tuple(raw.get("accept", ("present",))),
        negation_needs=tuple(raw.get("negation_needs", ())),
        false_concepts=tuple(raw.get("false_concepts", ())),
        negated_concepts=tuple(raw.get("negated_concepts", ())),
        all_of=tuple(tuple(g) for g in raw.get("all_of", ())),
        measure=raw.get("measure"),
        threshold=dict(raw.get("threshold", {})),
        within_days=raw.get("within_days"),
        dated=tuple(raw.get("dated", ())),
        options=tuple((o, tuple(cs)) for o, cs in raw.get("options", ())),
        if_negated=raw.get("if_negated"),
        historical_within_days=raw.get("historical_within_days"),
        current_overrides=tuple(raw.get("current_overrides", ())),
        measure_overrides_history=bool(raw.get("measure_overrides_history", False)),
        measure_yes_only=bool(raw.get("measure_yes_only", False)),
        unmeasured=tuple(raw.get("unmeasured", ())),
        distinct_from=tuple(raw.get("distinct_from", ())),
        measures_all={k: dict(v) for k, v in raw.get("measures_all", {}).items()},
        deny_each=bool(raw.get("deny_each", False)),
        umbrella=tuple(raw.get("umbrella", ())),
        explain_denied=tuple(raw.get("explain_denied", ())),
        all_of_names=tuple(raw.get("all_of_names", ())),
        source=raw.get("source", ""),
    )
    for c in rule.concept_ids():
        if c not in concepts:
            raise ValueError(f"{where}: unknown concept {c!r}")
    known = {kind for kind, _, _ in PATTERNS} | {"bmi"}
    for kind in (*([rule.measure] if rule.measure else []), *rule.measures_all):
        if kind not in known:
            raise ValueError(f"{where}: unknown measure {kind!r}")
    for th in (rule.threshold, *rule.measures_all.values()):
        for key in th:
            if key not in THRESHOLD_KEYS:
                raise ValueError(f"{where}: unknown threshold {key!r}")
    for other in rule.distinct_from:
        if not isinstance(other, str):
            raise ValueError(f"{where}: distinct_from names inputs")
    for s in rule.accept:
        if s not in STATUSES and s not in ACCEPT_EXTRA:
            raise ValueError(f"{where}: unknown status {s!r}")
    for s in rule.negation_needs:
        if s not in STATUSES:
            raise ValueError(f"{where}: unknown status {s!r}")
    if rule.explain_denied and len(rule.all_of_names) != len(rule.all_of):
        raise ValueError(f"{where}: explain_denied needs all_of_names, one per all_of group")
    if not rule.source:
        raise ValueError(f"{where}: every rule says which general pattern it comes from")
    return rule


@lru_cache(maxsize=4)
def load_rules(lang: str = "en") -> RuleSet:
    """The rules of ``lang`` (cached: loading and compiling happen once per process)."""
    if lang not in LANGUAGES:
        raise InputError("lang", f"no note rules for {lang!r}; available: {', '.join(LANGUAGES)}")
    ctx = _read(lang, "context.json")
    cues = tuple(
        Cue(c["pattern"], tuple(c["categories"]), c["direction"], c.get("max_words"),
            c.get("source", ""), tuple(c.get("unless", ())), bool(c.get("clause", False)),
            bool(c.get("glued", False)))
        for c in ctx["cues"]
    )
    sections = tuple(Section(s["pattern"], s["category"]) for s in ctx.get("sections", ()))
    raw_concepts = _read(lang, "concepts.json")["concepts"]
    concepts = {
        cid: Concept(cid, tuple(c["patterns"]), c.get("source", ""),
                     tuple(c.get("case_sensitive", ())), bool(c.get("persistent", False)),
                     bool(c.get("negation_inside", False)))
        for cid, c in raw_concepts.items()
    }
    instruments: dict[str, dict[str, InputRule]] = {}
    folder = resources.files("clotwatch.notes.rules").joinpath(lang, "instruments")
    for node in sorted(folder.iterdir(), key=lambda n: n.name):
        if not node.name.endswith(".json"):
            continue
        data = json.loads(node.read_text(encoding="utf-8"))
        iid = data["instrument"]
        inst = INSTRUMENTS.get(iid)
        if inst is None:
            raise ValueError(f"{node.name}: unknown instrument {iid!r}")
        ids = {i.id: i for i in inst.inputs}
        table: dict[str, InputRule] = {}
        for input_id, raw in data["inputs"].items():
            where = f"{lang}/instruments/{node.name}: {input_id}"
            if input_id not in ids:
                raise ValueError(f"{where}: {iid} has no such input")
            rule = _input_rule(where, raw, set(concepts))
            allowed = set(ids[input_id].option_values)
            for option, _ in rule.options:
                if option not in allowed:
                    raise ValueError(f"{where}: {option!r} is not an option of {input_id}")
            table[input_id] = rule
        instruments[iid] = table
    return RuleSet(lang, concepts, instruments, ContextRules(cues), sections)
