"""Message catalogues (gettext ``.po`` files, English and Russian) and their loader.

Message ids are symbolic (``reason.swelling``, ``q.cramp.text``); the English text is the
``msgstr`` of ``en/LC_MESSAGES/clotwatch.po`` and ``clotwatch.pot`` is the template for new
languages. The ``.po`` files are read at run time with Babel's parser (no compiled ``.mo``
files, so a fresh clone works without a build step); each catalogue is parsed once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources

from clotwatch.errors import InputError

DOMAIN = "clotwatch"
LANGUAGES: tuple[str, ...] = ("en", "ru")
DEFAULT_LANGUAGE = "en"


def check_language(lang: str) -> str:
    """``lang`` if a catalogue exists for it, else InputError("lang", ...)."""
    if lang not in LANGUAGES:
        raise InputError("lang", f"unsupported language {lang!r}; use one of "
                                 f"{', '.join(LANGUAGES)}")
    return lang


@cache
def catalogue(lang: str, domain: str = DOMAIN) -> Mapping[str, str]:
    """The translated messages of ``lang`` as ``{msgid: msgstr}`` (empty strings left out).

    ``domain`` is the catalogue's name: ``clotwatch`` (triage, the CLI) or ``followup``.
    """
    from babel.messages.pofile import read_po

    check_language(lang)
    path = resources.files(__name__) / lang / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as fh:
        parsed = read_po(fh, locale=lang, domain=domain)
    return {str(m.id): str(m.string) for m in parsed
            if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string}


def translator(lang: str, domain: str = DOMAIN) -> Callable[[str], str]:
    """A function from message id to text in ``lang`` (falling back to English, then the id)."""
    primary = catalogue(check_language(lang), domain)
    fallback = catalogue(DEFAULT_LANGUAGE, domain)

    def translate(msgid: str) -> str:
        return primary.get(msgid) or fallback.get(msgid) or msgid

    return translate
