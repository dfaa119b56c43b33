"""The ``followup`` message domain: programmes, alert rules and notifications, in each language.

Message ids come from ``clotwatch.core.followup.message_ids()``; ``followup.pot`` is the
template and ``<lang>/LC_MESSAGES/followup.po`` the catalogues (English included: the English
text lives in the catalogue, not in the rules). ``python -m clotwatch.locales.followup`` brings
them in step with the code: new ids are added with an empty text (the catalogue test then fails
until someone writes it) and ids the code no longer uses are dropped. Development tool only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DOMAIN = "followup"
HERE = Path(__file__).resolve().parent


def sync(now: dt.datetime) -> dict[str, list[str]]:
    """Rewrite ``followup.pot`` and update every catalogue; return the ids added per language."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    from clotwatch import __version__
    from clotwatch.core.followup import message_ids
    from clotwatch.locales import LANGUAGES

    ids = message_ids()
    added: dict[str, list[str]] = {}
    english: dict[str, str] = {}
    for lang in ("en", *[lang for lang in LANGUAGES if lang != "en"]):
        path = HERE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        old = Catalog(locale=lang, domain=DOMAIN)
        if path.exists():
            with path.open("rb") as fh:
                old = read_po(fh, locale=lang, domain=DOMAIN)
        new = Catalog(locale=lang, domain=DOMAIN, project="clotwatch", version=__version__,
                      revision_date=now, language_team=f"{lang} <none>", fuzzy=False)
        added[lang] = []
        for msgid in ids:
            message = old.get(msgid)
            if message is None:
                added[lang].append(msgid)
            text = str(message.string) if message is not None and message.string else ""
            if lang == "en":
                english[msgid] = text
            comments = [] if lang == "en" else [english.get(msgid, "")]
            new.add(msgid, text, auto_comments=comments)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, new, width=100)
    template = Catalog(domain=DOMAIN, project="clotwatch", version=__version__,
                       creation_date=now, revision_date=now, fuzzy=False)
    for msgid in ids:
        template.add(msgid, "", auto_comments=[english.get(msgid, "")])
    with (HERE / f"{DOMAIN}.pot").open("wb") as fh:
        write_po(fh, template, width=100)
    return added


if __name__ == "__main__":  # pragma: no cover - developer tool
    for language, new_ids in sync(dt.datetime.now(dt.UTC)).items():
        print(f"{language}: {len(new_ids)} new message(s) to translate: {', '.join(new_ids)}")
