"""Why a note leaves an input missing, as a message a page can show in the reader's language.

The engine writes each reason as a :class:`Why`: an English template (one of ``TEMPLATES``)
and its values. The note's own words are shown as written (quoted as the English reason has
always quoted them); the few English phrases inside a reason (what a measurement lacks, the
signs an item still needs, as the rule files name them) are :class:`Phrases` that a page
translates. ``str(why)`` is the English reason the CLI, the REST API and FHIR show; the web
pages call :meth:`Why.text` with their catalogue (``clotwatch.locales.clinical`` collects the
templates and the phrases). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from clotwatch.core.instruments.explain import Translate, same

# The note does not answer the input at all.
NOT_MENTIONED = "not mentioned in the note"
NO_RULE = "no rule reads this input from notes"
# Time.
DATED_BY_YEAR = "{words} is dated by a year; the note's date is not known"
NO_DATE = "{words} has no date or 'recent' ({sentence})"
TOO_LONG_AGO = "{words} was about {days} days before (more than {limit})"
PAST_NO_DATE = "{words} is in the past with no date or 'recent' ({sentence})"
CURRENT_NOT_PREVIOUS = "{words} is mentioned as current, not as a previous event ({sentence})"
PLANNED = "{words} is planned, not done ({sentence}); this item counts only what has happened"
# A ConText status that cannot answer yes (one template per status, so that each language can
# say it in its own words). The item is mentioned, so the reason says how, never "not
# mentioned" ("Possible Baker's cyst considered but less likely").
STATUS_TEMPLATES = {
    "hypothetical": "{words} is mentioned only as a possibility, not as a fact ({sentence})",
    "uncertain": "{words} is mentioned only with doubt ({sentence})",
    "family": "{words} is mentioned about a relative, not the patient ({sentence})",
    "historical": "{words} is mentioned only in the past history ({sentence})",
}
# The same for a number (no sentence: the number's words are the whole quote).
NUMBER_STATUS_TEMPLATES = {
    "hypothetical": "{words} is mentioned only as a possibility, not as a fact",
    "family": "{words} is mentioned about a relative, not the patient",
}
# A denial that does not answer the item: it needs a history cue ("no prior DVT"), or the
# denial is about a relative.
DENIED_NOT_PAST = ("the note denies {words} now ({sentence}), which does not say whether "
                   "there was one before")
DENIED_IN_RELATIVE = ("the note denies {words} in a relative ({sentence}), which does not "
                      "answer it for the patient")
# What the words do not say.
NOT_WHICH_KIND = "{words} does not say which kind it was ({sentence})"
PART_DENIED = "the note denies only part of this item (not: {concepts})"
DENIED_NOT_SETTLED = ("the note denies {words} ({sentence}), which does not settle the item; "
                      "it does not mention {parts}")
ALREADY_ANSWERS = "{words} already answers {input}; no other mention answers this"
# Numbers.
QUALIFIED = "{words}: {qualifier}"
ON_OXYGEN = "{words} was measured on oxygen, not room air"
OUT_OF_RANGE = "{words}: {value} is outside {minimum}-{maximum}"
ONLY_SOME_NUMBERS = "only {numbers} of the numbers this item needs together"

TEMPLATES: tuple[str, ...] = (
    NOT_MENTIONED, NO_RULE, DATED_BY_YEAR, NO_DATE, TOO_LONG_AGO, PAST_NO_DATE,
    CURRENT_NOT_PREVIOUS, PLANNED, *STATUS_TEMPLATES.values(), *NUMBER_STATUS_TEMPLATES.values(),
    DENIED_NOT_PAST, DENIED_IN_RELATIVE, NOT_WHICH_KIND, PART_DENIED, DENIED_NOT_SETTLED,
    ALREADY_ANSWERS, QUALIFIED, ON_OXYGEN,
    OUT_OF_RANGE, ONLY_SOME_NUMBERS,
)
# The words that join phrases in a reason ("pain on palpation ... or swelling of one leg").
JOINERS = ("or", "and")


@dataclass(frozen=True)
class Phrases:
    """Several items joined with ``joiner`` ("or", "and"); ``translate``: English phrases a
    page translates (False: the note's own words, kept as written)."""

    items: tuple[str, ...]
    joiner: str = "or"
    translate: bool = True

    def text(self, tr: Translate = same) -> str:
        items = [tr(i) for i in self.items] if self.translate else list(self.items)
        return f" {tr(self.joiner)} ".join(items)


Value = str | Phrases


# A NamedTuple, not a frozen dataclass: one is made for most inputs of every note read, and a
# frozen dataclass's __init__ costs several times more (as for the instruments' Result).
class Why(NamedTuple):
    """One reason: ``message`` (an English template of ``TEMPLATES``) and its values."""

    message: str
    values: tuple[tuple[str, Value], ...] = ()

    def text(self, tr: Translate = same) -> str:
        """The reason in the language of ``tr`` (English by default)."""
        filled = {k: v.text(tr) if isinstance(v, Phrases) else v for k, v in self.values}
        return tr(self.message).format(**filled)

    def __str__(self) -> str:
        return self.text()


def why(message: str, **values: Value) -> Why:
    """A :class:`Why` with its values named as the template names them."""
    return Why(message, tuple(values.items()))


def words(text: str) -> str:
    """The note's words as a reason quotes them (``'calf swelling'``)."""
    return repr(text)


def joined(whys: tuple[Why, ...], tr: Translate = same) -> str:
    """Several reasons as one line, each once, in order."""
    if len(whys) == 1:
        return whys[0].text(tr)
    return "; ".join(dict.fromkeys(w.text(tr) for w in whys))


UNMENTIONED = (Why(NOT_MENTIONED),)  # the reason of most missing inputs, made once
