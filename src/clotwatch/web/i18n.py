"""Page chrome translations: the ``web`` domain of the Babel catalogues in clotwatch/locales.

Message ids are the English text. Catalogues are read from the ``.po`` files with Babel at first
use (no compiled ``.mo`` to go stale). Clinical text (questions, results) comes from the triage
engine's catalogue (``clotwatch``) and from the ``clinical`` domain: the English text of the
instrument declarations and pathway tables as message ids (``clotwatch.locales.clinical``), read
here by ``clinical(lang)`` for the calculator and pathway pages only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Protocol

from clotwatch.core.instruments.explain import Translate, same

LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
DEFAULT_LANG = "en"
LOCALES = Path(__file__).resolve().parent.parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> msgstr of the ``web`` domain for ``lang`` (empty for English)."""
    from babel.messages.pofile import read_po

    path = LOCALES / lang / "LC_MESSAGES" / "web.po"
    if lang == DEFAULT_LANG or not path.exists():
        return {}
    with path.open("rb") as handle:
        cat = read_po(handle, locale=lang)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy}


class Gettext(Protocol):
    """``_(message, **values)``: the translation, formatted with ``values`` if any."""

    def __call__(self, message: str, **values: object) -> str: ...


def gettext(lang: str) -> Gettext:
    """A ``_`` function for templates: the translation, or the English text if none."""
    table = catalogue(lang)

    def _(message: str, **values: object) -> str:
        text = table.get(message, message)
        return text.format(**values) if values else text

    return _


@cache
def clinical_catalogue(lang: str) -> dict[tuple[str | None, str], str]:
    """(context, English text) -> translation of the ``clinical`` domain (empty for English)."""
    from babel.messages.pofile import read_po

    path = LOCALES / lang / "LC_MESSAGES" / "clinical.po"
    if lang == DEFAULT_LANG or not path.exists():
        return {}
    with path.open("rb") as handle:
        cat = read_po(handle, locale=lang)
    return {(m.context, str(m.id)): str(m.string)
            for m in cat if m.id and m.string and not m.fuzzy}


def clinical(lang: str) -> Translate:
    """``t(text, context=None)`` for clinical text: the translation, or the English if none."""
    table = clinical_catalogue(lang)
    if not table:
        return same

    def t(text: str, context: str | None = None) -> str:
        return table.get((context, text)) or table.get((None, text), text)

    return t


def pick_language(accept_language: str | None) -> str:
    """The best supported language from an Accept-Language header."""
    if not accept_language:
        return DEFAULT_LANG
    best, best_q = DEFAULT_LANG, -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


CHROME_SOURCES = Path(__file__).resolve().parent
EXTRACT_METHODS = [("templates/api_docs.html", "ignore"), ("templates/**.html", "jinja2"),
                   ("**.py", "python")]


# Pages written elsewhere that use this domain: the population screening's report.html.
OTHER_PAGES = tuple(Path(__file__).resolve().parent.parent / "population" / name
                    for name in ("report.py", "checks.py"))  # checks: the input problems


def chrome_messages() -> dict[str, list[tuple[str, int]]]:
    """Every ``_("...")`` string of the web templates and modules (and of ``OTHER_PAGES``),
    with where it occurs."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    found: dict[str, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(CHROME_SOURCES), method_map=EXTRACT_METHODS,
            options_map={"templates/**.html": {"trimmed": "false"}}):
        text = message[0] if isinstance(message, tuple) else message
        found.setdefault(str(text), []).append((f"web/{filename}", lineno))
    for page in OTHER_PAGES:
        for lineno, message, _comments, _context in extract_from_file("python", str(page)):
            text = message[0] if isinstance(message, tuple) else message
            found.setdefault(str(text), []).append(
                (f"{page.parent.name}/{page.name}", lineno))
    return found

