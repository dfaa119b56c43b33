"""Programmes and rules as data: the numbers from their sources, every source cited, and the
followup catalogue complete in English and Russian."""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from clotwatch.core.followup import PROGRAMMES, RULES, SOURCES, get_programme, message_ids
from clotwatch.core.triage.rules import WELLS_CALF_CM
from clotwatch.errors import InputError
from clotwatch.followup import translator


def test_after_surgery_follows_ng89_and_the_12_week_risk_window() -> None:
    p = get_programme("after_surgery")
    # NICE NG89: extended prophylaxis to 28 days after major abdominal/pelvic cancer surgery
    # (and hip fracture / hip replacement); doses asked over those 28 days.
    assert p.doses_until_day == 28 and p.thresholds["prophylaxis_days"] == 28
    assert p.asks("doses", 27.9) and not p.asks("doses", 28)
    # Wells / NICE NG158 Table 1: "major surgery within 12 weeks".
    assert p.length_days == 12 * 7
    assert p.phase_on(0).every_days == 1 and p.phase_on(27).every_days == 1
    assert p.phase_on(28).every_days == 7


def test_after_vte_asks_doses_throughout_and_villalta_from_3_months() -> None:
    p = get_programme("after_vte")
    assert p.thresholds["anticoagulation_days"] == 90          # NICE NG158: at least 3 months
    assert p.length_days > 90 and p.asks("doses", 170)
    assert not p.asks("villalta", 89.99) and p.asks("villalta", 90)   # Kahn 2009
    assert "villalta" in p.rules and "missed_doses" in p.rules


def test_pregnancy_programme_covers_the_6_week_puerperium() -> None:
    p = get_programme("pregnancy_postpartum")
    assert p.length_days == 42                                  # RCOG GTG 37a: 6 weeks
    assert p.phase_on(-1).every_days == 7
    assert p.phase_on(0).every_days == 1 and p.phase_on(9).every_days == 1   # 10 days
    assert p.phase_on(10).every_days == 2


def test_journey_programme_lasts_the_8_weeks_of_kuipers_2007() -> None:
    p = get_programme("after_journey")
    assert p.length_days == 8 * 7 and p.thresholds["journey_hours"] == 4
    assert p.phase_on(6).every_days == 1 and p.phase_on(7).every_days == 7
    assert "doses" not in p.questions and "missed_doses" not in p.rules


def test_calf_rule_reuses_the_wells_3_cm_item() -> None:
    assert WELLS_CALF_CM == 3.0


def test_unknown_programme_is_named_in_the_error() -> None:
    with pytest.raises(InputError) as err:
        get_programme("after_skiing")
    assert err.value.field == "programme" and "after_vte" in err.value.reason


def test_every_programme_and_rule_cites_known_sources_with_a_doi_pmid_or_url() -> None:
    for p in PROGRAMMES.values():
        assert p.sources and all(s in SOURCES for s in p.sources), p.id
        assert all(r in RULES for r in p.rules), p.id
    for rule in RULES.values():
        assert rule.sources and all(s in SOURCES for s in rule.sources), rule.id
    for source in SOURCES.values():
        assert re.search(r"doi:10\.|PMID|https?://|docs/", source.citation + source.url), source.id
        if source.id != "clotwatch_followup" and source.id in {
                "nice_ng89", "nice_ng158_treatment", "villalta_kahn_2009", "rcog_gtg37a",
                "kuipers_2007", "wells_dvt_2003"}:
            assert source.section and source.checked, source.id


LOCALES = resources.files("clotwatch.locales")


def _read(path: str) -> dict[str, str]:
    with (LOCALES / path).open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_followup_catalogues_are_complete_translated_and_in_step() -> None:
    en = _read("en/LC_MESSAGES/followup.po")
    ru = _read("ru/LC_MESSAGES/followup.po")
    pot = _read("followup.pot")
    needed = set(message_ids())
    assert set(en) == set(ru) == set(pot) == needed
    assert all(en[m].strip() and ru[m].strip() for m in needed)
    assert [m for m in needed if en[m] == ru[m] or not re.search("[А-Яа-яЁё]", ru[m])] == []
    assert [m for m in needed if _fields(en[m]) != _fields(ru[m])] == []


def test_emergency_advice_gives_each_languages_numbers() -> None:
    assert "999" in translator("en")("alert.warning_sign.patient")
    ru = translator("ru")("alert.warning_sign.patient")
    assert "103" in ru and "112" in ru and "999" not in ru
