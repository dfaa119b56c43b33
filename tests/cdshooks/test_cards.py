"""Card rules on every possible result: summary under 140 characters, a valid indicator, every
missing item named; suggestions carry valid FHIR R4 resources."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from clotwatch import instruments
from clotwatch.cdshooks import cards
from clotwatch.cdshooks.catalogue import services

CARD_INSTRUMENTS = sorted({i for s in services().values() for i in s.instruments})


def value_of(item: Any) -> st.SearchStrategy[Any]:
    if item.kind == "bool":
        return st.booleans()
    if item.kind == "enum":
        return st.sampled_from([o.value for o in item.options])
    low = item.minimum if item.minimum is not None else 0
    high = item.maximum if item.maximum is not None else 200
    if item.kind == "integer":
        return st.integers(int(low), int(high))
    return st.floats(low, high, allow_nan=False).map(lambda x: round(x, 1))


@st.composite
def scored(draw: st.DrawFn) -> cards.ScoreView:
    inst = instruments.get(draw(st.sampled_from(CARD_INSTRUMENTS)))
    answers = {item.id: draw(st.one_of(st.none(), value_of(item))) for item in inst.inputs}
    result = instruments.evaluate(inst, answers).to_dict()
    return cards.ScoreView(instrument=inst, result=result,
                           unanswered={i: "not in the record" for i in result["missing"]})


@settings(max_examples=300, deadline=None)
@given(scored())
def test_every_card_summary_is_under_140_characters_and_names_missing_items(
        view: cards.ScoreView) -> None:
    card = cards.score_card(view, base_url="https://cds.example.org")
    assert 0 < len(card["summary"]) < 140
    assert card["indicator"] in {"info", "warning", "critical"}
    meanings = {item.id: item.meaning for item in view.instrument.inputs}
    for missing in view.result["missing"]:
        assert meanings[missing] in card["detail"]
    if view.result["missing"]:
        assert "not in the record" in card["summary"]
    if view.result["category"] is None:
        assert card["indicator"] == "info"  # undetermined is never shown as decided


def test_a_long_summary_is_cut_at_a_word() -> None:
    text = "word " * 40
    cut = cards.short_summary(text)
    assert len(cut) < 140 and cut.endswith("…")


def high_has_bled() -> dict[str, Any]:
    answers = {i.id: True for i in instruments.get("has-bled").inputs if i.kind == "bool"}
    return instruments.evaluate("has-bled", answers | {"age": 80}).to_dict()


def test_high_bleeding_risk_suggests_a_note_and_mechanical_prophylaxis_as_valid_fhir() -> None:
    result = high_has_bled()
    assert result["category"] == "high"
    draft = {"resourceType": "MedicationRequest", "id": "d1", "status": "draft",
             "intent": "order", "subject": {"reference": "Patient/p1"},
             "medicationCodeableConcept": {"text": "enoxaparin 40 mg"}}
    suggestions = cards.bleeding_suggestions(has_bled=result, draft=draft, patient_id="p1",
                                             mechanical=True)
    note, mechanical = suggestions
    updated = note["actions"][0]["resource"]
    MedicationRequest.model_validate(updated)
    assert "HAS-BLED 9 points (high)" in updated["note"][-1]["text"]
    assert "note" not in draft  # the caller's draft is not modified
    created = mechanical["actions"][0]
    assert created["type"] == "create"
    ServiceRequest.model_validate(created["resource"])
    assert created["resource"]["subject"] == {"reference": "Patient/p1"}


def test_without_a_draft_id_only_mechanical_prophylaxis_is_suggested() -> None:
    suggestions = cards.bleeding_suggestions(has_bled=high_has_bled(), draft={"id": None},
                                             patient_id="p1", mechanical=True)
    assert [s["label"] for s in suggestions] == [
        "Consider mechanical prophylaxis (intermittent pneumatic compression)"]


def test_the_card_source_is_the_primary_publication() -> None:
    assert cards.source_of(instruments.get("has-bled"))["url"] == \
        "https://doi.org/10.1378/chest.10-0134"
