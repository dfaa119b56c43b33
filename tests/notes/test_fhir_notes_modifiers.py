"""Notes and modifier extensions (issue 13 with issue 11): unknown is never read as "no".

FHIR R4, Extensibility (https://hl7.org/fhir/R4/extensibility.html#modifierExtension): a
resource carrying a modifier extension the reader does not understand must not be processed as
if the extension were absent. clotwatch does not use such a coded resource, and leaves the
items it could have answered unknown with a reason naming it (tests/fhir/
test_fhir_modifier_extensions.py). Here, what the notes may then do:

- where an item's coded evidence was dropped for a modifier extension, a note that would
  *lower* the result (a "no", a lower number) does not fill it: it stays missing with the
  modifier reason, and the reason says what the note said and why it was not used; a note
  that raises it ("yes", a higher number) still fills it and says the record was not read;
- a note resource (DocumentReference, DiagnosticReport, Composition, or a Composition section)
  carrying one is not read at all, and the notes of the result name it and the URL.

Each through the three ways a Bundle is scored: ``clotwatch fhir score``, a CDS Hooks call
(``service.cds.invoke``) and the CDS Hooks REST route of the app.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clotwatch.api import create_app
from clotwatch.cli import main
from clotwatch.config import Settings
from clotwatch.notes.fhir import read_notes
from clotwatch.service.cds import HookCall, invoke

FIXTURES = Path(__file__).parents[1] / "fhir" / "fixtures"
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
VIEW = "clotwatch-vte-risk"
NEGATED = "http://example.org/fhir/StructureDefinition/negated"
UNREAD = (f"carries a modifier extension clotwatch does not understand ({NEGATED}); "
          "it was not used")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def with_modifier(resource: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    out["modifierExtension"] = [{"url": NEGATED, "valueBoolean": True}]
    return out


def note(text: str, nid: str = "n1") -> dict[str, Any]:
    return {"resourceType": "DocumentReference", "id": nid, "status": "current",
            "subject": {"reference": "Patient/pat-1"},
            "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                        "data": _b64(text)}}]}


def resources(modified: tuple[str, ...], *notes: dict[str, Any]) -> list[dict[str, Any]]:
    """The fixture patient's resources (patient-full.json: active breast cancer ``ca``, heart
    rate ``hr`` of 112 today), those with an id in ``modified`` carrying a modifier
    extension, and the notes."""
    bundle = json.loads((FIXTURES / "patient-full.json").read_text(encoding="utf-8"))
    out = [e["resource"] for e in bundle["entry"]]
    return [with_modifier(r) if r.get("id") in modified else r for r in out] + list(notes)


def bundle(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r} for r in items]}


# --- the three paths: each returns {instrument: {input: (value, reason)}} ----------------------

Inputs = dict[str, dict[str, tuple[Any, str]]]


def by_cli(items: list[dict[str, Any]], tmp_path: Path,
           capsys: pytest.CaptureFixture[str]) -> Inputs:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(items)), encoding="utf-8")
    code = main(["fhir", "score", str(path), "--json", "--now", NOW.isoformat(),
                 "--instrument", "padua", "--instrument", "wells-pe", "--instrument", "perc"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    return {r["instrument"]: {i["input"]: (i["value"], i["reason"]) for i in r["inputs"]}
            for r in out["results"]}


def _searchset(items: list[dict[str, Any]], *types: str) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": r} for r in items if r["resourceType"] in types]}


def prefetch(items: list[dict[str, Any]]) -> dict[str, Any]:
    patient = next(r for r in items if r["resourceType"] == "Patient")
    return {"patient": patient, "conditions": _searchset(items, "Condition"),
            "notes": _searchset(items, "DocumentReference"),
            "reports": _searchset(items, "DiagnosticReport")}


def _card_inputs(cards: list[dict[str, Any]]) -> Inputs:
    """The Padua card's detail, one line per input: (value shown or None, the line)."""
    padua = next(c for c in cards if c["summary"].startswith("Padua"))["detail"]
    return {"padua": {"active_cancer": _line(padua, "active cancer")}}


def _line(detail: str, label: str) -> tuple[Any, str]:
    line = next(ln for ln in detail.splitlines() if ln.startswith(f"- {label}"))
    answered = detail.index(line) < detail.index("Not in the record") \
        if "Not in the record" in detail else True
    return (True if answered and ": yes" in line else None), line


Cards = list[dict[str, Any]]


def cds_cards(items: list[dict[str, Any]]) -> Cards:
    call = HookCall("patient-view", "h-1", {"patientId": "pat-1",
                                              "userId": "Practitioner/1"},
                    prefetch=prefetch(items))
    cards: Cards = invoke(VIEW, call, now=NOW, base_url="https://cw.example")["cards"]
    return cards


@pytest.fixture
def rest(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", environment="development",
                        cds_allow_unsigned=True)
    with TestClient(create_app(settings, clock=lambda: NOW, migrate=True)) as client:
        yield client


def rest_cards(client: TestClient) -> Callable[[list[dict[str, Any]]], Cards]:
    def run(items: list[dict[str, Any]]) -> Cards:
        body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/dr-1", "patientId": "pat-1"},
                "prefetch": prefetch(items)}
        response = client.post(f"/cds-services/{VIEW}", json=body)
        assert response.status_code == 200, response.text
        cards: Cards = response.json()["cards"]
        return cards
    return run


@pytest.fixture(params=["cli", "cds", "rest"])
def scored(request: pytest.FixtureRequest, tmp_path: Path,
           capsys: pytest.CaptureFixture[str]) -> Callable[[list[dict[str, Any]]], Inputs]:
    if request.param == "cli":
        return lambda items: by_cli(items, tmp_path, capsys)
    cards = cds_cards if request.param == "cds" else rest_cards(request.getfixturevalue("rest"))
    return lambda items: _card_inputs(cards(items))


# --- a note may raise an item the record could not answer, never lower it --------------------

def test_a_note_denying_cancer_does_not_fill_an_item_whose_condition_was_not_read(
        scored: Callable[[list[dict[str, Any]]], Inputs]) -> None:
    plain = scored(resources((), note("No history of cancer.")))
    assert plain["padua"]["active_cancer"][0] is True  # the coded cancer: yes, the note loses
    value, reason = scored(resources(("ca",), note("No history of cancer.")))["padua"][
        "active_cancer"]
    assert value is None
    assert f"Condition/ca {UNREAD}" in reason
    assert "the notes' answer no (negated)" in reason and "No history of cancer." in reason
    assert "would lower the result" in reason


def test_a_note_affirming_cancer_still_fills_it_and_says_the_record_was_not_read(
        scored: Callable[[list[dict[str, Any]]], Inputs]) -> None:
    value, reason = scored(resources(("ca",), note(
        "Metastatic breast cancer, on chemotherapy.")))["padua"]["active_cancer"]
    assert value is True
    assert "from the notes (present)" in reason
    assert f"though the coded record was not: Condition/ca {UNREAD}" in reason


def test_without_a_modifier_a_note_still_answers_no_where_the_record_is_silent(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the rule is only for a record that could not be read: silence is not that
    items = [r for r in resources((), note("No history of cancer.")) if r.get("id") != "ca"]
    value, reason = by_cli(items, tmp_path, capsys)["padua"]["active_cancer"]
    assert value is False and reason.startswith("from the notes (negated)")


@pytest.mark.parametrize(("text", "filled"), [("Heart rate 72 bpm.", None),
                                                ("Heart rate 128 bpm.", 128)])
def test_a_lower_heart_rate_in_the_notes_does_not_replace_an_unread_observation(
        text: str, filled: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Wells PE: heart rate over 100 scores 1.5 (Wells 2000, doi:10.1055/s-0037-1613830);
    # the fixture's reading of today (112) carries a modifier extension
    out = by_cli(resources(("hr",), note(text)), tmp_path, capsys)
    value, reason = out["wells-pe"]["heart_rate"]
    assert value == filled
    assert f"Observation/hr {UNREAD}" in reason
    if filled is None:
        assert "the notes' answer 72 (present)" in reason and "would lower the result" in reason


@pytest.mark.parametrize(("text", "filled"), [("45-year-old woman with chest pain.", None),
                                                ("68-year-old woman with chest pain.", 68)])
def test_an_age_from_the_notes_fills_a_modified_patient_only_when_it_does_not_lower_perc(
        text: str, filled: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # PERC: age 50 or over is a criterion (Kline 2004, doi:10.1111/j.1538-7836.2004.00790.x)
    value, reason = by_cli(resources(("pat-1",), note(text)), tmp_path, capsys)["perc"]["age"]
    assert value == filled
    assert f"Patient/pat-1 {UNREAD}" in reason


# --- note resources carrying a modifier extension are not read -------------------------------

def _report(text: str) -> dict[str, Any]:
    return {"resourceType": "DiagnosticReport", "id": "rep", "status": "final",
            "code": {"text": "CT chest"}, "subject": {"reference": "Patient/pat-1"},
            "conclusion": text}


def _composition(text: str, *, on_section: bool = False) -> dict[str, Any]:
    section: dict[str, Any] = {"title": "Assessment", "text": {
        "status": "generated",
        "div": f"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{text}</p></div>"}}
    comp = {"resourceType": "Composition", "id": "hp", "status": "final",
            "type": {"text": "H&P"}, "date": "2026-11-24", "title": "H&P",
            "author": [{"display": "Dr A"}], "subject": {"reference": "Patient/pat-1"},
            "section": [{"title": "History", "section": [section]}]}
    if on_section:
        section["modifierExtension"] = [{"url": NEGATED, "valueBoolean": True}]
        return comp
    return with_modifier(comp)


def _without_modifiers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_modifiers(v) for k, v in value.items() if k != "modifierExtension"}
    if isinstance(value, list):
        return [_without_modifiers(v) for v in value]
    return value


@pytest.mark.parametrize(("make", "ref"), [
    (lambda t: with_modifier(note(t)), "DocumentReference/n1"),
    (lambda t: with_modifier(_report(t)), "DiagnosticReport/rep"),
    (lambda t: _composition(t), "Composition/hp"),
    (lambda t: _composition(t, on_section=True), "Composition/hp"),
], ids=["document-reference", "diagnostic-report", "composition", "composition-section"])
def test_a_note_resource_with_a_modifier_is_not_read_and_is_named(
        make: Callable[[str], dict[str, Any]], ref: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = "Coughing up blood since yesterday."
    plain = read_notes(bundle(resources((), _without_modifiers(make(text)))), "pat-1")
    assert text in plain.text and not plain.skipped  # without it: read
    notes = read_notes(bundle(resources((), make(text))), "pat-1")
    assert text not in notes.text
    assert f"{ref} {UNREAD}" in notes.skipped
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle(resources((), make(text)))), encoding="utf-8")
    assert main(["fhir", "score", str(path), "--json", "--now", NOW.isoformat(),
                 "--instrument", "wells-pe"]) == 0
    out = json.loads(capsys.readouterr().out)
    hemoptysis = next(i for i in out["results"][0]["inputs"] if i["input"] == "hemoptysis")
    assert hemoptysis["value"] is None
    assert f"A clinical note was not read: {ref} {UNREAD}." in out["notes"]


def test_a_note_with_a_modifier_in_a_cds_prefetch_is_named_on_the_cards(
        rest: TestClient) -> None:
    text = "Swollen, tender left calf."  # Wells DVT: localised tenderness
    items = resources((), with_modifier(note(text)))
    assert "from the notes" in json.dumps(cds_cards(resources((), note(text))))
    for cards in (cds_cards, rest_cards(rest)):
        text = json.dumps(cards(items))
        assert f"DocumentReference/n1 {UNREAD}" in text
        assert "from the notes" not in text
