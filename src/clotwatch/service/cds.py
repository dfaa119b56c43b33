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
from typing import Any
from urllib.parse import quote

from clotwatch.cdshooks import cards
from clotwatch.cdshooks.catalogue import Service, services
from clotwatch.errors import InputError, MappingError, MissingDataError
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


def _load(field: str, value: Mapping[str, Any]) -> Any:
    """``clotwatch.fhir.load_bundle`` with its errors as InputError naming ``field``."""
    from clotwatch.fhir import load_bundle

    try:
        return load_bundle(dict(value))
    except InputError as exc:
        raise InputError(field, exc.reason) from None
    except MappingError as exc:
        raise InputError(field, str(exc)) from None
    except (KeyError, TypeError, ImportError, AttributeError) as exc:
        # fhir_core resolves a nested resource's class from its "resourceType" before
        # validating it: "" or "x" raise KeyError, null raises TypeError, instead of a
        # validation error. Only this library call is guarded.
        raise InputError(field, "a resource in the Bundle has a missing or unknown "
                                f"resourceType ({type(exc).__name__})") from None


def _bundle_of(key: str, value: Any) -> Any:
    """Parse one prefetch value with the R4B models; InputError names the prefetch key."""
    if not isinstance(value, Mapping):
        raise InputError(f"prefetch.{key}", "must be a FHIR resource (JSON object) or null")
    kind = value.get("resourceType")
    if key == "patient":
        if kind != "Patient":
            raise InputError("prefetch.patient", f"must be a Patient resource, not {kind!r}")
        value = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": value}]}
    elif kind != "Bundle":
        raise InputError(f"prefetch.{key}", f"must be a searchset Bundle, not {kind!r}")
    return _load(f"prefetch.{key}", value)


def patient_data(call: HookCall, gathered: Gathered, now: datetime) -> Any:
    """The Derivation (``clotwatch.fhir.derive``) of the gathered prefetch data."""
    from fhir.resources.R4B.bundle import Bundle

    from clotwatch.fhir import derive

    patient_id = str(call.context.get("patientId") or "")
    entries: list[Any] = []
    for key, value in gathered.values.items():
        if value is None:
            continue  # "no data" for this key: an empty result
        bundle = _bundle_of(key, value)
        for entry in bundle.entry or []:
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
    # Entries were validated above; the collection is assembled without validating twice.
    combined = Bundle.model_construct(type="collection", entry=entries)
    try:
        return derive(combined, now)
    except MappingError as exc:
        raise InputError("prefetch", str(exc)) from None


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
        return codeset(key).description.lower()
    except FileNotFoundError:
        return key


def _notes(derivation: Any, gathered: Gathered) -> list[str]:
    notes = list(derivation.notes)
    if gathered.not_available:
        labels = ", ".join(_label(k) for k in gathered.not_available)
        notes.append(f"Not available from the EHR for this call: {labels}; items that depend "
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
    if svc.hook in ("order-select", "order-sign"):
        drafts = anticoagulant_drafts(call)
        if not drafts:
            return {"cards": []}  # not an anticoagulant order: nothing to say
    gathered = gather(svc, call, fetch)
    derivation = patient_data(call, gathered, now)
    notes = _notes(derivation, gathered)
    scored = {s.result.instrument.id: s for s in score_derivation(derivation, svc.instruments)}
    if svc.hook == "patient-view":
        return {"cards": [cards.score_card(_view(scored[i]), base_url=base_url, notes=notes)
                          for i in svc.instruments]}
    return {"cards": _order_cards(call, drafts, derivation, scored, notes, base_url)}


def _order_cards(call: HookCall, drafts: list[Draft], derivation: Any,
                 scored: Mapping[str, Any], notes: list[str], base_url: str) -> list[Any]:
    out: list[dict[str, Any]] = []
    patient_id = str(call.context["patientId"])
    draft_refs = {f"MedicationRequest/{d.id}" for d in drafts if d.id}
    finding = derivation.findings.get("anticoagulant")
    active = [ref for ref in (finding.sources if finding is not None and finding.value else ())
              if ref not in draft_refs]
    first = drafts[0]
    if active:
        out.append(cards.duplicate_anticoagulant_card(
            draft_label=first.label, draft_id=first.id, active=active, base_url=base_url))
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


def anticoagulant_drafts(call: HookCall) -> list[Draft]:
    """The draft MedicationRequests in ``context.draftOrders`` that are anticoagulants (code
    set ``anticoagulant``: ATC B01A groups, RxNorm ingredients, or the ingredient name); for
    order-select only the selected ones."""
    from clotwatch.fhir import codeset
    from clotwatch.fhir.read import medicine_of

    raw = call.context.get("draftOrders")
    if not isinstance(raw, Mapping):
        raise InputError("context.draftOrders", "must be a FHIR Bundle of the draft orders")
    bundle = _load("context.draftOrders", raw)
    selections = call.context.get("selections")
    selected: set[str] | None = None
    if call.hook == "order-select":
        if not isinstance(selections, list) or not selections:
            raise InputError("context.selections", "order-select needs the selected orders")
        selected = {str(s) for s in selections}
    patient_ref = f"Patient/{call.context.get('patientId')}"
    anticoagulant = codeset("anticoagulant")
    # A draft may name its medicine by reference to a Medication in the same Bundle.
    medications: dict[str, Any] = {}
    for entry in bundle.entry or []:
        if entry.resource is not None and entry.resource.get_resource_type() == "Medication":
            medications[f"Medication/{entry.resource.id}"] = entry.resource
            if entry.fullUrl:
                medications[str(entry.fullUrl)] = entry.resource
    drafts: list[Draft] = []
    for index, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        if resource is None or resource.get_resource_type() != "MedicationRequest":
            continue
        ref = f"MedicationRequest/{resource.id}"
        if selected is not None and ref not in selected:
            continue
        subject = getattr(resource.subject, "reference", None)
        if subject != patient_ref:
            raise InputError(f"context.draftOrders.entry[{index}].resource.subject",
                             f"is {subject!r}, not the patient in context ({patient_ref})")
        medicine = medicine_of(resource, medications)
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
        drafts.append(Draft(id=resource.id, label=str(label),
                            resource=resource.model_dump(mode="json", by_alias=True,
                                                         exclude_none=True),
                            named_only=named_only))
    return drafts


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
