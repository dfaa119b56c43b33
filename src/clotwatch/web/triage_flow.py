"""The "Leg cramp or blood clot?" questionnaire, one screen per page.

A screen is one question or a group of yes/no items answered together ("Do any of these
apply?"). The answers so far travel in hidden fields of each form (JSON values), with the
screens shown so far (for "Back"), so the server keeps nothing between steps. The triage engine
decides what to show next (``next_question``) and when to stop for an emergency
(``emergency_stop``); all clinical wording comes from its catalogues. Choices carry exact
values: an option or preset id, never a rounded number. "Don't know" is recorded as ``null``
(asked, not known), which the engine treats conservatively.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from clotwatch.errors import InputError
from clotwatch.web.forms import ANSWER_PREFIX, UNKNOWN, carried_answers, convert
from clotwatch.web.i18n import LANGUAGES, gettext
from clotwatch.web.render import render

Translate = Callable[[str], str]
DISPOSITIONS = ("emergency", "urgent", "soon", "self_care")
# A carried answer is a short JSON scalar; anything longer was not written by these pages.
MAX_CARRIED = 64
HISTORY = "h"
# Sources cited to the person: not clotwatch's own contract (it is for developers).
INTERNAL_SOURCES = ("clotwatch triage contract",)


def translator(lang: str) -> Translate:
    """The triage engine's catalogue for ``lang`` (message id -> text)."""
    from clotwatch import triage

    translate: Translate = triage.translator(lang)
    return translate


def answer_text(question: Any, value: Any, t: Translate) -> str:
    """How an answer reads in the page's language ("30 years", "From a few seconds up to 10
    minutes"): the engine's own wording, never a message id or a raw float."""
    from clotwatch.core.triage.engine import value_text

    if question is None:
        return t("answer.dont_know") if value is None else str(value)
    return value_text(question.id, value, t)


def labels(lang: str) -> dict[str, Any]:
    """Labels of keys, causes and dispositions for the result templates."""
    from clotwatch import triage

    t = translator(lang)
    return {
        "key_labels": {k: t(f"label.{k}") for k in triage.KEYS},
        "disposition_labels": {d: t(f"disposition.{d}") for d in DISPOSITIONS},
        "cause_labels": {},
    }


def ordered_answered(answers: Mapping[str, Any]) -> list[str]:
    """The answered keys in the order the questionnaire's screens hold them."""
    from clotwatch import triage

    order = {k: i for i, k in enumerate(k for s in triage.SCREENS for k in s.keys)}
    return sorted(answers, key=lambda k: order.get(k, len(order)))


def answer_rows(answers: Mapping[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """(key, question text, answer text) for each answer, in questionnaire order."""
    from clotwatch import triage

    t = translator(lang)
    rows = []
    for key in ordered_answered(answers):
        q = triage.QUESTIONS_BY_ID.get(key)
        rows.append((key, t(f"label.{key}"), answer_text(q, answers[key], t)))
    return rows


def choices(question: Any, t: Translate) -> list[tuple[str, str]]:
    """(form value, label) for each choice of a question; free numbers have none. A preset's
    form value is its id, so the number it stands for is never written into the page."""
    if question.kind == "bool":
        return [("true", t("answer.yes")), ("false", t("answer.no"))]
    if question.presets:
        return [(p.id, t(question.option_id(p.value))) for p in question.presets]
    if question.kind == "enum":
        return [(str(o), t(question.option_id(o))) for o in question.options]
    return []


def _form_value(question: Any, value: Any) -> str | None:
    """The form value that selects ``value`` again (after "Back"); None: don't know."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "true" if value else "false"
    for preset in question.presets:
        if preset.value == value:
            return str(preset.id)
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else repr(value)


def _sources(result: dict[str, Any]) -> list[str]:
    return [s for s in result["sources"] if not s.startswith(INTERNAL_SOURCES)]


def step(request: Request, lang: str, answers: dict[str, Any], history: list[str], *,
         error: str | None, previous: Mapping[str, Any] | None = None) -> HTMLResponse:
    """The page for these answers: the emergency screen, the next screen, or the result.
    ``previous`` holds the answers a "Back" took away, to show them selected again."""
    from clotwatch import triage

    if triage.emergency_stop(answers):
        return result_page(request, lang, answers, history, emergency=True)
    screen: Any = triage.next_question(answers)
    if screen is None:
        return result_page(request, lang, answers, history, emergency=False)
    t = translator(lang)
    _ = gettext(lang)
    phase_titles = {"warning": _("Warning signs"), "leg": _("Your leg"),
                    "risk": _("About you")}
    help_text = screen.help(lang)
    previous = previous or {}
    shown = [k for k in screen.keys if k not in answers]
    context: dict[str, Any] = {}
    if screen.is_group:
        context["items"] = [(k, screen.item_text(k, lang), previous.get(k) is True
                             or previous.get(k) in (3.0, 4.0) and k in (
                                 "bedridden_days", "long_travel_hours"))
                            for k in shown]
    else:
        context["choices"] = choices(screen, t)
        context["selected"] = _form_value(screen, previous[screen.id]) \
            if screen.id in previous else None
        context["free_number"] = not context["choices"]
        context["typed"] = "" if context["selected"] in (None, UNKNOWN) else \
            context["selected"]
    return render(
        request, lang, "triage_question.html", status_code=422 if error else 200,
        screen=screen, question_text=screen.text(lang),
        help_text="" if help_text == screen.help_id else help_text,
        phase=phase_titles.get(screen.phase, ""), number=len(history) + 1,
        answers=answers, history=json.dumps(history), error=error,
        dont_know=t("answer.dont_know"), none_of_these=t("cli.none_of_these"),
        **context,
    )


def result_page(request: Request, lang: str, answers: dict[str, Any], history: list[str], *,
                emergency: bool) -> HTMLResponse:
    """The result, or the emergency screen (only what to do now and what to tell the call
    handler: nothing to print, share or answer first)."""
    from clotwatch import triage

    result = triage.assess(answers, lang=lang)
    return render(request, lang, "triage_result.html", result=result, answers=answers,
                  emergency=emergency or result["disposition"] == "emergency",
                  history=json.dumps(history), sources=_sources(result),
                  rows=answer_rows(answers, lang), **labels(lang))


def summary(request: Request, lang: str, form: FormData) -> HTMLResponse:
    """The printable summary for an appointment."""
    from clotwatch import triage

    try:
        answers, _ = _carried(form)
    except InputError as exc:
        return _tampered(request, lang, exc)
    result = triage.assess(answers, lang=lang)
    now = request.app.state.clock()
    return render(request, lang, "triage_summary.html", result=result, answers=answers,
                  rows=answer_rows(answers, lang), printed=now, sources=_sources(result),
                  **labels(lang))


def _tampered(request: Request, lang: str, exc: InputError) -> HTMLResponse:
    _ = gettext(lang)
    return render(request, lang, "error.html", status_code=422,
                  title=_("Something went wrong with the form"),
                  message=_("Please start the questions again.") + f" ({exc.field}: {exc.reason})")


def _carried(form: FormData) -> tuple[dict[str, Any], list[str]]:
    """The answers and the screens shown so far, as carried in the form; InputError when they
    are not what these pages write (too long, nested, unknown)."""
    from clotwatch import triage

    for name, field in form.multi_items():
        if name.startswith(ANSWER_PREFIX) and (not isinstance(field, str)
                                               or len(field) > MAX_CARRIED):
            raise InputError(name[len(ANSWER_PREFIX):], "malformed answer in the form")
    answers = dict(triage.validate_answers(carried_answers(form)))
    raw = form.get(HISTORY)
    history: list[str] = []
    if isinstance(raw, str) and raw:
        if len(raw) > 1024:
            raise InputError(HISTORY, "malformed history in the form")
        try:
            history = json.loads(raw)
        except ValueError:
            raise InputError(HISTORY, "malformed history in the form") from None
        if not (isinstance(history, list) and all(
                isinstance(s, str) and s in triage.SCREENS_BY_ID for s in history)):
            raise InputError(HISTORY, "malformed history in the form")
    return answers, history


def advance(request: Request, lang: str, form: FormData) -> HTMLResponse:
    """Apply one form submission: an answer, "don't know", "none of these", back, or a
    language switch (posted to the new language's address)."""
    from clotwatch import triage

    try:
        answers, history = _carried(form)
    except InputError as exc:
        return _tampered(request, lang, exc)
    action = form.get("action")
    action = action if isinstance(action, str) else "answer"
    if action.startswith("lang:") and action[5:] in LANGUAGES:
        return step(request, lang, answers, history, error=None)
    if action == "back":
        previous: dict[str, Any] = {}
        if history:
            for key in triage.SCREENS_BY_ID[history.pop()].keys:
                if key in answers:
                    previous[key] = answers.pop(key)
        return step(request, lang, answers, history, error=None, previous=previous)
    if action == "restart":
        return step(request, lang, {}, [], error=None)
    sid = form.get("screen")
    screen = triage.SCREENS_BY_ID.get(sid) if isinstance(sid, str) else None
    if screen is None or screen.id != getattr(triage.next_question(answers), "id", None):
        # Not the screen these answers call for (an old tab, a double submit): show it.
        return step(request, lang, answers, history, error=None)
    _ = gettext(lang)
    shown = [k for k in screen.keys if k not in answers]
    try:
        if screen.is_group:
            values = _group_values(screen, shown, form, action)
            if values is None:
                return step(request, lang, answers, history, error=_(
                    "Choose the ones that apply, or \u201cNone of these\u201d."))
        else:
            values = {screen.id: _single_value(screen, form, action)}
        candidate = {**answers, **values}
        triage.validate_answers(candidate)
    except _NoAnswer:
        return step(request, lang, answers, history,
                    error=_("Choose an answer, or \u201cDon't know\u201d."))
    except InputError as exc:
        return step(request, lang, answers, history, error=_number_error(lang, screen, exc))
    return step(request, lang, candidate, [*history, screen.id], error=None)


class _NoAnswer(Exception):
    """The form was sent without an answer."""


def _group_values(screen: Any, shown: list[str], form: FormData, action: str
                  ) -> dict[str, Any] | None:
    ticked = [v for v in form.getlist("item") if isinstance(v, str)]
    if any(k not in shown for k in ticked):
        raise InputError("item", "not an item of this screen")
    if action == "none":
        return dict(screen.answers((), only=shown))
    if action == UNKNOWN:
        return dict(screen.answers(ticked, not_sure=True, only=shown))
    if not ticked:
        return None
    return dict(screen.answers(ticked, only=shown))


def _single_value(question: Any, form: FormData, action: str) -> Any:
    raw = form.get("answer")
    raw = raw if isinstance(raw, str) else None
    if action == UNKNOWN or raw == UNKNOWN:
        return None
    if raw is None or raw.strip() == "":
        raise _NoAnswer
    if question.presets and question.kind in ("number", "integer"):
        try:
            return question.preset_value(raw.strip())
        except ValueError:
            raise InputError(question.id, "choose one of the options") from None
    return convert(question.id, question.kind, raw,
                   [str(o) for o in question.options] if question.kind == "enum" else ())


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _number_error(lang: str, question: Any, exc: InputError) -> str:
    _ = gettext(lang)
    if not question.is_group and question.kind in ("number", "integer") \
            and question.minimum is not None:
        if question.maximum is None:
            return _("Enter a number of at least {low}, or choose \u201cDon't know\u201d.",
                     low=_number_text(question.minimum))
        return _("Enter a number from {low} to {high}, or choose \u201cDon't know\u201d.",
                 low=_number_text(question.minimum), high=_number_text(question.maximum))
    return _("Choose an answer, or \u201cDon't know\u201d.")
