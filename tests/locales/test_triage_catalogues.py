"""The triage catalogues are complete: every message in English and Russian, none left empty,
untranslated or fuzzy, with the same placeholders, and the template in step with them."""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from clotwatch.cli.check import CLI_MESSAGES
from clotwatch.core.triage import message_ids
from clotwatch.errors import InputError
from clotwatch.locales import catalogue, check_language, translator

LOCALES = resources.files("clotwatch.locales")
NEEDED = [*message_ids(), *CLI_MESSAGES]
# The same in both languages on purpose (format-only strings).
SAME_IN_BOTH = {"evidence"}


def _read(path: str) -> dict[str, tuple[str, bool]]:
    with (LOCALES / path).open("rb") as fh:
        cat = read_po(fh)
    return {str(m.id): (str(m.string), m.fuzzy) for m in cat if m.id}


EN = _read("en/LC_MESSAGES/clotwatch.po")
RU = _read("ru/LC_MESSAGES/clotwatch.po")
POT = _read("clotwatch.pot")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang, table", [("en", EN), ("ru", RU)])
def test_every_message_the_code_uses_is_translated(lang: str, table: dict) -> None:
    missing = [m for m in NEEDED if m not in table]
    empty = [m for m in NEEDED if m in table and not table[m][0].strip()]
    fuzzy = [m for m, (_, is_fuzzy) in table.items() if is_fuzzy]
    assert not missing, f"{lang}: missing {missing}"
    assert not empty, f"{lang}: empty {empty}"
    assert not fuzzy, f"{lang}: fuzzy {fuzzy}"


def test_catalogues_and_template_hold_the_same_messages_and_no_stale_ones() -> None:
    assert set(EN) == set(RU) == set(POT) == set(NEEDED)
    assert all(not text for text, _ in POT.values())


def test_russian_is_translated_not_copied() -> None:
    copied = [m for m in NEEDED if m not in SAME_IN_BOTH and RU[m][0] == EN[m][0]]
    assert not copied
    no_cyrillic = [m for m in NEEDED if m not in SAME_IN_BOTH
                   and not re.search("[А-Яа-яЁё]", RU[m][0])]
    assert not no_cyrillic


def test_placeholders_match_between_languages() -> None:
    assert [m for m in NEEDED if _fields(EN[m][0]) != _fields(RU[m][0])] == []


def test_emergency_numbers_are_local_to_each_language() -> None:
    assert "999" in EN["headline.emergency"][0] and "112" in EN["headline.emergency"][0]
    assert "103" in RU["headline.emergency"][0] and "112" in RU["headline.emergency"][0]
    assert "999" not in RU["headline.emergency"][0]


def test_loader_reads_the_po_files_and_refuses_unknown_languages() -> None:
    assert catalogue("ru")["answer.yes"] == "Да"
    assert translator("en")("answer.no") == "No"
    with pytest.raises(InputError) as err:
        check_language("de")
    assert err.value.field == "lang"


def _syllables(word: str) -> int:
    word = re.sub("[^a-z]", "", word.lower())
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", word)
    return max(1, len(re.findall("[aeiouy]{1,2}", word)))


def test_english_patient_text_reads_at_about_age_twelve() -> None:
    # Flesch-Kincaid grade over all questions, reasons, advice and safety net pooled: US grade
    # 7 is reading age 12-13. The syllable count is a heuristic, so the bar has some margin.
    ids = [m for m in NEEDED if m.split(".")[0] in
           ("q", "reason", "advice", "safety", "headline", "notice")]
    text = " ".join(EN[m][0] for m in ids)
    sentences = len(re.findall(r"[.!?:]+(?:\s|$)", text))
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    grade = (0.39 * len(words) / sentences
             + 11.8 * sum(_syllables(w) for w in words) / len(words) - 15.59)
    assert grade <= 7.0, grade
