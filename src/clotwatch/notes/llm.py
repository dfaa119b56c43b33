"""Optional: ask a local language model for the inputs the rules leave missing.

Off by default. It runs only when asked (``clotwatch notes extract --model``) and configured
(``CLOTWATCH_NOTES_LLM_URL``, an OpenAI-compatible endpoint such as llama.cpp's server, vLLM or
Ollama's ``/v1``, and ``CLOTWATCH_NOTES_LLM_MODEL``). The default path never imports this
module and needs no network.

The model is asked only about inputs still missing after the rules, and each of its answers is
a claim checked by :func:`clotwatch.core.notes.verify.check_claims` against the note: the
quoted words must be in the note where it says, ConText must not contradict the answer (a
denied, past-only, hypothetical, relative's or uncertain finding is refused) and a "no" needs
words that deny it. Refused claims are reported with the reason; a model answer never
overwrites the rules'. Because the note is sent to the endpoint, only a loopback address is
allowed unless ``CLOTWATCH_NOTES_LLM_ALLOW_REMOTE`` is set. Nothing of the note is logged;
the callers record each call in the audit log by the note's hash and length
(``clotwatch.service.notes_audit``).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from clotwatch.config import Settings
from clotwatch.core.errors import InputError
from clotwatch.core.instruments import evaluate, get
from clotwatch.core.notes import Evidence, prepare
from clotwatch.core.notes.verify import Refusal, check_claims, merged
from clotwatch.notes.pipeline import NoteResult
from clotwatch.notes.rules import load_rules

SYSTEM = (
    "You read a clinical note and answer questions about the patient, using only what the "
    "note says. For each input you can answer, give the value and copy the exact words of "
    "the note that say so (\"quote\", copied character for character) with the number of the "
    "sentence they are in (\"sentence\", as numbered below). Do not answer an input the note "
    "does not settle. A finding that is denied, in the past only, hypothetical, uncertain or "
    "a relative's is not present. Reply with one JSON object: "
    '{"items": [{"input": "<id>", "value": <true|false|number|"option">, '
    '"quote": "<exact words>", "sentence": <number>}]}'
)


class ModelError(Exception):
    """The model could not be asked or its reply could not be read (the message says why)."""


@dataclass(frozen=True)
class ModelConfig:
    """Where the model is and how long to wait."""

    url: str
    model: str
    timeout: float = 60.0
    api_key: str | None = None
    allow_remote: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelConfig:
        """The configuration, or InputError naming the setting that is missing."""
        if not settings.notes_llm_url:
            raise InputError("CLOTWATCH_NOTES_LLM_URL",
                             "is not set: the language model is off (docs/notes.md)")
        if not settings.notes_llm_model:
            raise InputError("CLOTWATCH_NOTES_LLM_MODEL", "is not set")
        key = settings.notes_llm_api_key
        return cls(settings.notes_llm_url, settings.notes_llm_model,
                   settings.notes_llm_timeout,
                   key.get_secret_value() if key is not None else None,
                   settings.notes_llm_allow_remote)

    def check_address(self) -> None:
        """InputError unless the endpoint is on this machine (or remote use is allowed)."""
        if self.allow_remote:
            return
        host = (urlsplit(self.url).hostname or "").lower()
        if host == "localhost":
            return
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise InputError(
                "CLOTWATCH_NOTES_LLM_URL",
                f"{host!r} is not this machine; the note would leave it (set "
                "CLOTWATCH_NOTES_LLM_ALLOW_REMOTE=true to allow)",
            )


@dataclass(frozen=True)
class ModelOutcome:
    """What the model added: the checked result, accepted evidence and refused claims."""

    result: NoteResult
    model: str
    accepted: tuple[Evidence, ...] = ()
    refused: tuple[Refusal, ...] = ()
    error: str | None = None
    asked: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The issue's JSON shape plus ``model``: what was asked, kept and refused."""
        out = self.result.to_dict()
        out["model"] = {
            "name": self.model,
            "asked": list(self.asked),
            "accepted": [e.input for e in self.accepted],
            "refused": [r.to_dict() for r in self.refused],
            "error": self.error,
        }
        return out


def _prompt(res: NoteResult, asked: list[str]) -> list[dict[str, str]]:
    inst = res.result.instrument
    doc = prepare(res.text, load_rules())
    numbered = "\n".join(f"[{i}] {' '.join(s.text.split())}" for i, s in enumerate(doc.sentences))
    questions = []
    for inp in inst.inputs:
        if inp.id not in asked:
            continue
        q: dict[str, Any] = {"input": inp.id, "meaning": inp.meaning, "kind": inp.kind}
        if inp.kind == "enum":
            q["options"] = list(inp.option_values)
        if inp.unit:
            q["unit"] = inp.unit
        questions.append(q)
    user = (f"Instrument: {inst.name}\nInputs to answer (JSON): {json.dumps(questions)}\n\n"
            f"Note, one sentence per line:\n{numbered}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def _items(content: str) -> list[Any]:
    text = content.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"the model's reply is not JSON ({exc.msg})") from None
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ModelError("the model's reply has no list of items")
    return items


def ask(config: ModelConfig, messages: list[dict[str, str]],
        client: httpx.Client | None = None) -> list[Any]:
    """POST the chat to ``{url}/chat/completions`` and return the claimed items."""
    config.check_address()
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    body = {"model": config.model, "messages": messages, "temperature": 0,
            "response_format": {"type": "json_object"}}
    url = config.url.rstrip("/") + "/chat/completions"
    own = client is None
    http = client or httpx.Client(timeout=config.timeout, trust_env=False)
    try:
        reply = http.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise ModelError(f"cannot reach the model at {config.url}: {type(exc).__name__}") \
            from None
    finally:
        if own:
            http.close()
    if reply.status_code != 200:
        raise ModelError(f"the model answered HTTP {reply.status_code}")
    try:
        content = reply.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ModelError("the model's reply is not an OpenAI chat completion") from None
    if not isinstance(content, str):
        raise ModelError("the model's reply has no text")
    return _items(content)


def with_model(res: NoteResult, config: ModelConfig,
               client: httpx.Client | None = None) -> ModelOutcome:
    """``res`` completed by the model where the rules left inputs missing, every answer
    checked against the note. A model that cannot be reached leaves ``res`` as it is, with
    the error named."""
    asked = [m.input for m in res.extraction.missing]
    if not asked:
        return ModelOutcome(res, config.model)
    try:
        claims = ask(config, _prompt(res, asked), client)
    except ModelError as exc:
        return ModelOutcome(res, config.model, error=str(exc), asked=tuple(asked))
    inst = get(res.extraction.instrument)
    doc = prepare(res.text, load_rules())
    accepted, refused = check_claims(doc, inst, res.extraction, claims)
    ex = merged(res.extraction, accepted)
    out = NoteResult(res.text, ex, evaluate(inst, ex.inputs))
    return ModelOutcome(out, config.model, tuple(accepted), tuple(refused), None, tuple(asked))
