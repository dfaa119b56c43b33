"""CDS Hooks 2.0 end to end: a test client plays the EHR (signs its JWTs with keys made here)."""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import select

from clotwatch.api import create_app
from clotwatch.api.cds_hooks import HookResponseOut
from clotwatch.cdshooks.catalogue import services
from clotwatch.config import Settings
from clotwatch.errors import ConfigError
from clotwatch.fhir import all_codesets
from clotwatch.store import CdsFeedback

FIXTURES = Path(__file__).resolve().parents[1] / "fhir" / "fixtures"
BASE = "https://cds.example.org"
EHR = "https://ehr.example.org"
VIEW = "clotwatch-vte-risk"
SIGN = "clotwatch-anticoagulant-sign"
SELECT = "clotwatch-anticoagulant-select"
PATIENT_ID = "pat-1"


# --- the EHR ---------------------------------------------------------------------------------

class Ehr:
    """Signs CDS Hooks JWTs the way an EHR does, with its own ES384 and RS384 keys."""

    def __init__(self) -> None:
        self.ec_key = ec.generate_private_key(ec.SECP384R1())
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        ec_jwk = ECAlgorithm.to_jwk(self.ec_key.public_key(), as_dict=True)
        rsa_jwk = RSAAlgorithm.to_jwk(self.rsa_key.public_key(), as_dict=True)
        return {"keys": [ec_jwk | {"kid": "ehr-es384", "use": "sig"},
                         rsa_jwk | {"kid": "ehr-rs384", "use": "sig"}]}

    def token(self, aud: str, now: float, *, alg: str = "ES384", key: Any = None,
              kid: str | None = None, iss: str = EHR, lifetime: float = 300,
              jti: str | None = None, drop: tuple[str, ...] = (), **claims: Any) -> str:
        payload: dict[str, Any] = {"iss": iss, "sub": "ehr-client", "aud": aud,
                                   "iat": int(now), "exp": int(now + lifetime),
                                   "jti": jti or str(uuid.uuid4()), "tenant": "ward-7"}
        payload.update(claims)
        for name in drop:
            payload.pop(name, None)
        if key is None:
            key = self.ec_key if alg == "ES384" else self.rsa_key
        headers = {"kid": kid or ("ehr-es384" if alg.startswith("ES") else "ehr-rs384"),
                   "typ": "JWT"}
        return jwt.encode(payload, key, algorithm=alg, headers=headers)


def unsigned_token(payload: dict[str, Any]) -> str:
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


@pytest.fixture(scope="module")
def ehr() -> Ehr:
    return Ehr()


@pytest.fixture
def settings(tmp_path: Path, data_dir: Path, ehr: Ehr) -> Settings:
    # data_dir (tests/conftest.py): tmp_path / "data" holding a copy of the database migrated
    # once per session, rather than every migration applied again for each test.
    trust = tmp_path / "cds-trust.json"
    (tmp_path / "ehr-jwks.json").write_text(json.dumps(ehr.jwks()))
    trust.write_text(json.dumps({"issuers": [{"iss": EHR, "jwks_file": "ehr-jwks.json"}]}))
    return Settings(data_dir=data_dir, cds_trust_file=trust, cds_base_url=BASE)


@pytest.fixture
def app(settings: Settings, clock: Any) -> FastAPI:
    return create_app(settings, clock=clock, migrate=True)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://cds.example.org") as test_client:
        yield test_client


class Caller:
    """The EHR making calls through the test client."""

    def __init__(self, client: TestClient, ehr: Ehr, clock: Any) -> None:
        self.client = client
        self.ehr = ehr
        self.clock = clock

    def now(self) -> float:
        return float(self.clock().timestamp())

    def auth(self, path: str, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.ehr.token(BASE + path, self.now(), **kwargs)}

    def post(self, service_id: str, body: Any, **kwargs: Any) -> Any:
        path = f"/cds-services/{service_id}"
        return self.client.post(path, json=body, headers=self.auth(path, **kwargs))


@pytest.fixture
def caller(client: TestClient, ehr: Ehr, clock: Any) -> Caller:
    return Caller(client, ehr, clock)


# --- FHIR data of real R4 shape (the FHIR engineer's fixtures) --------------------------------

def fixture_resources(name: str) -> list[dict[str, Any]]:
    bundle = json.loads((FIXTURES / name).read_text())
    return [entry["resource"] for entry in bundle["entry"]]


def searchset(resources: list[dict[str, Any]], *types: str) -> dict[str, Any]:
    entries = [{"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}",
                "resource": r, "search": {"mode": "match"}}
               for r in resources if r["resourceType"] in types]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
            "entry": entries}


OBSERVATION_KEYS = [k for k in services()[VIEW].prefetch if k in
                    {cs.id for cs in all_codesets() if cs.kind == "observation"}]


def observation_key(observation: dict[str, Any]) -> str:
    """The prefetch key whose template's codes match this observation (as an EHR would)."""
    for coding in observation.get("code", {}).get("coding", []):
        for key in OBSERVATION_KEYS:
            if f"{coding.get('system')}|{coding.get('code')}" in services()[VIEW].prefetch[key]:
                return key
    return "heart_rate"


def observations_by_key(observations: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: searchset([o for o in observations if observation_key(o) == key],
                           "Observation") for key in OBSERVATION_KEYS}


def full_prefetch() -> dict[str, Any]:
    resources = fixture_resources("patient-full.json")
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    return {"patient": patient,
            "conditions": searchset(resources, "Condition"),
            **observations_by_key(observations),
            "medications": searchset(resources, "MedicationRequest"),
            "medication_statements": searchset(resources, "MedicationStatement"),
            "procedures": searchset(resources, "Procedure")}


def view_request(prefetch: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view", "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/dr-1", "patientId": PATIENT_ID},
        "prefetch": full_prefetch() if prefetch is None else prefetch}
    body.update(extra)
    return body


ENOXAPARIN = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                          "code": "67108", "display": "enoxaparin"}],
              "text": "Enoxaparin 40 mg subcutaneously once daily"}
PARACETAMOL = {"coding": [{"system": "http://www.whocc.no/atc", "code": "N02BE01",
                           "display": "paracetamol"}], "text": "Paracetamol 1 g"}


def draft(medication: dict[str, Any], order_id: str = "draft-1",
          patient: str = PATIENT_ID) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": order_id, "status": "draft",
            "intent": "order", "subject": {"reference": f"Patient/{patient}"},
            "medicationCodeableConcept": medication,
            "dosageInstruction": [{"text": "once daily"}]}


def order_request(hook: str, drafts: list[dict[str, Any]], prefetch: dict[str, Any] | None = None,
                  selections: list[str] | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/dr-1", "patientId": PATIENT_ID,
        "draftOrders": {"resourceType": "Bundle", "type": "collection",
                        "entry": [{"resource": d} for d in drafts]}}
    if selections is not None:
        context["selections"] = selections
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context,
            "prefetch": full_prefetch() if prefetch is None else prefetch}


def assert_cards_well_formed(cards: list[dict[str, Any]], base: str = BASE) -> None:
    """CDS Hooks 2.0 card rules, on every card."""
    HookResponseOut.model_validate({"cards": cards})
    for card in cards:
        assert isinstance(card["summary"], str) and 0 < len(card["summary"]) < 140, card
        assert card["indicator"] in {"info", "warning", "critical"}
        assert card["source"]["label"]
        assert card.get("uuid")
        if card.get("suggestions"):
            assert card["selectionBehavior"] in {"at-most-one", "any"}
            for suggestion in card["suggestions"]:
                assert suggestion["label"] and suggestion["uuid"]
                for action in suggestion["actions"]:
                    assert action["type"] in {"create", "update", "delete"}
                    assert action["description"]
        for reason in card.get("overrideReasons") or []:
            assert reason["display"] and reason["code"]
        for link in card.get("links") or []:
            assert link["type"] == "absolute" and link["url"].startswith(base + "/")


# --- discovery -------------------------------------------------------------------------------

def test_discovery_lists_the_services_with_their_hooks_and_prefetch(client: TestClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert services[VIEW]["hook"] == "patient-view"
    assert services[SIGN]["hook"] == "order-sign"
    assert services[SELECT]["hook"] == "order-select"
    prefetch = services[VIEW]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert prefetch["conditions"] == "Condition?patient={{context.patientId}}"
    assert prefetch["medications"] == ("MedicationRequest?patient={{context.patientId}}"
                                       "&status=active&_include=MedicationRequest:medication")
    assert prefetch["heart_rate"] == ("Observation?patient={{context.patientId}}"
                                      "&code=http://loinc.org|8867-4&_sort=-date&_count=10")
    assert "http://loinc.org|48065-7" in prefetch["ddimer"]
    assert "&_sort=-date&_count=" in prefetch["bmi"]
    for service in services.values():
        assert service["title"] and service["description"]


def test_discovery_with_a_forged_token_is_refused(client: TestClient, ehr: Ehr,
                                                  clock: Any) -> None:
    attacker = ec.generate_private_key(ec.SECP384R1())
    token = ehr.token(BASE + "/cds-services", clock().timestamp(), key=attacker)
    response = client.get("/cds-services", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_discovery_with_a_valid_token_passes(caller: Caller) -> None:
    response = caller.client.get("/cds-services", headers=caller.auth("/cds-services"))
    assert response.status_code == 200


# --- a signed call and its cards -------------------------------------------------------------

@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_signed_patient_view_call_gets_padua_caprini_and_wells_cards(caller: Caller,
                                                                       alg: str) -> None:
    response = caller.post(VIEW, view_request(), alg=alg)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    assert [c["summary"].split(":")[0] for c in cards] == ["Padua", "Caprini", "Wells DVT"]
    padua = cards[0]
    # patient-full: active cancer 3, previous DVT 3, surgery in the last month 2, age 70 1,
    # BMI 30.1 1, hormone therapy 1 = 11 points from the record: high risk whatever the rest.
    assert padua["summary"].startswith("Padua: at least 11 points, high VTE risk")
    assert padua["indicator"] == "warning"
    assert padua["source"]["url"] == "https://doi.org/10.1111/j.1538-7836.2010.04044.x"
    assert padua["links"][0]["url"] == f"{BASE}/en/calculators/padua"
    # What the record could not answer is named, and never counted as "no".
    assert "Not in the record" in padua["detail"]
    assert "reduced mobility" in padua["detail"]
    assert "Condition" in padua["detail"]  # where the known items came from
    assert "does not diagnose" in padua["detail"]
    wells = cards[2]
    assert wells["indicator"] == "info"
    assert [link["url"] for link in wells["links"]] == [f"{BASE}/en/calculators/wells-dvt",
                                                        f"{BASE}/en/pathway/dvt"]
    for card in cards:  # every link opens a clotwatch page
        for link in card["links"]:
            assert caller.client.get(link["url"].removeprefix(BASE)).status_code == 200
    assert "could be DVT unlikely or likely" in wells["summary"]
    assert "not in the record" in wells["summary"]


def test_partial_prefetch_gives_cards_naming_what_is_missing(caller: Caller) -> None:
    patient = full_prefetch()["patient"]
    response = caller.post(VIEW, view_request({"patient": patient}))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    padua = cards[0]
    assert padua["indicator"] == "info"  # undetermined: could be low or high
    assert "could be low or high VTE risk" in padua["summary"]
    assert "Not available from the EHR for this call: conditions" in padua["detail"]
    assert "active cancer" in padua["detail"]


def test_prefetch_keys_clotwatch_did_not_ask_for_are_ignored(caller: Caller) -> None:
    prefetch = full_prefetch() | {"user": "Practitioner/123", "extra": [1, 2]}
    assert caller.post(VIEW, view_request(prefetch)).status_code == 200


def test_a_null_prefetch_key_means_no_data_not_an_error(caller: Caller) -> None:
    prefetch = full_prefetch() | {"conditions": None, "medications": None}
    response = caller.post(VIEW, view_request(prefetch))
    assert response.status_code == 200
    assert_cards_well_formed(response.json()["cards"])


# --- the token: every refusal is a 401 -------------------------------------------------------

def test_a_call_without_a_token_is_refused(client: TestClient) -> None:
    response = client.post(f"/cds-services/{VIEW}", json=view_request())
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_signed_with_another_key_is_refused(caller: Caller) -> None:
    attacker = ec.generate_private_key(ec.SECP384R1())
    response = caller.post(VIEW, view_request(), key=attacker)
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]


def test_an_rs384_token_signed_with_another_rsa_key_is_refused(caller: Caller) -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = caller.post(VIEW, view_request(), alg="RS384", key=attacker)
    assert response.status_code == 401


def test_an_expired_token_is_refused(caller: Caller, clock: Any) -> None:
    path = f"/cds-services/{VIEW}"
    headers = caller.auth(path)
    clock.advance(minutes=7)
    response = caller.client.post(path, json=view_request(), headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_for_another_endpoint_is_refused(caller: Caller) -> None:
    path = f"/cds-services/{VIEW}"
    for aud in (f"{BASE}/cds-services/{SIGN}", "https://elsewhere.example.org" + path):
        headers = {"Authorization": "Bearer " + caller.ehr.token(aud, caller.now())}
        response = caller.client.post(path, json=view_request(), headers=headers)
        assert response.status_code == 401
        assert "aud" in response.json()["detail"]


def test_an_hs256_token_is_refused(caller: Caller) -> None:
    path = f"/cds-services/{VIEW}"
    payload = {"iss": EHR, "aud": BASE + path, "iat": int(caller.now()),
               "exp": int(caller.now()) + 300, "jti": str(uuid.uuid4())}
    token = jwt.encode(payload, "a shared secret of thirty-two bytes!", algorithm="HS256",
                       headers={"kid": "ehr-es384"})
    response = caller.client.post(path, json=view_request(),
                                  headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "HS256" in response.json()["detail"]


def test_an_unsigned_alg_none_token_is_refused(caller: Caller) -> None:
    path = f"/cds-services/{VIEW}"
    token = unsigned_token({"iss": EHR, "aud": BASE + path, "iat": int(caller.now()),
                            "exp": int(caller.now()) + 300, "jti": str(uuid.uuid4())})
    response = caller.client.post(path, json=view_request(),
                                  headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "none" in response.json()["detail"]


def test_an_es256_token_is_refused_even_from_a_trusted_issuer(caller: Caller) -> None:
    p256 = ec.generate_private_key(ec.SECP256R1())
    response = caller.post(VIEW, view_request(), alg="ES256", key=p256)
    assert response.status_code == 401
    assert "ES256" in response.json()["detail"]


def test_a_replayed_token_is_refused(caller: Caller) -> None:
    path = f"/cds-services/{VIEW}"
    headers = caller.auth(path)
    first = caller.client.post(path, json=view_request(), headers=headers)
    assert first.status_code == 200
    again = caller.client.post(path, json=view_request(), headers=headers)
    assert again.status_code == 401
    assert "used before" in again.json()["detail"]


def test_an_untrusted_issuer_is_refused(caller: Caller) -> None:
    response = caller.post(VIEW, view_request(), iss="https://rogue-ehr.example.net")
    assert response.status_code == 401
    assert "allow-list" in response.json()["detail"]


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "aud"])
def test_a_token_without_a_required_claim_is_refused(caller: Caller, claim: str) -> None:
    response = caller.post(VIEW, view_request(), drop=(claim,))
    assert response.status_code == 401
    assert claim in response.json()["detail"]


def test_a_token_living_longer_than_five_minutes_is_refused(caller: Caller) -> None:
    response = caller.post(VIEW, view_request(), lifetime=3600)
    assert response.status_code == 401
    assert "5 minutes" in response.json()["detail"]


def test_a_token_issued_in_the_future_is_refused(caller: Caller) -> None:
    response = caller.post(VIEW, view_request(), iat=int(caller.now()) + 600,
                           exp=int(caller.now()) + 700)
    assert response.status_code == 401
    assert "future" in response.json()["detail"]


def test_a_malformed_authorization_header_is_refused(client: TestClient) -> None:
    for value in ("Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer a.b.c"):
        response = client.post(f"/cds-services/{VIEW}", json=view_request(),
                               headers={"Authorization": value})
        assert response.status_code == 401, value


def test_unsigned_calls_pass_only_in_development_when_allowed(tmp_path: Path,
                                                              clock: Any) -> None:
    with pytest.raises(ConfigError):
        Settings(data_dir=tmp_path, cds_allow_unsigned=True)
    dev = Settings(data_dir=tmp_path / "dev", environment="development",
                   cds_allow_unsigned=True)
    with TestClient(create_app(dev, clock=clock, migrate=True)) as client:
        response = client.post(f"/cds-services/{VIEW}", json=view_request())
        assert response.status_code == 200
        assert_cards_well_formed(response.json()["cards"], base="http://testserver")
    dev_default = Settings(data_dir=tmp_path / "dev2", environment="development")
    with TestClient(create_app(dev_default, clock=clock, migrate=True)) as client:
        assert client.post(f"/cds-services/{VIEW}", json=view_request()).status_code == 401


def test_a_trust_configuration_needs_the_public_base_url_outside_development(
        tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    with pytest.raises(ConfigError, match="CLOTWATCH_CDS_BASE_URL"):
        Settings(data_dir=tmp_path, cds_trust_file=trust)
    with pytest.raises(ConfigError, match="CLOTWATCH_CDS_BASE_URL"):
        Settings(data_dir=tmp_path, cds_trust='{"issuers": []}')
    Settings(data_dir=tmp_path, cds_trust_file=trust, environment="development")


def test_with_no_trust_configured_every_call_is_refused(tmp_path: Path, clock: Any,
                                                         ehr: Ehr) -> None:
    settings = Settings(data_dir=tmp_path / "data", cds_base_url=BASE)
    with TestClient(create_app(settings, clock=clock, migrate=True)) as client:
        path = f"/cds-services/{VIEW}"
        token = ehr.token(BASE + path, clock().timestamp())
        response = client.post(path, json=view_request(),
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "CLOTWATCH_CDS_TRUST_FILE" in response.json()["detail"]


def test_inline_trust_in_the_settings_works_like_the_file(tmp_path: Path, clock: Any,
                                                          ehr: Ehr) -> None:
    trust = json.dumps({"issuers": [{"iss": EHR, "jwks": ehr.jwks()}]})
    settings = Settings(data_dir=tmp_path / "data", cds_trust=trust, cds_base_url=BASE)
    with TestClient(create_app(settings, clock=clock, migrate=True)) as client:
        caller = Caller(client, ehr, clock)
        assert caller.post(VIEW, view_request()).status_code == 200


def test_a_broken_trust_file_makes_the_service_unavailable_not_open(tmp_path: Path,
                                                                    clock: Any,
                                                                    ehr: Ehr) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text('{"issuers": [{"iss": "https://ehr.example.org", "jwks": '
                     '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}]}')
    settings = Settings(data_dir=tmp_path / "data", cds_trust_file=trust, cds_base_url=BASE)
    with TestClient(create_app(settings, clock=clock, migrate=True)) as client:
        caller = Caller(client, ehr, clock)
        response = caller.post(VIEW, view_request())
        assert response.status_code == 503
        assert "symmetric" in response.json()["detail"]


# --- prefetch: 412, partial, malformed -------------------------------------------------------

def test_missing_patient_prefetch_without_a_fhir_server_is_412(caller: Caller) -> None:
    prefetch = full_prefetch()
    del prefetch["patient"]
    response = caller.post(VIEW, view_request(prefetch))
    assert response.status_code == 412
    assert response.json()["missing"] == ["patient"]
    assert "fhirServer" in response.json()["detail"]


def test_no_prefetch_at_all_without_a_fhir_server_is_412(caller: Caller) -> None:
    body = view_request()
    del body["prefetch"]
    assert caller.post(VIEW, body).status_code == 412


def test_a_null_patient_prefetch_is_412(caller: Caller) -> None:
    response = caller.post(VIEW, view_request(full_prefetch() | {"patient": None}))
    assert response.status_code == 412


class FakeFhirServer:
    """A FHIR server on 127.0.0.1 answering searches from a dict (path+query -> resource)."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests.append((self.path, self.headers.get("Authorization")))
                path, _, query = self.path.partition("?")
                body = outer.routes.get(path.lstrip("/").removeprefix("fhir/"))
                codes = parse_qs(query).get("code")
                if body is not None and codes:  # a search by code: only the matching ones
                    wanted = set(codes[0].split(","))
                    body = searchset([e["resource"] for e in body["entry"] if any(
                        f"{c['system']}|{c['code']}" in wanted
                        for c in e["resource"]["code"]["coding"])], "Observation")
                data = json.dumps(body).encode() if body is not None else b"{}"
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll: shutdown() waits for the loop to notice (up to 0.5 s by default).
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/fhir"

    def __enter__(self) -> FakeFhirServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_missing_prefetch_is_fetched_from_the_fhir_server_with_the_given_token(
        caller: Caller) -> None:
    prefetch = full_prefetch()
    observations = [e["resource"] for key in OBSERVATION_KEYS for e in prefetch[key]["entry"]]
    routes = {f"Patient/{PATIENT_ID}": prefetch["patient"], "Condition": prefetch["conditions"],
              "Observation": searchset(observations, "Observation"), "MedicationRequest":
              prefetch["medications"], "MedicationStatement":
              prefetch["medication_statements"], "Procedure": prefetch["procedures"]}
    with FakeFhirServer(routes) as fhir:
        body = view_request({})
        body["fhirServer"] = fhir.url
        body["fhirAuthorization"] = {"access_token": "opaque-token-123", "token_type": "Bearer",
                                     "expires_in": 300, "scope": "patient/*.read",
                                     "subject": "clotwatch"}
        response = caller.post(VIEW, body)
    assert response.status_code == 200, response.text
    assert response.json()["cards"][0]["summary"].startswith("Padua: at least 11 points")
    paths = [p for p, _ in fhir.requests]
    assert f"/fhir/Patient/{PATIENT_ID}" in paths
    assert any(p.startswith(f"/fhir/Condition?patient={PATIENT_ID}") for p in paths)
    assert all(auth == "Bearer opaque-token-123" for _, auth in fhir.requests)


def test_a_fhir_server_without_the_patient_is_412(caller: Caller) -> None:
    with FakeFhirServer({}) as fhir:
        body = view_request({})
        body["fhirServer"] = fhir.url
        response = caller.post(VIEW, body)
    assert response.status_code == 412
    assert "FHIR server" in response.json()["detail"]


def test_an_unreachable_fhir_server_is_412_not_500(caller: Caller) -> None:
    with FakeFhirServer({}) as fhir:
        url = fhir.url  # a port that is closed once the server stops
    body = view_request({})
    body["fhirServer"] = url
    assert caller.post(VIEW, body).status_code == 412


def test_a_malformed_observation_in_the_prefetch_is_named_and_the_rest_used(
        caller: Caller) -> None:
    bad = [r for r in fixture_resources("malformed-observation.json")
           if r["resourceType"] == "Observation"]
    key = observation_key(bad[0])
    prefetch = full_prefetch() | {key: searchset(bad, "Observation")}
    response = caller.post(VIEW, view_request(prefetch))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    assert f"Not used: prefetch.{key}.entry[0](Observation).resource" in cards[0]["detail"]


def test_a_resource_clotwatch_does_not_read_never_fails_the_call(caller: Caller) -> None:
    document = {"resourceType": "DocumentReference", "id": "d", "status": "current",
                "content": [{"attachment": {"data": "bad=base64=="}}]}
    conditions = full_prefetch()["conditions"]
    conditions["entry"].append({"resource": document})
    response = caller.post(VIEW, view_request(full_prefetch() | {"conditions": conditions}))
    assert response.status_code == 200, response.text


def test_a_prefetch_of_thousands_of_heart_rates_is_bounded(caller: Caller) -> None:
    many = [{"resourceType": "Observation", "id": f"hr-{i}", "status": "final",
             "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
             "subject": {"reference": f"Patient/{PATIENT_ID}"},
             "effectiveDateTime": f"2026-11-{1 + i % 23:02d}T{i % 24:02d}:00:00Z",
             "valueQuantity": {"value": 70 + i % 50, "unit": "/min",
                               "system": "http://unitsofmeasure.org", "code": "/min"}}
            for i in range(20_000)]
    # 20,000 (about 6 MB) are over the body limit: refused before any reading.
    response = caller.post(VIEW, view_request(full_prefetch() | {
        "heart_rate": searchset(many, "Observation")}))
    assert response.status_code == 413
    # 4,000 fit; only the 10 most recent (the template's _count) are read.
    response = caller.post(VIEW, view_request(full_prefetch() | {
        "heart_rate": searchset(many[:4000], "Observation")}))
    assert response.status_code == 200, response.text
    assert "prefetch.heart_rate held 4000 entries; the 10 most recent were read" in \
        response.json()["cards"][0]["detail"]


@pytest.mark.parametrize(("prefetch", "loc"), [
    ({"patient": {"resourceType": "Observation", "id": "x"}}, ["body", "prefetch", "patient"]),
    ({"patient": {"resourceType": "Patient", "id": "someone-else"}},
     ["body", "prefetch", "patient", "id"]),
    ({"patient": {"resourceType": "Patient", "id": PATIENT_ID, "birthDate": "last year"}},
     ["body", "prefetch", "patient"]),
    ({"patient": {"resourceType": "Patient", "id": PATIENT_ID},
      "conditions": {"resourceType": "Condition"}}, ["body", "prefetch", "conditions"]),
])
def test_a_malformed_prefetch_is_422_with_the_field(caller: Caller, prefetch: dict[str, Any],
                                                     loc: list[str]) -> None:
    response = caller.post(VIEW, view_request(prefetch))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc


# --- malformed hook requests: 400/422 with the field, never 500 -------------------------------

@pytest.mark.parametrize(("change", "loc"), [
    (lambda b: b.pop("hook"), ["body", "hook"]),
    (lambda b: b.pop("hookInstance"), ["body", "hookInstance"]),
    (lambda b: b.pop("context"), ["body", "context"]),
    (lambda b: b["context"].pop("patientId"), ["body", "context", "patientId"]),
    (lambda b: b["context"].update(patientId="../../etc"), ["body", "context", "patientId"]),
    (lambda b: b.update(prefetch=["not", "an", "object"]), ["body", "prefetch"]),
    (lambda b: b.update(fhirServer="ftp://example.org"), ["body", "fhirServer"]),
    (lambda b: b.update(fhirAuthorization={"access_token": "x"}),
     ["body", "fhirAuthorization", "token_type"]),
])
def test_a_malformed_hook_request_is_422_naming_the_field(caller: Caller, change: Any,
                                                          loc: list[str]) -> None:
    body = view_request()
    change(body)
    response = caller.post(VIEW, body)
    assert response.status_code == 422, response.text
    assert loc in [d["loc"] for d in response.json()["detail"]]


def test_a_hook_the_service_does_not_answer_is_400(caller: Caller) -> None:
    response = caller.post(VIEW, view_request() | {"hook": "order-sign"})
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["body", "hook"]


def test_a_body_that_is_not_json_is_422(caller: Caller) -> None:
    path = f"/cds-services/{VIEW}"
    response = caller.client.post(path, content=b"{not json", headers={
        **caller.auth(path), "Content-Type": "application/json"})
    assert response.status_code == 422


def test_an_unknown_service_is_404(caller: Caller) -> None:
    assert caller.post("no-such-service", view_request()).status_code == 404


# --- order-select and order-sign -------------------------------------------------------------

def test_signing_an_anticoagulant_gets_bleeding_and_vte_cards(caller: Caller) -> None:
    prefetch = full_prefetch() | {"medications": searchset([], "MedicationRequest")}
    response = caller.post(SIGN, order_request("order-sign", [draft(ENOXAPARIN)], prefetch))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    assert [c["summary"].split(":")[0] for c in cards] == ["HAS-BLED", "Padua"]
    bleeding = cards[0]
    # Only age is in the record (70: 1 point); the 8 other items are named as missing.
    assert bleeding["summary"] == ("HAS-BLED: 1 to 9 points, could be low or high bleeding "
                                   "risk; 8 items not in the record")
    assert "labile INR" in bleeding["detail"] or "labile" in bleeding["detail"]
    assert "atrial fibrillation" in bleeding["detail"]
    assert bleeding["links"][0]["url"] == f"{BASE}/en/calculators/has-bled"
    # While high bleeding risk is possible, the clinician is offered a note on the order.
    labels = [s["label"] for s in bleeding["suggestions"]]
    assert labels == ["Add a note to the order: bleeding risk reviewed"]
    action = bleeding["suggestions"][0]["actions"][0]
    assert action["type"] == "update"
    assert action["resource"]["id"] == "draft-1"
    assert "HAS-BLED" in action["resource"]["note"][-1]["text"]
    from fhir.resources.R4B.medicationrequest import MedicationRequest
    MedicationRequest.model_validate(action["resource"])


def test_order_select_names_fewer_missing_has_bled_items_when_the_record_holds_them(
        caller: Caller) -> None:
    # patient-bleeding-risk (pat-3): systolic 172 in a BP panel, creatinine 2.6 mg/dL,
    # cirrhosis, an old stroke and GI bleed, aspirin and ibuprofen; born 1950. Seven HAS-BLED
    # items come from the record; only labile INR and alcohol are named as missing.
    resources = fixture_resources("patient-bleeding-risk.json")
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    prefetch = {"patient": patient, "conditions": searchset(resources, "Condition"),
                **observations_by_key(observations),
                "medications": searchset(resources, "MedicationRequest"),
                "medication_statements": searchset(resources, "MedicationStatement"),
                "procedures": searchset(resources, "Procedure")}
    assert prefetch["systolic_bp"]["total"] == 2 and prefetch["creatinine"]["total"] == 1
    body = order_request("order-select", [draft(ENOXAPARIN, patient="pat-3")], prefetch,
                         selections=["MedicationRequest/draft-1"])
    body["context"]["patientId"] = "pat-3"
    response = caller.post(SELECT, body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    bleeding = next(c for c in cards if c["summary"].startswith("HAS-BLED"))
    assert bleeding["summary"] == ("HAS-BLED: at least 7 points, high bleeding risk; "
                                   "2 items not in the record")
    assert bleeding["indicator"] == "warning"
    detail = bleeding["detail"]
    assert "systolic 172 mmHg, above 160" in detail
    assert "creatinine 229.8 umol/L" in detail
    assert "time in therapeutic range" in detail and "8 or more drinks a week" in detail
    assert "Not available from the EHR" not in detail
    labels = [s["label"] for s in bleeding["suggestions"]]
    assert "Add a note to the order: bleeding risk reviewed" in labels
    assert any("mechanical prophylaxis" in label for label in labels)


def test_a_second_anticoagulant_is_a_critical_card_with_a_delete_suggestion(
        caller: Caller) -> None:
    # patient-full holds an active apixaban MedicationRequest.
    response = caller.post(SIGN, order_request("order-sign", [draft(ENOXAPARIN)]))
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    critical = cards[0]
    assert critical["indicator"] == "critical"
    assert "MedicationRequest/mr-apix" in critical["detail"]
    action = critical["suggestions"][0]["actions"][0]
    assert action == {"type": "delete", "description": action["description"],
                      "resourceId": "MedicationRequest/draft-1"}
    assert critical["selectionBehavior"] == "at-most-one"


def test_a_non_anticoagulant_order_gets_no_cards(caller: Caller) -> None:
    response = caller.post(SIGN, order_request("order-sign", [draft(PARACETAMOL)]))
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_order_select_looks_only_at_the_selected_orders(caller: Caller) -> None:
    drafts = [draft(PARACETAMOL, "draft-para"), draft(ENOXAPARIN, "draft-enox")]
    none = caller.post(SELECT, order_request("order-select", drafts,
                                             selections=["MedicationRequest/draft-para"]))
    assert none.status_code == 200 and none.json() == {"cards": []}
    some = caller.post(SELECT, order_request("order-select", drafts,
                                             selections=["MedicationRequest/draft-enox"]))
    assert some.status_code == 200
    assert any(c["summary"].startswith("HAS-BLED") for c in some.json()["cards"])


def test_an_anticoagulant_named_only_in_text_is_recognised(caller: Caller) -> None:
    apixaban_text = {"text": "Apixaban 2.5 mg twice daily"}
    response = caller.post(SIGN, order_request("order-sign", [draft(apixaban_text)]))
    assert response.status_code == 200
    assert response.json()["cards"]


def test_an_anticoagulant_named_by_a_medication_reference_is_recognised(caller: Caller) -> None:
    rivaroxaban = {"resourceType": "Medication", "id": "med-riva",
                   "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "B01AF01",
                                        "display": "rivaroxaban"}]}}
    by_reference = draft(PARACETAMOL) | {"medicationReference": {"reference":
                                                                 "Medication/med-riva"}}
    del by_reference["medicationCodeableConcept"]
    contained = by_reference | {"id": "draft-2", "contained": [rivaroxaban],
                                "medicationReference": {"reference": "#med-riva"}}
    for drafts, extra in (([by_reference], [rivaroxaban]), ([contained], [])):
        body = order_request("order-sign", drafts)
        body["context"]["draftOrders"]["entry"] += [{"resource": r} for r in extra]
        response = caller.post(SIGN, body)
        assert response.status_code == 200, response.text
        assert any(c["summary"].startswith("HAS-BLED") for c in response.json()["cards"])


def test_an_order_for_another_patient_is_422(caller: Caller) -> None:
    response = caller.post(SIGN, order_request("order-sign",
                                               [draft(ENOXAPARIN, patient="someone-else")]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:3] == ["body", "context", "draftOrders"]


@pytest.mark.parametrize(("context_change", "loc"), [
    (lambda c: c.pop("draftOrders"), ["body", "context", "draftOrders"]),
    (lambda c: c.update(draftOrders={"resourceType": "Patient"}),
     ["body", "context", "draftOrders"]),
])
def test_malformed_draft_orders_are_422(caller: Caller, context_change: Any,
                                        loc: list[str]) -> None:
    body = order_request("order-sign", [draft(ENOXAPARIN)])
    context_change(body["context"])
    response = caller.post(SIGN, body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:3] == loc


def test_order_select_without_selections_is_422(caller: Caller) -> None:
    body = order_request("order-select", [draft(ENOXAPARIN)])
    response = caller.post(SELECT, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "context", "selections"]


# --- feedback --------------------------------------------------------------------------------

def feedback_rows(app: FastAPI) -> list[CdsFeedback]:
    with app.state.store.session() as session:
        return list(session.scalars(select(CdsFeedback).order_by(CdsFeedback.id)))


def test_feedback_is_stored_with_the_outcome_and_override_reason(caller: Caller,
                                                                 app: FastAPI) -> None:
    cards = caller.post(SIGN, order_request("order-sign", [draft(ENOXAPARIN)])).json()["cards"]
    critical, bleeding = cards[0], cards[1]
    suggestion = bleeding["suggestions"][0]["uuid"]
    reason = critical["overrideReasons"][4]
    path = f"/cds-services/{SIGN}/feedback"
    body = {"feedback": [
        {"card": bleeding["uuid"], "outcome": "accepted",
         "acceptedSuggestions": [{"id": suggestion}], "outcomeTimestamp": "2026-11-24T10:01:00Z"},
        {"card": critical["uuid"], "outcome": "overridden",
         "overrideReason": {"reason": {"system": reason["system"], "code": reason["code"]},
                            "userComment": "switching from apixaban after surgery"},
         "outcomeTimestamp": "2026-11-24T10:02:00Z"},
    ]}
    response = caller.client.post(path, json=body, headers=caller.auth(path))
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 2}
    rows = feedback_rows(app)
    assert [(r.card_uuid, r.outcome) for r in rows] == [(bleeding["uuid"], "accepted"),
                                                        (critical["uuid"], "overridden")]
    assert rows[0].accepted_suggestions == [suggestion]
    assert rows[1].override_code == "planned-switch"
    assert rows[1].user_comment == "switching from apixaban after surgery"
    assert rows[1].client_iss == EHR and rows[1].tenant == "ward-7"
    assert rows[1].service_id == SIGN


def test_an_override_without_a_reason_is_stored(caller: Caller, app: FastAPI) -> None:
    path = f"/cds-services/{VIEW}/feedback"
    body = {"feedback": [{"card": str(uuid.uuid4()), "outcome": "overridden",
                          "outcomeTimestamp": "2026-11-24T10:01:00+01:00"}]}
    response = caller.client.post(path, json=body, headers=caller.auth(path))
    assert response.status_code == 200
    row = feedback_rows(app)[0]
    assert row.override_code is None
    assert row.outcome_at.isoformat() == "2026-11-24T09:01:00+00:00"


@pytest.mark.parametrize(("item", "field"), [
    ({"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-11-24T10:01:00Z"},
     "acceptedSuggestions"),
    ({"card": "c", "outcome": "ignored", "outcomeTimestamp": "2026-11-24T10:01:00Z"},
     "outcome"),
    ({"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-24T10:01:00"},
     "outcomeTimestamp"),
    ({"outcome": "overridden", "outcomeTimestamp": "2026-11-24T10:01:00Z"}, "card"),
])
def test_malformed_feedback_is_422_and_stores_nothing(caller: Caller, app: FastAPI,
                                                      item: dict[str, Any], field: str) -> None:
    path = f"/cds-services/{VIEW}/feedback"
    good = {"card": "ok", "outcome": "overridden", "outcomeTimestamp": "2026-11-24T10:00:00Z"}
    response = caller.client.post(path, json={"feedback": [good, item]},
                                  headers=caller.auth(path))
    assert response.status_code == 422
    assert field in json.dumps(response.json()["detail"])
    assert feedback_rows(app) == []


def test_feedback_needs_a_signed_token(caller: Caller, app: FastAPI) -> None:
    path = f"/cds-services/{VIEW}/feedback"
    body = {"feedback": [{"card": "c", "outcome": "overridden",
                          "outcomeTimestamp": "2026-11-24T10:01:00Z"}]}
    assert caller.client.post(path, json=body).status_code == 401
    # A token made for the service endpoint is not valid for its feedback endpoint.
    headers = caller.auth(f"/cds-services/{VIEW}")
    assert caller.client.post(path, json=body, headers=headers).status_code == 401
    assert feedback_rows(app) == []


def test_feedback_for_an_unknown_service_is_404(caller: Caller) -> None:
    path = "/cds-services/nope/feedback"
    body = {"feedback": [{"card": "c", "outcome": "overridden",
                          "outcomeTimestamp": "2026-11-24T10:01:00Z"}]}
    assert caller.client.post(path, json=body, headers=caller.auth(path)).status_code == 404


# --- never a 500 -----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["resourceType", "id", "entry", "resource", "code", "status",
                         "subject", "birthDate", "valueQuantity", "coding", "reference"]),
        inner, max_size=4),
    max_leaves=12)
RESOURCE = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Patient", "Bundle", "Observation", "Condition",
                                      "OperationOutcome", "Nonsense"])},
    optional={"id": st.sampled_from([PATIENT_ID, "other", "", "x" * 80]),
              "type": st.sampled_from(["searchset", "collection", "bogus"]),
              "entry": st.lists(st.fixed_dictionaries({"resource": JSON}), max_size=2),
              "birthDate": st.sampled_from(["1950-01-01", "2999-01-01", "1950", "soon"]),
              "gender": st.sampled_from(["female", "male", "other", 3])})


FIXTURE_RESOURCES = fixture_resources("patient-full.json")


@st.composite
def mutated_searchset(draw: st.DrawFn) -> dict[str, Any]:
    """Real resources of the fixture with some elements replaced by random JSON: reaches the
    mapping (dates, units, codes) rather than stopping at the first schema check."""
    resources = []
    for resource in draw(st.lists(st.sampled_from(FIXTURE_RESOURCES), min_size=1, max_size=4)):
        changed = json.loads(json.dumps(resource))
        for key in draw(st.lists(st.sampled_from(sorted(changed)), max_size=2)):
            if key != "resourceType":
                changed[key] = draw(JSON)
        resources.append(changed)
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": r} for r in resources]}


@hypothesis_settings(max_examples=200, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["conditions", "heart_rate", "ddimer", "bmi", "medications",
                            "medication_statements", "procedures"]),
       bundle=mutated_searchset())
def test_real_resources_with_random_elements_never_cause_a_500(caller: Caller, key: str,
                                                               bundle: dict[str, Any]) -> None:
    response = caller.post(VIEW, view_request(full_prefetch() | {key: bundle}))
    assert response.status_code in {200, 422}, response.text
    if response.status_code == 200:
        assert_cards_well_formed(response.json()["cards"])
    response = caller.post(SIGN, order_request("order-sign", [draft(ENOXAPARIN)],
                                               full_prefetch() | {key: bundle}))
    assert response.status_code in {200, 422}, response.text


@pytest.mark.parametrize("rtype", [[], ["Condition"], {}, {"a": 1}, 3, None, True])
def test_a_resource_type_that_is_not_a_string_is_never_a_500(caller: Caller, rtype: Any) -> None:
    """Found by the random test below in a clean-clone run (2026-12-01): a prefetch entry
    whose ``resourceType`` is a list answered 500 (unhashable in the set of types read)."""
    bundle = {"resourceType": "Bundle", "type": "searchset",
              "entry": [{"resource": {"resourceType": rtype, "id": "x"}}]}
    for key in ("conditions", "medications", "patient"):
        response = caller.post(VIEW, view_request(full_prefetch() | {key: bundle}))
        assert response.status_code in {200, 412, 422}, response.text


@hypothesis_settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefetch=st.dictionaries(st.sampled_from(["patient", "conditions", "heart_rate",
                                                 "medications", "procedures"]),
                                st.none() | RESOURCE | JSON, max_size=5),
       drafts=st.none() | RESOURCE)
def test_random_prefetch_and_draft_orders_never_cause_a_500(caller: Caller,
                                                            prefetch: dict[str, Any],
                                                            drafts: Any) -> None:
    response = caller.post(VIEW, view_request(prefetch))
    assert response.status_code in {200, 412, 422}, response.text
    body = order_request("order-sign", [draft(ENOXAPARIN)], prefetch)
    if drafts is not None:
        body["context"]["draftOrders"] = drafts
    response = caller.post(SIGN, body)
    assert response.status_code in {200, 412, 422}, response.text


# --- a second anticoagulant ordered by reference (issue 13) ----------------------------------

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ENOXAPARIN_MEDICATION = {"resourceType": "Medication", "id": "enox-40", "code": {"coding": [
    {"system": RXNORM, "code": "854235",
     "display": "enoxaparin sodium 40 MG in 0.4 ML Prefilled Syringe"}]}}
APIXABAN_SCD_ONLY = {"coding": [{"system": RXNORM, "code": "1364445"}]}  # no display, no text


def _enoxaparin_orders(include: bool) -> dict[str, Any]:
    """Two active enoxaparin orders by reference; the Medication only when ``include``."""
    orders = [{"resourceType": "MedicationRequest", "id": f"mr-enox-{i}", "status": "active",
               "intent": "order", "subject": {"reference": f"Patient/{PATIENT_ID}"},
               "authoredOn": "2019-03-02T10:00:00Z",
               "medicationReference": {"reference": "Medication/enox-40"}} for i in (1, 2)]
    bundle = searchset(orders, "MedicationRequest")
    if include:
        bundle["entry"].append({"fullUrl": "https://ehr.example.org/fhir/Medication/enox-40",
                                "resource": ENOXAPARIN_MEDICATION,
                                "search": {"mode": "include"}})
    return bundle


def _prefetch_without_apixaban(include: bool) -> dict[str, Any]:
    return full_prefetch() | {"medications": _enoxaparin_orders(include),
                              "medication_statements": searchset([], "MedicationStatement")}


def _critical(cards: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in cards if c["indicator"] == "critical")


def test_two_enoxaparin_orders_by_reference_with_include_give_a_critical_card(
        caller: Caller) -> None:
    body = order_request("order-sign", [draft(APIXABAN_SCD_ONLY)],
                         _prefetch_without_apixaban(include=True))
    response = caller.post(SIGN, body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    critical = _critical(cards)
    assert "MedicationRequest/mr-enox-1" in critical["detail"]
    assert "MedicationRequest/mr-enox-2" in critical["detail"]
    assert "authored 2019-03-02, 7 years ago; nothing newer shows it is still taken" in \
        critical["detail"]
    bleeding = next(c for c in cards if c["summary"].startswith("HAS-BLED"))
    assert "name only" not in bleeding["detail"]


def test_a_medication_missing_from_the_prefetch_is_fetched_from_the_ehr(
        app: FastAPI, caller: Caller) -> None:
    asked: list[str] = []

    def fetch(server: str, relative: str, token: str | None) -> dict[str, Any]:
        asked.append(relative)
        assert token == "ehr-token"
        if relative == "Medication/enox-40":
            return ENOXAPARIN_MEDICATION
        if relative.startswith(("DocumentReference?", "DiagnosticReport?")):
            # the optional notes prefetch keys (docs/notes.md): this EHR has no notes
            return {"resourceType": "Bundle", "type": "searchset", "entry": []}
        raise AssertionError(relative)

    app.state.cds_fetch = fetch
    body = order_request("order-sign", [draft(APIXABAN_SCD_ONLY)],
                         _prefetch_without_apixaban(include=False))
    body["fhirServer"] = "https://ehr.example.org/fhir"
    body["fhirAuthorization"] = {"access_token": "ehr-token", "token_type": "Bearer",
                                 "expires_in": 300, "scope": "patient/*.read",
                                 "subject": "clotwatch"}
    response = caller.post(SIGN, body)
    assert response.status_code == 200, response.text
    assert [r for r in asked if r.startswith("Medication/")] == ["Medication/enox-40"]  # once
    assert "MedicationRequest/mr-enox-1" in _critical(response.json()["cards"])["detail"]


def test_a_medication_that_cannot_be_had_gives_a_warning_naming_the_orders(
        caller: Caller) -> None:
    body = order_request("order-sign", [draft(APIXABAN_SCD_ONLY)],
                         _prefetch_without_apixaban(include=False))
    response = caller.post(SIGN, body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    assert not [c for c in cards if c["indicator"] == "critical"]
    warning = cards[0]
    assert warning["indicator"] == "warning"
    assert warning["summary"].startswith("Check for a second anticoagulant")
    assert "refers to Medication/enox-40, which is not in the Bundle" in warning["detail"]
    assert "mr-enox-1" in warning["detail"] and "mr-enox-2" in warning["detail"]


def test_a_draft_named_only_in_text_is_checked_and_the_cards_say_so(caller: Caller) -> None:
    named = {"coding": [{"system": "urn:local:formulary", "code": "F123"}],
             "text": "Apixaban 5 mg tablets"}
    response = caller.post(SIGN, order_request("order-sign", [draft(named)]))
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert _critical(cards)  # patient-full holds an active apixaban order
    bleeding = next(c for c in cards if c["summary"].startswith("HAS-BLED"))
    assert "from its name 'apixaban' only" in bleeding["detail"]


@pytest.mark.parametrize("body", [b'{"hook": "patient-view", "x": NaN}', b'{"x": Infinity}',
                                  b'{"x": 1e999}', b'{"hook": "\\ud800"}', b"not json"])
def test_a_signed_call_with_a_body_that_is_not_json_is_422(caller: Caller, body: bytes) -> None:
    path = f"/cds-services/{VIEW}"
    response = caller.client.post(path, content=body, headers={
        **caller.auth(path), "content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_a_call_with_a_bad_token_and_a_bad_body_is_401(caller: Caller) -> None:
    response = caller.client.post(f"/cds-services/{VIEW}", content=b"{",
                                  headers={"authorization": "Bearer x.y.z"})
    assert response.status_code == 401


# --- the CDS Hooks specification's own examples (issue 13) -----------------------------------

SPEC = Path(__file__).parent / "fixtures" / "cds-hooks-spec"


def spec_request(name: str) -> dict[str, Any]:
    """A specification example's context, with our patient's prefetch around it."""
    example = json.loads((SPEC / name).read_text())
    context = example["context"]
    context["patientId"] = PATIENT_ID
    for entry in context["draftOrders"]["entry"]:
        resource = entry["resource"]
        for field in ("subject", "patient"):
            if field in resource:
                resource[field] = {"reference": f"Patient/{PATIENT_ID}"}
    hook = name.split("-r4")[0].split("-stu3")[0]
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context,
            "prefetch": full_prefetch()}


@pytest.mark.parametrize("name", ["order-select-r4.json", "order-select-stu3.json",
                                  "order-sign-r4.json", "order-sign-stu3.json"])
def test_the_specification_examples_are_answered(caller: Caller, name: str) -> None:
    # Amoxicillin-clavulanate and a pureed diet: no anticoagulant, so no cards, and no 422
    # for the Bundle without a type or the NutritionOrder beside the order.
    response = caller.post(SELECT if "select" in name else SIGN, spec_request(name))
    assert response.status_code == 200, response.text
    assert response.json() == {"cards": []}


def test_each_draft_is_judged_on_its_own(caller: Caller) -> None:
    body = spec_request("order-sign-r4.json")
    entries = body["context"]["draftOrders"]["entry"]
    apixaban = draft(APIXABAN_SCD_ONLY, "draft-apix")
    broken = draft(ENOXAPARIN, "draft-broken")
    broken["authoredOn"] = "yesterday"
    entries += [{"resource": apixaban}, {"resource": broken}]
    response = caller.post(SIGN, body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    assert any(c["summary"].startswith("HAS-BLED") for c in cards)
    unreadable = [c for c in cards if c["summary"].startswith("Not checked")]
    assert len(unreadable) == 1
    assert "context.draftOrders.entry[3].resource.authoredOn" in unreadable[0]["detail"]


def test_a_hook_call_paging_through_a_hostile_fhir_server_keeps_the_token(
        caller: Caller) -> None:
    # The EHR test client: clotwatch fetches what was not prefetched from a FHIR server whose
    # pages link and redirect to a second server; that one never sees a request.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: dict[str, list[tuple[str, str | None]]] = {"ehr": [], "attacker": []}
    routes: dict[str, tuple[int, dict[str, str], Any]] = {}

    def handler(name: str) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                seen[name].append((self.path, self.headers.get("Authorization")))
                status, headers, body = routes.get(self.path, (404, {}, {})) \
                    if name == "ehr" else (200, {}, {"resourceType": "Bundle"})
                data = json.dumps(body).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass
        return Handler

    servers = {name: ThreadingHTTPServer(("127.0.0.1", 0), handler(name))
               for name in ("ehr", "attacker")}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    try:
        ehr_port = servers["ehr"].server_address[1]
        evil = f"127.0.0.1:{servers['attacker'].server_address[1]}"
        base = f"http://127.0.0.1:{ehr_port}/fhir"
        routes[f"/fhir/Condition?patient={PATIENT_ID}"] = (200, {}, {
            "resourceType": "Bundle", "type": "searchset", "entry": [],
            "link": [{"relation": "next", "url": f"http://127.0.0.1:{ehr_port}@{evil}/fhir/x"}]})
        routes[f"/fhir/Procedure?patient={PATIENT_ID}"] = (
            302, {"Location": f"http://{evil}/fhir/Procedure"}, {})
        body = view_request({"patient": full_prefetch()["patient"]})
        body["fhirServer"] = base
        body["fhirAuthorization"] = {"access_token": "secret-ehr-token", "token_type": "Bearer",
                                     "expires_in": 300, "scope": "patient/*.read",
                                     "subject": "clotwatch"}
        response = caller.post(VIEW, body)
        assert response.status_code == 200, response.text
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
    assert seen["attacker"] == []
    assert seen["ehr"] and all(auth == "Bearer secret-ehr-token" for _, auth in seen["ehr"])


def _no_active_anticoagulant() -> dict[str, Any]:
    return full_prefetch() | {"medications": searchset([], "MedicationRequest"),
                              "medication_statements": searchset([], "MedicationStatement")}


def test_two_anticoagulants_in_one_order_session_are_critical(caller: Caller) -> None:
    drafts = [draft(ENOXAPARIN, "draft-enox"), draft(APIXABAN_SCD_ONLY, "draft-apix")]
    response = caller.post(SIGN, order_request("order-sign", drafts, _no_active_anticoagulant()))
    assert response.status_code == 200, response.text
    critical = _critical(response.json()["cards"])
    assert "MedicationRequest/draft-apix" in critical["detail"]


def test_a_selected_anticoagulant_beside_an_earlier_draft_one_is_critical(
        caller: Caller) -> None:
    drafts = [draft(ENOXAPARIN, "draft-enox"), draft(APIXABAN_SCD_ONLY, "draft-apix")]
    body = order_request("order-select", drafts, _no_active_anticoagulant(),
                         selections=["MedicationRequest/draft-apix"])
    response = caller.post(SELECT, body)
    assert response.status_code == 200, response.text
    critical = _critical(response.json()["cards"])
    assert "MedicationRequest/draft-enox" in critical["detail"]
    remove = critical["suggestions"][0]["actions"][0]
    assert remove["resourceId"] == "MedicationRequest/draft-apix"  # the one just selected


def test_one_anticoagulant_alone_is_not_critical(caller: Caller) -> None:
    response = caller.post(SIGN, order_request("order-sign", [draft(ENOXAPARIN)],
                                               _no_active_anticoagulant()))
    assert response.status_code == 200
    assert not [c for c in response.json()["cards"] if c["indicator"] == "critical"]


# --- modifier extensions clotwatch does not understand (issue 13) ----------------------------
# FHIR R4, Extensibility (https://hl7.org/fhir/R4/extensibility.html#modifierExtension): an
# element or resource carrying a modifier extension the reader does not understand must not be
# processed as if the extension were absent. clotwatch understands none.

NOT_GIVEN = "http://example.org/fhir/StructureDefinition/not-given"


def _with_modifier(resource: dict[str, Any]) -> dict[str, Any]:
    return {**resource, "modifierExtension": [{"url": NOT_GIVEN, "valueBoolean": True}]}


def test_an_active_order_with_a_modifier_gets_the_unidentified_order_warning(
        caller: Caller) -> None:
    prefetch = _prefetch_without_apixaban(include=True)
    plain = caller.post(SIGN, order_request("order-sign", [draft(APIXABAN_SCD_ONLY)], prefetch))
    assert _critical(plain.json()["cards"])  # without the extension: a second anticoagulant
    for entry in prefetch["medications"]["entry"]:
        if entry["resource"]["resourceType"] == "MedicationRequest":
            entry["resource"] = _with_modifier(entry["resource"])
    response = caller.post(SIGN, order_request("order-sign", [draft(APIXABAN_SCD_ONLY)],
                                               prefetch))
    warning = _modifier_warning(response, "MedicationRequest/mr-enox-1")[0]
    assert "mr-enox-2" in warning["detail"]


def _modifier_warning(response: Any, reference: str) -> list[dict[str, Any]]:
    """The cards of a call whose order ``reference`` carries an unknown modifier extension:
    no critical card, and first the "second anticoagulant" warning naming the order and why
    it was not used (FHIR R4 Extensibility: a modifier not understood must not be ignored)."""
    assert response.status_code == 200, response.text
    cards: list[dict[str, Any]] = response.json()["cards"]
    assert_cards_well_formed(cards)
    assert not [c for c in cards if c["indicator"] == "critical"]
    assert cards[0]["indicator"] == "warning"
    assert cards[0]["summary"].startswith("Check for a second anticoagulant")
    assert (f"{reference} carries a modifier extension clotwatch does not understand "
            f"({NOT_GIVEN}); it was not used") in cards[0]["detail"]
    return cards


def test_a_draft_order_with_a_modifier_is_named_and_not_checked(caller: Caller) -> None:
    body = order_request("order-select", [_with_modifier(draft(ENOXAPARIN))],
                         selections=["MedicationRequest/draft-1"])
    response = caller.post(SELECT, body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert_cards_well_formed(cards)
    assert [c["indicator"] for c in cards] == ["warning"]
    assert cards[0]["summary"].startswith("Not checked: the draft order")
    assert "carries a modifier extension clotwatch does not understand" in cards[0]["detail"]
    assert NOT_GIVEN in cards[0]["detail"]


def test_a_condition_with_a_modifier_is_named_among_the_missing_items(caller: Caller) -> None:
    prefetch = full_prefetch()
    plain = caller.post(VIEW, view_request(copy.deepcopy(prefetch))).json()["cards"]
    plain_padua = next(c for c in plain if c["summary"].startswith("Padua"))["detail"]
    assert "active Condition: malignant neoplasm" in plain_padua  # counted: yes
    for entry in prefetch["conditions"]["entry"]:
        if entry["resource"]["id"] == "ca":
            entry["resource"] = _with_modifier(entry["resource"])
    response = caller.post(VIEW, view_request(prefetch))
    assert response.status_code == 200, response.text
    padua = next(c for c in response.json()["cards"] if c["summary"].startswith("Padua"))
    assert ("Condition/ca carries a modifier extension clotwatch does not understand "
            f"({NOT_GIVEN}); it was not used") in padua["detail"]
    assert "active Condition: malignant neoplasm" not in padua["detail"]
    # unknown never lowers: the range still reaches the score the record gave with the yes
    plain_total = int(re.search(r"(\d+) points from the record", plain_padua).group(1))
    low, high = (int(x) for x in re.search(r"between (\d+) and (\d+)", padua["detail"]).groups())
    assert low < plain_total <= high


def test_a_session_draft_with_a_modifier_beside_a_selected_anticoagulant_gets_the_warning(
        caller: Caller) -> None:
    prefetch = full_prefetch() | {"medications": searchset([], "MedicationRequest"),
                                  "medication_statements": searchset([], "MedicationStatement")}
    earlier = draft(ENOXAPARIN, "draft-enox")
    plain = order_request("order-select", [draft(APIXABAN_SCD_ONLY), earlier], prefetch,
                          selections=["MedicationRequest/draft-1"])
    assert _critical(caller.post(SELECT, plain).json()["cards"])  # two anticoagulants drafted
    body = order_request("order-select", [draft(APIXABAN_SCD_ONLY), _with_modifier(earlier)],
                         copy.deepcopy(prefetch), selections=["MedicationRequest/draft-1"])
    response = caller.post(SELECT, body)
    cards = _modifier_warning(response, "MedicationRequest/draft-enox")
    assert any(c["summary"].startswith("HAS-BLED") for c in cards)  # the selected one: checked
