"""Rendering pages: the Jinja2 environment, the page context, the CSRF cookie."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from clotwatch import DISCLAIMER, __version__
from clotwatch.web import csrf
from clotwatch.web.forms import encode_value
from clotwatch.web.i18n import LANGUAGES, clinical, gettext

ENV = Environment(
    loader=PackageLoader("clotwatch.web", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def capfirst(text: str) -> str:
    """``text`` with its first letter in capitals, as a label or a sentence starts; a first
    word already written with capitals inside (ng/mL, eGFR, pH) is left as it is."""
    first = text.split(" ", 1)[0]
    if any(c.isupper() for c in first[1:]):
        return text
    return text[:1].upper() + text[1:]


ENV.filters["answer_value"] = encode_value
ENV.filters["capfirst"] = capfirst
# clotwatch's own contract is cited in the API result for developers, not to a patient.
ENV.tests["internal_source"] = lambda source: str(source).startswith("clotwatch triage contract")
ENV.filters["number"] = lambda v: str(int(v)) if float(v).is_integer() else f"{v:g}"


def other_language_paths(request: Request, lang: str) -> dict[str, str]:
    """For each language, this page's path in that language (same page, other prefix)."""
    path = request.url.path
    rest = path[len(lang) + 1:] if path.startswith(f"/{lang}") else "/"
    return {code: f"/{code}{rest or '/'}" for code in LANGUAGES}


def note_model(settings: Any) -> str | None:
    """The local language model's name when one is configured for the note box, else None
    (docs/notes.md: off by default; the box then offers no model)."""
    if settings.notes_llm_url and settings.notes_llm_model:
        return str(settings.notes_llm_model)
    return None


def render(request: Request, lang: str, template: str, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """Render ``template`` in ``lang``, with a CSRF token (setting its cookie if new)."""
    secret: str = request.app.state.secret_key
    cookie = request.cookies.get(csrf.COOKIE)
    fresh = not cookie
    if not cookie:
        cookie = csrf.new_cookie_value()
    page = ENV.get_template(template).render(
        _=gettext(lang), t=clinical(lang), lang=lang, languages=LANGUAGES,
        language_paths=other_language_paths(request, lang),
        csrf_field=csrf.FIELD, csrf_token=csrf.token_for(secret, cookie),
        disclaimer=DISCLAIMER, version=__version__,
        share_days=request.app.state.settings.share_ttl_days,
        note_model=note_model(request.app.state.settings), **context,
    )
    response = HTMLResponse(page, status_code=status_code)
    if fresh:
        response.set_cookie(csrf.COOKIE, cookie, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
    return response
