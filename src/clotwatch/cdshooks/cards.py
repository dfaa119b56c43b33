"""CDS Hooks 2.0 cards built from instrument results (no I/O: the caller passes everything in).

Card rules kept here:

- ``summary`` is one sentence under 140 characters (the specification's limit): built short,
  and cut with an ellipsis as a last resort (``short_summary``).
- ``indicator``: ``warning`` when the score's category calls for action (high VTE risk, DVT
  likely, high bleeding risk), ``critical`` only for a second active anticoagulant, else
  ``info``. A score whose category the missing items could still change is ``info`` and says
  so: unknown items are never counted as "no".
- ``detail`` (Markdown) names every item the record could not answer, shows where each known
  item came from, the interpretation and the primary citation, and that clotwatch supports
  decisions and does not diagnose.
- ``source`` is the primary publication (DOI link); ``links`` open the clotwatch calculator so
  the clinician can complete the missing items.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clotwatch import DISCLAIMER
from clotwatch.cdshooks.catalogue import override_reasons

SUMMARY_LIMIT = 140

SHORT_NAMES = {"padua": "Padua", "caprini-2005": "Caprini", "wells-dvt": "Wells DVT",
               "has-bled": "HAS-BLED"}
PHRASES: Mapping[str, Mapping[str, str]] = {
    "padua": {"low": "low", "high": "high"},
    "caprini-2005": {"low": "low", "moderate": "moderate", "high": "high",
                     "highest": "highest"},
    "wells-dvt": {"unlikely": "unlikely", "likely": "likely"},
    "has-bled": {"low": "low", "high": "high"},
}
# How a category reads: "high VTE risk", "DVT likely".
NOUN_AFTER = {"padua": "VTE risk", "caprini-2005": "VTE risk", "has-bled": "bleeding risk"}
NOUN_BEFORE = {"wells-dvt": "DVT"}
ACTIONABLE = {"padua": {"high"}, "caprini-2005": {"high", "highest"}, "wells-dvt": {"likely"},
              "has-bled": {"high"}}
CAVEATS = {
    "wells-dvt": ("The Wells score applies only when DVT is suspected; most of its items need "
                  "a bedside examination that no record holds."),
    "has-bled": ("HAS-BLED was derived and validated in atrial fibrillation (Euro Heart "
                 "Survey), not in VTE; use it to find modifiable bleeding risks, not to "
                 "withhold indicated anticoagulation."),
    "padua": "Padua applies to medical inpatients.",
    "caprini-2005": "Caprini was validated mainly in surgical patients.",
}
NG89 = ("NICE NG89: Venous thromboembolism in over 16s: reducing the risk of hospital-acquired "
        "deep vein thrombosis or pulmonary embolism (2018, updated 2019)")
NG89_URL = "https://www.nice.org.uk/guidance/ng89"


def new_uuid() -> str:
    """A fresh card or suggestion id."""
    return str(uuid.uuid4())


def short_summary(text: str) -> str:
    """``text`` if under the 140-character limit, else cut at a word with an ellipsis."""
    if len(text) < SUMMARY_LIMIT:
        return text
    cut = text[:SUMMARY_LIMIT - 2].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


@dataclass(frozen=True)
class ScoreView:
    """One instrument result with what the record said about each input."""

    instrument: Any  # clotwatch.instruments.Instrument
    result: Mapping[str, Any]  # Result.to_dict()
    provenance: Mapping[str, str] = field(default_factory=dict)  # input id -> where from
    unanswered: Mapping[str, str] = field(default_factory=dict)  # input id -> why unknown


def _points(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value} point" + ("" if value in (1, -1) else "s")


def _answer_text(answer: Any) -> str:
    if answer is True:
        return "yes"
    if answer is False:
        return "no"
    return str(answer)


def _phrase(iid: str, categories: Sequence[str]) -> str:
    """'high VTE risk', 'low or high bleeding risk', 'DVT unlikely or likely'."""
    words = " or ".join(PHRASES.get(iid, {}).get(c, c) for c in categories)
    if iid in NOUN_BEFORE:
        return f"{NOUN_BEFORE[iid]} {words}"
    return f"{words} {NOUN_AFTER[iid]}" if iid in NOUN_AFTER else words


def summary_of(scored: ScoreView) -> str:
    """The card's one-line summary."""
    result = scored.result
    iid = result["instrument"]
    name = SHORT_NAMES.get(iid, result.get("name", iid))
    primary = scored.instrument.primary
    missing = len(result.get("missing") or [])
    tail = f"; {missing} item{'s' if missing != 1 else ''} not in the record" if missing else ""
    category = result.get("category")
    if category is not None:
        prefix = "at least " if missing and result["total_range"][0] != result["total_range"][1] \
            else ""
        text = f"{name}: {prefix}{_points(result['total'])}, {_phrase(iid, [category])}{tail}"
    else:
        low, high = result["total_range"]
        possible = list((result.get("possible_categories") or {}).get(primary) or [])
        could = f", could be {_phrase(iid, possible)}" if possible else ""
        text = f"{name}: {low} to {high} points{could}{tail}"
    return short_summary(text)


def indicator_of(result: Mapping[str, Any]) -> str:
    """``warning`` when the decided category calls for action, else ``info``."""
    category = result.get("category")
    return "warning" if category in ACTIONABLE.get(result["instrument"], set()) else "info"


def detail_of(scored: ScoreView, notes: Sequence[str] = ()) -> str:
    """The card's Markdown detail: known items with their origin, missing items, citation."""
    inst = scored.instrument
    result = scored.result
    meanings = {item.id: item.meaning for item in inst.inputs}
    low, high = result["total_range"]
    lines = [f"**{inst.name}**: {_points(result['total'])} from the record"
             + (f" (between {low} and {high} once every item is answered)." if low != high
                else ".")]
    contributions = result.get("contributions") or []
    if contributions:
        lines += ["", "From the record:"]
        for c in contributions:
            where = scored.provenance.get(c["input"])
            lines.append(f"- {meanings.get(c['input'], c['input'])}: "
                         f"{_answer_text(c.get('answer'))} ({_points(c.get('points') or 0)})"
                         + (f"; {where}" if where else ""))
    missing = result.get("missing") or []
    if missing:
        lines += ["", "Not in the record (ask, examine or check; unknown is not counted as "
                      "'no'):"]
        for item in missing:
            why = scored.unanswered.get(item)
            lines.append(f"- {meanings.get(item, item)}" + (f" ({why})" if why else ""))
    interpretation = result.get("interpretation")
    if interpretation:
        lines += ["", str(interpretation)]
    caveat = CAVEATS.get(result["instrument"])
    if caveat:
        lines += ["", caveat]
    if notes:
        lines += ["", "About the record: " + " ".join(notes)]
    lines += ["", f"Source: {result.get('citation') or inst.citation}.", "", DISCLAIMER]
    return "\n".join(lines)


def source_of(inst: Any) -> dict[str, Any]:
    """The card's source: the instrument's primary publication."""
    citation = inst.citation
    url = getattr(citation, "url", None)
    if getattr(citation, "doi", None):
        url = f"https://doi.org/{citation.doi}"
    elif getattr(citation, "pmid", None):
        url = f"https://pubmed.ncbi.nlm.nih.gov/{citation.pmid}/"
    source: dict[str, Any] = {"label": f"{inst.name}, via clotwatch"}
    if url:
        source["url"] = url
    return source


def calculator_link(base_url: str, inst: Any) -> dict[str, str]:
    """A link to the clotwatch calculator page of ``inst``."""
    return {"label": f"Complete the {SHORT_NAMES.get(inst.id, inst.name)} score in clotwatch",
            "url": f"{base_url}/en/calculators/{inst.id}", "type": "absolute"}


# Clinician pages that carry on from a card, beyond the instrument's calculator.
FOLLOW_ON = {"wells-dvt": ("Walk the NICE NG158 suspected-DVT pathway in clotwatch",
                           "/en/pathway/dvt")}


def score_card(scored: ScoreView, *, base_url: str, notes: Sequence[str] = ()) -> dict[str, Any]:
    """A card for one instrument result."""
    links = [calculator_link(base_url, scored.instrument)]
    if scored.instrument.id in FOLLOW_ON:
        label, path = FOLLOW_ON[scored.instrument.id]
        links.append({"label": label, "url": base_url + path, "type": "absolute"})
    return {
        "uuid": new_uuid(),
        "summary": summary_of(scored),
        "indicator": indicator_of(scored.result),
        "detail": detail_of(scored, notes),
        "source": source_of(scored.instrument),
        "links": links,
        "overrideReasons": override_reasons(),
    }


def bleeding_suggestions(*, has_bled: Mapping[str, Any], draft: Mapping[str, Any] | None,
                         patient_id: str, mechanical: bool) -> list[dict[str, Any]]:
    """Suggestions when HAS-BLED is high (or could be): a note on the draft order recording
    the bleeding-risk review; if it is high, mechanical prophylaxis to consider (NICE NG89)."""
    total = has_bled["total"]
    category = has_bled.get("category")
    suggestions: list[dict[str, Any]] = []
    if draft is not None and draft.get("id"):
        if category is not None:
            score = f"HAS-BLED {_points(total)} ({category})"
        else:
            missing = ", ".join(has_bled.get("missing") or [])
            score = (f"HAS-BLED at least {_points(total)} from the record; not in the record: "
                     f"{missing}")
        noted = dict(draft)
        note_text = (f"Bleeding risk reviewed before anticoagulation: {score}. "
                     "(clotwatch decision support)")
        noted["note"] = [*list(draft.get("note") or []), {"text": note_text}]
        suggestions.append({
            "label": "Add a note to the order: bleeding risk reviewed",
            "uuid": new_uuid(), "isRecommended": True,
            "actions": [{"type": "update",
                         "description": "Add a note recording the HAS-BLED review to the draft "
                                        "order",
                         "resource": noted}],
        })
    if mechanical:
        suggestions.append({
            "label": "Consider mechanical prophylaxis (intermittent pneumatic compression)",
            "uuid": new_uuid(), "isRecommended": False,
            "actions": [{"type": "create",
                         "description": "Propose intermittent pneumatic compression of the legs "
                                        "(NICE NG89: mechanical prophylaxis when bleeding risk "
                                        "outweighs the benefit of drug prophylaxis)",
                         "resource": mechanical_prophylaxis_request(patient_id, total)}],
        })
    return suggestions


def mechanical_prophylaxis_request(patient_id: str, has_bled_total: Any) -> dict[str, Any]:
    """A draft ServiceRequest proposing intermittent pneumatic compression (text-coded)."""
    return {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "code": {"text": "Intermittent pneumatic compression of the legs (mechanical VTE "
                         "prophylaxis)"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "reasonCode": [{"text": f"High bleeding risk (HAS-BLED {_points(has_bled_total)}); "
                                "VTE prophylaxis considered"}],
        "note": [{"text": f"Suggested by clotwatch; see {NG89}."}],
    }


def duplicate_anticoagulant_card(*, draft_label: str, draft_id: str | None,
                                 active: Sequence[str], base_url: str,
                                 why: str = "") -> dict[str, Any]:
    """A critical card: an anticoagulant is ordered while another one is active."""
    suggestions: list[dict[str, Any]] = []
    if draft_id:
        suggestions.append({
            "label": f"Remove the draft {draft_label} order",
            "uuid": new_uuid(), "isRecommended": False,
            "actions": [{"type": "delete",
                         "description": f"Remove the draft order for {draft_label}",
                         "resourceId": f"MedicationRequest/{draft_id}"}],
        })
    card: dict[str, Any] = {
        "uuid": new_uuid(),
        "summary": short_summary(f"Already on an anticoagulant: {draft_label} would be a "
                                 "second one unless this is a planned switch"),
        "indicator": "critical",
        "detail": "\n".join([
            f"An anticoagulant is active or being ordered ({', '.join(active)}) and "
            f"{draft_label} is being ordered.",
            *([f"From the record: {why}.", ""] if why else [""]),
            "Two anticoagulants together add to the risk of bleeding. If this is a planned "
            "switch or bridging, make sure the other order is stopped or its timing set; "
            "otherwise remove one of them.",
            "",
            DISCLAIMER]),
        "source": {"label": "clotwatch medication check (anticoagulant code set: ATC B01A, "
                            "RxNorm)"},
        "links": [{"label": "Open clotwatch", "url": f"{base_url}/", "type": "absolute"}],
        "overrideReasons": override_reasons(),
    }
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one"
    return card


def possible_anticoagulant_card(*, draft_label: str, reason: str, orders: Sequence[str],
                                base_url: str) -> dict[str, Any]:
    """A warning card: active orders whose medicine could not be told, while an
    anticoagulant is ordered (a second anticoagulant cannot be ruled out)."""
    return {
        "uuid": new_uuid(),
        "summary": short_summary(f"Check for a second anticoagulant before ordering "
                                 f"{draft_label}: some active orders could not be read"),
        "indicator": "warning",
        "detail": "\n".join([
            f"{draft_label} is being ordered. The record holds active orders "
            f"({', '.join(orders)}) whose medicine clotwatch could not identify by code: "
            f"{reason}.",
            "",
            "If one of them is an anticoagulant, the two together add to the risk of "
            "bleeding. Check them in the medication list.",
            "",
            DISCLAIMER]),
        "source": {"label": "clotwatch medication check (anticoagulant code set: ATC B01A, "
                            "RxNorm)"},
        "links": [{"label": "Open clotwatch", "url": f"{base_url}/", "type": "absolute"}],
        "overrideReasons": override_reasons(),
    }


def unreadable_draft_card(*, where: str, reason: str, label: str,
                          base_url: str, modified: bool = False) -> dict[str, Any]:
    """A warning card: a draft order that may be an anticoagulant could not be read (not
    valid FHIR R4, or, ``modified``, carrying a modifier extension clotwatch does not
    understand, which FHIR forbids reading as if it were absent), so it was not checked; the
    other drafts were."""
    why = ("carries a modifier extension clotwatch does not understand (it may change what the "
           "order means)" if modified else "is not valid FHIR R4")
    return {
        "uuid": new_uuid(),
        "summary": short_summary(f"Not checked: the draft order {label} could not be read"),
        "indicator": "warning",
        "detail": "\n".join([
            f"The draft order {label} ({where}) {why}, so clotwatch did not "
            f"check it for VTE or bleeding risk or for a second anticoagulant: {reason}.",
            "",
            "Other draft orders of this call were checked on their own.",
            "",
            DISCLAIMER]),
        "source": {"label": "clotwatch medication check"},
        "links": [{"label": "Open clotwatch", "url": f"{base_url}/", "type": "absolute"}],
    }
