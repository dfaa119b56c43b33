#!/usr/bin/env python3
"""Latency of the CDS Hooks ``patient-view`` service with a realistic prefetch, against a
trivial endpoint of the same server in the same run.

The clotwatch app runs as ``clotwatch serve`` in its own process (127.0.0.1, a temporary SQLite
database, a trust file with an ES384 key made for this run). This process plays the EHR:
it signs a fresh JWT for every call (all signed before timing starts, so signing is not
counted) and sends the calls one at a time over one keep-alive connection (httpx).

- Measured: ``POST /cds-services/clotwatch-vte-risk`` with the prefetch of one inpatient
  after a week on the ward: the Patient, 15 Conditions, the observation searches of the
  templates as a FHIR server answers them (the 10 most recent heart rates and SpO2s, the 3 most
  recent weights, heights, BMIs and D-dimers, out of 336 hourly vital signs), 6 active
  MedicationRequests, 3 MedicationStatements and 4 Procedures. The server verifies the JWT,
  checks the replay cache, reads every resource (the elements used, per FHIR R4 datatype),
  derives the instrument inputs, scores Padua, Caprini and Wells DVT and builds three cards.
  ``--ignore-count`` plays an EHR that ignores ``_count`` and sends all 336 vital signs.
- Baseline: ``GET /cds-services`` (discovery) on the same server: the same middleware and
  router, no work.

Rounds alternate between the two; latencies are pooled per endpoint. Goal: patient-view p99 <
50 ms (the CDS Hooks specification asks for about 500 ms). Also the servers' own CPU time per
call (user + system of the server process and its workers, from ``/proc``), per endpoint: on
a loaded machine a steadier figure than the latencies.

``--concurrency N`` (issue 13) sends the calls of each round from N threads at once, each with
its own keep-alive connection, as an EHR with many clinicians would; discovery gets the same
concurrency in the same run, so the queueing both see is the baseline.

``--workers 1 2`` (issue 13) starts one server per value (``clotwatch serve --workers N``, each
with its own database) at once and runs each round on each in turn, so the servers meet the
same machine load; each has its own discovery baseline.

``--baseline-src DIR`` also starts each server from another checkout's ``src`` (e.g. a
``git archive`` of main: before a change), measured in the same rounds: before and after in
one run, under the same load.

``--client wrk`` sends the calls from ``wrk`` (C, its own process; Debian package ``wrk``)
instead of this process's ``httpx`` threads, which used more CPU per call than the server
(docs/benchmarks.md): the requests are built beforehand, each patient-view request with its
own fresh token, and ``benchmarks/wrk_replay.lua`` sends each once. ``--client httpx wrk``
measures both in the same rounds. The client's CPU per call is reported beside the server's.

``--rate R`` (with ``--client wrk``) offers about R calls a second at random moments instead
of a closed loop: each connection pauses before each call for a random time (exponential,
mean ``concurrency / R`` seconds), as clinicians opening charts do. A closed loop keeps the
server saturated, so its latency is the queue (Little's law: calls in flight / calls served
a second), whatever a call costs; ``--rate`` shows the latency at a given load below that.

``--notes same|new`` adds a 3 KB admission note (a DocumentReference in the ``notes`` prefetch):
``same`` sends one note on every call (a chart opened again: the extraction cache answers),
``new`` a different note on every call (one sentence differs: extraction runs every time).

Usage: .venv/bin/python benchmarks/cds_patient_view.py [--requests N] [--seconds S]
       [--ignore-count] [--concurrency N] [--workers N [N ...]] [--baseline-src DIR]
       [--notes same|new] [--client httpx|wrk ...] [--rate PER_S] [--port FIRST] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _server import start_command  # benchmarks/ is on sys.path when a script runs

SERVICE = "clotwatch-vte-risk"
EHR = "https://ehr.example.org"
PATIENT_ID = "bench-patient"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


# --- a realistic prefetch -------------------------------------------------------------------

def _obs(oid: str, code: str, display: str, when: datetime, value: float, unit: str,
         ucum: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
            "effectiveDateTime": when.isoformat(),
            "valueQuantity": {"value": value, "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": ucum}}


def _condition(cid: str, system: str, code: str, display: str, active: bool,
               onset: str) -> dict[str, Any]:
    status = "active" if active else "resolved"
    return {"resourceType": "Condition", "id": cid,
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": status}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                "code": "confirmed"}]},
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "problem-list-item"}]}],
            "code": {"coding": [{"system": system, "code": code, "display": display}],
                     "text": display},
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "onsetDateTime": onset}


def _searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"{EHR}/fhir/{r['resourceType']}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in resources]}


def realistic_prefetch(now: datetime, honour_count: bool = True) -> dict[str, Any]:
    """One inpatient's record as an EHR would prefetch it for clotwatch's templates (which
    ask for the most recent few observations of each kind: ``_sort=-date&_count=N``;
    ``honour_count=False`` plays an EHR that ignores that and sends them all)."""
    patient = {"resourceType": "Patient", "id": PATIENT_ID, "active": True,
               "identifier": [{"system": "https://ehr.example.org/mrn", "value": "000123456"}],
               "name": [{"use": "official", "family": "Example", "given": ["Sam"]}],
               "gender": "male", "birthDate": "1949-06-02",
               "address": [{"city": "Leeds", "country": "GB"}]}
    observations = []
    for hour in range(24 * 7):  # a week on the ward: hourly heart rate and SpO2
        when = now - timedelta(hours=hour, minutes=10)
        observations.append(_obs(f"hr-{hour}", "8867-4", "Heart rate", when,
                                 88 + hour % 7, "beats/minute", "/min"))
        observations.append(_obs(f"spo2-{hour}", "59408-5", "Oxygen saturation", when,
                                 94 + hour % 3, "%", "%"))
    for month in range(6):
        when = now - timedelta(days=30 * month + 2)
        observations.append(_obs(f"wt-{month}", "29463-7", "Body weight", when,
                                 96 - month * 0.5, "kg", "kg"))
        observations.append(_obs(f"ht-{month}", "8302-2", "Body height", when, 178, "cm",
                                 "cm"))
    observations.append(_obs("bmi-1", "39156-5", "BMI", now - timedelta(days=2), 30.3,
                             "kg/m2", "kg/m2"))
    ddimer = _obs("dd-1", "48065-7", "D-dimer FEU", now - timedelta(hours=3), 900, "ng/mL",
                  "ng/mL")
    ddimer["category"][0]["coding"][0]["code"] = "laboratory"
    observations.append(ddimer)
    conditions = [
        _condition("c-ca", ICD10, "C34.1", "Malignant neoplasm of upper lobe, bronchus or lung",
                   True, "2026-06-01"),
        _condition("c-dvt", SNOMED, "128053003", "Deep venous thrombosis", False, "2019-03-02"),
        _condition("c-htn", SNOMED, "38341003", "Hypertensive disorder", True, "2010-01-01"),
        _condition("c-dm", SNOMED, "44054006", "Diabetes mellitus type 2", True, "2012-05-05"),
        _condition("c-copd", SNOMED, "13645005", "Chronic obstructive lung disease", True,
                   "2015-02-02"),
        _condition("c-ckd", SNOMED, "433144002", "Chronic kidney disease stage 3", True,
                   "2020-08-08"),
        _condition("c-oa", SNOMED, "239873007", "Osteoarthritis of knee", True, "2016-01-01"),
        _condition("c-gerd", SNOMED, "235595009", "Gastroesophageal reflux disease", True,
                   "2011-01-01"),
        _condition("c-af", SNOMED, "49436004", "Atrial fibrillation", False, "2021-01-01"),
        _condition("c-pna", SNOMED, "233604007", "Pneumonia", True, "2026-11-20"),
        _condition("c-chol", SNOMED, "55822004", "Hyperlipidemia", True, "2009-01-01"),
        _condition("c-gout", SNOMED, "90560007", "Gout", False, "2018-01-01"),
        _condition("c-dep", SNOMED, "35489007", "Depressive disorder", True, "2017-01-01"),
        _condition("c-bph", SNOMED, "266569009", "Benign prostatic hyperplasia", True,
                   "2019-01-01"),
        _condition("c-cat", SNOMED, "193570009", "Cataract", False, "2014-01-01"),
    ]
    meds = []
    for i, (code, name) in enumerate([("197361", "amlodipine 5 MG Oral Tablet"),
                                      ("860975", "metformin 500 MG Oral Tablet"),
                                      ("314231", "simvastatin 20 MG Oral Tablet"),
                                      ("198211", "omeprazole 20 MG Oral Capsule"),
                                      ("745679", "salbutamol 100 MCG Inhaler"),
                                      ("313782", "paracetamol 500 MG Oral Tablet")]):
        meds.append({"resourceType": "MedicationRequest", "id": f"mr-{i}", "status": "active",
                     "intent": "order",
                     "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code,
                                                               "display": name}],
                                                   "text": name},
                     "subject": {"reference": f"Patient/{PATIENT_ID}"},
                     "authoredOn": "2026-11-20",
                     "dosageInstruction": [{"text": "as directed"}]})
    statements = [{"resourceType": "MedicationStatement", "id": f"ms-{i}", "status": "active",
                   "medicationCodeableConcept": {"text": name},
                   "subject": {"reference": f"Patient/{PATIENT_ID}"},
                   "effectiveDateTime": "2026-01-01"}
                  for i, name in enumerate(["vitamin D 800 units", "sertraline 50 mg",
                                            "tamsulosin 400 micrograms"])]
    procedures = [{"resourceType": "Procedure", "id": f"proc-{i}", "status": "completed",
                   "category": {"coding": [{"system": SNOMED, "code": code,
                                            "display": display}]},
                   "code": {"text": text},
                   "subject": {"reference": f"Patient/{PATIENT_ID}"},
                   "performedDateTime": when}
                  for i, (code, display, text, when) in enumerate([
                      ("387713003", "Surgical procedure", "Bronchoscopy with biopsy",
                       (now - timedelta(days=12)).isoformat()),
                      ("103693007", "Diagnostic procedure", "CT chest",
                       (now - timedelta(days=14)).isoformat()),
                      ("387713003", "Surgical procedure", "Cataract extraction", "2014-05-01"),
                      ("387713003", "Surgical procedure", "Knee arthroscopy", "2017-03-01")])]
    return {"patient": patient, "conditions": _searchset(conditions),
            **_observation_searches(observations, honour_count), "medications": _searchset(meds),
            "medication_statements": _searchset(statements),
            "procedures": _searchset(procedures)}


def _observation_searches(observations: list[dict[str, Any]],
                          honour_count: bool) -> dict[str, Any]:
    """Each observation prefetch template answered as a FHIR server would."""
    from urllib.parse import parse_qs

    from clotwatch.cdshooks.catalogue import observation_prefetch

    out = {}
    for key, template in observation_prefetch().items():
        query = parse_qs(template.split("?", 1)[1])
        wanted = set(query["code"][0].split(","))
        found = [o for o in observations
                 if any(f"{c['system']}|{c['code']}" in wanted for c in o["code"]["coding"])]
        found.sort(key=lambda o: o["effectiveDateTime"], reverse=True)
        if honour_count:
            found = found[:int(query["_count"][0])]
        out[key] = _searchset(found)
    return out


# --- the server -----------------------------------------------------------------------------

# ``--database-url``: the servers' store (e.g. PostgreSQL); None: each server's own SQLite file.
DATABASE_URL: str | None = None

# ``--port``: the first port of the servers (one each, counting up); None: free ports.
FIRST_PORT: int | None = None


def start(data_dir: str, workers: int, src: str | None = None,
          port: int | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """``clotwatch serve --workers N`` on a free port, with this run's data dir and trust
    (from the checkout ``src`` when given, else the installed clotwatch)."""
    def command(port: int) -> tuple[list[str], dict[str, str]]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLOTWATCH_") and k != "DATABASE_URL"}
        if src:
            env["PYTHONPATH"] = src
        if DATABASE_URL:
            env["DATABASE_URL"] = DATABASE_URL
        env.update(CLOTWATCH_DATA_DIR=data_dir, CLOTWATCH_PORT=str(port),
                   CLOTWATCH_CDS_TRUST_FILE=str(Path(data_dir) / "trust.json"),
                   CLOTWATCH_CDS_BASE_URL=f"http://127.0.0.1:{port}",
                   CLOTWATCH_LOG_LEVEL="warning")
        return ([sys.executable, "-m", "clotwatch.cli", "serve", "--workers", str(workers)],
                env)
    return start_command(command, f"clotwatch ({workers} worker(s))", port)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants (Linux ``/proc``)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == current)
    return total


# --- the EHR --------------------------------------------------------------------------------

def make_key(data_dir: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    key = ec.generate_private_key(ec.SECP384R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "bench"}
    Path(data_dir, "trust.json").write_text(json.dumps(
        {"issuers": [{"iss": EHR, "jwks": {"keys": [jwk]}}]}))
    return key


def tokens(key: Any, aud: str, n: int) -> list[str]:
    import jwt

    now = int(time.time())
    return [jwt.encode({"iss": EHR, "aud": aud, "iat": now, "exp": now + 290,
                        "jti": str(uuid.uuid4())}, key, algorithm="ES384",
                       headers={"kid": "bench", "typ": "JWT"}) for _ in range(n)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(latencies: list[float]) -> dict[str, float]:
    return {"n": len(latencies), "p50_ms": round(statistics.median(latencies), 2),
            "p90_ms": round(percentile(latencies, 90), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "max_ms": round(max(latencies), 2), "mean_ms": round(statistics.fmean(latencies), 2)}


def _timed_calls(base: str, calls: list[Any], concurrency: int) -> list[float]:
    """Run ``calls`` (each ``call(client) -> None``) from ``concurrency`` threads, one
    keep-alive client per thread; the latency of each call in ms."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def one(call: Any) -> float:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base, timeout=30)
            with lock:
                clients.append(client)
        start_at = time.perf_counter()
        call(client)
        return (time.perf_counter() - start_at) * 1000

    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(one, calls))
    finally:
        for client in clients:
            client.close()


WRK_SCRIPT = Path(__file__).with_name("wrk_replay.lua")


def raw_request(method: str, base: str, path: str, headers: dict[str, str] | None = None,
                body: bytes = b"") -> bytes:
    """One whole HTTP/1.1 request, as wrk sends it (keep-alive)."""
    host = base.split("://", 1)[1]
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(
        f"{k}: {v}" for k, v in (headers or {}).items())]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _wrk_calls(base: str, requests: list[bytes], target: int, concurrency: int,
               workdir: str, rate: float | None = None) -> tuple[list[float], float, int]:
    """Send ``requests`` (built beforehand, each at most once) with ``wrk`` (C, one epoll
    thread, ``concurrency`` keep-alive connections) until ``target`` responses have come;
    the latencies in ms, wrk's own CPU seconds (user + system) and how many it sent.
    ``rate`` (calls a second): each connection pauses before each call for a random time
    (exponential, mean ``concurrency / rate`` seconds), so about ``rate`` calls a second
    arrive at random moments; without it each connection sends its next call as soon as
    the last is answered (a closed loop: the server is kept saturated)."""
    if len(requests) < target + concurrency:
        raise ValueError("wrk needs a spare request per connection beyond the target")
    file = Path(workdir, "wrk-requests.bin")
    with file.open("wb") as out:
        for request in requests:
            out.write(b"%d\n" % len(request))
            out.write(request)
    proc = subprocess.Popen(
        ["wrk", "-t", "1", "-c", str(concurrency), "-d", "600s", "--timeout", "60s",
         "-s", str(WRK_SCRIPT), base, "--", str(file), str(target),
         str(concurrency * 1000 / rate if rate else 0)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # "wrk_replay: done" once target responses came (or EOF)
    # wrk's CPU for the load itself (reading the requests in, sending, receiving), before its
    # report, whose walk through the latency histogram is not part of the load
    client_cpu = cpu_seconds(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # wrk would otherwise sleep out its -d duration
    stdout, rest = proc.communicate()
    stderr = first + rest
    if proc.returncode != 0:
        raise SystemExit(f"wrk exited with {proc.returncode}: {stderr.decode()[-500:]}")
    latencies: list[float] = []
    facts: dict[str, list[int]] = {}
    for line in stdout.decode().splitlines():
        name, *values = line.split()
        if name == "lat":
            latencies += [int(values[0]) / 1000] * int(values[1])
        elif name in ("sent", "non200", "status", "errors", "pauses"):
            facts[name] = [int(v) for v in values]
    if facts.get("non200", [0])[0] or any(facts.get("errors", [0])):
        raise SystemExit(f"wrk: {facts.get('non200')} responses other than 200 (first: "
                         f"{facts.get('status')}), socket errors {facts.get('errors')}")
    global last_pauses
    drawn, total_ms = facts.get("pauses", [0, 0])
    last_pauses = (drawn, total_ms)
    return latencies, client_cpu, facts["sent"][0]


# (pauses drawn, their sum in ms) of the last ``_wrk_calls`` with a rate: how the test sees
# that the calls were spread out as asked, without timing anything
last_pauses: tuple[int, int] = (0, 0)


def _warm(base: str, path: str, key: Any, payload: bytes, workers: int) -> list[str]:
    """Warm every worker (imports, model building, first-call caches): calls from several
    connections, since each connection stays with one worker. The cards of the last call."""
    import httpx

    calls = tokens(key, base + path, 30 * workers)
    cards: list[str] = []

    def call(c: Any, token: str) -> None:
        response = c.post(path, content=payload, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response.raise_for_status()
        c.get("/cds-services").raise_for_status()
        cards[:] = [card["summary"] for card in response.json()["cards"]]

    if workers == 1:
        with httpx.Client(base_url=base, timeout=60) as client:
            for token in calls:
                call(client, token)
    else:
        _timed_calls(base, [lambda c, t=t: call(c, t) for t in calls], 4 * workers)
    return cards


NOTE = (
    "HPI: 71-year-old man admitted with community-acquired pneumonia, now day 5 on the ward. "
    "Known non-small cell lung cancer on chemotherapy. Previous DVT of the left leg in 2019. "
    "Reduced mobility, mostly in bed since admission. Denies chest pain or haemoptysis. "
    "PMH: COPD, hypertension, type 2 diabetes, chronic kidney disease stage 3. Exam: HR 92, "
    "BP 138/84 mmHg, SpO2 95% on 2 L, BMI 30.3 kg/m2. Calves soft and non-tender. "
) * 6


def note_resource(serial: int | None) -> dict[str, Any]:
    """A 3 KB admission note as a DocumentReference; ``serial`` makes its text differ."""
    import base64

    text = NOTE[:2900] + (f" Seen on ward round {serial}." if serial is not None else "")
    return {"resourceType": "DocumentReference", "id": "note-1", "status": "current",
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
            "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                        "data": base64.b64encode(text.encode()).decode()}}]}


def _server_idle(pid: int) -> float:
    """The server's CPU seconds once it has stopped working (calls a client left in flight
    are finished first): polled until two reads 0.1 s apart agree (at most 10 s)."""
    last = cpu_seconds(pid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = cpu_seconds(pid)
        if now - last < 0.002:
            return now
        last = now
    return last


def run(requests: int, seconds: float, rounds: int, honour_count: bool,
        concurrency: int = 1, workers: tuple[int, ...] = (1,),
        baseline_src: str | None = None, notes: str | None = None,
        clients: tuple[str, ...] = ("httpx",), rate: float | None = None) -> dict[str, Any]:
    path = f"/cds-services/{SERVICE}"
    prefetch_base = realistic_prefetch(datetime.now(UTC), honour_count)
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/bench", "patientId": PATIENT_ID},
            "prefetch": prefetch_base}
    serial = iter(range(10 ** 9))

    def payload_of(number: int | None) -> bytes:
        if notes is None:
            return json.dumps(body).encode()
        prefetch = dict(prefetch_base) | {"notes": _searchset([note_resource(number)])}
        return json.dumps(body | {"prefetch": prefetch}).encode()

    payload = payload_of(None)
    per_round = max(1, requests // rounds)
    specs = [("this", w, None) for w in workers] + (
        [("baseline", w, baseline_src) for w in workers] if baseline_src else [])
    server_labels = [f"{name} {w}w" for name, w, _ in specs]
    label_workers = {label: w for label, (_, w, _) in zip(server_labels, specs, strict=True)}
    labels = [f"{server} {client}" if len(clients) > 1 else server
              for server in server_labels for client in clients]
    with tempfile.TemporaryDirectory(prefix="clotwatch-cds-bench-") as tmp:
        servers: list[tuple[str, subprocess.Popen[bytes], str, Any]] = []
        measured: dict[str, list[float]] = {label: [] for label in labels}
        baseline: dict[str, list[float]] = {label: [] for label in labels}
        zero = {"patient_view": 0.0, "discovery": 0.0}
        cpu: dict[str, dict[str, float]] = {label: dict(zero) for label in labels}
        client_cpu: dict[str, dict[str, float]] = {label: dict(zero) for label in labels}
        served: dict[str, dict[str, int]] = {label: {"patient_view": 0, "discovery": 0}
                                              for label in labels}
        try:
            for i, (label, (_name, w, src)) in enumerate(zip(server_labels, specs,
                                                              strict=True)):
                data_dir = str(Path(tmp, f"server-{i}"))
                Path(data_dir).mkdir()
                key = make_key(data_dir)
                proc, port = start(data_dir, w, src, FIRST_PORT and FIRST_PORT + i)
                servers.append((label, proc, f"http://127.0.0.1:{port}", key))
            cards = [_warm(base, path, key, payload, label_workers[label])
                     for label, _, base, key in servers][0]

            def discovery(c: Any) -> None:
                c.get("/cds-services").raise_for_status()

            def body_of_call() -> bytes:
                return payload if notes != "new" else payload_of(next(serial))

            def patient_view(token: str) -> Any:
                sent = body_of_call()

                def call(c: Any) -> None:
                    response = c.post(path, content=sent, headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"})
                    if response.status_code != 200:
                        raise SystemExit(f"patient-view answered {response.status_code}: "
                                         f"{response.text[:300]}")
                return call

            def one_round(label: str, client: str, proc: subprocess.Popen[bytes], base: str,
                          key: Any) -> None:
                """Discovery then patient-view, ``per_round`` calls each, with ``client``;
                latencies, the server's CPU and the client's CPU (its own process for
                httpx, wrk's for wrk) per endpoint."""
                for endpoint in ("discovery", "patient_view"):
                    before = _server_idle(proc.pid)
                    if client == "wrk":
                        spare = per_round + concurrency
                        if endpoint == "discovery":
                            built = [raw_request("GET", base, "/cds-services")] * spare
                        else:  # every request its own fresh token (and body for notes=new)
                            built = [raw_request("POST", base, path, {
                                "Authorization": f"Bearer {t}",
                                "Content-Type": "application/json"}, body_of_call())
                                for t in tokens(key, base + path, spare)]
                        latencies, used, sent = _wrk_calls(base, built, per_round,
                                                           concurrency, tmp, rate)
                    else:
                        calls = ([discovery] * per_round if endpoint == "discovery" else
                                 [patient_view(t) for t in tokens(key, base + path,
                                                                  per_round)])
                        start_cpu = time.process_time()
                        latencies = _timed_calls(base, calls, concurrency)
                        used, sent = time.process_time() - start_cpu, per_round
                    # the calls a client left in flight at its end are served (and counted)
                    cpu[label][endpoint] += _server_idle(proc.pid) - before
                    client_cpu[label][endpoint] += used
                    served[label][endpoint] += sent
                    (baseline if endpoint == "discovery" else measured)[label] += latencies

            deadline = time.perf_counter() + seconds
            for _ in range(rounds):
                if time.perf_counter() > deadline:
                    break
                for server_label, proc, base, key in servers:
                    for client in clients:
                        label = (f"{server_label} {client}" if len(clients) > 1
                                 else server_label)
                        one_round(label, client, proc, base, key)
        finally:
            for _, proc, _, _ in servers:
                proc.terminate()
                proc.wait(timeout=20)
    prefetch = json.loads(payload)["prefetch"]
    resources = 1 + sum(len(v["entry"]) for k, v in prefetch.items() if k != "patient")
    first = labels[0]

    def part(label: str) -> dict[str, Any]:
        return {"patient_view": summary(measured[label]),
                "baseline_discovery": summary(baseline[label]),
                "cpu_ms_per_call": {k: round(v * 1000 / max(1, served[label][k]), 2)
                                    for k, v in cpu[label].items()},
                "client_cpu_ms_per_call": {
                    k: round(v * 1000 / max(1, len(measured[label])), 2)
                    for k, v in client_cpu[label].items()},
                "met": percentile(measured[label], 99) < 50}

    result: dict[str, Any] = {
        **part(first), "prefetch_resources": resources,
        "prefetch_kb": round(len(payload) / 1024, 1), "notes": notes,
        "cards": cards, "concurrency": concurrency, "rate_per_s": rate, "goal_p99_ms": 50,
        "workers": workers[0], "clients": list(clients)}
    if len(labels) > 1:
        result["by_server"] = {label: part(label) for label in labels}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000,
                        help="patient-view calls in all (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=120,
                        help="stop starting rounds after this long (default 120)")
    parser.add_argument("--ignore-count", action="store_true",
                        help="play an EHR that ignores _count: a week of hourly vitals")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="calls in flight at once, from as many threads (default 1)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], metavar="N",
                        help="server worker processes; several values: one server each, "
                        "measured in the same rounds (default 1)")
    parser.add_argument("--baseline-src", metavar="DIR",
                        help="also run each server from this checkout's src (before a change)")
    parser.add_argument("--notes", choices=("same", "new"),
                        help="a 3 KB note in the prefetch: the same on every call, or a new one")
    parser.add_argument("--database-url", metavar="URL",
                        help="the servers' store, e.g. postgresql://postgres@127.0.0.1/bench "
                        "(an empty database; default: a SQLite file per server)")
    parser.add_argument("--client", nargs="+", choices=("httpx", "wrk"), default=["httpx"],
                        help="load generator(s): httpx (threads in this process, as before) "
                        "or wrk (C, its own process; Debian package 'wrk'); several: each "
                        "measured in the same rounds (default httpx)")
    parser.add_argument("--rate", type=float, metavar="PER_S",
                        help="with --client wrk: offer about PER_S calls a second at random "
                        "moments (each connection pauses a random time before each call) "
                        "instead of a closed loop that keeps the server saturated")
    parser.add_argument("--port", type=int, metavar="FIRST",
                        help="the servers listen on FIRST, FIRST+1, ... (default: free ports)")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    if args.rate is not None and (args.rate <= 0 or set(args.client) != {"wrk"}):
        parser.error("--rate needs a positive rate and --client wrk only")
    global DATABASE_URL, FIRST_PORT
    DATABASE_URL = args.database_url
    FIRST_PORT = args.port
    result = run(args.requests, args.seconds, args.rounds, not args.ignore_count,
                 max(1, args.concurrency), tuple(max(1, w) for w in args.workers),
                 args.baseline_src, args.notes, tuple(dict.fromkeys(args.client)), args.rate)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["ehr_honours_count"] = not args.ignore_count
    result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    offered = (f"{result['concurrency']} connections offering about {args.rate:g} calls/s"
               if args.rate else f"{result['concurrency']} call(s) in flight")
    print(f"prefetch: {result['prefetch_resources']} resources, {result['prefetch_kb']} KB; "
          f"{offered}; notes: {result['notes'] or 'none'}")
    by_server = result.get("by_server") or {f"this {result['workers']}w": result}
    width = max(map(len, by_server))
    for label, part in by_server.items():
        for name, cpu_key in (("baseline_discovery", "discovery"),
                              ("patient_view", "patient_view")):
            r = part[name]
            print(f"{label:{width}s} {name:20s} n={r['n']:5d}  p50 {r['p50_ms']:7.2f} ms  "
                  f"p90 {r['p90_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  "
                  f"max {r['max_ms']:7.2f} ms  CPU server "
                  f"{part['cpu_ms_per_call'][cpu_key]:6.2f} client "
                  f"{part['client_cpu_ms_per_call'][cpu_key]:5.2f} ms/call")
        print(f"{label:{width}s} goal p99 < 50 ms: {'met' if part['met'] else 'missed'}")
    print("cards:", *result["cards"], sep="\n  ")
    print("load average (1, 5, 15 min) at the end:", *result["load_average"])


if __name__ == "__main__":
    main()
