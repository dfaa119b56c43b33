"""The "Leg cramp or blood clot?" questionnaire, one question per page.

The answers so far travel in hidden fields of each form (JSON values), so the server keeps
nothing between steps. The triage engine decides what to ask next (``next_question``) and when
to stop for an emergency (``emergency_stop``); all clinical wording comes from its catalogues.
"Don't know" is recorded as ``null`` (asked, not known), which the engine treats conservatively.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from clotwatch.errors import InputError
from clotwatch.web.forms import UNKNOWN, carried_answers, convert
from clotwatch.web.i18n import LANGUAGES, gettext
from clotwatch.web.render import render

Translate = Callable[[str], str]
DISPOSITIONS = ("emergency", "urgent", "soon", "self_care")


def translator(lang: str) -> Translate:
    """The triage engine's catalogue for ``lang`` (message id -> text)."""
    from clotwatch import triage

    translate: Translate = triage.translator(lang)
    return translate


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def answer_text(question: Any, value: Any, t: Translate) -> str:
    """How an answer reads in the page's language."""
    if value is None:
        return t("answer.dont_know")
    if isinstance(value, bool):
        return t("answer.yes" if value else "answer.no")
    if question is not None:
        try:
            return t(question.option_id(value))
        except ValueError:
            pass
        if question.unit:
            unit = t(f"unit.{question.unit}")
            if "{n}" in unit:
                return unit.format(n=_number_text(value))
            return f"{_number_text(value)} {unit}"
    return _number_text(value) if isinstance(value, (int, float)) else str(value)


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
    """The answered keys in the order the questionnaire asks them."""
    from clotwatch import triage

    order = {q.id: i for i, q in enumerate(triage.QUESTIONS)}
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
    """(form value, label) for each choice of a question; free numbers have none."""
    values = [] if question.kind in ("number", "integer") and not question.presets \
        else list(question.options)
    out = []
    for value in values:
        form_value = ("true" if value else "false") if isinstance(value, bool) else \
            _number_text(value) if isinstance(value, (int, float)) else str(value)
        out.append((form_value, answer_text(question, value, t)))
    return out


def step(request: Request, lang: str, answers: dict[str, Any], *,
         error: str | None) -> HTMLResponse:
    """The page for these answers: the emergency screen, the next question, or the result."""
    from clotwatch import triage

    if triage.emergency_stop(answers):
        return result_page(request, lang, answers, emergency=True)
    question = triage.next_question(answers)
    if question is None:
        return result_page(request, lang, answers, emergency=False)
    t = translator(lang)
    _ = gettext(lang)
    phase_titles = {"warning": _("Warning signs"), "leg": _("Your leg"),
                    "risk": _("About you")}
    help_text = question.help(lang)
    return render(
        request, lang, "triage_question.html", status_code=422 if error else 200,
        question=question, question_text=question.text(lang),
        help_text="" if help_text == question.help_id else help_text,
        choices=choices(question, t), free_number=not choices(question, t),
        phase=phase_titles.get(question.phase, ""), number=len(answers) + 1,
        answers=answers, error=error, dont_know=t("answer.dont_know"),
    )


def result_page(request: Request, lang: str, answers: dict[str, Any], *,
                emergency: bool) -> HTMLResponse:
    """The result (or the emergency screen), with print, save and change-answer forms."""
    from clotwatch import triage

    result = triage.assess(answers, lang=lang)
    return render(request, lang, "triage_result.html", result=result, answers=answers,
                  emergency=emergency or result["disposition"] == "emergency",
                  rows=answer_rows(answers, lang), **labels(lang))


def summary(request: Request, lang: str, form: FormData) -> HTMLResponse:
    """The printable summary for an appointment."""
    from clotwatch import triage

    try:
        answers = triage.validate_answers(carried_answers(form))
    except InputError as exc:
        return _tampered(request, lang, exc)
    result = triage.assess(answers, lang=lang)
    now = request.app.state.clock()
    return render(request, lang, "triage_summary.html", result=result, answers=answers,
                  rows=answer_rows(answers, lang), printed=now, **labels(lang))


def _tampered(request: Request, lang: str, exc: InputError) -> HTMLResponse:
    _ = gettext(lang)
    return render(request, lang, "error.html", status_code=422,
                  title=_("Something went wrong with the form"),
                  message=_("Please start the questions again.") + f" ({exc.field}: {exc.reason})")


def advance(request: Request, lang: str, form: FormData) -> HTMLResponse:
    """Apply one form submission: an answer, "don't know", back, or a language switch."""
    from clotwatch import triage

    try:
        answers = dict(triage.validate_answers(carried_answers(form)))
    except InputError as exc:
        return _tampered(request, lang, exc)
    action = form.get("action")
    action = action if isinstance(action, str) else "answer"
    if action.startswith("lang:") and action[5:] in LANGUAGES:
        return step(request, action[5:], answers, error=None)
    if action == "back":
        answered = ordered_answered(answers)
        if answered:
            answers.pop(answered[-1])
        return step(request, lang, answers, error=None)
    if action == "restart":
        return step(request, lang, {}, error=None)
    qid = form.get("question")
    question = triage.QUESTIONS_BY_ID.get(qid) if isinstance(qid, str) else None
    if question is None:
        return step(request, lang, answers, error=None)
    raw = form.get("answer")
    raw = raw if isinstance(raw, str) else None
    if action == UNKNOWN:
        raw = UNKNOWN
    if raw is None or (raw.strip() == "" and action != UNKNOWN):
        _ = gettext(lang)
        return step(request, lang, answers, error=_("Choose an answer, or \u201cDon't know\u201d."))
    try:
        value = convert(question.id, question.kind, raw, [str(o) for o in question.options]
                        if question.kind == "enum" else ())
        candidate = {**answers, question.id: value}
        triage.validate_answers(candidate)
    except InputError as exc:
        return step(request, lang, answers, error=_number_error(lang, question, exc))
    return step(request, lang, candidate, error=None)


def _number_error(lang: str, question: Any, exc: InputError) -> str:
    _ = gettext(lang)
    if question.kind in ("number", "integer") and question.minimum is not None:
        if question.maximum is None:
            return _("Enter a number of at least {low}, or choose \u201cDon't know\u201d.",
                     low=_number_text(question.minimum))
        return _("Enter a number from {low} to {high}, or choose \u201cDon't know\u201d.",
                 low=_number_text(question.minimum), high=_number_text(question.maximum))
    return _("Choose an answer, or \u201cDon't know\u201d.")
