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
# A denial of one side only: the item asks about either side.
DENIED_ONE_SIDE = ("the note denies {words} on one side only ({sentence}), which does not "
                   "answer it for the other side")
# What the words do not say.
NOT_WHICH_KIND = "{words} does not say which kind it was ({sentence})"
PART_DENIED = "the note denies only part of this item (not: {concepts})"
DENIED_NOT_SETTLED = ("the note denies {words} ({sentence}), which does not settle the item; "
                      "it does not mention {parts}")
# An item of several signs ("leg swelling and pain on palpation") of which the note gives
# some: the words given, and the signs it does not mention (by the rule's ``all_of_names``,
# or as "the rest" where the rule names none).
PART_STATED = "{words} ({sentence}) is only part of this item; the note does not mention {parts}"
PART_STATED_REST = ("{words} ({sentence}) is only part of this item; the note does not "
                    "mention the rest of it")
ALREADY_ANSWERS = "{words} already answers {input}; no other mention answers this"
# Numbers.
QUALIFIED = "{words}: {qualifier}"
ON_OXYGEN = "{words} was measured on oxygen, not room air"
OUT_OF_RANGE = "{words}: {value} is outside {minimum}-{maximum}"
ONLY_SOME_NUMBERS = "only {numbers} of the numbers this item needs together"
NOT_MEASURED = ("{words} is mentioned ({sentence}), but this item is answered only by the "
                "difference measured")
MEASURE_BELOW = ("{words} is under the difference that answers this item yes, and does not "
                 "show it absent")

# Several mentions in one sentence left open for the same reason are said once, their words
# joined ("'DVT' and 'PE' are mentioned only with doubt ('Possible DVT or PE.')"), not the
# sentence once per mention: the template for several words where the verb changes, ...
PLURALS = {
    STATUS_TEMPLATES["hypothetical"]:
        "{words} are mentioned only as a possibility, not as a fact ({sentence})",
    STATUS_TEMPLATES["uncertain"]: "{words} are mentioned only with doubt ({sentence})",
    STATUS_TEMPLATES["family"]:
        "{words} are mentioned about a relative, not the patient ({sentence})",
    STATUS_TEMPLATES["historical"]: "{words} are mentioned only in the past history ({sentence})",
    NO_DATE: "{words} have no date or 'recent' ({sentence})",
    PAST_NO_DATE: "{words} are in the past with no date or 'recent' ({sentence})",
    CURRENT_NOT_PREVIOUS:
        "{words} are mentioned as current, not as previous events ({sentence})",
}
# ... and the templates that read as well with several words as with one.
ANY_NUMBER = frozenset({DENIED_NOT_PAST, DENIED_IN_RELATIVE})

TEMPLATES: tuple[str, ...] = (
    NOT_MENTIONED, NO_RULE, DATED_BY_YEAR, NO_DATE, TOO_LONG_AGO, PAST_NO_DATE,
    CURRENT_NOT_PREVIOUS, PLANNED, *STATUS_TEMPLATES.values(), *NUMBER_STATUS_TEMPLATES.values(),
    DENIED_NOT_PAST, DENIED_IN_RELATIVE, DENIED_ONE_SIDE, NOT_WHICH_KIND, PART_DENIED,
    DENIED_NOT_SETTLED,
    PART_STATED, PART_STATED_REST, ALREADY_ANSWERS, QUALIFIED, ON_OXYGEN,
    OUT_OF_RANGE, ONLY_SOME_NUMBERS, MEASURE_BELOW, NOT_MEASURED, *PLURALS.values(),
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
    # More than two items as a list: "a, b and c" (not "a and b and c").
    serial: bool = False

    def text(self, tr: Translate = same) -> str:
        items = [tr(i) for i in self.items] if self.translate else list(self.items)
        if self.serial and len(items) > 2:
            return f"{', '.join(items[:-1])} {tr(self.joiner)} {items[-1]}"
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


def merged(whys: tuple[Why, ...]) -> tuple[Why, ...]:
    """``whys`` with the reasons that differ only in their words, about one sentence, said
    once with the words joined (at the first one's place); a word inside another word of the
    same reason ('alcohol' in 'alcohol abuse') is not said again. Only templates of
    ``PLURALS`` and ``ANY_NUMBER``; the rest as they are."""
    groups: dict[tuple[str, tuple[tuple[str, Value], ...]], list[str]] = {}
    for w in whys:
        vals = dict(w.values)
        quoted = vals.get("words")
        if ((w.message in PLURALS or w.message in ANY_NUMBER) and "sentence" in vals
                and isinstance(quoted, str)):
            rest = tuple((k, v) for k, v in w.values if k != "words")
            groups.setdefault((w.message, rest), []).append(quoted)
    out: list[Why] = []
    done: set[tuple[str, tuple[tuple[str, Value], ...]]] = set()
    for w in whys:
        key = (w.message, tuple((k, v) for k, v in w.values if k != "words"))
        said = groups.get(key)
        if said is None or len(set(said)) < 2:
            out.append(w)
            continue
        if key in done:
            continue
        done.add(key)
        unique = list(dict.fromkeys(said))
        kept = [q for q in unique
                if not any(q != o and q[1:-1] in o[1:-1] for o in unique)]
        if len(kept) < 2:
            out.append(why(w.message, words=kept[0], **dict(key[1])))
            continue
        message = PLURALS.get(w.message, w.message)
        out.append(why(message, words=Phrases(tuple(kept), "and", translate=False, serial=True),
                       **dict(key[1])))
    return tuple(out)


def joined(whys: tuple[Why, ...], tr: Translate = same) -> str:
    """Several reasons as one line, each once, in order."""
    if len(whys) == 1:
        return whys[0].text(tr)
    return "; ".join(dict.fromkeys(w.text(tr) for w in whys))


UNMENTIONED = (Why(NOT_MENTIONED),)  # the reason of most missing inputs, made once
