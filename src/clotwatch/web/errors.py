"""The site's error page for every HTTP error a person can reach outside the API.

Starlette answers an address no route matches (``/en/triagee``) and a method a route does not
take (``GET /en/save``) with an ``HTTPException``; FastAPI's default handler turns it into
JSON, right for the API and wrong for a person in a browser. Here the web's share of those
errors gets the site's page, in the language of the address (``/ru/...``) or, where the address
has none, of the browser; the API, CDS Hooks and health addresses keep their JSON answer.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from clotwatch.web.i18n import LANGUAGES, gettext, pick_language
from clotwatch.web.render import render

# Addresses whose clients are programs: they keep FastAPI's ``{"detail": ...}`` JSON.
MACHINE_PREFIXES = ("/api/", "/cds-services", "/healthz", "/openapi.json")


def page_language(request: Request) -> str:
    """The language of the address (``/ru/...``), else the browser's preferred one."""
    first = request.url.path.lstrip("/").split("/", 1)[0]
    if first in LANGUAGES:
        return first
    return pick_language(request.headers.get("accept-language"))


def is_machine_path(path: str) -> bool:
    """Whether ``path`` belongs to the API side (JSON errors)."""
    return path.startswith(MACHINE_PREFIXES) or path == "/api"


def error_page(request: Request, status_code: int, lang: str | None = None) -> Response:
    """The site's page for an HTTP error ``status_code`` in ``lang`` (default: the page's)."""
    lang = lang or page_language(request)
    _ = gettext(lang)
    if status_code == 404:
        title = _("Page not found")
        message = _("There is no page at this address. Check the address, or choose a page "
                    "from the menu.")
        if request.url.path.startswith(f"/{lang}/shared/"):
            # A share code is typed into the form, never carried in the address.
            message = _("A share code is not part of the address: type it into the form on "
                        "the page for opening a shared result.")
    elif status_code == 405:
        title = _("This page is reached from a form")
        message = _("This address only answers a form sent from the site. Go back to the "
                    "page you came from, or start again.")
    else:
        title = _("Something went wrong")
        message = _("The page could not be shown. Go back and try again.")
    return render(request, lang, "error.html", status_code=status_code, title=title,
                  message=message)


def install(app: FastAPI) -> None:
    """Answer HTTP errors on the web's addresses with the site's page."""

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if is_machine_path(request.url.path) or exc.status_code not in (404, 405):
            return await http_exception_handler(request, exc)
        response = error_page(request, exc.status_code)
        if exc.headers:  # the Allow header of a 405
            for name, value in exc.headers.items():
                response.headers[name] = value
        return response
