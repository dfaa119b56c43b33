"""ConText: is a finding negated, historical, hypothetical, in a relative, or uncertain?

The algorithm of Harkema H, Dowling JN, Thornblade T, Chapman WW. "ConText: an algorithm for
determining negation, experiencer, and temporal status from clinical reports." J Biomed Inform
2009;42:839-51, doi:10.1016/j.jbi.2009.05.002, PMID:19435614, which extends NegEx (Chapman WW
et al. J Biomed Inform 2001;34:301-10, doi:10.1006/jbin.2001.1029, PMID:12123149) and is the
basis of pyConText (Chapman BE et al. J Biomed Inform 2011;44:728-37,
doi:10.1016/j.jbi.2011.03.011):

1. Find the trigger terms (cues) in the sentence. A *pseudo-trigger* ("no increase", "gram
   negative") contains a trigger but is not one: it hides the triggers it overlaps. A
   pseudo-trigger that takes a noun phrase ("no change in X") may give categories to what is
   coordinated after that phrase ("no change in X, Y or Z": no change in Y, or no Y?), which
   the trigger it hides may reach (``_list_after``).
2. A trigger's scope runs forward (or backward) from it to the end of the sentence, cut short
   by a *termination term* ("but", "however", "apart from", "which"); a cue may also give a
   maximum number of words.
3. A finding inside a trigger's scope takes the trigger's category.

This is why "No fever, chills or haemoptysis" negates haemoptysis (scope to the sentence's end)
while "No fever but haemoptysis since Monday" does not ("but" ends the scope). The cue lists are
data (``clotwatch/notes/rules/<lang>/context.json``), so that other languages can follow.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from clotwatch.core.notes.prefilter import Places, starts

Direction = Literal["forward", "backward", "bidirectional", "terminate", "pseudo", "exception",
                    "clause"]
# "planned" is ConText's hypothetical narrowed to a future event the note says is arranged
# ("scheduled for knee surgery"): its status is "hypothetical", and an instrument that scores
# the planned event (Caprini's type of surgery) can accept it by name (docs/notes.md).
CATEGORIES = ("negated", "historical", "hypothetical", "planned", "family", "uncertain")
_WORD = re.compile(r"[\w/]+(?:['\-][\w/]+)*")


@dataclass(frozen=True)
class Cue:
    """One trigger: a regular expression, its categories and which way its scope runs."""

    pattern: str
    categories: tuple[str, ...]
    direction: Direction
    max_words: int | None = None
    source: str = ""
    # A termination term that ends every scope but these, in both directions (ConText's
    # termination terms are per category, Harkema 2009): "who", "was diagnosed" end a
    # denial or a doubt, not a relative's ("a daughter who was diagnosed with cancer").
    unless: tuple[str, ...] = ()
    # A time cue ("two years ago", "in 1996") whose scope ends at a clause boundary (a cue of
    # direction "clause"): "a DVT and quit smoking two years ago" dates the quitting.
    clause: bool = False
    # A cue of punctuation written against a word ("?stroke", "COPD?"): matched without the
    # word boundaries every other cue has (its pattern says where it may stand), and tried
    # everywhere (the prefilter's places are word starts only).
    glued: bool = False

    def __post_init__(self) -> None:
        bad = [c for c in (*self.categories, *self.unless) if c not in CATEGORIES]
        if bad:
            raise ValueError(f"cue {self.pattern!r}: unknown category {bad[0]!r}")


@dataclass(frozen=True)
class Modifier:
    """A cue that applies to a finding: its categories and where it is in the note."""

    categories: tuple[str, ...]
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class _Hit:
    cue: Cue
    start: int
    end: int


# Where each cue may match in a note: sorted indexes per cue (None: run the cue everywhere).
CuePlaces = Sequence[list[int] | None]


@dataclass(frozen=True)
class ContextRules:
    """The cues of one language, compiled once."""

    cues: tuple[Cue, ...]
    _compiled: tuple[tuple[Cue, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False
    )
    # Per cue, the lower-case strings every match starts with (``prefilter.starts``), or None.
    _starts: tuple[frozenset[str] | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = tuple(
            (c, re.compile(c.pattern if c.glued else rf"(?<![\w/])(?:{c.pattern})(?![\w/])",
                           re.IGNORECASE))
            for c in self.cues
        )
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(
            self, "_starts", tuple(None if c.glued else starts(rx.pattern, ignorecase=True)
                                   for c, rx in compiled)
        )

    def places(self, note: Places) -> CuePlaces:
        """For each cue, the indexes of a note where one of its matches may begin."""
        return [None if pre is None else note.of(pre) for pre in self._starts]

    def hits(self, text: str, *, where: CuePlaces | None = None, offset: int = 0
             ) -> list[_Hit]:
        """Cues found in ``text``; where two overlap the longer wins, pseudo first. Two
        non-pseudo cues on exactly the same words are both kept: a phrase listed as a forward
        and as a backward trigger ("years ago") works in both directions.

        ``where`` (from :meth:`places` on the note that holds ``text`` at ``offset``) lets a
        cue be tried only where one of its matches may begin: the hits are the same as a
        full scan's (each cue's matches as ``finditer`` gives them), found faster.
        """
        found: list[_Hit] = []
        end_at = offset + len(text)
        for i, (cue, rx) in enumerate(self._compiled):
            at = None if where is None else where[i]
            if at is None:
                found.extend(_Hit(cue, m.start(), m.end()) for m in rx.finditer(text)
                             if m.end() > m.start())
                continue
            done = 0  # finditer's matches do not overlap: go on after the last one
            for pos in at[bisect_left(at, offset) : bisect_left(at, end_at)]:
                pos -= offset
                if pos < done:
                    continue
                m = rx.match(text, pos)
                if m is not None and m.end() > m.start():
                    done = m.end()
                    found.append(_Hit(cue, pos, done))
        found.sort(key=lambda h: (-(h.end - h.start), h.cue.direction != "pseudo", h.start))
        kept: list[_Hit] = []
        for h in found:
            if all(
                h.end <= k.start
                or h.start >= k.end
                or (
                    (h.start, h.end) == (k.start, k.end)
                    and "pseudo" not in (h.cue.direction, k.cue.direction)
                )
                for k in kept
            ):
                kept.append(h)
        # A pseudo-trigger is kept only if it has categories: a scope over a coordinated list.
        return sorted((h for h in kept if h.cue.direction != "pseudo" or h.cue.categories),
                      key=lambda h: h.start)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


# What joins the items of a list: after a pseudo-trigger's own noun phrase, the next item.
_JOINER = re.compile(r",|;|(?<![\w/])(?:and|or|nor|and/or)(?![\w/])", re.IGNORECASE)


def _list_after(sentence: str, hits: Iterable[_Hit], h: _Hit, target_start: int) -> bool:
    """Whether the finding at ``target_start`` is an item coordinated after the noun phrase
    of the pseudo-trigger ``h`` ("No change in her bowels, abdominal pain, or melena": the
    phrase is "her bowels", the items "abdominal pain" and "melena"). The sentence reads
    either way (no change in each, or no each), so the items take the cue's categories
    (uncertain: neither present nor denied), while the phrase itself keeps the reading the
    pseudo-trigger gives it ("no change in the calf swelling": the swelling is present).
    The phrase is at most ``max_words`` words; a termination term ends the list's scope."""
    if h.end > target_start:
        return False
    joiner = _JOINER.search(sentence, h.end, target_start)
    if joiner is None:
        return False
    phrase = sentence[h.end : joiner.start()]
    if h.cue.max_words is not None and _words(phrase) > h.cue.max_words:
        return False
    return not _blocked(hits, h.end, target_start, h.cue.categories)


def ends_time(cue: Cue) -> bool:
    """Whether ``cue`` is a clause boundary for time (direction "clause"): "a DVT and quit
    smoking last year" dates the quitting, not the DVT. It ends the scope of a time cue
    (``Cue.clause``) and no other (a history cue's "used to smoke ... and quit at the time of
    her bypass surgery" goes on); the engine dates a mention only from time words in its own
    clause by it."""
    return cue.direction == "clause"


def clause_between(hits: Iterable[_Hit], a: int, b: int) -> bool:
    """Whether a clause boundary (``ends_time``) lies in ``[a, b)``."""
    return any(ends_time(h.cue) and h.start >= a and h.end <= b for h in hits)


def _blocked(hits: Iterable[_Hit], a: int, b: int, categories: tuple[str, ...],
             *, backward: bool = False) -> bool:
    """Whether a termination term for a scope of ``categories`` lies in ``[a, b)``.

    A termination cue with no categories ends every scope; one with categories ends only
    those, and only looking forward ("is", "was" end a history cue's scope - "a history of
    COPD is confined to bed" - but not a negation's, and not "DVT was diagnosed in the past");
    one with ``unless`` ends every scope but those, both ways ("which", "who", "was
    diagnosed" do not end a relative's: "a daughter who was diagnosed with breast cancer",
    "breast cancer was reported in her aunt").
    Unlike some ConText implementations, a trigger of another category does not end a scope:
    in "No chest pain, previous DVT or haemoptysis" the negation must still reach haemoptysis.
    Reading a denied finding as present is the one error this module must not make.
    """
    for h in hits:
        cue = h.cue
        if cue.direction not in ("terminate", "exception") or h.start < a or h.end > b:
            continue
        if cue.unless:
            if set(categories) - set(cue.unless):
                return True
        elif not cue.categories or (not backward and set(cue.categories) & set(categories)):
            return True
    return False


def modifiers(
    sentence: str,
    target_start: int,
    target_end: int,
    rules: ContextRules,
    *,
    hits: list[_Hit] | None = None,
) -> list[Modifier]:
    """The cues of ``sentence`` whose scope covers ``sentence[target_start:target_end]``.

    Offsets are relative to the sentence. ``hits`` may pass ``rules.hits(sentence)`` computed
    once for many targets in one sentence.
    """
    found = rules.hits(sentence) if hits is None else hits
    # "Apart from X, ... unremarkable": X is affirmed; negations after it do not reach back.
    excepted = any(
        h.cue.direction == "exception" and h.end <= target_start
        and (h.cue.max_words is None or _words(sentence[h.end : target_start]) <= h.cue.max_words)
        for h in found
    )
    out: list[Modifier] = []
    for h in found:
        cue = h.cue
        if cue.direction in ("terminate", "exception", "clause"):
            continue
        if cue.direction == "pseudo":
            if _list_after(sentence, found, h, target_start):
                out.append(Modifier(cue.categories, sentence[h.start : h.end], h.start, h.end))
            continue
        if excepted and cue.direction == "backward" and h.start >= target_end:
            continue
        # A cue inside the finding's own words ("no-reflow") does not modify it; one that
        # begins before the finding and runs into it ("no history of" over the finding
        # "history of major bleeding") does, as does one that begins in it and runs past
        # its end: the two share words, but the cue is not part of the finding.
        before = h.start < target_start
        after = h.end > target_end
        if h.start < target_end and h.end > target_start and not (before or after):
            continue
        kept: tuple[str, ...] = ()
        if before and after and cue.direction in ("forward", "bidirectional"):
            # The finding lies inside a cue's words, between its first and last word ("the
            # differential by the team, aside from infection, also included ...", "concern
            # that DVT could ..."): it is in the cue's scope.
            kept = cue.categories
        elif cue.direction in ("forward", "bidirectional") and (
            h.end <= target_start or (before and h.end < target_end)
        ):
            gap = sentence[h.end : target_start] if h.end <= target_start else ""
            if cue.max_words is None or _words(gap) <= cue.max_words:
                # Each category of the cue keeps its scope unless a terminator for it lies
                # between: "denies history of HF, any recent sepsis" stays denied although
                # "recent" ends the history part.
                kept = tuple(c for c in cue.categories
                             if not _blocked(found, h.end, target_start, (c,)))
        if kept and cue.clause and clause_between(found, h.end, target_start):
            kept = ()
        if not kept and cue.direction in ("backward", "bidirectional") and (
            h.start >= target_end or (after and h.start > target_start)
        ):
            gap = sentence[target_end : h.start] if h.start >= target_end else ""
            if (cue.max_words is None or _words(gap) <= cue.max_words) and not _blocked(
                found, target_end, h.start, cue.categories, backward=True
            ) and not (cue.clause and clause_between(found, target_end, h.start)):
                kept = cue.categories
        if kept:
            out.append(Modifier(kept, sentence[h.start : h.end], h.start, h.end))
    return out


def status(categories: Iterable[str]) -> str:
    """One status for a set of categories: negated first, then family, hypothetical (or
    planned), uncertain, historical; else present."""
    cats = set(categories)
    if "planned" in cats:
        cats.add("hypothetical")
    for c in ("negated", "family", "hypothetical", "uncertain", "historical"):
        if c in cats:
            return c
    return "present"
