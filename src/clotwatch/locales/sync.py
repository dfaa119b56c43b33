"""Bring the triage catalogues in step with the code: ``python -m clotwatch.locales.sync``.

Collects every message id the triage engine and ``clotwatch check`` use, rewrites
``clotwatch.pot`` from them (with the English text as a comment for translators), adds any new
id to each language's ``clotwatch.po`` with an empty translation (the catalogue test then fails
until someone writes it) and drops ids the code no longer uses. Development tool; never run at
run time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from clotwatch.locales import DOMAIN, LANGUAGES

HERE = Path(__file__).resolve().parent


def needed_ids() -> list[str]:
    """Every message id the code can ask for, in a stable order."""
    from clotwatch.cli.check import CLI_MESSAGES
    from clotwatch.core.triage import message_ids

    return list(dict.fromkeys([*message_ids(), *CLI_MESSAGES]))


def _read(path: Path, lang: str | None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def _write(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100)


def sync(now: dt.datetime) -> dict[str, list[str]]:
    """Rewrite the template and update every catalogue; return the ids added per language."""
    ids = needed_ids()
    english = {str(m.id): str(m.string)
               for m in _read(HERE / "en" / "LC_MESSAGES" / f"{DOMAIN}.po", "en") if m.id}
    added: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        path = HERE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        old = _read(path, lang)
        new = Catalog(locale=lang, domain=DOMAIN, project=old.project, version=old.version,
                      creation_date=old.creation_date, revision_date=now,
                      language_team=old.language_team, last_translator=old.last_translator,
                      header_comment=old.header_comment, fuzzy=False)
        added[lang] = []
        for msgid in ids:
            message = old.get(msgid)
            if message is None:
                added[lang].append(msgid)
            comments = [] if lang == "en" else [english.get(msgid, "")]
            new.add(msgid, message.string if message else "", auto_comments=comments)
        _write(path, new)
    from clotwatch import __version__

    template = Catalog(domain=DOMAIN, project="clotwatch", version=__version__,
                       creation_date=now, revision_date=now, fuzzy=False,
                       language_team="clotwatch <none>", last_translator="clotwatch contributors",
                       header_comment=_read(HERE / f"{DOMAIN}.pot", None).header_comment)
    for msgid in ids:
        template.add(msgid, "", auto_comments=[english.get(msgid, "")])
    _write(HERE / f"{DOMAIN}.pot", template)
    return added


if __name__ == "__main__":  # pragma: no cover - developer tool
    for language, new_ids in sync(dt.datetime.now(dt.UTC)).items():
        print(f"{language}: {len(new_ids)} new message(s) to translate: {', '.join(new_ids)}")
