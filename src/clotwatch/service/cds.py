"""CDS Hooks use cases: discovery, answering a hook call with cards, storing feedback.

No HTTP here (the routes are in ``clotwatch.api.cds_hooks``); the FHIR reading and the
instrument inputs come from ``clotwatch.fhir`` and the scores from ``clotwatch.instruments``.

A call's data comes from its prefetch; a prefetch key the EHR did not send is fetched from its
``fhirServer`` when one is given (``fetch_fhir``, with the ``fhirAuthorization`` token). When
the Patient can be had neither way the call fails with ``PrefetchUnavailable`` (HTTP 412). Other
keys that cannot be had are named on the cards: their items stay unknown, never "no".
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

from clotwatch.cdshooks import cards
from clotwatch.cdshooks.catalogue import Service, services
from clotwatch.errors import InputError, MappingError, MissingDataError

# The readers each prefetch key goes through (standard library only: cheap to import; the
# R4B models they fall back to are imported when first needed).
from clotwatch.fhir.bundle import read_bundle, read_view
from clotwatch.fhir.elements import Entry
from clotwatch.fhir.modifiers import not_understood
from clotwatch.store import CdsFeedbackRepository, Store

FETCH_TIMEOUT_SECONDS = 5.0  # per request to the EHR's FHIR server
FETCH_BUDGET_SECONDS = 10.0  # for all fetches of one call; later keys count as not available
FETCH_MAX_PAGES = 10
FETCH_MAX_MEDICATIONS = 20  # Medications fetched by reference in one call
MEDICATION_KEYS = ("medications", "medication_statements")
TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z0-9_]+)\s*\}\}")
KEY_LABELS = {"conditions": "conditions", "observations": "observations",
              "medications": "active medication orders",
              "medication_statements": "medication statements", "procedures": "procedures"}


class UnknownService(MissingDataError):
    """No CDS Service has this id."""


class PrefetchUnavailable(MissingDataError):
    """Required prefetch data was neither sent nor obtainable from the EHR's FHIR server."""

    def __init__(self, keys: Sequence[str], reason: str) -> None:
        self.keys = tuple(keys)
        super().__init__(reason)


class FetchFailed(MissingDataError):
    """The EHR's FHIR server did not give what was asked."""


Fetch = Callable[[str, str, str | None], Mapping[str, Any]]


@dataclass(frozen=True)
class HookCall:
    """One CDS Hooks request, already checked for shape by the API layer."""

    hook: str
    hook_instance: str
    context: Mapping[str, Any]
    prefetch: Mapping[str, Any] | None = None
    fhir_server: str | None = None
    fhir_token: str | None = None


@dataclass(frozen=True)
class FeedbackItem:
    """One feedback item of a ``POST /cds-services/{id}/feedback``."""

    card: str
    outcome: str
    outcome_at: datetime
    accepted_suggestions: tuple[str, ...] = ()
    override_system: str | None = None
    override_code: str | None = None
    override_display: str | None = None
    user_comment: str | None = None


@dataclass
class Gathered:
    """The data of one call: resources by prefetch key, and what could not be had."""

    values: dict[str, Any] = field(default_factory=dict)
    not_available: list[str] = field(default_factory=list)


def prepare() -> None:
    """Load now what every call reads and no call changes, instead of on the first call:
    the services, the code sets with their index and the RxNorm products table, the FHIR
    readers' element specs and the R4B Patient model (a Patient in an unusual form is read by
    its model), the instruments the services score, and the notes pass. Nothing here depends on a
    call. ``clotwatch serve`` calls it in each serving process before the first call
    (``clotwatch.api.server.prepare_process``)."""
    from fhir.resources.R4B import get_fhir_model_class

    from clotwatch.core import instruments
    from clotwatch.fhir import elements, matching
    from clotwatch.fhir.codes import rxnorm_products
    from clotwatch.notes import fhir as _notes  # noqa: F401 (imported for its set-up)

    for svc in services().values():
        for instrument_id in svc.instruments:
            instruments.get(instrument_id)
    matching.names_of(())  # the index of every code set
    matching.names_of_kind("condition")
    rxnorm_products()
    elements.prepare()
    get_fhir_model_class("Patient")


def discovery() -> dict[str, Any]:
    """The discovery document: every service with its hook, title, description and prefetch."""
    return {"services": [s.discovery() for s in services().values()]}


def service(service_id: str) -> Service:
    """The service with this id; UnknownService if none."""
    found = services().get(service_id)
    if found is None:
        raise UnknownService(f"no CDS Service {service_id!r}; GET /cds-services lists them")
    return found


def render(template: str, context: Mapping[str, Any]) -> str:
    """A prefetch template with its ``{{context.x}}`` tokens filled in (URL-quoted)."""
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = context.get(name)
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
            raise InputError(f"context.{name}", "is needed to fetch the prefetch data")
        return quote(str(value), safe="")
    return TOKEN.sub(fill, template)


def _origin(url: str) -> tuple[str, str, int, tuple[str, ...]] | None:
    """(scheme, host, port, path segments) of an absolute http(s) URL, or None when the URL
    cannot be trusted to name one server: credentials in it, no host, dot segments."""
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    if "\\" in url or any(ord(ch) < 33 for ch in url):
        return None
    segments = tuple(unquote(s) for s in parts.path.split("/") if s)
    if any(s in (".", "..") or "/" in s or "\\" in s for s in segments):
        return None
    default = 443 if scheme == "https" else 80
    return scheme, parts.hostname.lower().rstrip("."), port or default, segments


def on_server(fhir_server: str, url: str) -> bool:
    """Whether ``url`` is on the EHR's FHIR server: the same scheme, host and port, and a path
    under the server's base path, compared part by part (never as strings: a string prefix
    lets ``https://ehr.example.org.attacker.net`` or ``http://127.0.0.1:8106`` pass for
    ``https://ehr.example.org`` or ``http://127.0.0.1:810``)."""
    base = _origin(fhir_server)
    target = _origin(url)
    if base is None or target is None:
        return False
    return base[:3] == target[:3] and target[3][:len(base[3])] == base[3]


def fetch_fhir(fhir_server: str, relative: str, token: str | None) -> Mapping[str, Any]:
    """GET ``relative`` from the EHR's FHIR server (following a searchset's ``next`` pages).

    The bearer token is sent only to URLs on that server (``on_server``); a page link
    elsewhere ends the paging, and redirects are not followed (a 3xx is a failed fetch).
    """
    import httpx

    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    start = fhir_server.rstrip("/") + "/" + relative
    if not on_server(fhir_server, start):
        raise FetchFailed("the fhirServer URL or the request path cannot be used")
    url: str | None = start
    first: dict[str, Any] | None = None
    try:
        with httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as client:
            for _ in range(FETCH_MAX_PAGES):
                if url is None:
                    break
                response = client.get(url, headers=headers)
                if response.status_code != 200:
                    raise FetchFailed(f"the FHIR server answered {response.status_code}")
                page = response.json()
                if not isinstance(page, dict):
                    raise FetchFailed("the FHIR server did not answer with a JSON object")
                if first is None:
                    first = page
                else:
                    first.setdefault("entry", []).extend(page.get("entry") or [])
                url = next((link.get("url") for link in page.get("link") or []
                            if isinstance(link, dict) and link.get("relation") == "next"), None)
                if url is not None and (not isinstance(url, str)
                                        or not on_server(fhir_server, url)):
                    url = None  # never follow a page link off the EHR's server
    except httpx.HTTPError as exc:
        raise FetchFailed(f"the FHIR server could not be reached: {type(exc).__name__}") \
            from exc
    except ValueError as exc:
        raise FetchFailed("the FHIR server's answer is not JSON") from exc
    assert first is not None
    return first


def gather(svc: Service, call: HookCall, fetch: Fetch = fetch_fhir) -> Gathered:
    """Each prefetch key's data: sent by the EHR, else fetched, else named as not available.

    PrefetchUnavailable when a required key (the Patient) can be had neither way.
    """
    got = Gathered()
    prefetch = call.prefetch or {}
    deadline = time.monotonic() + FETCH_BUDGET_SECONDS
    # Required keys first: when one cannot be had, nothing else is fetched.
    keys = sorted(svc.prefetch, key=lambda k: k not in svc.required_prefetch)
    for key in keys:
        value = prefetch.get(key, ...)
        if isinstance(value, Mapping) and value.get("resourceType") == "OperationOutcome":
            value = ...  # the EHR's own fetch failed: treat as not sent
        if value is ... and call.fhir_server and time.monotonic() < deadline:
            try:
                value = fetch(call.fhir_server, render(svc.prefetch[key], call.context),
                              call.fhir_token)
            except FetchFailed:
                value = ...
        if value is ... or (value is None and key in svc.required_prefetch):
            if key in svc.required_prefetch:
                how = ("the EHR's FHIR server did not provide it" if call.fhir_server else
                       "it was not prefetched and no fhirServer was given to fetch it from")
                raise PrefetchUnavailable([key], f"required prefetch {key} is missing: {how}")
            got.not_available.append(key)
            continue
        got.values[key] = value
    _referenced_medications(call, got, fetch, deadline)
    return got


def _referenced_medications(call: HookCall, got: Gathered, fetch: Fetch,
                            deadline: float) -> None:
    """Fetch the Medications that active orders refer to but the prefetch does not hold
    (an EHR that ignored ``_include``); they go under the key ``referenced_medications``.
    What cannot be fetched stays unresolved, and the finding says so."""
    held: set[str] = set()
    wanted: list[str] = []
    for key in MEDICATION_KEYS:
        for resource in _resources(got.values.get(key)):
            if resource.get("resourceType") == "Medication" and resource.get("id"):
                held.add(f"Medication/{resource['id']}")
    for key in MEDICATION_KEYS:
        for resource in _resources(got.values.get(key)):
            ref = resource.get("medicationReference")
            target = ref.get("reference") if isinstance(ref, Mapping) else None
            if not isinstance(target, str) or target.startswith("#"):
                continue
            if call.fhir_server and "/Medication/" in target and on_server(call.fhir_server,
                                                                           target):
                target = "Medication/" + target.rsplit("/Medication/", 1)[1]
            parts = target.split("/")
            if len(parts) == 2 and parts[0] == "Medication" and re.fullmatch(
                    r"[A-Za-z0-9\-.]{1,64}", parts[1]) and target not in held \
                    and target not in wanted:
                wanted.append(target)
    if not wanted or not call.fhir_server:
        return
    found: list[dict[str, Any]] = []
    for target in wanted[:FETCH_MAX_MEDICATIONS]:
        if time.monotonic() >= deadline:
            break
        try:
            medication = fetch(call.fhir_server, target, call.fhir_token)
        except FetchFailed:
            continue
        if isinstance(medication, Mapping) and medication.get("resourceType") == "Medication" \
                and f"Medication/{medication.get('id')}" == target:
            found.append({"resource": dict(medication)})
    if found:
        got.values["referenced_medications"] = {"resourceType": "Bundle", "type": "searchset",
                                                "entry": found}


def _resources(value: Any) -> list[Mapping[str, Any]]:
    """The resources of a prefetch value (a Bundle's entries), as sent."""
    if not isinstance(value, Mapping) or not isinstance(value.get("entry"), list):
        return []
    return [e["resource"] for e in value["entry"]
            if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)]


# Prefetch bounds: an observation key holds at most the _count its template asks for (an EHR
# that ignores _count or _sort must not make a call slow); other keys at most this many.
MAX_ENTRIES_PER_KEY = 2_000


@cache
def _count_of(template: str) -> int | None:
    found = re.search(r"[?&]_count=(\d+)", template)
    return int(found.group(1)) if found else None


def _bounded(key: str, value: Mapping[str, Any], template: str | None,
             notes: list[str]) -> Mapping[str, Any]:
    """A searchset with at most the entries its template promises (the most recent first)."""
    entries = value.get("entry")
    if not isinstance(entries, list):
        return value
    limit = (_count_of(template) if template else None) or MAX_ENTRIES_PER_KEY
    if len(entries) <= limit:
        return value
    if template and "_sort=-date" in template:
        def when(entry: Any) -> str:
            r = entry.get("resource") if isinstance(entry, Mapping) else None
            if not isinstance(r, Mapping):
                return ""
            t = r.get("effectiveDateTime") or r.get("effectiveInstant") or r.get("issued")
            return t if isinstance(t, str) else ""
        entries = sorted(entries, key=when, reverse=True)
    notes.append(f"prefetch.{key} held {len(value['entry'])} entries; the {limit} most recent "
                 "were read, as its template asks")
    return {**value, "entry": entries[:limit]}


def _read(key: str, value: Any, template: str | None, notes: list[str]) -> list[Any]:
    """The entries of one prefetch value, each resource read on its own: an invalid one is
    named in ``notes`` by its path and left out; InputError names the key when the value is
    not a resource or a Bundle at all."""
    where = f"prefetch.{key}"
    if not isinstance(value, Mapping):
        raise InputError(where, "must be a FHIR resource (JSON object) or null")
    kind = value.get("resourceType")
    if key == "patient":
        if kind != "Patient":
            raise InputError(where, f"must be a Patient resource, not {kind!r}")
        model, problem = read_view(value, where)
        if problem is not None:
            raise InputError(where, problem)
        return [Entry(fullUrl=None, resource=model, modifiers=not_understood(value))]
    if kind != "Bundle":
        raise InputError(where, f"must be a searchset Bundle, not {kind!r}")
    try:
        read = read_bundle(_bounded(key, value, template, notes), where=where)
    except InputError as exc:
        raise InputError(where, exc.reason) from None
    except MappingError as exc:
        raise InputError(where, str(exc)) from None
    notes.extend(read.problems)
    return list(read.bundle.entry or [])


def patient_data(call: HookCall, gathered: Gathered, now: datetime,
                 templates: Mapping[str, str] | None = None) -> Any:
    """The Derivation (``clotwatch.fhir.derive``) of the gathered prefetch data."""
    from clotwatch.fhir import derive
    from clotwatch.fhir.elements import ViewBundle

    patient_id = str(call.context.get("patientId") or "")
    entries: list[Any] = []
    notes: list[str] = []
    for key, value in gathered.values.items():
        if value is None:
            continue  # "no data" for this key: an empty result
        for entry in _read(key, value, (templates or {}).get(key), notes):
            resource = entry.resource
            if resource is None or resource.get_resource_type() == "OperationOutcome":
                continue
            if key == "patient" and resource.id and resource.id != patient_id:
                raise InputError("prefetch.patient.id",
                                 f"is {resource.id!r} but context.patientId is {patient_id!r}: "
                                 "refusing data of another patient")
            if key != "patient" and resource.get_resource_type() == "Patient":
                continue  # an _include of the patient: the 'patient' key has it
            entries.append(entry)
    # Entries were read above; the collection is assembled without reading them twice.
    combined = ViewBundle(type="collection", entry=entries)
    try:
        derivation = derive(combined, now)
    except MappingError as exc:
        raise InputError("prefetch", str(exc)) from None
    if notes:
        derivation.notes.append("Not used: " + "; ".join(notes[:5]) + (
            f" and {len(notes) - 5} more" if len(notes) > 5 else ""))
    return derivation


def _view(scored: Any) -> cards.ScoreView:
    provenance = {}
    unanswered = {}
    for src in scored.inputs:
        if src.value is None:
            unanswered[src.input] = src.reason
        else:
            provenance[src.input] = src.reason
    return cards.ScoreView(instrument=scored.result.instrument,
                           result=scored.result.to_dict(), provenance=provenance,
                           unanswered=unanswered)


def _label(key: str) -> str:
    if key in KEY_LABELS:
        return KEY_LABELS[key]
    from clotwatch.fhir import codeset

    try:
        description = codeset(key).description
    except FileNotFoundError:
        return key
    # The code set's name, without its note for developers ("...; the LOINC code fixes FEU or
    # DDU when the unit does not"), and lower-cased only where the first word is not an
    # abbreviation: the whole text lower-cased read "mmhg", "loinc", "ast, alt" on the card.
    depth, cut = 0, len(description)
    for i, ch in enumerate(description):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == ";" and depth == 0:
            cut = i
            break
    name = description[:cut].strip()
    first = name.split(" ", 1)[0]
    return name if first[1:2].isupper() else name[:1].lower() + name[1:]


def _notes(derivation: Any, gathered: Gathered) -> list[str]:
    notes = list(derivation.notes)
    if gathered.not_available:
        # "; " between them: a name may hold commas ("liver enzymes (AST, ALT, ...)").
        labels = "; ".join(_label(k) for k in gathered.not_available)
        notes.append(f"Not available from the EHR for this call: {labels}. Items that depend "
                     "on them are unknown.")
    return notes


def invoke(service_id: str, call: HookCall, *, now: datetime, base_url: str,
           fetch: Fetch = fetch_fhir) -> dict[str, Any]:
    """The CDS Hooks response (``{"cards": [...]}``) for one call of one service."""
    from clotwatch.fhir import score_derivation

    now = _aware(now)
    svc = service(service_id)
    if call.hook != svc.hook:
        raise InputError("hook", f"service {svc.id!r} answers the {svc.hook!r} hook, "
                                 f"not {call.hook!r}")
    base_url = base_url.rstrip("/")
    drafts: list[Draft] = []
    session_doubts: list[UnreadableDraft] = []
    unreadable: list[UnreadableDraft] = []
    if svc.hook in ("order-select", "order-sign"):
        drafts, unreadable = anticoagulant_drafts(call)
        # A draft of the session (not selected) carrying a modifier extension: a possible
        # second anticoagulant, said beside the selected one's cards; it is not carded alone.
        session_doubts = [u for u in unreadable if not u.selected]
        unreadable = [u for u in unreadable if u.selected]
        if not any(d.selected for d in drafts) and not unreadable:
            return {"cards": []}  # not an anticoagulant order: nothing to say
        if not any(d.selected for d in drafts):
            return {"cards": [cards.unreadable_draft_card(
                where=u.where, reason=u.reason, label=u.label, base_url=base_url.rstrip("/"),
                modified=u.modified)
                for u in unreadable]}
    gathered = gather(svc, call, fetch)
    derivation = patient_data(call, gathered, now, svc.prefetch)
    from clotwatch.notes.fhir import fill_cds  # the notes fill what the codes leave unknown

    scored = {s.result.instrument.id: s
              for s in fill_cds(gathered, derivation, score_derivation(derivation,
                                                                        svc.instruments))}
    notes = _notes(derivation, gathered)
    if svc.hook == "patient-view":
        return {"cards": [cards.score_card(_view(scored[i]), base_url=base_url, notes=notes)
                          for i in svc.instruments]}
    doubts = []
    if session_doubts:
        first = next(d for d in drafts if d.selected)
        doubts.append(cards.possible_anticoagulant_card(
            draft_label=first.label, reason="; ".join(u.reason for u in session_doubts),
            orders=[f"draft order {u.label}" for u in session_doubts], base_url=base_url))
    return {"cards": doubts + _order_cards(call, drafts, derivation, scored, notes,
                                           base_url) + [
        cards.unreadable_draft_card(where=u.where, reason=u.reason, label=u.label,
                                    base_url=base_url, modified=u.modified)
        for u in unreadable]}


def _order_cards(call: HookCall, drafts: list[Draft], derivation: Any,
                 scored: Mapping[str, Any], notes: list[str], base_url: str) -> list[Any]:
    out: list[dict[str, Any]] = []
    patient_id = str(call.context["patientId"])
    draft_refs = {f"MedicationRequest/{d.id}" for d in drafts if d.id}
    finding = derivation.findings.get("anticoagulant")
    active = [ref for ref in (finding.sources if finding is not None and finding.value else ())
              if ref not in draft_refs]
    session = drafts
    drafts = [d for d in session if d.selected]
    first = drafts[0]
    if len(session) > 1:
        # Two anticoagulants ordered in one session (both selected, or one selected now and
        # one drafted earlier): as dangerous as one already active.
        others = [d for d in session if d is not first]
        out.append(cards.duplicate_anticoagulant_card(
            draft_label=first.label, draft_id=first.id,
            active=[f"draft order {d.label}" for d in others], base_url=base_url,
            why="another anticoagulant is being ordered in the same session: "
                + ", ".join(f"MedicationRequest/{d.id} ({d.label})" for d in others)))
    if active:
        out.append(cards.duplicate_anticoagulant_card(
            draft_label=first.label, draft_id=first.id, active=active, base_url=base_url,
            why=finding.reason if finding is not None else ""))
    elif finding is not None and finding.value is None and finding.sources:
        doubtful = [ref for ref in finding.sources if ref not in draft_refs]
        if doubtful:
            out.append(cards.possible_anticoagulant_card(
                draft_label=first.label, reason=finding.reason, orders=doubtful,
                base_url=base_url))
    named = [f"the draft order {d.label} is taken to be an anticoagulant from its name "
             f"'{d.named_only}' only: its code is not one clotwatch recognises"
             for d in drafts if d.named_only]
    if named:
        notes = [*notes, "; ".join(named).capitalize() + "."]
    bleeding = _view(scored["has-bled"])
    card = cards.score_card(bleeding, base_url=base_url, notes=notes)
    category = bleeding.result.get("category")
    possible = (bleeding.result.get("possible_categories") or {}).get("risk") or []
    # High: note the review and consider mechanical prophylaxis. Possibly high (items missing):
    # offer the note only, so the review is prompted without asserting a high risk.
    if category == "high" or (category is None and "high" in possible):
        suggestions = cards.bleeding_suggestions(
            has_bled=bleeding.result, draft=drafts[0].resource, patient_id=patient_id,
            mechanical=category == "high")
        if suggestions:
            card["suggestions"] = suggestions
            card["selectionBehavior"] = "any"
    out.append(card)
    out.append(cards.score_card(_view(scored["padua"]), base_url=base_url, notes=notes))
    return out


@dataclass(frozen=True)
class Draft:
    """A draft anticoagulant MedicationRequest from the hook's context."""

    id: str | None
    label: str
    resource: dict[str, Any]
    named_only: str | None = None  # recognised by this name in its text, not by its code
    selected: bool = True  # order-select: one of context.selections (else: earlier in session)


@dataclass(frozen=True)
class UnreadableDraft:
    """A draft order that may be an anticoagulant but is not valid FHIR R4: named, not used."""

    where: str
    reason: str
    label: str
    modified: bool = False  # valid, but carries a modifier extension not understood
    selected: bool = True  # order-select: one of context.selections (else: earlier in session)


def anticoagulant_drafts(call: HookCall) -> tuple[list[Draft], list[UnreadableDraft]]:
    """The draft MedicationRequests in ``context.draftOrders`` that are anticoagulants (code
    set ``anticoagulant``), for order-select only the selected ones; and the drafts that
    could be anticoagulants but are not valid FHIR R4. Each draft is read on its own: one
    invalid order does not hide the others, and resources of other types (a NutritionOrder)
    are not read."""
    from types import SimpleNamespace

    from clotwatch.fhir import codeset
    from clotwatch.fhir.modifiers import not_understood, unused_reason
    from clotwatch.fhir.read import medicine_of, read_resource

    raw = call.context.get("draftOrders")
    if not isinstance(raw, Mapping) or raw.get("resourceType") != "Bundle":
        raise InputError("context.draftOrders", "must be a FHIR Bundle of the draft orders")
    entries = raw.get("entry") or []
    if not isinstance(entries, list):
        raise InputError("context.draftOrders.entry", "must be a list of entries")
    selections = call.context.get("selections")
    selected: set[str] | None = None
    if call.hook == "order-select":
        if not isinstance(selections, list) or not selections:
            raise InputError("context.selections", "order-select needs the selected orders")
        selected = {str(s) for s in selections}
    patient_ref = f"Patient/{call.context.get('patientId')}"
    anticoagulant = codeset("anticoagulant")
    resources: list[tuple[int, Mapping[str, Any], Any]] = [
        (i, e["resource"], e.get("fullUrl")) for i, e in enumerate(entries)
        if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)]
    # A draft may name its medicine by reference to a Medication in the same Bundle.
    medications: dict[str, Any] = {}
    unsafe_medications: dict[str, tuple[str, tuple[str, ...]]] = {}
    for index, resource, full_url in resources:
        if resource.get("resourceType") == "Medication":
            model, _problem = read_resource(resource, f"context.draftOrders.entry[{index}]")
            med_modifiers = not_understood(resource) if model is not None else ()
            if model is not None and med_modifiers:
                why = (f"Medication/{model.id}", med_modifiers)
                unsafe_medications[f"Medication/{model.id}"] = why
                if isinstance(full_url, str):
                    unsafe_medications[full_url] = why
            elif model is not None:
                medications[f"Medication/{model.id}"] = model
                if isinstance(full_url, str):
                    medications[full_url] = model
    drafts: list[Draft] = []
    unreadable: list[UnreadableDraft] = []
    for index, resource, _url in resources:
        if resource.get("resourceType") != "MedicationRequest":
            continue
        chosen = selected is None or f"MedicationRequest/{resource.get('id')}" in selected
        where = f"context.draftOrders.entry[{index}].resource"
        subject = (resource.get("subject") or {}).get("reference") if isinstance(
            resource.get("subject"), Mapping) else None
        if not chosen and subject != patient_ref:
            continue  # an unselected draft is only looked at as a possible second one
        if subject is not None and subject != patient_ref:
            raise InputError(f"{where}.subject",
                             f"is {subject!r}, not the patient in context ({patient_ref})")
        model, problem = read_resource(resource, where)
        modifiers = not_understood(resource) if problem is None else ()
        reference = resource.get("medicationReference")
        target = reference.get("reference") if isinstance(reference, Mapping) else None
        via = unsafe_medications.get(target) if isinstance(target, str) else None
        modified = bool(modifiers or via) and problem is None
        if modified:
            # FHIR R4 Extensibility: an order carrying a modifier extension clotwatch does not
            # understand is not read as if it were absent; the draft is named, not checked.
            ref = f"MedicationRequest/{resource.get('id')}"
            problem = (unused_reason(ref, modifiers) if modifiers or via is None
                       else unused_reason(ref, via[1], via=via[0]))
            model = None
        if (problem is not None or model is None) and not chosen and not modified:
            continue
        if problem is not None or model is None:
            concept = resource.get("medicationCodeableConcept")
            concept = concept if isinstance(concept, Mapping) else {}
            codings = [SimpleNamespace(system=c.get("system"), code=c.get("code"),
                                       display=c.get("display"))
                       for c in concept.get("coding") or [] if isinstance(c, Mapping)]
            text = concept.get("text") if isinstance(concept.get("text"), str) else None
            maybe = (anticoagulant.match(codings) is not None
                     or anticoagulant.mentioned(codings, text) is not None
                     or not any(c.code for c in codings))
            if maybe:
                label = text or next((str(c.display) for c in codings if c.display), None) \
                    or f"MedicationRequest/{resource.get('id')}"
                unreadable.append(UnreadableDraft(where, str(problem), str(label),
                                                  modified=modified, selected=chosen))
            continue
        if subject is None:
            raise InputError(f"{where}.subject", "is required (the patient the order is for)")
        medicine = medicine_of(model, medications)
        match = anticoagulant.match(medicine.codings)
        named_only = None
        if match is None:
            # The safe side for a trigger (not a finding): a draft named as an
            # anticoagulant is checked, and the cards say it was recognised by name only.
            named_only = anticoagulant.mentioned(medicine.codings, medicine.text)
            if named_only is None:
                continue
        label = medicine.text or next((c.display for c in medicine.codings if c.display),
                                      None) or (match.display if match else str(named_only))
        drafts.append(Draft(id=model.id, label=str(label),
                            resource=model.model_dump(mode="json", by_alias=True,
                                                      exclude_none=True),
                            named_only=named_only, selected=chosen))
    return drafts, unreadable


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def record_feedback(store: Store, service_id: str, items: Sequence[FeedbackItem], *,
                    now: datetime, client_iss: str | None = None,
                    tenant: str | None = None) -> int:
    """Store each feedback item (one transaction: all or none); returns how many."""
    service(service_id)
    now = _aware(now)
    for index, item in enumerate(items):
        if item.outcome not in ("accepted", "overridden"):
            raise InputError(f"feedback[{index}].outcome", "must be 'accepted' or 'overridden'")
        if item.outcome == "accepted" and not item.accepted_suggestions:
            raise InputError(f"feedback[{index}].acceptedSuggestions",
                             "is required for an accepted outcome")
    with store.session() as session:
        repo = CdsFeedbackRepository(session)
        for item in items:
            repo.add(service_id=service_id, card_uuid=item.card, outcome=item.outcome,
                     accepted_suggestions=list(item.accepted_suggestions),
                     outcome_at=_aware(item.outcome_at), received_at=now,
                     override_system=item.override_system, override_code=item.override_code,
                     override_display=item.override_display, user_comment=item.user_comment,
                     client_iss=client_iss, tenant=tenant)
    return len(items)
