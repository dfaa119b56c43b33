"""`clotwatch check` walked for every development vignette and boundary case (the case list of
tests/web/test_web_triage_flow.py), in English and Russian, in process: its input is fed what a
person with those answers types after reading each screen it prints (the numbers of the items
that apply, 0 / "нет" for none, ? for not sure, the number of the option, a number). The
answers it collects are the ones the web pages and the API collect, and the disposition it
shows is assess()'s and the API's for them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.test_web_triage_flow import PEOPLE, _ticked, preset_for, walk_core

from clotwatch import triage
from clotwatch.api import create_app
from clotwatch.cli import main
from clotwatch.config import Settings

HEADING = re.compile(r"^\d+\. (.+)$")
CHOICE = re.compile(r"^ {3}(\d+)\) (.+)$")
YES_NO = {"en": {True: "y", False: "n"}, "ru": {True: "да", False: "нет"}}
NONE_OF_THESE = {"en": "0", "ru": "нет"}
DISPOSITIONS = ("emergency", "urgent", "soon", "self_care")


def typed(shown: str, person: dict[str, Any], lang: str) -> str:
    """What a person with ``person``'s answers types at the screen printed in ``shown``."""
    lines = [line.rstrip() for line in shown.splitlines()]
    at = max(i for i, line in enumerate(lines) if HEADING.match(line))
    title = HEADING.match(lines[at]).group(1)  # type: ignore[union-attr]
    screen: Any = next(s for s in triage.SCREENS if s.text(lang) == title)
    choices = {m.group(2): int(m.group(1)) for line in lines[at + 1:]
               if (m := CHOICE.match(line))}
    if screen.is_group:
        listed = {screen.item_text(k, lang): k for k in screen.keys}
        items = [listed[label] for label in choices if label in listed]
        ticked = [choices[screen.item_text(k, lang)] for k in items if _ticked(k, person)]
        if ticked:
            return " ".join(map(str, ticked))
        if any(k in person and person[k] is None for k in items):
            return "?"
        return NONE_OF_THESE[lang]
    value = person.get(screen.id)
    if value is None:
        return "?"
    if isinstance(value, bool):
        return YES_NO[lang][value]
    if screen.presets:
        value = preset_for(screen, value).value
    if screen.options:
        return str(choices[screen.option_text(value, lang)])
    return str(value).replace(".", "," if lang == "ru" else ".")


def shown_disposition(output: str, lang: str) -> str:
    """The disposition on the first line of the result panel."""
    t = triage.translator(lang)
    panel = output[output.index(t("cli.result")):].splitlines()[1]
    found = [d for d in DISPOSITIONS if t(f"disposition.{d}") in panel]
    assert len(found) == 1, panel
    return found[0]


def check(person: dict[str, Any], lang: str, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    """Run `clotwatch check`; the disposition it shows and the answers it assessed."""
    replies = 0

    def answer(prompt: str = "") -> str:
        nonlocal replies
        replies += 1
        assert replies <= len(triage.SCREENS), "the questionnaire did not end"
        return typed(capsys.readouterr().out, person, lang)

    assessed: list[dict[str, Any]] = []
    real_assess = triage.assess

    def spy(answers: dict[str, Any], lang: str = "en") -> dict[str, Any]:
        assessed.append(dict(answers))
        return real_assess(answers, lang=lang)

    with monkeypatch.context() as patch:
        patch.setattr("builtins.input", answer)
        patch.setattr(triage, "assess", spy)
        assert main(["check", "--lang", lang]) == 0
    output = capsys.readouterr().out
    assert len(assessed) == 1
    return shown_disposition(output, lang), assessed[0]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_check_ends_where_the_pages_and_the_api_end_for_every_vignette(
        lang: str, data_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")     # no wrapped labels
    monkeypatch.setenv("NO_COLOR", "1")
    app = create_app(Settings(data_dir=data_dir), migrate=True)
    with TestClient(app) as client:
        for name, person in PEOPLE.items():
            shown, answers = check(person, lang, capsys, monkeypatch)
            # The answers the pages collect (test_web_triage_flow asserts walk_core == pages).
            assert answers == walk_core(person), name
            expected = triage.assess(answers, lang=lang)["disposition"]
            api = client.post(f"/api/v1/triage?lang={lang}", json=answers).json()
            assert (shown, api["disposition"]) == (expected, expected), name
