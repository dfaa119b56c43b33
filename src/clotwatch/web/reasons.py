"""The reasons the services give for refusing input, in the page's language.

A service refuses bad input with ``InputError(field, reason)``, the reason in English (the CLI
and the API show it as is). The pages word it through the ``web`` catalogue like the rest of
their text: each reason the follow-up services give is declared here with ``N_`` as its English
template (``{name}`` for what varies), so ``scripts/web-catalogue`` puts it in the catalogue, and
``reason_text`` finds the template a reason was made from and gives its translation with the
same values. A reason made of others (an upload's "line 3: end: ...; nothing was stored") is
worded part by part; one no template matches stays in English, never lost or garbled.
"""

from __future__ import annotations

import re
from functools import cache

from clotwatch.web.i18n import Gettext, gettext


def N_(message: str) -> str:  # noqa: N802 - the catalogue extractor's name for a marker
    """Mark ``message`` for the catalogue; it is translated when it is shown."""
    return message


#: Values that are reasons or places themselves, worded in their turn.
NESTED = frozenset({"place", "reason"})
#: What a value may be, where "anything" would be ambiguous: a record's place in a file is
#: words and numbers ("line 3", "line 2 entry 4"), never a colon.
VALUE = {"place": r"[a-z]+ \d+(?: [a-z]+ \d+)*"}

#: Most specific first: the first template that matches the whole reason is the one used.
TEMPLATES = (
    # an activity file upload (service/activity.py, the importers, core/activity/samples.py)
    N_("{place}: {reason} (and {more} more); nothing was stored"),
    N_("{place}: {reason}; nothing was stored"),
    N_("no step records found in this file; nothing was stored"),
    N_("{reason}; nothing was stored"),
    N_("choose a file to upload"),
    N_("more than {limit} step records; upload a shorter export, or send the samples "
       "through the API"),
    N_("a source name longer than {limit} characters"),
    N_("a record of {steps} steps at {start} (more than {limit})"),
    N_("not a step-data format clotwatch reads (docs/activity.md lists them)"),
    N_("no step-data file found inside this zip"),
    N_("line {number}"),
    N_("record {number}"),
    N_("message {number}"),
    N_("entry {number}"),
    N_("empty file"),
    N_("the header has no {columns} column"),
    N_("malformed CSV: {detail}"),
    N_("malformed JSON: {detail}"),
    N_("missing"),
    N_("the source name is empty"),
    N_("a time without a UTC offset or zone"),
    N_("the year {year} is outside {low}-{high}"),
    N_("{value} is not a whole number"),
    N_("{value} is not a number"),
    N_("a negative count ({value})"),
    N_("the end {end} is before the start {start}"),
    N_("the end is the same as the start ({start}); a sample must cover some time"),
    # the movement settings and a journey (service/movement.py, web/movement.py)
    N_("enter a whole number of minutes from {low} to {high}"),
    N_("choose email, webpush, app or off"),
    N_("give the time with its time zone"),
    N_("not a date and time"),
    N_("must be after the departure"),
    N_("a journey under {hours} hours needs no plan to move (BSH 2011): the usual reminders "
       "apply"),
    N_("at most {hours} hours"),
    N_("this journey is over"),
    # the follow-up forms' own reading of a value (web/forms.py convert, web/followup.py)
    N_("enter a whole number"),
    N_("enter a number"),
    N_("choose yes, no or don't know"),
    N_("choose one of the options"),
    N_("not a number"),
)

#: "name: reason" inside a reason (a record's field, or a file's name): the name stays.
_NAMED = re.compile(r"(?P<name>[\w.\-]+): (?P<reason>.+)", re.S)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for template in TEMPLATES:
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{VALUE.get(part, '.+?')})"
                        for i, part in enumerate(parts))
        out.append((template, re.compile(regex, re.S)))
    return tuple(out)


def _worded(reason: str, _: Gettext) -> str:
    for template, pattern in _patterns():
        found = pattern.fullmatch(reason)
        if found is not None:
            values = {k: _worded(v, _) if k in NESTED else v
                      for k, v in found.groupdict().items()}
            return _(template, **values)
    named = _NAMED.fullmatch(reason)
    if named is not None:
        return f"{named['name']}: {_worded(named['reason'], _)}"
    return reason


def reason_text(reason: str, lang: str) -> str:
    """``reason`` (a service's English reason) in ``lang``; the English if no template
    matches. In English it is ``reason`` unchanged."""
    return _worded(reason, gettext(lang))
