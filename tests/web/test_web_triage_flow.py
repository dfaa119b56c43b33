"""The triage questionnaire through the HTML forms (no JavaScript): every development vignette
and the boundary cases walked screen by screen in English and Russian end where assess(),
`clotwatch triage --json` and `POST /api/v1/triage` end for the answers the pages collected;
choices carry exact values; pages show no message id or raw float; bad form input never 500s."""

from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clotwatch import triage

HERE = Path(__file__).resolve().parent
DEV = json.loads((HERE.parent / "core" / "triage" / "dev-vignettes.json").read_text("utf-8"))
CALM = dict.fromkeys(("short_of_breath", "chest_pain", "coughing_blood", "fainting",
                      "cold_pale_numb_leg", "fast_heartbeat"), False)
NO_RISK = {"recent_surgery": False, "leg_cast_or_immobilised": False, "bedridden_days": 0,
           "long_travel_hours": 0, "active_cancer": False, "previous_clot": False,
           "clotting_disorder": False}
CRAMP = {**CALM, **NO_RISK, "leg_side": "right", "cramp": True,
         "duration_hours": 10 / 60, "relieved_by_stretching": True, "swelling": False,
         "warmth": False, "redness": False, "pain_on_toes_up": False, "getting_worse": False,
         "hard_tender_vein": False, "new_visible_veins": False, "fever": False,
         "recurrent_cramps": False, "leg_ulcer": False, "chronic_skin_changes": False,
         "sex": "female", "age_years": 30, "pregnancy_status": "no"}
# Boundary cases: a cramp of exactly 10 minutes and one longer; a calf 3 cm bigger with
# both legs; a racing heart without leg symptoms; don't know on a warning sign.
BOUNDARY = {
    "cramp_10_minutes": CRAMP,
    "cramp_4_hours": {**CRAMP, "duration_hours": 4.0},
    "both_legs_calf_3cm": {**CRAMP, "leg_side": "both", "calf_difference_cm": 3},
    "racing_heart_no_legs": {**CALM, "fast_heartbeat": True, "leg_side": "none"},
    "dont_know_chest_pain": {**CRAMP, "chest_pain": None},
}
PEOPLE = {**{c["id"]: c["answers"] for c in DEV["cases"]}, **BOUNDARY}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
MESSAGE_ID = re.compile(r"\b(?:q|g|reason|advice|safety|unit|label|headline|cli|answer|"
                        r"disposition)\.[a-z_0-9.]+\b")
RAW_FLOAT = re.compile(r"(?<![\w./])\d+\.\d{3,}(?![\w/.])")   # not in a DOI


def post(client: TestClient, url: str, form: list[tuple[str, str]]) -> Any:
    data: dict[str, list[str]] = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    return client.post(url, data=data)


def _fields(page: str) -> list[tuple[str, str]]:
    return [(name, htmllib.unescape(value)) for name, value in HIDDEN.findall(page)]


def _screen(page: str) -> str | None:
    found = dict(_fields(page)).get("screen")
    return found


def _reply(screen: Any, page: str, person: dict[str, Any]) -> list[tuple[str, str]]:
    """The form a person with ``person``'s answers sends for ``screen``."""
    if screen.is_group:
        shown = re.findall(r'name="item" value="([^"]+)"', page)
        ticked = [k for k in shown if _ticked(k, person)]
        if ticked:
            return [("action", "answer"), *[("item", k) for k in ticked]]
        if any(k in person and person[k] is None for k in shown):
            return [("action", "unknown")]
        return [("action", "none")]
    value = person.get(screen.id)
    if value is None:
        return [("action", "unknown")]
    if isinstance(value, bool):
        return [("action", "answer"), ("answer", "true" if value else "false")]
    if screen.presets:     # the page offers only these
        return [("action", "answer"), ("answer", preset_for(screen, value).id)]
    return [("action", "answer"), ("answer", str(value))]


def preset_for(screen: Any, value: float) -> Any:
    """The preset whose range holds ``value`` (the one a person with it picks)."""
    return ([p for p in screen.presets if p.value <= value] or [screen.presets[0]])[-1]


def _ticked(key: str, person: dict[str, Any]) -> bool:
    value = person.get(key)
    if key in ("bedridden_days", "long_travel_hours"):
        return value is not None and value >= {"bedridden_days": 3, "long_travel_hours": 4}[key]
    return value is True


def walk_core(person: dict[str, Any]) -> dict[str, Any]:
    """The answers the Python API collects from a person answering as the pages' driver does
    (a group: tick what is "yes"; nothing ticked and something unknown: "I'm not sure")."""
    answers: dict[str, Any] = {}
    while (screen := triage.next_question(answers)) is not None:
        shown = [k for k in screen.keys if k not in answers]
        if screen.is_group:
            ticked = [k for k in shown if _ticked(k, person)]
            unsure = not ticked and any(k in person and person[k] is None for k in shown)
            answers.update(screen.answers(ticked, not_sure=unsure, only=shown))
        else:
            value = person.get(screen.id)
            if screen.presets and value is not None:
                value = preset_for(screen, value).value
            answers[screen.id] = value
    return answers


def walk_web(client: TestClient, lang: str, person: dict[str, Any]) -> tuple[
        dict[str, Any], list[str], str]:
    """Walk the pages; the answers collected, the screens shown and the last page."""
    page = client.get(f"/{lang}/triage").text
    screens: list[str] = []
    while (sid := _screen(page)) is not None:
        screens.append(sid)
        assert len(screens) <= len(triage.SCREENS), screens
        form = [(n, v) for n, v in _fields(page)]
        form += _reply(triage.SCREENS_BY_ID[sid], page, person)
        response = post(client, f"/{lang}/triage", form)
        assert response.status_code == 200, response.text[:500]
        page = response.text
    answers = {n[2:]: json.loads(v) for n, v in _fields(page) if n.startswith("a.")}
    return answers, screens, page


def _cli_json(answers: dict[str, Any], lang: str) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-m", "clotwatch.cli", "triage", "--json", "--lang",
                          lang], input=json.dumps(answers), capture_output=True, text=True,
                         timeout=60, check=True)
    return json.loads(run.stdout)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_vignette_and_boundary_case_ends_the_same_on_every_surface(
        client: TestClient, lang: str) -> None:
    web_answers: dict[str, dict[str, Any]] = {}
    # Every case in English; in Russian every fourth vignette and the boundary cases (the
    # wording differs, the logic is one).
    names = list(PEOPLE) if lang == "en" else [*list(PEOPLE)[:len(DEV["cases"]):4], *BOUNDARY]
    for name in names:
        person = PEOPLE[name]
        answers, screens, page = walk_web(client, lang, person)
        expected = triage.assess(answers, lang=lang)
        # The pages collected what a questionnaire walk collects, and end where it ends.
        assert answers == walk_core(person), name
        assert f"disposition {expected['disposition']}" in page or \
            (expected["disposition"] == "emergency" and "emergency-banner" in page), name
        api = client.post(f"/api/v1/triage?lang={lang}", json=answers).json()
        assert api["disposition"] == expected["disposition"], name
        web_answers[name] = answers
    # The terminal's JSON for a few (a process each): the same dispositions.
    for name in (("D01", "both_legs_calf_3cm") if lang == "en" else ("cramp_10_minutes",)):
        got = _cli_json(web_answers[name], lang)
        assert got["disposition"] == triage.assess(web_answers[name])["disposition"], name


def test_the_ordinary_cramp_reaches_self_care_with_the_ten_minute_choice(
        client: TestClient) -> None:
    answers, screens, page = walk_web(client, "en", CRAMP)
    assert answers["duration_hours"] == 10 / 60        # exactly, not 0.166667
    assert triage.assess(answers)["disposition"] == "self_care"
    assert "disposition self_care" in page
    assert len(screens) <= 12
    assert "From a few seconds up to 10 minutes" in page
    assert "30 years" in page


def test_duration_choices_carry_their_id_not_a_number(client: TestClient) -> None:
    page = client.get("/en/triage").text
    for reply in ([("action", "none")], [("action", "answer"), ("answer", "right")],
                  [("action", "answer"), ("answer", "true")], [("action", "none")]):
        page = post(client, "/en/triage", _fields(page) + reply).text
    assert _screen(page) == "duration_hours"
    assert 'name="answer" value="minutes"' in page and "0.166" not in page
    page = post(client, "/en/triage", _fields(page) + [("action", "answer"),
                                                        ("answer", "minutes")]).text
    assert dict(_fields(page))["a.duration_hours"] == json.dumps(10 / 60)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_page_shows_a_message_id_or_a_raw_float(client: TestClient, lang: str) -> None:
    for person in (CRAMP, DEV["cases"][2]["answers"], DEV["cases"][4]["answers"],
                   {**CRAMP, "duration_hours": 0.05, "bmi": 27.34567}):
        page = client.get(f"/{lang}/triage").text
        while True:
            text = re.sub(r"<[^>]+>", " ", page)      # what a person reads
            assert not MESSAGE_ID.findall(text), MESSAGE_ID.findall(text)[:3]
            assert not RAW_FLOAT.findall(text), RAW_FLOAT.findall(text)[:3]
            sid = _screen(page)
            if sid is None:
                break
            form = _fields(page) + _reply(triage.SCREENS_BY_ID[sid], page, person)
            page = post(client, f"/{lang}/triage", form).text


def test_the_emergency_page_shows_only_the_emergency(client: TestClient) -> None:
    answers, screens, page = walk_web(client, "en", {**CRAMP, "chest_pain": True})
    assert screens == ["warning_signs"]
    assert "emergency-banner" in page and "Tell the call handler" in page
    assert "Questions you could not answer" not in page
    assert "clotwatch triage contract" not in page
    assert "/triage/summary" not in page and 'action="/en/save"' not in page


def test_back_shows_the_previous_answer_selected(client: TestClient) -> None:
    page = client.get("/en/triage").text
    form = _fields(page) + [("action", "answer"), ("item", "fainting")]
    page = post(client, "/en/triage", form).text      # fainting: emergency
    page = post(client, "/en/triage", _fields(page) + [("action", "back")]).text
    assert _screen(page) == "warning_signs"
    assert re.search(r'value="fainting" checked', page)
    form = _fields(page) + [("action", "none")]
    page = post(client, "/en/triage", form).text
    form = _fields(page) + [("action", "answer"), ("answer", "right")]
    page = post(client, "/en/triage", form).text
    page = post(client, "/en/triage", _fields(page) + [("action", "back")]).text
    assert _screen(page) == "leg_side"
    assert re.search(r'value="right" checked', page)


def test_switching_language_posts_to_the_new_address(client: TestClient) -> None:
    page = client.get("/en/triage").text
    assert 'formaction="/ru/triage"' in page
    form = _fields(page) + [("action", "lang:ru")]
    response = post(client, "/ru/triage", form)
    assert response.status_code == 200 and '<html lang="ru">' in response.text


def test_question_markup_has_its_spaces(client: TestClient) -> None:
    page = client.get("/en/triage").text
    for sid in ("none",):
        page = post(client, "/en/triage", _fields(page) + [("action", sid)]).text
    page = post(client, "/en/triage", _fields(page) + [("action", "answer"),
                                                        ("answer", "right")]).text
    assert not re.search(r'="[^"]*"[a-z-]+=', page)          # attr="x"attr=
    assert 'aria-describedby="answer-help "' not in page
    assert not re.search(r'aria-describedby="[^"]* "', page)


@pytest.mark.parametrize("field, value", [
    ("a.duration_hours", "1" + "0" * 400),
    ("a.duration_hours", "1e400"),
    ("a.leg_side", "[" * 5000 + "]" * 5000),
    ("a.chest_pain", '{"a": {"b": {"c": 1}}}'),
    ("h", '["warning_signs", {"x": 1}]'),
    ("h", "[" * 5000),
])
def test_tampered_or_huge_form_values_are_refused_not_a_500(
        client: TestClient, field: str, value: str) -> None:
    page = client.get("/en/triage").text
    form = [(n, v) for n, v in _fields(page) if n != field] + [(field, value),
                                                               ("action", "none")]
    response = post(client, "/en/triage", form)
    assert response.status_code == 422


def test_the_number_field_markup_has_its_spaces(client: TestClient) -> None:
    page = client.get("/en/triage").text
    carried = [(f"a.{k}", json.dumps(v)) for k, v in CRAMP.items()
               if k not in ("calf_difference_cm", "recurrent_cramps", "leg_ulcer",
                            "chronic_skin_changes", "sex", "age_years", "pregnancy_status",
                            *NO_RISK)]
    form = [(n, v) for n, v in _fields(page) if not n.startswith("a.")] + carried
    page = post(client, "/en/triage", form).text
    assert _screen(page) == "calf_difference_cm"
    field = re.search(r'<input id="answer"[^>]*>', page)
    assert field is not None
    assert 'inputmode="decimal" ' in field.group(0)
    assert 'aria-describedby="answer-help answer-unit"' in field.group(0)
