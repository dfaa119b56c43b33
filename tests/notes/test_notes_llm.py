"""The optional language-model adapter against a fake OpenAI-compatible server on a free port:
an honest model's answers are kept, a lying model's are refused, and nothing changes when the
model is off or cannot be reached."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from clotwatch.cli import main
from clotwatch.core.errors import InputError
from clotwatch.notes import note_result
from clotwatch.notes.llm import ModelConfig, with_model

NOTE = (
    "58-year-old woman with a painful left leg for three days. "
    "Her left calf is 3.5 cm larger than the right. "
    "The calf hurts when the examiner presses along the vein. "
    "She denies any swelling of the whole leg. "
    "She has not noticed any bluish veins over the calf. "
    "Return if the leg becomes swollen to the thigh."
)


class FakeModel:
    """A chat-completions endpoint that answers with ``items`` and records the requests."""

    def __init__(self) -> None:
        self.items: Any = []
        self.raw: str | None = None
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length", "0"))
                fake.requests.append({"path": self.path,
                                      "body": json.loads(self.rfile.read(length))})
                content = fake.raw if fake.raw is not None else json.dumps(
                    {"items": fake.items})
                body = json.dumps({"choices": [{"message": {"role": "assistant",
                                                            "content": content}}]}).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)  # shutdown() waits one poll
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _config(fake: FakeModel) -> ModelConfig:
    return ModelConfig(fake.url, "fake-model", timeout=5)


def _sentence(res: Any, words: str) -> int:
    from clotwatch.core.notes import prepare
    from clotwatch.notes import load_rules

    doc = prepare(res.text, load_rules())
    return next(i for i, s in enumerate(doc.sentences) if words in s.text)


def test_an_honest_answer_is_kept_with_its_evidence(fake: FakeModel) -> None:
    res = note_result(NOTE, "wells-dvt")
    assert "localized_tenderness" not in res.extraction.inputs  # the rules miss this wording
    quote = "hurts when the examiner presses along the vein"
    fake.items = [{"input": "localized_tenderness", "value": True, "quote": quote,
                   "sentence": _sentence(res, quote)}]
    out = with_model(res, _config(fake))
    assert out.refused == ()
    assert out.result.extraction.inputs["localized_tenderness"] is True
    ev = next(e for e in out.result.extraction.evidence if e.input == "localized_tenderness")
    assert NOTE[ev.start:ev.end] == quote and ev.status == "present"
    assert out.result.result.total_range[0] == res.result.total_range[0] + 1
    # only the inputs the rules left missing were asked, with the note numbered by sentence
    asked = fake.requests[0]["body"]["messages"][1]["content"]
    assert "localized_tenderness" in asked and '"calf_swelling_3cm"' not in asked
    assert fake.requests[0]["path"] == "/v1/chat/completions"
    assert out.to_dict()["model"]["accepted"] == ["localized_tenderness"]


def test_a_lying_model_is_refused_claim_by_claim(fake: FakeModel) -> None:
    res = note_result(NOTE, "wells-dvt")
    assert "collateral_veins" not in res.extraction.inputs  # the rules miss "bluish veins"
    fake.items = [
        # words that are not in the note
        {"input": "paralysis_or_cast", "value": True, "quote": "leg in a plaster cast",
         "sentence": 0},
        # a denied finding claimed present
        {"input": "collateral_veins", "value": True, "quote": "bluish veins over the calf",
         "sentence": _sentence(res, "bluish")},
        # the same finding by offsets, pointing at the wrong place
        {"input": "collateral_veins", "value": True, "quote": "bluish veins over the calf",
         "start": 0, "end": 26},
        # a hypothetical finding claimed present
        {"input": "pitting_edema", "value": True, "quote": "the leg becomes swollen",
         "sentence": _sentence(res, "Return if")},
        # a "no" with no words that deny it
        {"input": "active_cancer", "value": False, "quote": "58-year-old woman",
         "sentence": 0},
        # overwriting an answer of the rules
        {"input": "calf_swelling_3cm", "value": False, "quote": "3.5 cm larger",
         "sentence": _sentence(res, "3.5 cm")},
        # an input the instrument does not have, and a value of the wrong kind
        {"input": "hemoptysis", "value": True, "quote": "painful", "sentence": 0},
        {"input": "previous_dvt", "value": "yes", "quote": "painful", "sentence": 0},
    ]
    out = with_model(res, _config(fake))
    assert out.accepted == ()
    reasons = {(r.input, r.reason) for r in out.refused}
    assert len(out.refused) == 8
    assert ("paralysis_or_cast", "the quoted words are not in sentence 0") in reasons
    assert ("collateral_veins", "the note denies it (ConText: negated)") in reasons
    assert ("collateral_veins",
            "the quoted words are not in the note at the claimed place") in reasons
    assert any(i == "pitting_edema" and "hypothetical" in r for i, r in reasons)
    assert any(i == "active_cancer" and "deny" in r for i, r in reasons)
    assert ("calf_swelling_3cm", "already answered by the rules (they win)") in reasons
    assert ("hemoptysis", "wells-dvt has no such input") in reasons
    assert ("previous_dvt", "the value is not yes/no") in reasons
    # nothing the model said reached the answers or the score
    assert out.result.extraction.inputs == res.extraction.inputs
    assert out.result.result.total_range == res.result.total_range


def test_a_denial_the_model_quotes_answers_no(fake: FakeModel) -> None:
    note = "Leg swelling for two days. He has never had a tumour of any kind."
    res = note_result(note, "wells-dvt")
    assert "active_cancer" not in res.extraction.inputs  # the rules do not read "tumour"
    fake.items = [{"input": "active_cancer", "value": False,
                   "quote": "never had a tumour of any kind", "sentence": 1}]
    out = with_model(res, _config(fake))
    assert out.result.extraction.inputs.get("active_cancer") is False
    ev = next(e for e in out.result.extraction.evidence if e.input == "active_cancer")
    assert ev.status == "negated"


def test_a_number_must_be_written_in_the_quote(fake: FakeModel) -> None:
    note = "Breathless since the morning. She felt her heart beating 112 times a minute."
    res = note_result(note, "wells-pe")
    assert "heart_rate" not in res.extraction.inputs  # the rules do not read this wording
    quote = "heart beating 112 times a minute"
    fake.items = [{"input": "heart_rate", "value": 130, "quote": quote, "sentence": 1}]
    out = with_model(res, _config(fake))
    assert out.accepted == () and "not written in the quote" in out.refused[0].reason
    fake.items = [{"input": "heart_rate", "value": 112, "quote": quote, "sentence": 1}]
    out = with_model(res, _config(fake))
    assert out.result.extraction.inputs["heart_rate"] == 112.0


def test_bad_replies_and_an_absent_model_leave_the_rules_answers(fake: FakeModel) -> None:
    res = note_result(NOTE, "wells-dvt")
    fake.raw = "I think the patient has a DVT."
    out = with_model(res, _config(fake))
    assert out.error is not None and "not JSON" in out.error
    assert out.result is res
    fake.raw, fake.status = None, 500
    assert "HTTP 500" in str(with_model(res, _config(fake)).error)
    gone = ModelConfig("http://127.0.0.1:9/v1", "fake-model", timeout=2)
    out = with_model(res, gone)
    assert out.error is not None and "cannot reach" in out.error
    assert out.result.extraction.inputs == res.extraction.inputs


def test_the_note_stays_on_this_machine_unless_allowed() -> None:
    with pytest.raises(InputError, match="not this machine"):
        ModelConfig("https://llm.example.org/v1", "m").check_address()
    ModelConfig("https://llm.example.org/v1", "m", allow_remote=True).check_address()
    ModelConfig("http://localhost:8080/v1", "m").check_address()
    ModelConfig("http://[::1]:8080/v1", "m").check_address()


def test_cli_model_flag(fake: FakeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "note.txt"
    f.write_text(NOTE, encoding="utf-8")
    monkeypatch.delenv("CLOTWATCH_NOTES_LLM_URL", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["notes", "extract", str(f), "--instrument", "wells-dvt", "--model"])
    assert exc.value.code == 2
    assert "CLOTWATCH_NOTES_LLM_URL" in capsys.readouterr().err
    monkeypatch.setenv("CLOTWATCH_NOTES_LLM_URL", fake.url)
    monkeypatch.setenv("CLOTWATCH_NOTES_LLM_MODEL", "fake-model")
    monkeypatch.setenv("CLOTWATCH_DATA_DIR", str(tmp_path / "data"))
    fake.items = [{"input": "collateral_veins", "value": True,
                   "quote": "bluish veins over the calf", "sentence": 4},
                  {"input": "entire_leg_swollen", "value": True,
                   "quote": "swelling of the whole leg", "sentence": 3}]
    assert main(["notes", "extract", str(f), "--instrument", "wells-dvt", "--model",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in data["model"]["refused"]] == ["collateral_veins",
                                                              "entire_leg_swollen"]
    assert "collateral_veins" not in data["inputs"]
    assert data["inputs"]["entire_leg_swollen"] is False  # the rules' "denies" stands


def test_the_default_path_loads_no_network_code() -> None:
    code = (
        "import sys\n"
        "from clotwatch.notes import extract\n"
        "extract('Swollen left calf. Denies haemoptysis.', 'wells-dvt')\n"
        "assert 'clotwatch.notes.llm' not in sys.modules\n"
        "assert 'httpx' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
