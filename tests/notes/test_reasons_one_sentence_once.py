"""Several mentions in one sentence, left open for the same reason, quote the sentence once.

"'DVT' is mentioned only with doubt ('Possible DVT or PE.'); 'PE' is mentioned only with doubt
('Possible DVT or PE.')" said the sentence twice; it now reads "'DVT' and 'PE' are mentioned
only with doubt ('Possible DVT or PE.')", in English and in Russian. Reasons about different
sentences, or of different kinds, stay apart.
"""

from __future__ import annotations

import pytest

from clotwatch.core.notes import why as W
from clotwatch.notes import note_result


def _reason(note: str, inst: str, item: str) -> str:
    res = note_result(note, inst)
    return next(m.reason for m in res.extraction.missing if m.input == item)


@pytest.mark.parametrize(
    ("note", "inst", "item", "reason"),
    [
        ("Possible DVT or PE.", "perc", "previous_vte",
         "'DVT' and 'PE' are mentioned only with doubt ('Possible DVT or PE.')"),
        ("Her mother had a DVT and a PE.", "perc", "previous_vte",
         "'DVT' and 'PE' are mentioned about a relative, not the patient "
         "('Her mother had a DVT and a PE.')"),
        # words inside other quoted words of the same sentence are not said again
        ("Maybe alcohol abuse or heavy drinking.", "has-bled", "alcohol",
         "'alcohol abuse' and 'heavy drinking' are mentioned only with doubt "
         "('Maybe alcohol abuse or heavy drinking.')"),
    ],
)
def test_one_sentence_is_quoted_once(note: str, inst: str, item: str, reason: str) -> None:
    got = _reason(note, inst, item)
    assert got == reason
    assert got.count(note) == 1


def test_three_mentions_read_as_a_list() -> None:
    from clotwatch.core.notes.why import merged, why, words

    sentence = words("Possible DVT, PE or VTE.")
    ws = tuple(why(W.STATUS_TEMPLATES["uncertain"], words=words(w), sentence=sentence)
               for w in ("DVT", "PE", "VTE"))
    (one,) = merged(ws)
    assert str(one) == ("'DVT', 'PE' and 'VTE' are mentioned only with doubt "
                        "('Possible DVT, PE or VTE.')")


def test_different_sentences_or_kinds_stay_apart() -> None:
    got = _reason("Possible DVT. Possible PE.", "perc", "previous_vte")
    assert got == ("'DVT' is mentioned only with doubt ('Possible DVT.'); "
                   "'PE' is mentioned only with doubt ('Possible PE.')")
    got = _reason("Possible DVT; her mother had a PE.", "perc", "previous_vte")
    assert "'DVT' is mentioned only with doubt" in got
    assert "'PE' is mentioned about a relative" in got


def test_a_denial_said_for_two_words_names_both_once() -> None:
    got = _reason("No DVT or PE on CT today.", "perc", "previous_vte")
    assert got == ("the note denies 'DVT' and 'PE' now ('No DVT or PE on CT today.'), which "
                   "does not say whether there was one before")


def test_the_russian_page_says_it_once_too() -> None:
    from clotwatch.web.i18n import clinical

    ru = clinical("ru")
    for template in W.PLURALS.values():
        assert ru(template) != template, template
    res = note_result("Possible DVT or PE.", "perc")
    (m,) = [m for m in res.extraction.missing if m.input == "previous_vte"]
    text = W.joined(m.whys, ru)
    assert text.count("Possible DVT or PE.") == 1
    assert "'DVT' и 'PE'" in text and "упомянуты" in text
