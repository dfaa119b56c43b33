"""The calculator page's "paste a note" box: the note fills the form, each answer beside the
words it came from, for the clinician to confirm before calculating.

One route, ``POST /{lang}/calculators/{id}/note``; it renders the ordinary calculator page
(``calculator.html``) with the values filled and ``note_evidence`` for the partials
``_note_box.html`` and ``_note_evidence.html``. Nothing is calculated or saved here: the
clinician reviews the answers and presses Calculate. The note is not stored or logged; a note
sent to the local language model is recorded in the audit log by its hash and length only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clotwatch.core.notes.why import NOT_MENTIONED, joined
from clotwatch.errors import InputError, StoreError
from clotwatch.notes import SUPPORTED, note_result
from clotwatch.web.i18n import clinical, gettext
from clotwatch.web.render import ENV, render
from clotwatch.web.routes import PageRoute, _instrument, checked_form, meanings, not_found

router = APIRouter(include_in_schema=False, route_class=PageRoute)
# The calculator pages show the note box for these instruments (_note_box.html).
ENV.globals["note_instruments"] = SUPPORTED

# Form values as the calculator form posts them.
_FORM_TEXT = {True: "true", False: "false"}


def form_value(value: Any) -> str:
    """An extracted answer as the calculator form's text."""
    if isinstance(value, bool):
        return _FORM_TEXT[value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evidence_view(res: Any, lang: str = "en") -> dict[str, dict[str, Any]]:
    """Input id -> what the page shows beside the answer: status, quote, sentence; for an
    input left unfilled, why, in the page's language (the note's own words stay as written)."""
    tr = clinical(lang)
    out: dict[str, dict[str, Any]] = {}
    for ev in res.extraction.evidence:
        # Words that answer no without denying ("well-controlled readings (118/61)", "both
        # legs swollen", "calf 2 cm larger") are labelled as answering no: "(present)" beside
        # a No read as the finding being present.
        answers_no = ev.value is False and ev.status != "negated"
        out[ev.input] = {
            "status": "answers-no" if answers_no else ev.status,
            "quote": res.text[ev.start : ev.end],
            "sentence": ev.text,
            "value": form_value(ev.value),
        }
    for m in res.extraction.missing:
        if m.reason != NOT_MENTIONED:
            out[m.input] = {"status": "missing",
                            "reason": joined(m.whys, tr) if m.whys else m.reason}
    return out


@router.post("/{lang}/calculators/{instrument_id}/note")
async def from_note(request: Request, lang: str, instrument_id: str) -> Response:
    """Fill the calculator form from a pasted note, with the evidence beside each answer."""
    inst = _instrument(instrument_id)
    if inst is None or inst.id not in SUPPORTED:
        return not_found(request, lang)
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    raw = form.get("note")
    text = raw if isinstance(raw, str) else ""
    ask_model = form.get("use_model") == "on"
    errors: dict[str, str] = {}
    outcome = None
    audit_error = None
    try:
        res = note_result(text, inst.id)
    except InputError as exc:
        errors["note"] = _note_error(lang, exc)
    else:
        if ask_model:
            try:
                outcome = await _ask_model(request, res)
            except InputError as exc:  # no model configured, or not on this machine
                errors["use_model"] = str(exc)
            except StoreError as exc:  # the audit log: before the call, or after it
                audit_error = _audit_message(lang, exc)
            else:
                res = outcome.result
    if errors:
        return render(request, lang, "calculator.html", status_code=422, inst=inst,
                      values={}, errors=errors, result=None,
                      meanings=meanings(inst, lang), note_text=text)
    # Without its audit row the model is not used (or its answers are not shown): the page
    # says so and shows the rules' answers, which did not leave this server.
    values = {k: form_value(v) for k, v in res.extraction.inputs.items()}
    return render(request, lang, "calculator.html", status_code=503 if audit_error else 200,
                  inst=inst, values=values, errors={}, result=None,
                  meanings=meanings(inst, lang), note_text=text,
                  note_evidence=evidence_view(res, lang), note_audit_error=audit_error,
                  # The note was read: the box says what it filled, also when that is
                  # nothing (a note that answers no question had left the page as it was,
                  # with no word that it had been read).
                  note_read=True, note_filled=bool(values),
                  note_model_outcome=model_view(outcome) if outcome is not None else None)


def _note_error(lang: str, exc: InputError) -> str:
    """Why the pasted note was not read, as a sentence in the page's language (the bare
    reason, "is empty", had no subject and was English on every page)."""
    from clotwatch.notes.pipeline import MAX_NOTE_CHARS

    _ = gettext(lang)
    if exc.reason == "is empty":
        return _("The note is empty: paste the note's text into the box.")
    if exc.reason.startswith("is longer than"):
        return _("The note is longer than {limit} characters: paste the part to be read.",
                 limit=MAX_NOTE_CHARS)
    return exc.reason


def _audit_message(lang: str, exc: StoreError) -> str:
    """What the page says when the call to the model could not be audited."""
    from clotwatch.service.notes_audit import AuditUnavailable

    _ = gettext(lang)
    if isinstance(exc, AuditUnavailable):
        return _("The note was not sent to the language model: the audit log that records "
                 "each note sent to it cannot be written now. Only the rules' answers are "
                 "shown; try again later or tell the administrator.")
    return _("The note was sent to the language model, but the audit log could not record "
             "it, so the model's answers are not used. Only the rules' answers are shown; "
             "tell the administrator.")


async def _ask_model(request: Request, res: Any) -> Any:
    """The rules' result completed by the configured local model, every claim checked
    against the note (clotwatch.notes.llm), the call recorded in the audit log
    (clotwatch.service.notes_audit: who, when, a hash and the length of the note, never its
    text). InputError when no model is configured or its address is not this machine; the
    adapter is imported only here (off by default)."""
    from starlette.concurrency import run_in_threadpool

    from clotwatch.notes.llm import ModelConfig
    from clotwatch.service.notes_audit import ask_audited

    config = ModelConfig.from_settings(request.app.state.settings)
    config.check_address()

    def ask() -> Any:
        from clotwatch.web.followup import _session_principal

        found = _session_principal(request)
        return ask_audited(request.app.state.store, res, config, surface="web",
                           now=request.app.state.clock,
                           actor=found[0] if found is not None else None,
                           who="anonymous web visitor")

    return await run_in_threadpool(ask)


def model_view(outcome: Any) -> dict[str, Any]:
    """What the page says about the model: kept answers, refused claims, or its error."""
    return {
        "name": outcome.model,
        "error": outcome.error,
        "accepted": [e.input for e in outcome.accepted],
        "refused": [{"input": r.input, "reason": r.reason} for r in outcome.refused],
    }
