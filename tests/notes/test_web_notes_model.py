"""The note box's optional local language model: offered only when configured, every claim
checked against the note as on the command line (tests/notes/test_notes_llm.py), a remote
address refused, and an unreachable model leaving the rules' answers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.notes.test_notes_llm import NOTE, FakeModel, _sentence

from clotwatch.api import create_app
from clotwatch.config import Settings


def _client(tmp_path: Path, url: str) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", notes_llm_url=url,
                        notes_llm_model="fake-model", notes_llm_timeout=5)
    return TestClient(create_app(settings, migrate=True))


def _token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/en/shared").text)
    assert match
    return match.group(1)


def test_configured_model_is_offered_and_its_checked_answers_fill_the_form(
    tmp_path: Path, fake: FakeModel
) -> None:
    from clotwatch.notes import note_result

    res = note_result(NOTE, "wells-dvt")
    quote = "hurts when the examiner presses along the vein"
    fake.items = [
        {"input": "localized_tenderness", "value": True, "quote": quote,
         "sentence": _sentence(res, quote)},
        # a denied finding claimed present: refused
        {"input": "collateral_veins", "value": True, "quote": "bluish veins over the calf",
         "sentence": _sentence(res, "bluish")},
    ]
    with _client(tmp_path, fake.url) as client:
        assert 'name="use_model"' in client.get("/en/calculators/wells-dvt").text
        token = _token(client)
        # without the box ticked the model is not asked
        client.post("/en/calculators/wells-dvt/note", data={"csrf_token": token, "note": NOTE})
        assert fake.requests == []
        r = client.post("/en/calculators/wells-dvt/note",
                        data={"csrf_token": token, "note": NOTE, "use_model": "on"})
        ru = client.post("/ru/calculators/wells-dvt/note",
                         data={"csrf_token": token, "note": NOTE, "use_model": "on"})
    assert r.status_code == 200
    checked = re.findall(r'name="(\w+)" value="(\w*)" checked', r.text)
    assert ("localized_tenderness", "true") in checked
    assert ("collateral_veins", "") in checked  # refused: stays don't know
    assert "answered: localized_tenderness" in r.text
    assert "Refused because the note does not support them: collateral_veins" in r.text
    assert ru.status_code == 200 and "ответила" in ru.text


def test_unreachable_model_leaves_the_rules_answers(tmp_path: Path) -> None:
    with _client(tmp_path, "http://127.0.0.1:9/v1") as client:  # discard port: nothing there
        r = client.post("/en/calculators/wells-dvt/note",
                        data={"csrf_token": _token(client), "note": NOTE, "use_model": "on"})
    assert r.status_code == 200
    assert "could not be used" in r.text and "Only the rules" in r.text
    checked = re.findall(r'name="(\w+)" value="(\w*)" checked', r.text)
    assert ("calf_swelling_3cm", "true") in checked


def test_a_remote_model_is_refused(tmp_path: Path) -> None:
    with _client(tmp_path, "http://192.0.2.10/v1") as client:
        r = client.post("/en/calculators/wells-dvt/note",
                        data={"csrf_token": _token(client), "note": NOTE, "use_model": "on"})
    assert r.status_code == 422 and "is not this machine" in r.text
