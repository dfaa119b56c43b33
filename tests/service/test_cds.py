"""CDS Hooks use cases without HTTP: prefetch templates, gathering, fetching from the EHR's
FHIR server (a local fake on 127.0.0.1), discovery."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from clotwatch.errors import InputError
from clotwatch.service import cds


@pytest.fixture
def fhir_server() -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """A FHIR server on 127.0.0.1 serving ``pages`` by path (query included)."""
    pages: dict[str, Any] = {}
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            body = pages.get(self.path)
            data = b"not json" if body == "garbage" else json.dumps(body or {}).encode()
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll: shutdown() waits for the loop to notice (up to 0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir", pages, seen
    finally:
        server.shutdown()
        server.server_close()


def page(ids: list[str], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Condition", "id": i,
                      "subject": {"reference": "Patient/p1"}}} for i in ids]}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def test_templates_are_filled_from_the_context_and_quoted() -> None:
    assert cds.render("Condition?patient={{context.patientId}}", {"patientId": "p 1/x"}) == \
        "Condition?patient=p%201%2Fx"
    with pytest.raises(InputError) as raised:
        cds.render("Patient/{{context.patientId}}", {})
    assert raised.value.field == "context.patientId"


def test_fetch_follows_next_pages_on_the_same_server(fhir_server: Any) -> None:
    base, pages, seen = fhir_server
    pages["/fhir/Condition?patient=p1"] = page(["a"], f"{base}/Condition?page=2")
    pages["/fhir/Condition?page=2"] = page(["b"], "https://elsewhere.example.org/page3")
    result = cds.fetch_fhir(base, "Condition?patient=p1", "tok")
    assert [e["resource"]["id"] for e in result["entry"]] == ["a", "b"]
    assert seen == ["/fhir/Condition?patient=p1", "/fhir/Condition?page=2"]  # not elsewhere


@pytest.mark.parametrize("body", [None, "garbage", ["a", "list"]])
def test_a_failed_fetch_is_fetch_failed(fhir_server: Any, body: Any) -> None:
    base, pages, _ = fhir_server
    if body is not None:
        pages["/fhir/Patient/p1"] = body
    with pytest.raises(cds.FetchFailed):
        cds.fetch_fhir(base, "Patient/p1", None)


def test_an_operation_outcome_in_the_prefetch_is_fetched_again_or_named() -> None:
    svc = cds.service("clotwatch-vte-risk")
    outcome = {"resourceType": "OperationOutcome", "issue": []}
    call = cds.HookCall(hook="patient-view", hook_instance="1",
                        context={"patientId": "p1"},
                        prefetch={"patient": {"resourceType": "Patient", "id": "p1"},
                                  "conditions": outcome})
    gathered = cds.gather(svc, call)
    assert "conditions" in gathered.not_available
    asked: list[str] = []

    def fetch(server: str, relative: str, token: str | None) -> dict[str, Any]:
        asked.append(relative)
        return page([])

    gathered = cds.gather(svc, cds.HookCall(**{**call.__dict__, "fhir_server": "http://x"}),
                          fetch)
    assert "Condition?patient=p1" in asked
    assert gathered.not_available == []


def test_discovery_lists_each_service_once_with_a_hook() -> None:
    services = cds.discovery()["services"]
    assert len({s["id"] for s in services}) == len(services) == 3
    assert {s["hook"] for s in services} == {"patient-view", "order-select", "order-sign"}


def test_an_unknown_service_is_named() -> None:
    with pytest.raises(cds.UnknownService, match="nope"):
        cds.service("nope")


def test_when_the_patient_cannot_be_fetched_nothing_else_is_asked_for() -> None:
    svc = cds.service("clotwatch-vte-risk")
    asked: list[str] = []

    def fetch(server: str, relative: str, token: str | None) -> dict[str, Any]:
        asked.append(relative)
        raise cds.FetchFailed("down")

    call = cds.HookCall(hook="patient-view", hook_instance="1", context={"patientId": "p1"},
                        fhir_server="http://127.0.0.1:9")
    with pytest.raises(cds.PrefetchUnavailable) as raised:
        cds.gather(svc, call, fetch)
    assert raised.value.keys == ("patient",)
    assert asked == ["Patient/p1"]


def test_fetching_stops_when_the_time_budget_is_spent(monkeypatch: pytest.MonkeyPatch) -> None:
    svc = cds.service("clotwatch-vte-risk")
    asked: list[str] = []

    class Clock:
        now = 1000.0

        @classmethod
        def monotonic(cls) -> float:
            return cls.now

    monkeypatch.setattr(cds, "time", Clock)

    def fetch(server: str, relative: str, token: str | None) -> dict[str, Any]:
        asked.append(relative)
        Clock.now += cds.FETCH_BUDGET_SECONDS  # a slow server: the budget is spent
        return page([])

    call = cds.HookCall(hook="patient-view", hook_instance="1", context={"patientId": "p1"},
                        prefetch={"patient": {"resourceType": "Patient", "id": "p1"}},
                        fhir_server="http://127.0.0.1:9")
    gathered = cds.gather(svc, call, fetch)
    assert len(asked) == 1
    assert len(gathered.not_available) == len(svc.prefetch) - 2  # patient sent, one fetched


def test_what_the_ehr_did_not_send_is_named_as_written() -> None:
    """The card named the prefetch the EHR did not send by its code set's description
    lower-cased whole ("systolic blood pressure (mmhg)", "the loinc code fixes feu or ddu when
    the unit does not", "(ast, alt, ...)"), joined with commas that the names themselves hold.
    Abbreviations keep their case, the note for developers is left out, and "; " separates."""
    from datetime import UTC, datetime

    patient = {"resourceType": "Patient", "id": "p1", "gender": "male",
               "birthDate": "1960-01-01"}
    call = cds.HookCall("patient-view", "h-1", {"patientId": "p1", "userId": "Practitioner/1"},
                        prefetch={"patient": patient})
    cards = cds.invoke("clotwatch-vte-risk", call, now=datetime(2026, 11, 24, tzinfo=UTC),
                       base_url="https://cw.example")["cards"]
    detail = cards[0]["detail"]
    line = detail[detail.index("Not available from the EHR for this call: "):]
    line = line[:line.index(" Items that depend on them are unknown.")]
    assert "systolic blood pressure (mmHg)" in line
    assert "liver enzymes (AST, ALT, alkaline phosphatase) in serum or plasma; " in line
    assert "fibrin D-dimer, mass concentration; " in line
    assert "AUDIT-C alcohol questions 1 and 2 (how often; drinks on a typical day)" in line
    assert "loinc" not in line.lower() and "mmhg" not in line
