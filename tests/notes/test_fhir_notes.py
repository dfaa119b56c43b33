"""Notes in a FHIR Bundle fill what the coded record lacks; coded data wins."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clotwatch.fhir import score
from clotwatch.notes.fhir import read_notes

FIXTURES = Path(__file__).parents[1] / "fhir" / "fixtures"
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def bundle_with_notes() -> dict[str, Any]:
    b = json.loads((FIXTURES / "patient-full.json").read_text(encoding="utf-8"))
    b = copy.deepcopy(b)
    me = {"reference": "Patient/pat-1"}
    b["entry"] += [
        {"resource": {"resourceType": "DocumentReference", "id": "ed-note", "status": "current",
                      "subject": me, "content": [{"attachment": {
                          "contentType": "text/plain; charset=utf-8",
                          "data": _b64("ED note. Swollen, tender left calf. Coughing up blood "
                                       "since yesterday. Denies chest pain.")}}]}},
        {"resource": {"resourceType": "DiagnosticReport", "id": "us-1", "status": "final",
                      "code": {"text": "Leg ultrasound"}, "subject": me,
                      "conclusion": "No history of cancer."}},
        {"resource": {"resourceType": "Composition", "id": "hp", "status": "final",
                      "type": {"text": "H&P"}, "date": "2026-11-24", "title": "H&P",
                      "author": [{"display": "Dr A"}], "subject": me,
                      "section": [{"title": "Family history", "text": {
                          "status": "generated",
                          "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Mother: "
                                 "DVT at 50.</p></div>"}}]}},
        # not this patient's, in error, or only a link: never read
        {"resource": {"resourceType": "DocumentReference", "id": "other", "status": "current",
                      "subject": {"reference": "Patient/someone-else"},
                      "content": [{"attachment": {"data": _b64("Hemoptysis.")}}]}},
        {"resource": {"resourceType": "DocumentReference", "id": "err",
                      "status": "entered-in-error", "subject": me,
                      "content": [{"attachment": {"data": _b64("Paraplegia.")}}]}},
        {"resource": {"resourceType": "DocumentReference", "id": "link", "status": "current",
                      "subject": me, "content": [{"attachment": {
                          "url": "https://example.org/note/1"}}]}},
    ]
    return b


def test_reader_takes_attachments_conclusions_and_sections_of_this_patient_only() -> None:
    notes = read_notes(bundle_with_notes(), "pat-1")
    assert [n.source for n in notes.notes] == [
        "DocumentReference/ed-note", "DiagnosticReport/us-1", "Composition/hp"]
    assert "Mother: DVT at 50." in notes.text and "Family history:" in notes.text
    assert "Hemoptysis." not in notes.text and "Paraplegia" not in notes.text
    assert any("url only" in s for s in notes.skipped)


def test_fhir_score_fills_unknown_inputs_from_the_notes_and_coded_data_wins() -> None:
    derivation, scored = score(bundle_with_notes(), NOW, ["wells-pe", "wells-dvt"])
    by = {s.result.instrument.id: {i.input: i for i in s.inputs} for s in scored}
    hemo = by["wells-pe"]["hemoptysis"]
    assert hemo.value is True and hemo.concept == "notes"
    assert hemo.reason.startswith("from the notes") and "Coughing up blood" in hemo.reason
    assert hemo.sources == ("DocumentReference/ed-note",)
    # coded: active breast cancer; the note's "No history of cancer" does not override it
    cancer = by["wells-pe"]["malignancy"]
    assert cancer.value is True and cancer.concept != "notes"
    assert by["wells-dvt"]["localized_tenderness"].value is True
    assert any("url only" in n for n in derivation.notes)
    wells_pe = next(s for s in scored if s.result.instrument.id == "wells-pe")
    assert wells_pe.result.answers["hemoptysis"] is True


def test_bundle_without_notes_is_scored_as_before() -> None:
    b = json.loads((FIXTURES / "patient-full.json").read_text(encoding="utf-8"))
    _, scored = score(b, NOW, ["perc"])
    assert all(i.concept != "notes" for s in scored for i in s.inputs)


@pytest.mark.parametrize("data", ["not base64!", base64.b64encode(b"\xff\xfe\xfa").decode()])
def test_unreadable_attachments_are_named_not_crashing(data: str) -> None:
    b = bundle_with_notes()
    b["entry"][-1]["resource"]["content"][0]["attachment"] = {"contentType": "text/plain",
                                                             "data": data}
    notes = read_notes(b, "pat-1")
    assert len(notes.notes) == 3
    assert any(s.startswith("DocumentReference/link") for s in notes.skipped)


def test_cds_patient_view_fills_from_prefetched_notes() -> None:
    from clotwatch.cdshooks.catalogue import services
    from clotwatch.service.cds import HookCall, invoke

    b = bundle_with_notes()
    patient = next(e["resource"] for e in b["entry"]
                   if e["resource"]["resourceType"] == "Patient")

    def searchset(rtype: str) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [e for e in b["entry"] if e["resource"]["resourceType"] == rtype
                          and e["resource"].get("subject", {}).get("reference")
                          == "Patient/pat-1"]}

    assert {"notes", "reports"} <= set(services()["clotwatch-vte-risk"].prefetch)
    call = HookCall("patient-view", "h-1", {"patientId": "pat-1", "userId": "Practitioner/1"},
                    prefetch={"patient": patient, "conditions": searchset("Condition"),
                              "notes": searchset("DocumentReference"),
                              "reports": searchset("DiagnosticReport")})
    cards = invoke("clotwatch-vte-risk", call, now=NOW, base_url="https://cw.example")["cards"]
    text = json.dumps(cards)
    assert "from the notes" in text
    assert "Not available from the EHR for this call: notes" not in text


def test_the_same_notes_are_extracted_once_and_give_the_same_inputs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import clotwatch.core.notes as core_notes
    from clotwatch.notes import fhir as notes_fhir

    notes_fhir._extractions.clear()
    prepared: list[str] = []
    real_prepare = core_notes.prepare

    def counting_prepare(text: str, rules: Any) -> Any:
        prepared.append(text)
        return real_prepare(text, rules)

    monkeypatch.setattr(core_notes, "prepare", counting_prepare)

    def inputs() -> dict[str, Any]:
        _derivation, scored = score(bundle_with_notes(), NOW, ["wells-pe", "wells-dvt"])
        return {s.result.instrument.id: [(i.input, i.value, i.concept, i.reason, i.sources)
                                         for i in s.inputs] for s in scored}

    first = inputs()
    assert len(prepared) == 1
    assert inputs() == first  # answered from the cache, the same evidence and reasons
    assert len(prepared) == 1
    other = bundle_with_notes()
    note = next(e["resource"] for e in other["entry"]
                if e["resource"].get("id") == "ed-note")
    note["content"][0]["attachment"]["data"] = _b64("Calf swelling and coughing up blood.")
    score(other, NOW, ["wells-pe"])
    assert len(prepared) == 2  # another text: extracted anew


def test_the_cache_is_per_patient_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same text in another patient's record is extracted anew (a cache hit's speed
    says nothing about another patient's notes), and the cache holds at most its size."""
    import clotwatch.core.notes as core_notes
    from clotwatch.notes import fhir as notes_fhir

    notes_fhir._extractions.clear()
    monkeypatch.setattr(notes_fhir, "EXTRACTION_CACHE_SIZE", 2)
    prepared: list[str] = []
    real_prepare = core_notes.prepare
    monkeypatch.setattr(core_notes, "prepare",
                        lambda text, rules: prepared.append(text) or real_prepare(text, rules))
    mine = bundle_with_notes()
    theirs = json.loads(json.dumps(mine).replace("pat-1", "pat-2"))
    score(mine, NOW, ["wells-pe"])
    score(theirs, NOW, ["wells-pe"])
    assert len(prepared) == 2 and prepared[0] == prepared[1]
    score(mine, NOW, ["wells-pe", "wells-dvt", "perc"])
    assert len(notes_fhir._extractions) == 2


def _dated_note(nid: str, text: str, **when: Any) -> dict[str, Any]:
    return {"resource": {"resourceType": "DocumentReference", "id": nid, "status": "current",
                         "subject": {"reference": "Patient/pat-1"}, **when,
                         "content": [{"attachment": {"contentType": "text/plain",
                                                     "data": _b64(text)}}]}}


@pytest.mark.parametrize("when", [
    {"date": "2026-11-25T08:00:00Z"},  # a time after NOW
    {"date": "2026-11-24T08:00:00-05:00"},  # 13:00 UTC, an hour after NOW
    {"date": "2026-11-25"},  # a day after NOW's day
    {"context": {"period": {"start": "2027-01-02T10:00:00Z"}}},  # no date: the service time
    {"date": "2027"}, {"date": "2026-12"},  # a year, a month (R4 dates): from their first day
])
def test_a_note_written_after_the_time_scored_at_is_not_read(when: dict[str, Any]) -> None:
    """A whole record's export holds the notes of later years (Synthea's sample bulk export:
    a note of 1989 filled "acute infection" into a stay of 1984); as of a time, a note written
    later did not exist yet."""
    b = json.loads((FIXTURES / "patient-full.json").read_text(encoding="utf-8"))
    b["entry"] += [_dated_note("later", "Coughing up blood since yesterday.", **when)]
    derivation, scored = score(b, NOW, ["wells-pe"])
    hemo = {i.input: i for i in scored[0].inputs}["hemoptysis"]
    assert hemo.value is None
    assert any("DocumentReference/later: written after the time scored at (2026-11-24 12:00 "
               "UTC)" in n for n in derivation.notes)
    assert read_notes(b, "pat-1").notes  # without a time, every note is read, as before


@pytest.mark.parametrize("when", [
    {"date": "2026-11-24T11:00:00Z"}, {"date": "2026-11-24T06:00:00-05:00"},
    {"date": "2026-11-24"},  # the same day as NOW: written by then
    {"context": {"period": {"start": "2026-11-20T10:00:00Z"}}}, {},  # no time at all: read
    # not a date (a month 13, a 30 February, a year 0): read as a note with no time, never a
    # crash (date() raised ValueError for these, outside the parse's own guard)
    {"date": "2026-13-01"}, {"date": "2026-02-30"}, {"date": "0000"},
    {"date": "2026-11"},  # this month: its first day is not after NOW
    {"date": "2026-11-25T08:00:00"},  # a time without its zone is not a FHIR dateTime
])
def test_a_note_written_by_the_time_scored_at_is_read(when: dict[str, Any]) -> None:
    b = json.loads((FIXTURES / "patient-full.json").read_text(encoding="utf-8"))
    b["entry"] += [_dated_note("earlier", "Coughing up blood since yesterday.", **when)]
    _, scored = score(b, NOW, ["wells-pe"])
    hemo = {i.input: i for i in scored[0].inputs}["hemoptysis"]
    assert hemo.value is True and hemo.sources == ("DocumentReference/earlier",)


@pytest.mark.parametrize("ctype", ["text/plain", "text/plain; charset=utf-8",
                                   "text/plain; charset=UTF_8"])
def test_a_byte_order_mark_in_an_attachment_is_not_part_of_the_note(ctype: str) -> None:
    data = base64.b64encode(b"\xef\xbb\xbfDenies hemoptysis.").decode()
    b = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p"}},
        {"resource": {"resourceType": "DocumentReference", "id": "d", "status": "current",
                      "subject": {"reference": "Patient/p"},
                      "content": [{"attachment": {"contentType": ctype, "data": data}}]}}]}
    notes = read_notes(b, "p")
    assert [n.text for n in notes.notes] == ["Denies hemoptysis."]
