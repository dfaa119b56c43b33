"""The pages. Routes are thin: read the form, call the service, render a template."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from clotwatch.api.deps import client_key
from clotwatch.errors import InputError
from clotwatch.service import assessments, compute
from clotwatch.service.assessments import AssessmentNotFound, RevokeRefused
from clotwatch.web import csrf, triage_flow
from clotwatch.web.forms import carried_answers, convert
from clotwatch.web.i18n import LANGUAGES, clinical, gettext, pick_language
from clotwatch.web.render import capfirst, render


def not_found(request: Request, lang: str | None = None) -> Response:
    """The 404 page, in ``lang`` (default: the address's language, else the browser's)."""
    from clotwatch.web.errors import error_page

    return error_page(request, 404, lang)


class PageRoute(APIRoute):
    """A page route whose ``{lang}`` must be a language we have: otherwise the 404 page (in
    the browser's language), checked here once instead of in every page handler."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def known_language_only(request: Request) -> Response:
            lang = request.path_params.get("lang")
            if lang is not None and lang not in LANGUAGES:
                return not_found(request)
            return await handler(request)

        return known_language_only


router = APIRouter(include_in_schema=False, route_class=PageRoute)


async def checked_form(request: Request, lang: str) -> FormData | HTMLResponse:
    """The posted form if its CSRF token matches the cookie, else a 403 page."""
    form = await request.form(max_files=0, max_fields=200)
    token = form.get(csrf.FIELD)
    if not csrf.is_valid(request.app.state.secret_key, request.cookies.get(csrf.COOKIE),
                         token if isinstance(token, str) else None):
        _ = gettext(lang)
        return render(request, lang, "error.html", status_code=403,
                      title=_("This form has expired"),
                      message=_("For your safety the form could not be accepted. Go back, "
                                "reload the page and try again."))
    return form


@router.get("/")
async def root(request: Request) -> RedirectResponse:
    """Send the visitor to the home page in their browser's language."""
    lang = pick_language(request.headers.get("accept-language"))
    return RedirectResponse(f"/{lang}/", status_code=303)


@router.get("/{lang}/")
async def home(request: Request, lang: str) -> Response:
    """What clotwatch offers."""
    return render(request, lang, "home.html")


# --- triage ---------------------------------------------------------------------------------

@router.get("/{lang}/triage")
async def triage_start(request: Request, lang: str) -> Response:
    """The questionnaire's first question."""
    return triage_flow.step(request, lang, {}, [], error=None)


@router.post("/{lang}/triage")
async def triage_step(request: Request, lang: str) -> Response:
    """Take one answer (or go back) and show the next question, the emergency screen or the
    result."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    return triage_flow.advance(request, lang, form)


@router.get("/{lang}/triage/summary")
async def triage_summary_reloaded(request: Request, lang: str) -> Response:
    """A reloaded or bookmarked summary address: the answers are not kept on the server (nor
    put in the address), so say so and offer the questions again, instead of a 405."""
    _ = gettext(lang)
    return render(request, lang, "error.html", title=_("The summary is not kept"),
                  message=_("The printable summary is made from your answers when you ask for "
                            "it, and clotwatch does not keep them. Answer the questions again "
                            "to see and print it."),
                  link=(f"/{lang}/triage", _("Start the questions")))


@router.post("/{lang}/triage/summary")
async def triage_summary(request: Request, lang: str) -> Response:
    """A printable summary of the answers and the result, for the appointment."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    return triage_flow.summary(request, lang, form)


# --- calculators ----------------------------------------------------------------------------

@router.get("/{lang}/calculators")
async def calculators(request: Request, lang: str) -> Response:
    """The list of clinical scores."""
    return render(request, lang, "calculators.html", instruments=compute.list_instruments())


def _instrument(instrument_id: str) -> Any:
    from clotwatch import instruments

    return instruments.INSTRUMENTS.get(instrument_id)


@router.get("/{lang}/calculators/{instrument_id}")
async def calculator(request: Request, lang: str, instrument_id: str) -> Response:
    """An instrument's form, generated from its declaration."""
    inst = _instrument(instrument_id)
    if inst is None:
        return not_found(request, lang)
    return render(request, lang, "calculator.html", inst=inst, values={}, errors={},
                  result=None, meanings=meanings(inst, lang))


def meanings(inst: Any, lang: str = "en") -> dict[str, str]:
    """Input id -> its meaning in ``lang`` (as a label: capitalised), for showing contributions,
    missing inputs and errors."""
    t = clinical(lang)
    return {i.id: capfirst(t(i.meaning)) for i in inst.inputs} if inst is not None else {}


def scheme_name(scheme: str, lang: str) -> str:
    """A band scheme's id in words ("three_level" -> "Three-level probability")."""
    _ = gettext(lang)
    names = {
        "two_level": _("Two-level probability"), "three_level": _("Three-level probability"),
        "risk": _("Risk"), "severity": _("Severity"), "probability": _("Probability"),
        "rule": _("Rule"), "result": _("Result"),
    }
    return names.get(scheme, capfirst(scheme.replace("_", " ")))


def band_ranges(bands: Any, shim: Any, scheme: str, t: Any) -> list[tuple[str, str]]:
    """(label, range of totals) for each band of a scheme: ("Moderate", "> 0 and <= 2")."""
    from clotwatch.core.instruments.explain import band_label, fmt

    out = []
    low = ""
    for band in bands:
        high = (f"\u2264 {fmt(band.upto)}" if band.upto is not None
                else f"< {fmt(band.below)}" if band.below is not None else "")
        out.append((capfirst(band_label(shim, scheme, band.value, t)),
                    t(" and ").join(p for p in (low, high) if p)))
        low = f"> {fmt(band.upto)}" if band.upto is not None else f"\u2265 {fmt(band.below)}"
    return out


def result_view(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A result (the API's ``Result.to_dict()``, as computed now or as saved) as the page shows
    it: every band scheme the instrument declares with its category in words, what the primary
    category means, and the clinical words in ``lang`` (through the ``clinical`` catalogue).

    The API's one-sentence ``interpretation`` is not shown: it repeats the name and the total
    the page already shows, and names unanswered inputs by id.
    """
    from types import SimpleNamespace

    from clotwatch import instruments
    from clotwatch.core.instruments.explain import band_label, note_text

    t = clinical(lang)
    inst = instruments.get(str(data["instrument"]))
    # band_label and note_text read only ``.instrument`` of a Result: a saved result is a dict.
    shim: Any = SimpleNamespace(instrument=inst)
    view: dict[str, Any] = dict(data)
    view["name"] = t(inst.name)
    view["unit"] = t(inst.total_label)
    categories = data.get("categories") or {}
    possible = data.get("possible_categories") or {}
    schemes = []
    for scheme in sorted(inst.schemes, key=lambda s: s != inst.primary):
        value = categories.get(scheme)
        schemes.append({
            "id": scheme, "name": scheme_name(scheme, lang), "primary": scheme == inst.primary,
            "category": capfirst(band_label(shim, scheme, value, t)) if value else None,
            "possible": [capfirst(band_label(shim, scheme, v, t))
                         for v in possible.get(scheme, [])],
            "bands": band_ranges(inst.schemes[scheme], shim, scheme, t),
        })
    view["schemes"] = schemes
    category = data.get("category")
    meaning = inst.interpretations.get((inst.primary, category)) if category else None
    view["meaning"] = t(meaning.text) if meaning is not None else ""
    _ = gettext(lang)
    # Notes name inputs in words (in quotes, as they are phrases), never by id.
    names = {i.id: _("\u201c{name}\u201d", name=capfirst(t(i.meaning))) for i in inst.inputs}
    view["notes"] = [note_text(shim, note, t, names) for note in data.get("notes", [])]
    view["missing_words"] = [capfirst(t(inst.input(m).meaning)) if m in inst.input_ids else m
                             for m in data.get("missing", [])]
    options = {i.id: {o.value: capfirst(t(o.label)) for o in i.options}
               for i in inst.inputs if i.options}
    view["contributions"] = [
        {**item, "answer": options[item["input"]].get(item["answer"], item["answer"])}
        if isinstance(item.get("answer"), str) and item["input"] in options else dict(item)
        for item in data.get("contributions", [])]
    return view


def read_instrument_form(inst: Any, form: FormData) -> tuple[dict[str, Any], dict[str, str],
                                                              dict[str, str]]:
    """(answers, raw values, errors by input id) from a calculator form."""
    answers: dict[str, Any] = {}
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in inst.inputs:
        raw = form.get(item.id)
        raw = raw if isinstance(raw, str) else None
        values[item.id] = raw or ""
        try:
            answers[item.id] = convert(item.id, item.kind, raw,
                                       [o.value for o in item.options])
        except InputError as exc:
            errors[item.id] = exc.reason
    return answers, values, errors


@router.post("/{lang}/calculators/{instrument_id}")
async def calculator_result(request: Request, lang: str, instrument_id: str) -> Response:
    """The instrument's result: total, contributions, interpretation, citation."""
    inst = _instrument(instrument_id)
    if inst is None:
        return not_found(request, lang)
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    answers, values, errors = read_instrument_form(inst, form)
    result = None
    if not errors:
        try:
            result = result_view(compute.evaluate_result(inst.id, answers).to_dict(), lang)
        except InputError as exc:
            errors[exc.field or "_form"] = exc.reason
    status = 422 if errors else 200
    return render(request, lang, "calculator.html", status_code=status, inst=inst,
                  meanings=meanings(inst, lang),
                  values=values, errors=errors, result=result,
                  answers={k: v for k, v in answers.items() if v is not None})


# --- saving and sharing ---------------------------------------------------------------------

@router.post("/{lang}/save")
async def save(request: Request, lang: str) -> Response:
    """Save a triage or calculator result, by the person's explicit choice; show the code."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    _ = gettext(lang)
    kind = form.get("kind")
    subject = form.get("instrument")
    if form.get("consent") != "yes":
        return render(request, lang, "error.html", status_code=422,
                      title=_("Nothing was saved"),
                      message=_("To save and share a result, tick the box that says you want "
                                "it stored. Go back to try again."))
    try:
        answers = carried_answers(form)
        saved = await run_in_threadpool(
            assessments.save, request.app.state.store, kind=str(kind), answers=answers,
            subject=str(subject) if isinstance(subject, str) and subject else None, lang=lang,
            now=request.app.state.clock(),
            ttl=timedelta(days=request.app.state.settings.share_ttl_days))
    except InputError as exc:
        return render(request, lang, "error.html", status_code=422,
                      title=_("Nothing was saved"), message=f"{exc.field}: {exc.reason}")
    return render(request, lang, "saved.html", saved=saved)


def _rate_limited(request: Request, lang: str) -> Response | None:
    wait = request.app.state.share_limiter.acquire(client_key(request))
    if wait <= 0:
        return None
    _ = gettext(lang)
    response = render(request, lang, "error.html", status_code=429,
                      title=_("Too many attempts"),
                      message=_("Too many share codes were tried from this address. "
                                "Wait a minute and try again."))
    response.headers["Retry-After"] = str(int(wait) + 1)
    return response


@router.get("/{lang}/shared")
async def shared_form(request: Request, lang: str) -> Response:
    """Where a clinician types the share code they were given."""
    return render(request, lang, "shared_form.html", code="", error=None)


@router.post("/{lang}/shared")
async def shared_view(request: Request, lang: str) -> Response:
    """The shared assessment, read-only (the code travels in the POST body, not the URL)."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    limited = _rate_limited(request, lang)
    if limited:
        return limited
    _ = gettext(lang)
    code = form.get("code")
    code = code if isinstance(code, str) else ""
    try:
        shared = await run_in_threadpool(assessments.open_shared, request.app.state.store,
                                         code, now=request.app.state.clock())
    except InputError:
        return render(request, lang, "shared_form.html", status_code=422, code=code,
                      error=_("A share code is 20 letters and digits, like "
                              "ABCDE-12345-FGHJK-67890."))
    except AssessmentNotFound:
        return render(request, lang, "shared_form.html", status_code=404, code=code,
                      error=_("No shared result has this code. It may have expired or been "
                              "withdrawn."))
    if shared.kind == "triage":
        extra: dict[str, Any] = {**triage_flow.labels(lang),
                                 "rows": triage_flow.answer_rows(shared.answers, lang)}
    else:
        inst = _instrument(shared.subject)
        extra = {"rows": instrument_answer_rows(inst, shared.answers, lang),
                 "meanings": meanings(inst, lang), "result": result_view(shared.result, lang)}
    return render(request, lang, "shared_view.html", shared=shared, **extra)


def instrument_answer_rows(inst: Any, answers: dict[str, Any],
                           lang: str) -> list[tuple[str, str, str]]:
    """(input id, meaning, answer text) for a calculator's saved answers."""
    _ = gettext(lang)
    t = clinical(lang)
    meanings = {i.id: i for i in inst.inputs} if inst is not None else {}
    rows = []
    for key, value in answers.items():
        item = meanings.get(key)
        if value is None:
            text = _("Don't know")
        elif isinstance(value, bool):
            text = _("Yes") if value else _("No")
        else:
            unit = getattr(item, "unit", None)
            text = f"{value} {t(unit)}" if unit else str(value)
        rows.append((key, capfirst(t(item.meaning)) if item is not None else key, text))
    return rows


@router.post("/{lang}/shared/revoke")
async def shared_revoke(request: Request, lang: str) -> Response:
    """Withdraw a shared result with its revoke token."""
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    limited = _rate_limited(request, lang)
    if limited:
        return limited
    _ = gettext(lang)
    code, token = form.get("code"), form.get("revoke_token")
    try:
        await run_in_threadpool(assessments.revoke, request.app.state.store,
                                code if isinstance(code, str) else "",
                                token if isinstance(token, str) else "",
                                now=request.app.state.clock())
    except (InputError, AssessmentNotFound, RevokeRefused):
        return render(request, lang, "error.html", status_code=404,
                      title=_("Not withdrawn"),
                      message=_("The code and token do not match a shared result that is "
                                "still open."))
    return render(request, lang, "error.html", title=_("Withdrawn"),
                  message=_("The shared result has been withdrawn. The code no longer opens "
                            "it."))


# --- site files -----------------------------------------------------------------------------

STATIC = Path(__file__).resolve().parent / "static"
ROBOTS = """\
# clotwatch: the pages may be indexed; the API and CDS Hooks are for programs.
User-agent: *
Disallow: /api/
Disallow: /cds-services
"""


@router.get("/favicon.ico")
async def favicon() -> Response:
    """The site's icon (browsers ask for it at this address)."""
    return Response((STATIC / "favicon.ico").read_bytes(), media_type="image/x-icon",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/robots.txt")
async def robots() -> Response:
    """What crawlers may visit."""
    return Response(ROBOTS, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=86400"})
