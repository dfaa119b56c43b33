"""Reasons for a missing input: English for the CLI, the API and FHIR, and the same reason in
another language for the web pages (core/notes/why.py)."""

from __future__ import annotations

from clotwatch.core.notes import why as W
from clotwatch.core.notes.engine import Missing
from clotwatch.locales.clinical import note_reason_messages
from clotwatch.notes import note_result
from clotwatch.web.i18n import clinical

NOTE = ("Patient with pleuritic chest pain. No calf swelling. His brother had a pulmonary "
        "embolism. Scheduled for knee surgery next week.")


def test_the_english_reason_is_each_why_once_in_order() -> None:
    a = W.why(W.NO_DATE, words="'surgery'", sentence="'Had surgery.'")
    b = W.why(W.ON_OXYGEN, words="'SpO2 94%'")
    m = Missing.of("x", a, b, a)
    assert m.whys == (a, b)
    assert m.reason == ("'surgery' has no date or 'recent' ('Had surgery.'); "
                        "'SpO2 94%' was measured on oxygen, not room air")


def test_phrases_are_translated_and_the_notes_words_are_not() -> None:
    ru = clinical("ru")
    parts = W.Phrases(("pain on palpation of the deep veins", "swelling of one leg"))
    why = W.why(W.DENIED_NOT_SETTLED, words="'calf swelling'", sentence="'No calf swelling.'",
                parts=parts)
    assert str(why).endswith("pain on palpation of the deep veins or swelling of one leg")
    text = why.text(ru)
    assert "'calf swelling'" in text and "'No calf swelling.'" in text
    assert "боль при пальпации по ходу глубоких вен или отёк одной ноги" in text
    numbers = W.Phrases(("'bilirubin 3 x ULN'", "'ALT 5 x ULN'"), "and", translate=False)
    assert W.why(W.ONLY_SOME_NUMBERS, numbers=numbers).text(ru) == (
        "из чисел, которые нужны этому пункту вместе, есть только "
        "'bilirubin 3 x ULN' и 'ALT 5 x ULN'")


def test_every_reason_a_real_note_gives_has_a_russian_text() -> None:
    """Each reason the engine wrote for this note reads in Russian with no English template
    left, and every template and phrase is in the catalogue's list."""
    listed = {text for _, text in note_reason_messages()}
    ru = clinical("ru")
    seen = 0
    for inst in ("wells-pe", "wells-dvt", "geneva-revised", "caprini-2005"):
        for m in note_result(NOTE, inst).extraction.missing:
            assert m.whys and m.reason == W.joined(m.whys)
            for w in m.whys:
                assert w.message in listed
                assert ru(w.message) != w.message or w.message == W.QUALIFIED
                seen += 1
    assert seen > 20  # "not mentioned in the note" among them
    reasons = {w.message for i in ("wells-pe", "caprini-2005", "geneva-revised")
               for m in note_result(NOTE, i).extraction.missing for w in m.whys}
    assert {W.STATUS_TEMPLATES["family"], W.PLANNED, W.DENIED_NOT_SETTLED} <= reasons
