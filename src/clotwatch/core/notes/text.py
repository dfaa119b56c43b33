"""Sentences and sections of a clinical note, as character spans of the original text.

Rule-based, in the spirit of RuSH (Shi J et al., AMIA Annu Symp Proc 2016, PMID:28269908):
clinical text breaks at sentence punctuation followed by a capital or a digit, at blank lines
and at list items or section headings that start a line, but not after abbreviations ("Dr.",
"e.g.", "approx.") or inside decimals ("3.5 cm"). A full stop with no space after it still ends
a sentence when a word follows ("(PE).The patient", "normal.Her mother"), unless the word before
is an abbreviation, an initial or a dotted form ("i.v.", "U.S."). Offsets always point into
the note as given, so the evidence shown to a clinician is the note's own words.

Section headings ("Family history:", "PMH:") carry a ConText category over the lines below
them until the next heading or blank line (the idea of medspaCy's sectionizer, Eyre H et al.,
AMIA Annu Symp Proc 2021, PMID:35308962): "FAMILY HISTORY:\\nMother - DVT" is the mother's, and so
is the text after the heading on its own line ("FAMILY HISTORY: Positive for cancer."). A
heading in capitals alone on its line, without a colon ("PAST MEDICAL HISTORY", then its list),
is one too when it names a known heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that end with a full stop without ending the sentence (lower case, without the dot).
ABBREVIATIONS = frozenset(
    {
        "dr", "mr", "mrs", "ms", "prof", "vs", "v", "e.g", "i.e", "etc", "approx", "appt",
        "fig", "st", "pt", "pts", "hx", "dx", "tx", "rx", "sx", "b.i.d", "t.i.d", "q.d",
        "p.o", "a.m", "p.m", "ca", "al", "resp", "temp", "cf", "incl",
    }
)
# Units ("cm", "mg", "kg", "yrs") are not listed: before a capital they end the sentence
# ("calf 3 cm. No haemoptysis" must not carry the denial back or forward). "No." is "number"
# only before a digit ("No. 5"); before a word it is the answer "No." and ends the sentence.
NUMERO = frozenset({"no", "nos"})

_BREAK = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])|\n[ \t]*\n|;(?=\s)")
# Sentence punctuation glued to the next sentence: after a word, a number or a closing bracket,
# before a capitalised word ("(PE).The", "denied.Her", "cm.D-dimer"); not "2.5", "U.S.A",
# "e.g.Heparin".
_GLUED = re.compile(
    r"(?<=[A-Za-z0-9)\]\"'])[.!?]+[\"')\]]*(?=[\"'(\[]?[A-Z](?:[a-z]|-[a-z]))"
)
_LINE_START = re.compile(r"\n(?=[ \t]*(?:[-*\u2022]|\d{1,2}[.)]\s|[A-Z][A-Za-z /&]{1,40}:"
                         r"|[A-Z][A-Z /&]{1,40}[ \t]*\r?\n))")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_HEADING = re.compile(r"^[ \t]*([A-Za-z][A-Za-z /&]{1,40}):", re.MULTILINE)
# A heading written in capitals alone on its line, without a colon ("PAST MEDICAL HISTORY",
# then its list): as transcribed notes also write them.
_HEADING_LINE = re.compile(r"^[ \t]*([A-Z][A-Z /&]{1,40}?)[ \t]*$", re.MULTILINE)


# A line break inside a paragraph: not next to another one (a blank line) and not before a
# list item or a heading (where _LINE_START starts a new sentence anyway).
_WRAP = re.compile(r"\r?\n(?![ \t]*(?:\r?\n|[-*\u2022]|\d{1,2}[.)]\s|[A-Z][A-Za-z /&]{1,40}:"
                   r"|[A-Z][A-Z /&]{1,40}[ \t]*\r?\n))(?<!\n\r\n)(?<!\n\n)")


def unwrapped(text: str) -> str:
    """``text`` with each line break inside a paragraph (and tab) read as a space, the same
    length, so that a phrase wrapped at a fixed line width ("Risk\\nof anesthesia") matches the
    rules as one. Offsets into the result are offsets into ``text``."""
    if "\n" not in text and "\t" not in text:
        return text
    out = _WRAP.sub(lambda m: " " * len(m.group(0)), text)
    return out.replace("\t", " ")


@dataclass(frozen=True)
class Sentence:
    """A sentence: ``text`` is ``note[start:end]``; ``section`` is its heading's category."""

    start: int
    end: int
    text: str
    section: str | None = None


@dataclass(frozen=True)
class Section:
    """A heading whose lines below share one ConText category (e.g. ``family``)."""

    pattern: str
    category: str


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _WORD_BEFORE.search(text, max(0, dot - 40), dot)
    if m is None:
        return False
    raw = m.group(1).rstrip(".")
    if len(raw) > 1 and raw.isupper():
        return False  # "PT." (physical therapy), "ED.", "ICU.": acronyms end sentences
    word = raw.lower()
    if word in NUMERO:
        return text[dot + 1 : dot + 3].lstrip()[:1].isdigit()
    # A single capital letter before a dot is an initial ("J. Smith").
    return word in ABBREVIATIONS or (len(word) == 1 and text[dot - 1].isupper())


def _is_dotted(text: str, dot: int) -> bool:
    """The word before ``dot`` has dots inside it ("i.v", "U.S", "p.r.n"): an abbreviation."""
    m = _WORD_BEFORE.search(text, max(0, dot - 40), dot)
    return m is not None and "." in m.group(1).strip(".")


def _cuts(text: str) -> list[int]:
    cuts: set[int] = set()
    for m in _BREAK.finditer(text):
        if text[m.start()] == "." and m.end() - m.start() == 1 and _is_abbreviation(
            text, m.start()
        ):
            continue
        cuts.add(m.end())
    for m in _GLUED.finditer(text):
        if text[m.start()] == "." and (
            _is_abbreviation(text, m.start()) or _is_dotted(text, m.start())
        ):
            continue
        cuts.add(m.end())
    for m in _LINE_START.finditer(text):
        cuts.add(m.start())
    return sorted(cuts)


# A list item's line: "- hemoptysis", "* leg swelling", "2) prior DVT".
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]")


def _list_end(text: str, after: int, end: int) -> int:
    """Where the list below a denial heading ("Denies:", then "- hemoptysis", "- leg
    swelling") ends: at the first line that is not a list item, or ``end``. A denial heading
    holds over its own line and its list, never over the narrative that follows it ("Denies:
    chest pain.\nLeft calf swollen." does not deny the swelling)."""
    line = text.find("\n", after)
    while line != -1 and line + 1 < end:
        # A line in lower case goes on with the item above it ("- swelling of the left\n
        # calf"); any other line that is not an item ends the list.
        if not (_LIST_ITEM.match(text, line + 1) or text[line + 1 : line + 2].islower()):
            return line
        line = text.find("\n", line + 1)
    return end


def _known(name: str, compiled: list[tuple[re.Pattern[str], str]]) -> str | None:
    """The ConText category of a heading's name, None when it is not a known heading."""
    return next((c for rx, c in compiled if rx.fullmatch(name.strip())), None)


def _section_at(
    text: str, sections: tuple[Section, ...]
) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, category)`` covered by a known heading."""
    compiled = [(re.compile(s.pattern, re.IGNORECASE), s.category) for s in sections]
    spans: list[tuple[int, int, str]] = []
    # A capitals line without a colon is a heading when it names a known one, and ends the
    # section above it when it has two words or more ("PHYSICAL EXAMINATION", "REVIEW OF
    # SYSTEMS"); a one-word capitals line ("CHF" in a list) is neither.
    lines = [h for h in _HEADING_LINE.finditer(text)
             if " " in h.group(1).strip() or _known(h.group(1), compiled)]
    headings = sorted([*_HEADING.finditer(text), *lines], key=lambda h: h.start())
    for i, h in enumerate(headings):
        category = _known(h.group(1), compiled)
        if category is None:
            continue
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        blank = text.find("\n\n", h.end())
        if blank != -1:
            end = min(end, blank)
        if category == "negated":
            end = _list_end(text, h.end(), end)
        # From the heading's own line: "FAMILY HISTORY: Positive for cancer." is one
        # sentence that starts with the heading, the form most transcribed notes use.
        spans.append((h.start(), end, category))
    return spans


def sentences(text: str, sections: tuple[Section, ...] = ()) -> list[Sentence]:
    """The sentences of ``text`` in order, with surrounding white space left out."""
    spans = _section_at(text, sections) if sections else []
    # The end of a denial heading's list ends a sentence too: "- hemoptysis\nLeft leg swollen"
    # is otherwise one sentence (a list item wrapped onto the next line), denied as a whole.
    ends = {b for _, b, c in spans if c == "negated" and b < len(text)}
    out: list[Sentence] = []
    start = 0
    for cut in [*sorted(set(_cuts(text)) | ends), len(text)]:
        s, e = start, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            section = next((c for a, b, c in spans if a <= s < b), None)
            out.append(Sentence(s, e, text[s:e], section))
        start = cut
    return out
