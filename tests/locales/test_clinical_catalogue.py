"""The ``clinical`` catalogue (the calculator and pathway pages' clinical text in Russian) is
complete, in step with the declarations, and keeps every figure and placeholder of the English."""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from clotwatch.locales.clinical import clinical_messages
from clotwatch.web.i18n import clinical

LOCALES = resources.files("clotwatch.locales")
NEEDED = set(clinical_messages())
# Symbols and bounds that read the same in Russian.
SAME_IN_BOTH = {"%", "< 500", "< 1000", "< 1200", "{words}: {qualifier}"}
# Format-only strings: reordered in Russian but with no word to translate.
FORMAT_ONLY = {"{name}: {total} {unit}, {label}.", "{words}: {qualifier}"}
# Placeholders a translation may leave out: the input ids of an incomplete score (the page lists
# the unanswered inputs, in Russian, right below the sentence).
OPTIONAL_FIELDS = {"ids", "input", "flag", "requested"}
# Placeholders the code also supplies (so a translation may use them): the field's label where
# the English names the input id.
EXTRA_FIELDS = {
    "Give {input} to get the dates of the window.": {"label"},
    "{flag} was given as true but {requested} is more than {hours} h ago with no result: treated "
    "as not available in time.": {"flag_label", "requested_label"},
}
# English term -> how the Russian text must say it, wherever the English uses it.
TERMS = {r"\bDVT\b": "ТГВ", r"\bPE\b": "ТЭЛА", r"\bCTPA\b": "КТ-АПГ", r"D-dimer": "D-димер",
         r"\bVTE\b": "ВТЭО", r"haemoptysis": "кровохарканье", r"\bBMI\b|body-mass": "ИМТ",
         r"heart rate": "ЧСС", r"anticoagulation": "антикоагулянтн"}


def _read(path: str) -> dict[tuple[str | None, str], tuple[str, bool]]:
    with (LOCALES / path).open("rb") as fh:
        cat = read_po(fh)
    return {(m.context, str(m.id)): (str(m.string), m.fuzzy) for m in cat if m.id}


RU = _read("ru/LC_MESSAGES/clinical.po")
POT = _read("clinical.pot")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:\.\d+)?", text.replace("m2", "m²")))


def test_template_and_russian_catalogue_hold_exactly_the_declared_messages() -> None:
    assert set(POT) == NEEDED, "clinical.pot is stale: run scripts/web-catalogue"
    assert set(RU) == NEEDED, "ru clinical.po is stale: run scripts/web-catalogue"
    assert all(not text for text, _ in POT.values())


def test_every_clinical_message_has_a_russian_translation_not_a_copy() -> None:
    empty = [k for k in NEEDED if not RU[k][0].strip()]
    fuzzy = [k for k in NEEDED if RU[k][1]]
    copied = [k for k in NEEDED if k[1] not in SAME_IN_BOTH and RU[k][0] == k[1]]
    latin_only = [k for k in NEEDED if k[1] not in SAME_IN_BOTH | FORMAT_ONLY
                  and not re.search("[А-Яа-яЁё]", RU[k][0])]
    assert not empty and not fuzzy and not copied and not latin_only, (empty, fuzzy, copied,
                                                                       latin_only)


def test_placeholders_match_between_english_and_russian() -> None:
    wrong = [k for k in NEEDED
             if not (_fields(k[1]) - OPTIONAL_FIELDS <= _fields(RU[k][0])
                     <= _fields(k[1]) | EXTRA_FIELDS.get(k[1], set()))]
    assert not wrong
    assert all((None, text) in NEEDED for text in EXTRA_FIELDS)


def test_every_figure_of_the_english_is_in_the_russian() -> None:
    """Points, cut-offs, percentages and time limits survive translation digit for digit."""
    lost = {k[1]: RU[k][0] for k in NEEDED
            if not set(_numbers(k[1])) <= set(_numbers(RU[k][0]))}
    assert not lost


@pytest.mark.parametrize("english, russian", sorted(TERMS.items()))
def test_clinical_terms_are_rendered_as_russian_clinicians_write_them(english: str,
                                                                       russian: str) -> None:
    off = {k[1]: RU[k][0] for k in NEEDED
           if re.search(english, k[1]) and russian.lower() not in RU[k][0].lower()}
    assert not off


def test_band_values_are_translated_by_their_scheme() -> None:
    t = clinical("ru")
    assert t("low", "risk") == "низкий риск"
    assert t("low", "three_level") == "низкая вероятность"
    assert t("positive", "result") == "положительный"
    assert clinical("en")("low", "risk") == "low"


def test_generated_descriptions_read_in_russian_and_stay_english_by_default() -> None:
    from clotwatch.core.instruments.explain import bands_text, kind_text, points_text
    from clotwatch.instruments import get

    t = clinical("ru")
    wells_pe = get("wells-pe")
    heart = wells_pe.input("heart_rate")
    assert points_text(heart, t) == "> 100 уд/мин: 1.5"
    assert points_text(heart) == "> 100 beats/min: 1.5"
    assert kind_text(heart, t) == "число 20..300 уд/мин"
    assert points_text(wells_pe.input("hemoptysis"), t) == "+1 при ответе «да»"
    bands = wells_pe.schemes["two_level"]
    assert bands_text(bands, t, "two_level") == "маловероятно (<= 4); вероятно (> 4)"
    assert bands_text(bands) == "unlikely (<= 4); likely (> 4)"
