"""The services' refusal reasons on the pages (clotwatch.web.reasons): every template is in the
Russian catalogue with the same placeholders; English is given back unchanged; a reason no
template matches stays in English, whole."""

from __future__ import annotations

import re

import pytest

from clotwatch.web.i18n import catalogue
from clotwatch.web.reasons import TEMPLATES, reason_text

FIELD = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_template_is_translated_with_the_same_placeholders(template: str) -> None:
    russian = catalogue("ru").get(template)
    assert russian and russian != template
    assert sorted(FIELD.findall(russian)) == sorted(FIELD.findall(template))


@pytest.mark.parametrize("reason", [
    "line 12: steps: '1.5' is not a whole number; nothing was stored",
    "record 4: start: the year 1900 is outside 2000-2100 (and 3 more); nothing was stored",
    "a record of 120,000 steps at 2026-11-03T08:00:00+01:00 (more than 100,000); "
    "nothing was stored",
    "enter a whole number of minutes from 30 to 720",
    "a reason no template has: 42",
])
def test_english_is_unchanged(reason: str) -> None:
    assert reason_text(reason, "en") == reason


def test_russian_is_worded_part_by_part() -> None:
    assert reason_text("line 12: steps: '1.5' is not a whole number; nothing was stored",
                       "ru") == "строка 12: steps: '1.5' — не целое число; ничего не сохранено"
    assert reason_text("a record of 120,000 steps at 2026-11-03T08:00:00+01:00 (more than "
                       "100,000); nothing was stored", "ru") == \
        "запись о 120,000 шагах в 2026-11-03T08:00:00+01:00 (больше 100,000); ничего не сохранено"
    assert reason_text("at most 24 hours", "ru") == "не больше 24 ч"


def test_an_unknown_reason_stays_whole() -> None:
    reason = "line 2: steps: something new the importers say; nothing was stored"
    assert reason_text(reason, "ru") == \
        "строка 2: steps: something new the importers say; ничего не сохранено"
    assert reason_text("a reason no template has", "ru") == "a reason no template has"
