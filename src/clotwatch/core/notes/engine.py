"""From a note to an instrument's inputs, each with the words that answer it.

For every input of the instrument, its rule (``InputRule``, data from the rule files) names the
concepts that answer it and which ConText statuses count:

- a mention whose status is in ``accept`` answers **yes** (``previous_dvt`` accepts only
  ``historical``; a chronic disease accepts ``present`` and ``historical``);
- a **negated** mention answers **no**, but only when it also carries the categories in
  ``negation_needs`` ("no history of DVT" answers ``previous_dvt``; "no DVT on today's scan"
  does not);
- a family, hypothetical or uncertain mention never answers yes; it is kept as the reason the
  input is still missing;
- one accepted mention anywhere in the note wins over negated ones ("denies haemoptysis" on
  admission, "new haemoptysis on day 3"): a positive finding is never lowered.

Numbers come from :mod:`measures`: a number input takes the first value in its allowed range
from a sentence that is not negated, hypothetical, in a relative or historical; a yes/no input
with a ``threshold`` compares the number with it ("calf 3.5 cm larger" -> ``calf_swelling_3cm``).
An input the note does not answer stays missing, with the reason, and is never read as "no".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from clotwatch.core.instruments.model import Input, Instrument
from clotwatch.core.notes import why as W
from clotwatch.core.notes.context import (
    ContextRules,
    CuePlaces,
    Modifier,
    clause_between,
    modifiers,
    status,
)
from clotwatch.core.notes.measures import Measurement, measurements
from clotwatch.core.notes.prefilter import Places, lowered, nonempty, starts
from clotwatch.core.notes.text import Section, Sentence, sentences, unwrapped
from clotwatch.core.notes.why import Phrases, Why, joined, why, words

STATUSES = ("present", "negated", "historical", "hypothetical", "family", "uncertain")
# What a rule may accept besides a status: "planned", a hypothetical mention whose only doubt is
# that the event is arranged for the future (Caprini scores the operation being planned).
ACCEPT_EXTRA = ("planned",)
_NOT_PLANNED_ONLY = frozenset({"negated", "family", "hypothetical", "uncertain"})
HISTORICAL_DAYS = 14  # Harkema 2009: "historical" is more than two weeks before the encounter
THRESHOLD_KEYS = ("at_least", "above", "below", "at_most")
SEARCHES = 2  # a concept with more patterns of unknown starts than this: scan it whole


@dataclass(frozen=True)
class Concept:
    """A clinical idea and the regular expressions that name it, with where they came from."""

    id: str
    patterns: tuple[str, ...]
    source: str = ""
    case_sensitive: tuple[str, ...] = ()  # abbreviations such as "PE", "HIT", "ASA"
    # A lasting state ("paraplegia since 1987"): a past-history mention of it still holds now,
    # so it answers an input that accepts only present findings.
    persistent: bool = False
    # Its own words may hold a negation that is part of its meaning ("not well controlled",
    # "walks without aid"). For every other concept a denial inside the matched words denies
    # the mention ("legs are not swollen", "the legs show no swelling").
    negation_inside: bool = False

    def prefixes(self) -> tuple[frozenset[str], frozenset[str]] | None:
        """Strings (lower-case, then case-sensitive) one of which every match starts with, or
        None when they cannot be known (``core.notes.prefilter``)."""
        lower: set[str] = set()
        exact: set[str] = set()
        for p in self.patterns:
            got = starts(p, ignorecase=True)
            if got is None:
                return None
            lower |= got
        for p in self.case_sensitive:
            got = starts(p, ignorecase=False)
            if got is None:
                return None
            exact |= got
        return frozenset(lower), frozenset(exact)

    def searched(self) -> tuple[frozenset[str], frozenset[str], tuple[re.Pattern[str], ...]
                                ] | None:
        """Like :meth:`prefixes`, but a pattern whose starts are not known ("\\w+ectomy")
        gives a search of its own (word-bounded before, as in :meth:`compiled`) in place of its
        starts; None when a pattern may match nothing, or more than ``SEARCHES`` need one."""
        lower: set[str] = set()
        exact: set[str] = set()
        searches: list[re.Pattern[str]] = []
        for p, ignorecase in ([(p, True) for p in self.patterns]
                              + [(p, False) for p in self.case_sensitive]):
            got = starts(p, ignorecase=ignorecase)
            if got is not None:
                (lower if ignorecase else exact).update(got)
                continue
            if not nonempty(p, ignorecase) or len(searches) == SEARCHES:
                return None
            searches.append(re.compile(rf"(?<![\w-])(?:{rf'(?i:{p})' if ignorecase else p})"))
        return frozenset(lower), frozenset(exact), tuple(searches)

    def compiled(self) -> re.Pattern[str]:
        """One pattern for the whole concept (word-bounded)."""
        parts = [rf"(?i:{p})" for p in self.patterns] + list(self.case_sensitive)
        return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


@dataclass(frozen=True)
class InputRule:
    """How one instrument input is read from a note (see the module docstring)."""

    concepts: tuple[str, ...] = ()
    accept: tuple[str, ...] = ("present",)
    negation_needs: tuple[str, ...] = ()
    false_concepts: tuple[str, ...] = ()
    negated_concepts: tuple[str, ...] = ()
    all_of: tuple[tuple[str, ...], ...] = ()
    measure: str | None = None
    threshold: Mapping[str, float] = field(default_factory=dict)
    within_days: int | None = None
    dated: tuple[str, ...] = ()  # concepts (events) that need a date to meet within_days
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if_negated: str | None = None
    # A past mention dated within this many days answers yes ("diagnosed four months ago"
    # for "treatment within 6 months").
    historical_within_days: int | None = None
    # Concepts whose current mention outranks a yes that rests only on past mentions ("a
    # history of uncontrolled hypertension, although now well controlled").
    current_overrides: tuple[str, ...] = ()
    # A measured value (taken now) outranks a yes that rests only on past mentions.
    measure_overrides_history: bool = False
    # The measure answers only yes (at its threshold); under it the item stays open: a calf
    # 2 cm larger is not Wells' 3 cm, yet it does not show that neither leg is swollen.
    measure_yes_only: bool = False
    # For an item only a measurement answers: concepts whose mention the reason names when no
    # measurement is given ("No calf swelling" for Wells' calf difference is not "not
    # mentioned": the note speaks of it, without the number the item needs).
    unmeasured: tuple[str, ...] = ()
    # Inputs whose evidence may not answer this one too: the same words are one fact ("recent
    # laparoscopic surgery" is the surgery type, not also an earlier operation).
    distinct_from: tuple[str, ...] = ()
    # Numbers that must all be present and meet their thresholds for a yes, none of them
    # alone ({"bilirubin_uln": {"above": 2}, "liver_enzyme_uln": {"above": 3}}).
    measures_all: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # An either-or item ("immobilisation or surgery", "previous DVT or PE") is answered no
    # only when each of its concepts is denied: "not bedridden" says nothing about surgery.
    deny_each: bool = False
    # Concepts that name this item together with others ("VTE" is a DVT or a PE): a mention of
    # the rule's concepts on the same words answers no when denied ("no history of VTE" denies
    # a previous DVT) but never yes ("history of VTE" does not say it was a DVT).
    umbrella: tuple[str, ...] = ()
    # For an ``all_of`` item left unanswered: concepts whose denial is named in the reason,
    # with the parts still unknown ("denies calf swelling; does not mention pain on palpation ...").
    explain_denied: tuple[str, ...] = ()
    # How a clinician names each ``all_of`` group in that reason ("pain on palpation of the
    # deep veins"), one per group, in order; required with ``explain_denied``.
    all_of_names: tuple[str, ...] = ()
    source: str = ""

    def concept_ids(self) -> set[str]:
        """Every concept this rule looks for."""
        ids = set(self.concepts) | set(self.false_concepts) | set(self.negated_concepts)
        ids.update(self.current_overrides)
        ids.update(self.unmeasured)
        ids.update(self.dated)
        ids.update(self.umbrella)
        ids.update(self.explain_denied)
        ids.update(c for group in self.all_of for c in group)
        ids.update(c for _, cs in self.options for c in cs)
        return ids


@dataclass(frozen=True)
class RuleSet:
    """Everything one language needs: concepts, per-instrument input rules, ConText cues."""

    language: str
    concepts: Mapping[str, Concept]
    instruments: Mapping[str, Mapping[str, InputRule]]
    context: ContextRules
    sections: tuple[Section, ...] = ()
    _patterns: dict[str, re.Pattern[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _starts: dict[str, tuple[Any, ...] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def prefixes(self, concept_id: str) -> tuple[frozenset[str], frozenset[str]] | None:
        """The literal starts of a concept (cached), see :meth:`Concept.prefixes`."""
        key = "\0" + concept_id
        if key not in self._starts:
            self._starts[key] = self.concepts[concept_id].prefixes()
        return self._starts[key]

    def searched(self, concept_id: str) -> tuple[frozenset[str], frozenset[str],
                                                 tuple[re.Pattern[str], ...]] | None:
        """The starts and searches of a concept (cached), see :meth:`Concept.searched`."""
        key = "\1" + concept_id
        if key not in self._starts:
            self._starts[key] = self.concepts[concept_id].searched()
        return self._starts[key]

    def pattern(self, concept_id: str) -> re.Pattern[str]:
        """The compiled pattern of a concept (cached)."""
        rx = self._patterns.get(concept_id)
        if rx is None:
            rx = self.concepts[concept_id].compiled()
            self._patterns[concept_id] = rx
        return rx


@dataclass(frozen=True)
class Evidence:
    """The words that answer an input: value, status, sentence and the span in the note."""

    input: str
    value: Any
    status: str
    text: str
    start: int
    end: int
    cue: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the issue: input, value, status, text (sentence), start, end."""
        return {
            "input": self.input,
            "value": self.value,
            "status": self.status,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class Missing:
    """An input the note does not answer, and why: ``reason`` in English (what the CLI, the
    API and FHIR show), ``whys`` the same reasons for a page to show in its language."""

    input: str
    reason: str
    whys: tuple[Why, ...] = ()

    @classmethod
    def of(cls, input_id: str, *whys: Why) -> Missing:
        """The input missing for these reasons (each said once, in order; one sentence's
        mentions left open for the same reason in one reason, ``why.merged``)."""
        kept = whys if len(whys) == 1 else W.merged(tuple(dict.fromkeys(whys)))
        return cls(input_id, joined(kept), kept)

    def to_dict(self) -> dict[str, str]:
        """``{"input": ..., "reason": ...}``."""
        return {"input": self.input, "reason": self.reason}


@dataclass(frozen=True)
class Extraction:
    """What a note says about one instrument's inputs."""

    instrument: str
    inputs: dict[str, Any]
    evidence: tuple[Evidence, ...]
    missing: tuple[Missing, ...]


@dataclass(frozen=True)
class _Mention:
    concept: str
    start: int
    end: int
    sentence: Sentence
    status: str
    categories: frozenset[str]
    cue: str | None
    days_ago: float | None
    dated_by_year: bool
    point_ago: bool = False  # dated by "N ... ago" or "N ... after": a point, not a duration
    time_near: bool = False  # the time words are near the mention, in its clause


_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3,
    "several": 4, "couple of": 2, "a few": 3, "a couple of": 2,
}
_UNIT_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30.4, "year": 365.25}
_AGO = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|a couple of|couple of|a few|an?|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|few|several)\s*(?P<u>hour|day|week|month|year)s?\s*"
    r"(?:ago|earlier|before|prior|previously|back)\b"
    r"|\b(?:last|past|previous|recent)\s+(?P<u2>day|week|month|year)\b"
    r"|\b(?:within|in|during|over) the (?:past|last|previous)\s+(?P<n3>\d+|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|eleven|twelve|few|several)\s+(?P<u3>hour|day|week|month)s?\b"
    r"|\b(?P<today>yesterday|today|this morning|tonight|overnight)\b"
    r"|\b(?:post-?operative day|POD)\s*#?\s*(?P<pod>\d+)\b"
    # The person, now, is some time after an event: "a 61-year-old man ten days after knee
    # surgery", "she is now 3 weeks post hip replacement". Only after the person or a 'now'
    # word: "developed a DVT ten days after surgery" dates the DVT from the surgery, not today.
    r"|\b(?:man|woman|male|female|patient|boy|girl|gentleman|lady|presents?|presented|"
    r"presenting|admitted|is|now|currently|today)\s+(?:now\s+)?(?P<n4>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|few|several)\s+(?P<u4>day|week|month)s?\s+"
    r"(?:after|following|post|out from)\b",
    re.IGNORECASE,
)
# A state dated long ago that still goes on ("diagnosed 2 years ago, currently on
# chemotherapy", "metastatic", "now palliative"): the date does not end it.
_GOES_ON = re.compile(
    r"\b(?:current(?:ly)?|ongoing|still|now|undergoing|receiving|continu(?:es|ing|ed)|"
    r"palliat\w*|metasta\w*|recurren\w*|recurred|relaps\w*|progress\w*|active|persist\w*|"
    r"on (?:chemo\w*|immuno\w*|hormon\w*|radio\w*|treatment|therapy))\b",
    re.IGNORECASE,
)
# A past-history mention the same sentence says is being treated now ("a past medical history
# of stage IV colon cancer being treated actively with FOLFOX"): the history cue names when it
# began, not that it ended. Narrower than _GOES_ON ("now presents with" is not treatment).
_TREATED_NOW = re.compile(
    r"\b(?:(?:currently|actively|still|now)\s+(?:being\s+)?(?:treated|managed|receiving|undergoing)"
    r"|being\s+(?:actively\s+)?treated|treated\s+actively|under(?:going)?\s+(?:active\s+)?"
    r"(?:chemo\w*|radi\w*|immuno\w*|treatment|therapy)|(?:currently|still|now)\s+on\s+"
    r"(?:chemo\w*|radio\w*|immuno\w*|treatment|therapy)|palliat\w*)\b",
    re.IGNORECASE,
)
# The date of a symptom's onset is not the date of a past event: "left leg swelling that
# started 3 weeks ago" is present now.
_ONSET = re.compile(r"\b(?:start(?:ed|ing|s)?|began|begun|begin|onset|since|worse\w*|persist\w*|"
                    r"progress\w*|continu\w*|ongoing|still)\b", re.IGNORECASE)
_ENDED = re.compile(r"\b(?:remission|cured|disease-free|free of disease|no evidence of)\b",
                    re.IGNORECASE)
_YEAR = re.compile(r"\b(?:in|since)\s+(?:\w+\s+)?(?:19|20)\d\d\b", re.IGNORECASE)
_RECENT = re.compile(r"\b(?:recent(?:ly)?|just (?:had|underwent)|post-?op(?:erative(?:ly)?)?)\b",
                     re.IGNORECASE)
# "recent(ly)" qualifying a past mention: right before it, or before a cue or a few words of
# its own phrase ("recently recovering from", "a recent history of", "recent admission for"),
# never across a conjunction or another event's preposition ("a recent fall with pneumonia").
_RECENT_BEFORE = re.compile(
    r"\brecent(?:ly)?\s+(?:(?!(?:and|or|but|nor|with|without|after|following|then|plus)\b)"
    r"[A-Za-z/-]+\s+){0,2}(?:an?\s+|the\s+)?$",
    re.IGNORECASE,
)
# The reason for this presentation is recent: "came to the hospital after a fall, resulting in
# a hip fracture", "presents with a femoral shaft fracture", "admitted following a collision".
# The event must follow the phrase within PRESENTING_WORDS words (clotwatch's own limit, so that
# a later clause of a long sentence is not dated by it); an explicit date still wins.
_PRESENTING = re.compile(
    r"\b(?:presents?|presented|presenting|came|comes|admitted|brought(?: in)?|arrived|arrives|"
    # "is being evaluated at a rehabilitation facility following ...": a person being seen now
    r"(?:is|was) (?:being |now )?(?:evaluated|assessed|seen|reviewed))"
    r"(?:\s+(?:to|in|at|into)\s+(?:the\s+|our\s+|an?\s+)?(?:[A-Za-z-]+\s+){0,2}?"
    r"(?:hospital|emergency (?:department|room)|ED|ER|A&E|casualty|clinic|surgery|office|"
    r"facility|cent(?:er|re)|unit))?\s+(?:after|following|with|due to|because of)\b",
    re.IGNORECASE,
)
PRESENTING_WORDS = 8
# A time point ("six months ago") dates a mention as past only this near it (clotwatch's own
# limit, as PRESENTING_WORDS) and with no presentation or 'now' word between.
POINT_WORDS = 8
_NOW_CLAUSE = re.compile(
    r"\b(?:presents?|presented|presenting|admitted|now|currently|today|who|which|but|and then)\b",
    re.IGNORECASE,
)
# A later presentation told after an earlier one ("1 month later, the patient presented with",
# "she returned to the ED", "he was readmitted"): the note ends in that encounter, so its
# numbers (heart rate, SpO2, ...) come before the first episode's (docs/notes.md).
_REPRESENTED = re.compile(
    r"\b(?:later|subsequently|thereafter)\b,?\s+(?:the patient|he|she|they)\s+(?:\w+\s+)?"
    r"(?:presented|returned|came back|re-?presented|was re-?admitted)"
    r"|\b(?:was|were) re-?admitted\b|\bre-?presented\b"
    r"|\breturned to (?:the |our )?(?:hospital|emergency|ED|ER|clinic)",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Za-z0-9]+")
# A side named in a denial's clause (``_Reader._side``); words that name both sides at once.
_SIDE = re.compile(r"\b(left|right)(?:[- ]sided)?\b", re.IGNORECASE)
_BOTH_SIDES = re.compile(r"\b(?:both|either|neither|bilateral(?:ly)?)\b", re.IGNORECASE)
_CLAUSE_ENDS = (",", ";", ".", ":")
_NOW_IN_SECTION = re.compile(r"\b(?:now|currently|presently|at present)\b", re.IGNORECASE)


def _days(m: re.Match[str]) -> float:
    if m.group("pod"):
        return float(m.group("pod"))
    if m.group("today"):
        return 1.0
    if m.group("u2"):
        return _UNIT_DAYS[m.group("u2").lower()]
    if m.group("u4"):
        raw4 = m.group("n4").lower()
        n4 = float(_NUMBER_WORDS[raw4]) if raw4 in _NUMBER_WORDS else float(raw4)
        return n4 * _UNIT_DAYS[m.group("u4").lower()]
    if m.group("u3"):
        raw3 = m.group("n3").lower()
        n3 = float(_NUMBER_WORDS[raw3]) if raw3 in _NUMBER_WORDS else float(raw3)
        return n3 * _UNIT_DAYS[m.group("u3").lower()]
    raw = m.group("n").lower()
    n = float(_NUMBER_WORDS[raw]) if raw in _NUMBER_WORDS else float(raw)
    return n * _UNIT_DAYS[m.group("u").lower()]


class Document:
    """One note split once, with its cue hits, mentions and numbers cached: read it for
    several instruments without doing the work again (:func:`prepare`)."""

    def __init__(self, text: str, rules: RuleSet) -> None:
        self.text = text
        self.rules = rules
        # Rules are matched on the note with the line breaks inside a paragraph read as
        # spaces (same length, so every offset is the note's): a note wrapped at a fixed
        # width breaks phrases across lines ("Risk\nof anesthesia, bleeding, ...",
        # "concerning\nfor a ... cerebrovascular accident"). Sentences are still split on
        # the note as written (blank lines, headings and list items start a new one).
        self.flat = flat = unwrapped(text)
        self.lower = flat.lower()
        folded = lowered(flat)  # the lower-case text, when the prefilter may use it
        self._places = None if folded is None else Places(flat, folded)
        self._cue_places: CuePlaces | None = None
        self.sentences = [
            s if "\n" not in s.text else replace(s, text=flat[s.start : s.end])
            for s in sentences(text, rules.sections)
        ]
        self._starts = [s.start for s in self.sentences]
        self._hits: dict[int, Any] = {}
        self._times: dict[int, list[re.Match[str]]] = {}
        self._years: dict[int, bool] = {}
        self._mentions: dict[str, list[_Mention]] = {}
        self._measures: dict[str, list[Measurement]] = {}
        self._episode: int | None = None  # where the last presentation starts (-1: none)

    def sentence_at(self, pos: int) -> Sentence | None:
        lo, hi = 0, len(self._starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._starts[mid] <= pos:
                lo = mid + 1
            else:
                hi = mid
        if lo == 0:
            return None
        s = self.sentences[lo - 1]
        return s if pos < s.end else None

    def hits(self, sent: Sentence) -> Any:
        """The ConText cues of one sentence (found once; each cue is tried only where the
        note's text shows one of its starts, see ``ContextRules.places``)."""
        hits = self._hits.get(sent.start)
        if hits is None:
            if self._cue_places is None and self._places is not None:
                self._cue_places = self.rules.context.places(self._places)
            hits = self.rules.context.hits(sent.text, where=self._cue_places,
                                           offset=sent.start)
            self._hits[sent.start] = hits
        return hits

    def modifiers(self, sent: Sentence, start: int, end: int) -> list[Modifier]:
        hits = self.hits(sent)
        return modifiers(sent.text, start - sent.start, end - sent.start, self.rules.context,
                         hits=hits)

    def inner_denial(self, sent: Sentence, start: int, end: int
                     ) -> tuple[tuple[str, ...], str] | None:
        """A denial cue inside ``[start, end)`` (its categories and words), if any."""
        hits = self.hits(sent)
        a, b = start - sent.start, end - sent.start
        for h in hits:
            if (h.start >= a and h.end <= b and "negated" in h.cue.categories
                    and h.cue.direction in ("forward", "backward", "bidirectional")):
                return h.cue.categories, sent.text[h.start : h.end]
        return None

    def assertion(self, sent: Sentence, start: int, end: int) -> tuple[str, frozenset[str],
                                                                       str | None]:
        mods = self.modifiers(sent, start, end)
        cats = {c for m in mods for c in m.categories}
        if sent.section and not (
            sent.section == "historical"
            and _NOW_IN_SECTION.search(sent.text, 0, start - sent.start)
        ):
            # A past-history heading holds unless the line says the state is current
            # ("PAST MEDICAL HISTORY: ... now in sinus rhythm and on Premarin").
            cats.add(sent.section)
        st = status(cats)
        cue = next((m.text for m in mods if st in m.categories), None)
        return st, frozenset(cats), cue

    def mentions(self, concept: str) -> list[_Mention]:
        found = self._mentions.get(concept)
        if found is not None:
            return found
        found = []
        for m in self._matches(concept):
            sent = self.sentence_at(m.start())
            if sent is None:
                continue
            st, cats, cue = self.assertion(sent, m.start(), m.end())
            if not self.rules.concepts[concept].negation_inside:
                inner = self.inner_denial(sent, m.start(), m.end())
                if inner is not None:
                    cats = cats | frozenset(inner[0])
                    st, cue = status(cats), inner[1]
            days, by_year, point, near = self._when(sent, m.start())
            found.append(_Mention(concept, m.start(), m.end(), sent, st, cats, cue, days,
                                  by_year, point, near))
        self._mentions[concept] = found
        return found

    def _matches(self, concept: str) -> Iterator[re.Match[str]]:
        """The concept's matches, as ``finditer`` gives them.

        When the possible first characters of a match are known (``prefilter``), the pattern
        is tried only where one of them occurs: every match starts at such a place, so the
        matches are the same, found without scanning the whole note with the pattern. A
        pattern of the concept whose starts are not known is searched for alone, every place
        it can begin (one search after each), a shorter scan than the whole concept's.
        """
        rx = self.rules.pattern(concept)
        starts = self.rules.searched(concept)
        if starts is None or self._places is None:
            yield from rx.finditer(self.flat)
            return
        where = self._places.of(starts[0])
        if starts[1] or starts[2]:
            more = set(where)
            if starts[1]:
                more.update(self._places.of(starts[1], exact=True))
            for search in starts[2]:
                m = search.search(self.flat)
                while m is not None:
                    more.add(m.start())
                    m = search.search(self.flat, m.start() + 1)
            where = sorted(more)
        end = 0
        for pos in where:
            if pos < end:
                continue
            m = rx.match(self.flat, pos)
            if m is not None and m.end() > m.start():
                end = m.end()
                yield m

    def _when(self, sent: Sentence, pos: int) -> tuple[float | None, bool, bool, bool]:
        """The time words nearest ``pos`` in its sentence (days before), else whether the
        sentence is dated by a year; whether the time is a point before now ("six months
        ago", "ten days after") rather than a span up to now ("over the past 3 weeks"); and
        whether it is near the mention, in its clause. A sentence's time words are found
        once."""
        found = self._times.get(sent.start)
        if found is None:
            found = [m for m in _AGO.finditer(sent.text)]
            self._times[sent.start] = found
        best: tuple[int, re.Match[str]] | None = None
        for m in found:
            distance = abs(sent.start + m.start() - pos)
            if best is None or distance < best[0]:
                best = (distance, m)
        if best is not None:
            t = best[1]
            # Close to the mention and in its clause: "20 years ago ... who presents with an
            # acute myocardial infarction" dates the first clause, not the MI; "a DVT and quit
            # smoking last year" dates the quitting.
            a, b = sorted((pos - sent.start, t.start() if t.start() > pos - sent.start
                           else t.end()))
            between = sent.text[a:b]
            near = (len(_WORDS.findall(between)) <= POINT_WORDS
                    and not _NOW_CLAUSE.search(between)
                    and not clause_between(self.hits(sent), a, b))
            return _days(t), False, near and bool(t.group("u") or t.group("u4")), near
        year = self._years.get(sent.start)
        if year is None:
            year = self._years[sent.start] = bool(_YEAR.search(sent.text))
        return None, year, False, False

    def measures(self, kind: str) -> list[Measurement]:
        """The numbers of one kind (found once per note and kind: an instrument that asks
        for no blood pressure does not pay for finding one)."""
        found = self._measures.get(kind)
        if found is None:
            found = measurements(self.flat, (kind,), self.lower)
            self._measures[kind] = found
        return found

    def current_first(self, found: list[Measurement]) -> list[Measurement]:
        """``found`` with the numbers of the note's last presentation first, when the note
        tells a later one (``_REPRESENTED``); otherwise in the note's order."""
        if self._episode is None:
            self._episode = max((m.start() for m in _REPRESENTED.finditer(self.flat)),
                                default=-1)
        at = self._episode
        if at < 0:
            return found
        return [m for m in found if m.start >= at] + [m for m in found if m.start < at]


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _quote_around(text: str, start: int, end: int, limit: int = 120) -> str:
    """``text`` (a sentence) cut to ``limit`` characters around ``text[start:end]``, the words
    a reason is about: a cut from the start alone left them out of a long sentence."""
    if len(" ".join(text.split())) <= limit or end <= limit - 1:
        return _quote(text, limit)
    before = " ".join(text[:start].split()[-6:])  # a few words of context before
    rest = " ".join(text[start:].split())
    body = f"{before} {rest}" if before else rest
    if len(body) > limit - 2:
        body = body[: limit - 2] + "\u2026"
    return "\u2026" + body


def _threshold(value: float, th: Mapping[str, float]) -> bool:
    checks = {
        "at_least": lambda b: value >= b,
        "above": lambda b: value > b,
        "below": lambda b: value < b,
        "at_most": lambda b: value <= b,
    }
    return all(checks[k](b) for k, b in th.items())


class _Reader:
    def __init__(self, note: Document, inp: Input, rule: InputRule) -> None:
        self.note, self.inp, self.rule = note, inp, rule
        self.why_not: list[Why] = []

    def _said(self, m: _Mention) -> dict[str, str]:
        """The mention's words and its sentence, as a reason quotes them."""
        return {"words": words(self.note.text[m.start:m.end]),
                "sentence": words(_quote_around(m.sentence.text, m.start - m.sentence.start,
                                                m.end - m.sentence.start))}

    def _too_long_ago(self, m: _Mention, days: float, limit: int | None = None) -> Why:
        return why(W.TOO_LONG_AGO, words=words(self.note.text[m.start:m.end]),
                   days=f"{days:.0f}", limit=str(limit or self.rule.within_days))

    def _evidence(self, value: Any, m: _Mention) -> Evidence:
        return Evidence(self.inp.id, value, m.status, m.sentence.text, m.start, m.end, m.cue)

    @staticmethod
    def _presenting(m: _Mention) -> bool:
        """Whether the mention is what this presentation came with or after."""
        at = m.start - m.sentence.start
        return any(
            p.end() <= at
            and len(_WORDS.findall(m.sentence.text[p.end() : at])) <= PRESENTING_WORDS
            for p in _PRESENTING.finditer(m.sentence.text)
        )

    def _recent(self, m: _Mention) -> bool | None:
        """Within the rule's window? None when the note gives no time and no history cue."""
        if self.rule.within_days is None:
            return True
        if m.days_ago is not None:
            return m.days_ago <= self.rule.within_days
        if m.dated_by_year:
            self.why_not.append(why(W.DATED_BY_YEAR, words=words(_quote(m.sentence.text[:80]))))
            return False
        if m.concept in self.rule.dated and self._presenting(m):
            return True
        if m.concept in self.rule.dated and not _RECENT.search(m.sentence.text):
            # "within 4 weeks" cannot be answered by an undated operation: in a narrative it
            # is as often the treatment that followed, or a consultation, as a risk factor.
            self.why_not.append(why(W.NO_DATE, **self._said(m)))
            return False
        return None

    def _planned(self, m: _Mention) -> bool:
        """A mention whose only modifier is a future arrangement ("scheduled for ...")."""
        return "planned" in m.categories and not (m.categories & _NOT_PLANNED_ONLY)

    def _accepted(self, m: _Mention) -> bool:
        if self._planned(m):
            if "planned" in self.rule.accept:
                return True
            self.why_not.append(why(W.PLANNED, **self._said(m)))
            return False
        if (
            m.status == "historical"
            and self.rule.historical_within_days is not None
            and m.days_ago is not None
            and m.days_ago <= self.rule.historical_within_days
        ):
            return True
        if (
            m.status == "historical"
            and "present" in self.rule.accept
            and self.note.rules.concepts[m.concept].persistent
            and "negated" not in m.categories
        ):
            return True
        if (
            m.status == "historical"
            and self.rule.historical_within_days is not None
            and "negated" not in m.categories
            and _TREATED_NOW.search(m.sentence.text)
            and not _ENDED.search(m.sentence.text)
        ):
            return True
        if (
            m.status == "present"
            and m.point_ago
            and not self.rule.options  # a finding, not an attribute such as sex
            and m.days_ago is not None
            and m.days_ago > HISTORICAL_DAYS
            and self.rule.within_days is None
            and self.rule.historical_within_days is None
            and "historical" not in self.rule.accept
            and not self.note.rules.concepts[m.concept].persistent
            and not (_GOES_ON.search(m.sentence.text) and not _ENDED.search(m.sentence.text))
            and not _ONSET.search(m.sentence.text)
        ):
            # ConText's temporality (Harkema 2009): an event dated more than 14 days before
            # the encounter ("About six months ago, after an MI", "a UTI at a hospitalization
            # one month ago") is historical, also with no history cue; an item that asks for
            # a present finding is not answered by it.
            self.why_not.append(self._too_long_ago(m, m.days_ago, HISTORICAL_DAYS))
            return False
        if (
            m.status == "present"
            and self.rule.historical_within_days is not None
            and m.days_ago is not None
            and m.days_ago > self.rule.historical_within_days
            and not (_GOES_ON.search(m.sentence.text) and not _ENDED.search(m.sentence.text))
        ):
            # "chemotherapy 3 years ago due to cervical cancer": no history cue, but its own
            # sentence dates it before the item's window, and nothing says it goes on.
            self.why_not.append(self._too_long_ago(m, m.days_ago,
                                                   self.rule.historical_within_days))
            return False
        if m.status in self.rule.accept:
            recent = self._recent(m)
            if recent is False and m.days_ago is not None:
                self.why_not.append(self._too_long_ago(m, m.days_ago))
            return recent is not False
        if m.status == "historical" and self.rule.within_days is not None:
            # "s/p knee arthroplasty 10 days ago": the time, not the cue, says recent.
            if m.days_ago is not None:
                if m.days_ago > self.rule.within_days:
                    self.why_not.append(self._too_long_ago(m, m.days_ago))
                return m.days_ago <= self.rule.within_days
            # "recently recovering from pneumonia", "s/p recent knee surgery": a past event
            # the note itself calls recent, as "recent surgery" is (undated otherwise).
            if _RECENT_BEFORE.search(m.sentence.text[: m.start - m.sentence.start]):
                return True
            self.why_not.append(why(W.PAST_NO_DATE, **self._said(m)))
            return False
        if m.status == "present" and "historical" in self.rule.accept:
            # ConText's own definition: historical = more than 14 days before the encounter
            # (Harkema 2009). "A pulmonary embolism three weeks ago" is a previous PE.
            if m.days_ago is not None and m.days_ago > HISTORICAL_DAYS and m.time_near:
                return True
            self.why_not.append(why(W.CURRENT_NOT_PREVIOUS, **self._said(m)))
            return False
        self._not_counted(m)
        return False

    def _not_counted(self, m: _Mention) -> None:
        """Keep why a mention that neither answers nor denies the item does not: the note
        mentions it, so the reason says how (with doubt, as a possibility, about a relative,
        in the past), never that it is not mentioned."""
        if m.status in W.STATUS_TEMPLATES:
            self.why_not.append(why(W.STATUS_TEMPLATES[m.status], **self._said(m)))

    def _denied(self, m: _Mention) -> bool:
        if m.status != "negated":
            return False
        need = set(self.rule.negation_needs)
        # A negated relative's finding ("no family history of DVT") answers only a family input.
        if "family" in m.categories and "family" not in self.rule.accept:
            self.why_not.append(why(W.DENIED_IN_RELATIVE, **self._said(m)))
            return False
        if "family" in self.rule.accept:
            need.add("family")
        if need <= m.categories:
            return True
        if "historical" in need - m.categories:  # "Doppler: no DVT" says nothing of the past
            self.why_not.append(why(W.DENIED_NOT_PAST, **self._said(m)))
        return False

    def _side(self, m: _Mention) -> str | None:
        """The one side (``left`` or ``right``) a mention's clause names, if it names one and
        not the other ("No calf swelling on the right", "no left leg oedema"); None when it
        names neither or both ("no swelling of either leg", "no left or right calf swelling").
        The clause: the mention's sentence between the punctuation around the mention."""
        text, a = m.sentence.text, m.start - m.sentence.start
        b = m.end - m.sentence.start
        lo = max(text.rfind(p, 0, a) for p in _CLAUSE_ENDS) + 1
        hi = min((i for i in (text.find(p, b) for p in _CLAUSE_ENDS) if i >= 0),
                 default=len(text))
        sides = {str(w).lower() for w in _SIDE.findall(text, lo, hi)}
        if len(sides) != 1 or _BOTH_SIDES.search(text, lo, hi):
            return None
        return sides.pop()

    def _denies_whole(self, m: _Mention) -> bool:
        """A negated mention that denies the item, not one side of it (a one-sided denial is
        kept as the reason the item stays open: ``_side``)."""
        if m.status != "negated":
            return False
        if self._side(m) is None:
            return True
        self.why_not.append(why(W.DENIED_ONE_SIDE, **self._said(m)))
        return False

    def _bool_from(self, concepts: Iterable[str], *, deny_each: bool = False
                   ) -> tuple[bool | None, Evidence | None]:
        yes: Evidence | None = None
        no: Evidence | None = None
        # A denial of one side only ("No calf swelling on the right") says nothing of the
        # other: it answers no only beside a denial of the other side or of both.
        sided: dict[str, tuple[Evidence, _Mention]] = {}
        undenied: list[str] = []
        umbrella = [(u.start, u.end) for c in self.rule.umbrella for u in self.note.mentions(c)]
        umbrella_yes = False
        umbrella_no = True  # every denial so far is of umbrella words only
        for c in concepts:
            denied = False
            for m in self.note.mentions(c):
                broad = any(a <= m.start and m.end <= b for a, b in umbrella)
                if self._accepted(m):
                    if broad:
                        umbrella_yes = True
                        self.why_not.append(why(W.NOT_WHICH_KIND, **self._said(m)))
                        continue
                    yes = yes or self._evidence(True, m)
                elif self._denied(m):
                    side = self._side(m)
                    if side is not None:
                        sided.setdefault(side, (self._evidence(False, m), m))
                        if len(sided) < 2:
                            continue
                        side_no = min((e for e, _ in sided.values()), key=lambda e: e.start)
                        no = no or side_no
                    else:
                        no = no or self._evidence(False, m)
                    umbrella_no = umbrella_no and broad
                    denied = True
            if not denied:
                undenied.append(c)
        if yes is not None:
            return True, yes
        if no is None and sided:
            for _e, m in sided.values():
                self.why_not.append(why(W.DENIED_ONE_SIDE, **self._said(m)))
            return None, None
        if no is not None and umbrella_yes and umbrella_no:
            # "history of VTE" and "no prior VTE": the positive words are not lowered.
            return None, None
        if no is not None and deny_each and undenied:
            self.why_not.append(why(W.PART_DENIED, concepts=", ".join(undenied)))
            return None, None
        if no is not None:
            return False, no
        return None, None

    def read(self) -> tuple[Any, Evidence | None]:
        rule, inp = self.rule, self.inp
        if rule.measures_all:
            combined = self._measures_all()
            if combined is not None:
                return True, combined
        measured: tuple[Any, Evidence | None] = (None, None)
        if rule.measure:
            measured = self._measure()
            if measured[0] is not None and (inp.kind != "bool" or measured[0] is True):
                return measured
        value, ev = self._read_concepts()
        if measured[0] is not None and value is True and ev is not None:
            if rule.measure_overrides_history and ev.status != "present":
                return measured
        if value is None and measured[0] is None and not self.why_not:
            said: dict[int, _Mention] = {}  # one mention per sentence, the longest words
            for m in (m for c in rule.unmeasured for m in self.note.mentions(c)):
                k = m.sentence.start
                if k not in said or m.end - m.start > said[k].end - said[k].start:
                    said[k] = m
            for m in sorted(said.values(), key=lambda m: m.start)[:2]:
                self.why_not.append(why(W.NOT_MEASURED, **self._said(m)))
        if value is True or measured[0] is None:
            return value, ev
        return measured

    def _read_concepts(self) -> tuple[Any, Evidence | None]:
        rule, inp = self.rule, self.inp
        if inp.kind == "enum":
            return self._enum()
        if rule.all_of:
            results = [self._bool_from(group) for group in rule.all_of]
            if all(v is True for v, _ in results):
                return True, results[0][1]
            for v, ev in results:
                if v is False:
                    return False, ev
            # A sign given says more than one denied ("Swollen left leg. No calf swelling on
            # the right."): the reason names the sign given and what is still unknown.
            if not self._explain_stated(results):
                self._explain_denied(results)
            return None, None
        value, ev = self._bool_from(rule.concepts, deny_each=rule.deny_each)
        if value is True and ev is not None and ev.status != "present":
            # Only past mentions say yes: a current statement to the contrary wins.
            for c in rule.current_overrides:
                for m in self.note.mentions(c):
                    if m.status == "present":
                        return False, self._evidence(False, m)
        if value is True:
            return value, ev
        doubted = []
        for c in rule.false_concepts:
            for m in self.note.mentions(c):
                if m.status in ("present", "historical"):
                    return False, self._evidence(False, m)
                doubted.append(m)
        if value is None:
            for c in rule.negated_concepts:
                for m in self.note.mentions(c):
                    if self._denies_whole(m):
                        return False, self._evidence(False, m)
                    if m.status != "negated":
                        doubted.append(m)
        for m in doubted:  # the words that would answer no, doubted or a relative's
            self._not_counted(m)
        return value, ev

    def _explain_stated(self, results: list[tuple[bool | None, Evidence | None]]) -> bool:
        """Why an ``all_of`` item is still missing when the note gives some of its signs: the
        words given, and the signs not mentioned ("The left leg is swollen" for Wells PE's
        clinical signs of DVT had read "not mentioned in the note", as if the swelling had
        been missed). Whether the note gives any."""
        stated = [ev for v, ev in results if v is True and ev is not None]
        if not stated:
            return False
        ev = min(stated, key=lambda e: e.start)
        sentence = self.note.sentence_at(ev.start)
        quoted = (_quote_around(sentence.text, ev.start - sentence.start,
                                ev.end - sentence.start) if sentence is not None else ev.text)
        said = {"words": words(self.note.text[ev.start:ev.end]), "sentence": words(quoted)}
        if len(self.rule.all_of_names) != len(results):
            self.why_not.append(why(W.PART_STATED_REST, **said))
            return True
        unknown = [name for name, (v, _) in zip(self.rule.all_of_names, results, strict=True)
                   if v is None]
        self.why_not.append(why(W.PART_STATED, **said, parts=Phrases(tuple(unknown), "or")))
        return True

    def _explain_denied(self, results: list[tuple[bool | None, Evidence | None]]) -> None:
        """Why an ``all_of`` item is still missing when the note denies some sign of it: the
        words denied, and the parts not stated ("No calf swelling" says nothing about
        swelling of the thigh or tenderness along the deep veins)."""
        denied = [
            m for c in self.rule.explain_denied for m in self.note.mentions(c)
            if m.status == "negated"
        ]
        if not denied:
            return
        m = min(denied, key=lambda d: d.start)
        unknown = [
            name for name, (v, _) in zip(self.rule.all_of_names, results, strict=True)
            if v is None
        ]
        self.why_not.append(why(W.DENIED_NOT_SETTLED, **self._said(m),
                                parts=Phrases(tuple(unknown), "or")))

    def _measure(self) -> tuple[Any, Evidence | None]:
        rule, inp = self.rule, self.inp
        for ms in self.note.current_first(self.note.measures(rule.measure or "")):
            if ms.value is None:
                self.why_not.append(why(W.QUALIFIED, words=words(ms.text),
                                        qualifier=Phrases((ms.qualifier or "",))))
                continue
            if ms.qualifier == "on oxygen" and inp.id == "spo2":
                self.why_not.append(why(W.ON_OXYGEN, words=words(_quote(ms.text))))
                continue
            sent = self.note.sentence_at(ms.start)
            if sent is None:
                continue
            _, cats, cue = self.note.assertion(sent, ms.start, ms.end)
            # A measured value is not denied or doubted in clinical writing ("no pulse deficit,
            # heart rate of 114" lists findings); it can be conditional ("if HR > 100") or a
            # relative's, and then it is not the patient's.
            blocking = cats & {"hypothetical", "family"}
            if blocking:
                self.why_not.append(why(W.NUMBER_STATUS_TEMPLATES[sorted(blocking)[0]],
                                        words=words(_quote(ms.text))))
                continue
            value: Any = round(ms.value, 2)
            if inp.kind == "bool":
                value = _threshold(ms.value, rule.threshold)
                if not value and rule.measure_yes_only:
                    self.why_not.append(why(W.MEASURE_BELOW, words=words(_quote(ms.text))))
                    continue
            else:
                if (inp.minimum is not None and value < inp.minimum) or (
                    inp.maximum is not None and value > inp.maximum
                ):
                    self.why_not.append(why(W.OUT_OF_RANGE, words=words(_quote(ms.text)),
                                            value=f"{value:g}", minimum=str(inp.minimum),
                                            maximum=str(inp.maximum)))
                    continue
                if inp.kind == "integer":
                    value = int(value)
            return value, Evidence(inp.id, value, "present", sent.text, ms.start, ms.end, cue)
        return None, None

    def _measures_all(self) -> Evidence | None:
        """Evidence when every number of ``measures_all`` is in the note and past its
        threshold (in sentences that are the patient's and not conditional), else None."""
        found: dict[str, Measurement] = {}
        numbers = sorted((m for k in self.rule.measures_all for m in self.note.measures(k)),
                         key=lambda m: m.start)
        for ms in numbers:
            th = self.rule.measures_all.get(ms.kind)
            if th is None or ms.kind in found or ms.value is None:
                continue
            sent = self.note.sentence_at(ms.start)
            if sent is None:
                continue
            _, cats, _ = self.note.assertion(sent, ms.start, ms.end)
            if cats & {"hypothetical", "family"}:
                continue
            if _threshold(ms.value, th):
                found[ms.kind] = ms
        if len(found) < len(self.rule.measures_all):
            if found:
                self.why_not.append(why(W.ONLY_SOME_NUMBERS, numbers=Phrases(
                    tuple(_quote(m.text) for m in found.values()), "and", translate=False)))
            return None
        first = min(found.values(), key=lambda m: m.start)
        last = max(found.values(), key=lambda m: m.end)
        sent = self.note.sentence_at(first.start)
        text = sent.text if sent is not None else first.text
        return Evidence(self.inp.id, True, "present", text, first.start, last.end)

    def _enum(self) -> tuple[Any, Evidence | None]:
        best: tuple[float, str, Evidence] | None = None
        negated: Evidence | None = None
        points = {o.value: o.points for o in self.inp.options}
        for option, concepts in self.rule.options:
            for c in concepts:
                for m in self.note.mentions(c):
                    if self._accepted(m):
                        ev = self._evidence(option, m)
                        if best is None or points[option] > best[0]:
                            best = (points[option], option, ev)
                        break
                    if self._denies_whole(m) and negated is None:
                        negated = self._evidence(self.rule.if_negated, m)
        if best is not None:
            return best[1], best[2]
        for c in self.rule.negated_concepts:
            for m in self.note.mentions(c):
                if self._denies_whole(m) and negated is None:
                    negated = self._evidence(self.rule.if_negated, m)
        if negated is not None and self.rule.if_negated is not None:
            return self.rule.if_negated, negated
        return None, None


def prepare(text: str, rules: RuleSet) -> Document:
    """``text`` ready to be read for one or more instruments."""
    return Document(text, rules)


def needed(table: Mapping[str, InputRule], wanted: Iterable[str]) -> frozenset[str]:
    """``wanted`` and the inputs whose evidence theirs may not share (``distinct_from``, in
    turn): what must be read to answer ``wanted`` as a reading of every input would."""
    out: set[str] = set()
    todo = list(wanted)
    while todo:
        input_id = todo.pop()
        if input_id in out:
            continue
        out.add(input_id)
        rule = table.get(input_id)
        if rule is not None:
            todo.extend(rule.distinct_from)
    return frozenset(out)


def extract(text: str | Document, instrument: Instrument, rules: RuleSet,
            only: Iterable[str] | None = None) -> Extraction:
    """What ``text`` answers of ``instrument``'s inputs, with evidence; the rest missing.

    ``text`` may be a :class:`Document` from :func:`prepare` (made with the same ``rules``)
    when one note is read for several instruments. ``only`` reads just those inputs (and the
    ones :func:`needed` adds), with the answers a reading of every input gives them; the
    other inputs are left out of the result (a caller that has them from elsewhere).
    """
    table = rules.instruments.get(instrument.id)
    if table is None:
        raise KeyError(instrument.id)
    note = text if isinstance(text, Document) else Document(text, rules)
    read = None if only is None else needed(table, only)
    inputs: dict[str, Any] = {}
    evidence: list[Evidence] = []
    missing: list[Missing] = []
    for inp in instrument.inputs:
        if read is not None and inp.id not in read:
            continue
        rule = table.get(inp.id)
        if rule is None:
            missing.append(Missing.of(inp.id, why(W.NO_RULE)))
            continue
        reader = _Reader(note, inp, rule)
        value, ev = reader.read()
        if value is None or ev is None:
            if reader.why_not:
                missing.append(Missing.of(inp.id, *reader.why_not))
            else:
                missing.append(Missing(inp.id, W.NOT_MENTIONED, W.UNMENTIONED))
            continue
        same = next(
            (o for o in evidence if o.input in rule.distinct_from
             and o.start < ev.end and ev.start < o.end),
            None,
        )
        if same is not None and value is not False:
            missing.append(Missing.of(inp.id, why(W.ALREADY_ANSWERS,
                                                  words=words(note.text[ev.start:ev.end]),
                                                  input=same.input)))
            continue
        inputs[inp.id] = value
        evidence.append(ev)
    return Extraction(instrument.id, inputs, tuple(evidence), tuple(missing))
