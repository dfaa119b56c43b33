"""A note sent to the local language model is audited (issue 11): who, when, which surface,
the endpoint, a hash and the length of the note, how many claims were accepted and refused --
never the note's text or anything drawn from it, in the audit log or in any log.

Against the fake OpenAI-compatible server of tests/notes/test_notes_llm.py.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.notes.test_notes_llm import NOTE, FakeModel, _sentence

from clotwatch.api import create_app
from clotwatch.cli import main
from clotwatch.config import Settings
from clotwatch.notes import note_result
from clotwatch.notes.llm import ModelConfig
from clotwatch.service import accounts
from clotwatch.service.notes_audit import ask_audited, endpoint
from clotwatch.store import open_store
from clotwatch.store.followup_models import AuditEntry

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DIGEST = hashlib.sha256(NOTE.encode()).hexdigest()[:16]
# Words of the note and of the answers drawn from it: none may be in a log or an audit row.
# The form's "yes" for the answer only the model gives (_claims): checked only if it was used.
TENDER_YES = '<input type="radio" name="localized_tenderness" value="true" checked>'
NOTE_WORDS = ("calf", "vein", "swelling", "bluish", "58-year-old", "leg", "tenderness",
              "collateral")


def _claims(fake: FakeModel) -> None:
    """One claim the note supports (accepted) and one it denies (refused)."""
    res = note_result(NOTE, "wells-dvt")
    quote = "hurts when the examiner presses along the vein"
    fake.items = [{"input": "localized_tenderness", "value": True, "quote": quote,
                   "sentence": _sentence(res, quote)},
                  {"input": "collateral_veins", "value": True,
                   "quote": "bluish veins over the calf", "sentence": _sentence(res, "bluish")}]


def _rows(url: str) -> list[AuditEntry]:
    store = open_store(url)
    with store.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _migrated(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A copy of the session's migrated database (tests/conftest.py; 0.01 s, not 0.2)."""
    shutil.copyfile(migrated_sqlite, tmp_path / "a.sqlite3")
    return f"sqlite:///{tmp_path / 'a.sqlite3'}"


def _no_note_in(text: str) -> None:
    lowered = text.lower()
    assert not [w for w in NOTE_WORDS if w in lowered], text


def _cli(fake: FakeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    note = tmp_path / "note.txt"
    note.write_text(NOTE, encoding="utf-8")
    monkeypatch.setenv("CLOTWATCH_NOTES_LLM_URL", fake.url)
    monkeypatch.setenv("CLOTWATCH_NOTES_LLM_MODEL", "fake-model")
    monkeypatch.setenv("CLOTWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CLOTWATCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return note


def test_the_command_line_records_each_call_in_the_audit_log_and_says_where(
        fake: FakeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    note = _cli(fake, tmp_path, monkeypatch)
    _claims(fake)
    caplog.set_level(logging.DEBUG)
    assert main(["notes", "extract", str(note), "--instrument", "wells-dvt", "--model",
                 "--json"]) == 0
    err = capsys.readouterr().err
    database = tmp_path / "data" / "clotwatch.sqlite3"
    assert f"recorded (its hash and length, not its text) in the audit log of sqlite:///" \
           f"{database}" in err
    [row] = _rows(f"sqlite:///{database}")
    assert row.action == "disclose" and row.patient_id is None and row.actor_id is None
    assert row.actor_label == f"{getpass.getuser()} (command line)"
    assert row.what == (f"note to language model (command line): sha256 {DIGEST}, "
                        f"{len(NOTE)} characters; 1 accepted, 1 refused; model 'fake-model' "
                        f"at {fake.url}")
    assert abs((datetime.now(UTC) - row.at).total_seconds()) < 3600  # when: now, in UTC
    _no_note_in(row.what)
    for record in caplog.records:
        _no_note_in(record.getMessage())
    assert len(fake.requests) == 1


def test_a_failed_call_is_recorded_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    server = FakeModel()
    server.status = 500
    try:
        note = _cli(server, tmp_path, monkeypatch)
        assert main(["notes", "extract", str(note), "--instrument", "wells-dvt",
                     "--model"]) == 0
    finally:
        server.close()
    assert "model: the model answered HTTP 500" in capsys.readouterr().err
    [row] = _rows(f"sqlite:///{tmp_path / 'data' / 'clotwatch.sqlite3'}")
    assert "; failed, no answer used; " in row.what and DIGEST in row.what


@pytest.mark.parametrize("database", ["missing folder", "read-only"])
def test_no_note_is_sent_when_its_call_cannot_be_audited(
        database: str, fake: FakeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], migrated_sqlite: Path) -> None:
    note = _cli(fake, tmp_path, monkeypatch)
    if database == "read-only":  # migrated, readable, but refuses every write
        shutil.copyfile(migrated_sqlite, tmp_path / "ro.sqlite3")
        url = f"sqlite:///file:{tmp_path / 'ro.sqlite3'}?mode=ro&uri=true"
    else:
        url = f"sqlite:///{tmp_path / 'no such folder' / 'x.sqlite3'}"
    monkeypatch.setenv("CLOTWATCH_DATABASE_URL", url)
    with pytest.raises(SystemExit) as exc:
        main(["notes", "extract", str(note), "--instrument", "wells-dvt", "--model"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "CLOTWATCH_DATABASE_URL: the audit log at sqlite:///" in err
    assert "the note is not sent to the model without it" in err
    assert fake.requests == []


def test_a_note_the_rules_answer_fully_is_not_sent_and_not_recorded(
        fake: FakeModel, tmp_path: Path, migrated_sqlite: Path) -> None:
    url = _migrated(tmp_path, migrated_sqlite)
    res = note_result("38-year-old. Heart rate 80 bpm. SpO2 98% on room air. Denies "
                      "hemoptysis. No unilateral leg swelling. Not on oral contraceptives or "
                      "hormone therapy. No history of DVT or PE. No surgery or trauma in the "
                      "past 4 weeks.", "perc")
    assert res.extraction.missing == ()
    ask_audited(open_store(url), res, ModelConfig(fake.url, "m", timeout=5), surface="cli",
                now=lambda: NOW)
    assert fake.requests == [] and _rows(url) == []


def test_an_adapter_that_raises_is_still_recorded(fake: FakeModel, tmp_path: Path,
                                                  migrated_sqlite: Path) -> None:
    class Broken:
        def post(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("boom")

    url = _migrated(tmp_path, migrated_sqlite)
    with pytest.raises(RuntimeError):
        ask_audited(open_store(url), note_result(NOTE, "wells-dvt"),
                    ModelConfig(fake.url, "m", timeout=5), surface="cli", now=lambda: NOW,
                    who="tester (command line)", client=Broken())
    [row] = _rows(url)
    assert row.at == NOW and row.actor_label == "tester (command line)"
    assert "failed, no answer used" in row.what


def test_the_endpoint_is_recorded_without_credentials_or_query() -> None:
    assert endpoint("http://user:secret@127.0.0.1:8080/v1/?key=abc") == \
        "http://127.0.0.1:8080/v1"
    assert endpoint("http://[::1]:8080/v1") == "http://[::1]:8080/v1"


# --- the web note box -----------------------------------------------------------------------

def _app(tmp_path: Path, fake: FakeModel) -> tuple[Any, Settings]:
    settings = Settings(data_dir=tmp_path / "data", notes_llm_url=fake.url,
                        notes_llm_model="fake-model", notes_llm_timeout=5)
    return create_app(settings, migrate=True, clock=lambda: NOW), settings


def _token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/en/shared").text)
    assert match
    return match.group(1)


def test_the_web_note_box_records_who_asked(fake: FakeModel, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    from tests.followup.webflow import sign_in

    _claims(fake)
    caplog.set_level(logging.DEBUG)
    app, settings = _app(tmp_path, fake)
    with app.state.store.session() as session:
        accounts.create_user(session, email="dr@example.org", password="a long passphrase 1",
                             name="Dr Ada", now=NOW)
    with TestClient(app) as client:
        token = _token(client)
        # the box not ticked: nothing sent, nothing recorded
        client.post("/en/calculators/wells-dvt/note", data={"csrf_token": token, "note": NOTE})
        assert _rows(settings.effective_database_url) == []
        r = client.post("/en/calculators/wells-dvt/note",
                        data={"csrf_token": token, "note": NOTE, "use_model": "on"})
        assert r.status_code == 200 and TENDER_YES in r.text
        sign_in(client, "dr@example.org", "a long passphrase 1")
        r = client.post("/en/calculators/wells-dvt/note",
                        data={"csrf_token": _token(client), "note": NOTE, "use_model": "on"})
        assert r.status_code == 200
    rows = [row for row in _rows(settings.effective_database_url) if row.action == "disclose"]
    assert [row.actor_label for row in rows] == ["anonymous web visitor",
                                                 "Dr Ada <dr@example.org>"]
    assert rows[1].actor_id is not None and rows[0].actor_id is None
    for row in rows:
        assert row.at == NOW and row.patient_id is None
        assert row.what == (f"note to language model (web note box): sha256 {DIGEST}, "
                            f"{len(NOTE)} characters; 1 accepted, 1 refused; model "
                            f"'fake-model' at {fake.url}")
    for record in caplog.records:
        _no_note_in(record.getMessage())


def test_the_web_note_box_does_not_send_a_note_it_cannot_audit(
        fake: FakeModel, tmp_path: Path) -> None:
    """Checked before the call, as on the command line: a row is written and rolled back; when
    that fails the note is not sent, the page says why (503, never a 500) and shows the rules'
    answers."""
    _claims(fake)
    app, settings = _app(tmp_path, fake)
    readonly = settings.effective_database_url.replace("sqlite:///", "sqlite:///file:") \
        + "?mode=ro&uri=true"
    with TestClient(app) as client:
        app.state.store = open_store(readonly)  # readable, refuses every write
        for lang in ("en", "ru"):
            r = client.post(f"/{lang}/calculators/wells-dvt/note",
                            data={"csrf_token": _token(client), "note": NOTE,
                                  "use_model": "on"})
            assert r.status_code == 503
            assert 'id="model-audit-error"' in r.text and 'id="model-outcome"' not in r.text
            assert 'name="collateral_veins"' in r.text  # the form is there, filled by the rules
        assert "The note was not sent to the language model" in \
            client.post("/en/calculators/wells-dvt/note",
                        data={"csrf_token": _token(client), "note": NOTE,
                              "use_model": "on"}).text
    assert fake.requests == []
    assert _rows(settings.effective_database_url) == []


def test_the_web_note_box_says_so_when_the_row_fails_after_the_call(
        fake: FakeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check passed, the model answered, then the row could not be written: the model's
    answers are not used and the page says the note was sent but not recorded (503)."""
    from clotwatch.errors import StoreError
    from clotwatch.service import notes_audit

    def fails(*args: Any, **kwargs: Any) -> None:
        raise StoreError("database error: OperationalError")

    _claims(fake)
    monkeypatch.setattr(notes_audit, "record", fails)
    app, _settings = _app(tmp_path, fake)
    with TestClient(app) as client:
        r = client.post("/en/calculators/wells-dvt/note",
                        data={"csrf_token": _token(client), "note": NOTE, "use_model": "on"})
    assert r.status_code == 503
    assert "was sent to the language model, but the audit log could not record it" in r.text
    assert len(fake.requests) == 1
    # the model's answer (tenderness, which the rules leave open) does not fill the form
    assert TENDER_YES not in r.text
    assert 'id="model-outcome"' not in r.text


def test_the_note_box_tells_the_user_the_note_goes_to_the_model_and_is_audited(
        fake: FakeModel, tmp_path: Path) -> None:
    app, _settings = _app(tmp_path, fake)
    with TestClient(app) as client:
        page = client.get("/en/calculators/wells-dvt").text
    assert 'aria-describedby="use-model-audit"' in page
    assert "recorded in the audit log" in page and "never its text" in page
