#!/usr/bin/env python3
"""Follow-up under load: the worklist and the check-in, against a minimal endpoint in the same run.

1. Seeds a fresh SQLite database (or ``--database-url``) with ``--patients`` patients of one
   clinic and ``--days`` days of daily check-ins each, plus an open alert for one patient in ten
   (bulk inserts; the rows are what the service writes).
2. Starts the clotwatch app and a bare FastAPI app (one GET returning a small JSON object) in
   their own processes (one uvicorn worker each, no access log, 127.0.0.1).
3. This process is the load: ``--clients`` threads with keep-alive connections, each request
   timed. Per endpoint: requests, p50, p95, p99.
   - the worklist (``GET /api/v1/followup/worklist?limit=50``, the clinician's token);
   - a check-in (``POST /api/v1/followup/checkins``, a random patient's token): one transaction
     with the alert rules and the audit row;
   - the minimal endpoint, the same number of requests.
4. Alert evaluation per check-in, in process, as the check-in transaction pays it:
   ``clotwatch.service.rules.evaluate`` with 60 earlier stored check-ins (turning the stored rows
   into the core's ``CheckIn``s, then ``clotwatch.core.followup.evaluate``); the core's
   ``evaluate`` alone on the same, already converted, check-ins; and the baseline in the same
   run, the triage decision alone (``apply_rules``) on the same answers. ``--evaluation-only``
   runs this part alone (seconds, no servers).

The issue's full size is ``--patients 10000 --days 90`` (900,000 check-ins; seeding takes
minutes). Usage: .venv/bin/python benchmarks/followup_load.py [--patients N] [--days D]
[--clients C] [--requests R] [--evaluation-only] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _server import start_server  # benchmarks/ is on sys.path when a script runs

NOW = datetime.now(UTC).replace(microsecond=0)
SIGNS = {"short_of_breath": False, "chest_pain": False, "coughing_blood": False,
         "fainting": False, "cold_pale_numb_leg": False, "fast_heartbeat": False}


def seed(url: str, patients: int, days: int) -> dict[str, Any]:
    """Fill the database; returns the clinician's token and some patients' tokens."""
    from argon2 import PasswordHasher
    from sqlalchemy import insert

    from clotwatch.service import accounts, followup
    from clotwatch.store import open_store, upgrade
    from clotwatch.store.followup_models import Alert, CheckIn, Enrolment, User

    upgrade(url)
    store = open_store(url)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("benchmark pw!")
    clinic = followup.create_clinic(store, "Benchmark clinic", NOW)
    start = (NOW - timedelta(days=days)).date()
    with store.session() as session:
        nurse = accounts.create_user(session, email="nurse@example.org", password="x" * 12,
                                     name="Nurse", now=NOW)
        followup.add_staff(session, clinic.id, nurse, "clinician")
        clinician_token = accounts.create_api_token(session, nurse, "bench",
                                                    frozenset(accounts.SCOPES), NOW)
    rng = random.Random(12)
    tokens = []
    batch = 500
    for first in range(0, patients, batch):
        ids = range(first, min(first + batch, patients))
        with store.session() as session:
            session.execute(insert(User), [
                {"email": f"p{i}@example.org", "display_name": f"Patient {i}",
                 "password_hash": cheap, "lang": "en", "timezone": "UTC", "failed_signins": 0,
                 "created_at": NOW} for i in ids])
            users = {u.email: u.id for u in session.query(User).filter(
                User.email.in_([f"p{i}@example.org" for i in ids]))}
            session.execute(insert(Enrolment), [
                {"patient_id": users[f"p{i}@example.org"], "clinic_id": clinic.id,
                 "programme_id": "after_vte", "start_date": start.isoformat(),
                 "started_at": NOW - timedelta(days=days),
                 "last_checkin_at": NOW - timedelta(days=1, hours=i % 24)} for i in ids])
            rows = []
            for i in ids:
                for d in range(days):
                    left = round(35 + rng.random(), 1)
                    rows.append({
                        "patient_id": users[f"p{i}@example.org"],
                        "at": NOW - timedelta(days=days - d, hours=rng.random() * 4),
                        "answers": dict(SIGNS), "warning_sign": False, "calf_left_cm": left,
                        "calf_right_cm": round(left - rng.random(), 1), "leg_pain": 1,
                        "doses_taken": 2, "doses_missed": 0, "villalta_symptoms": {},
                    })
            session.execute(insert(CheckIn), rows)
            session.execute(insert(Alert), [
                {"patient_id": users[f"p{i}@example.org"], "clinic_id": clinic.id,
                 "rule_id": "missed_doses", "severity": "soon", "urgency": 2, "status": "open",
                 "open_key": f"{users[f'p{i}@example.org']}:{clinic.id}:missed_doses",
                 "reason": {}, "opened_at": NOW - timedelta(hours=i % 48)}
                for i in ids if i % 10 == 0])
            for i in list(ids)[:5]:
                user = session.get(User, users[f"p{i}@example.org"])
                assert user is not None
                tokens.append(accounts.create_api_token(
                    session, user, "bench", frozenset({"checkins:write"}), NOW))
    # Bulk-loaded tables have no planner statistics until autovacuum gets to them: gather them
    # now, as a database that grew by use would have them.
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    store.dispose()
    return {"clinician": clinician_token, "patients": tokens}


def serve(kind: str, port: int, url: str) -> None:
    """Run one server (in a child process)."""
    import uvicorn
    from fastapi import FastAPI

    app: FastAPI
    if kind == "minimal":
        app = FastAPI()

        @app.get("/minimal")
        async def minimal() -> dict[str, Any]:
            return {"ok": True}
    else:
        from pydantic import SecretStr

        from clotwatch.api import create_app
        from clotwatch.config import Settings

        app = create_app(Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url,
                                  secret_key=SecretStr("benchmark-secret-key-0123456789")))
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def load(base: str, requests: int, clients: int, make: Any) -> list[float]:
    """``requests`` requests from ``clients`` threads; each request's latency in ms."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                method, path, kwargs = make(n)
                t0 = time.perf_counter()
                response = client.request(method, path, **kwargs)
                elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code >= 400:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def summary(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "p50_ms": round(cuts[49], 1),
            "p95_ms": round(cuts[94], 1), "p99_ms": round(cuts[98], 1)}


def evaluation_per_checkin(repeat: int = 5, number: int | None = None) -> dict[str, float]:
    """Microseconds (median of ``repeat`` timeit runs of ``number`` calls, default timeit's
    autorange) per check-in with 60 earlier ones: the service's evaluation, the core's alone,
    and triage alone (the baseline)."""
    import timeit

    from clotwatch import followup as core
    from clotwatch.core.triage.rules import apply_rules
    from clotwatch.service import rules

    signs = {**SIGNS, "fast_heartbeat": False}   # every warning sign answered "no"
    enrolment = rules.EnrolmentFacts("after_vte", (NOW - timedelta(days=120)).date(), "UTC",
                                     None, None, NOW - timedelta(days=120))
    history = [{"id": i, "at": (NOW - timedelta(days=60 - i)).isoformat(), "answers": signs,
                "calf_left_cm": 35.0, "calf_right_cm": 34.5, "leg_pain": 1, "doses_missed": 0,
                "villalta_symptoms": {}, "warning_sign": False} for i in range(60)]
    current = {**history[-1], "id": 99, "at": NOW.isoformat(), "calf_left_cm": 38.5}
    schedule = rules.schedule(enrolment)
    converted = [rules.core_checkin(h) for h in history]
    new = rules.core_checkin(current)
    assert {d.rule_id for d in rules.evaluate(enrolment, current, history, {}, NOW)} >= {
        "calf_difference"}   # the 4 cm difference opens an alert: the rules really ran
    cases = {
        "service rules.evaluate (60 stored rows)":
            lambda: rules.evaluate(enrolment, current, history, {}, NOW),
        "core evaluate (60 CheckIns)":
            lambda: core.evaluate(schedule, new, converted, {}, NOW, enrolment.enrolled_at),
        "baseline: triage apply_rules": lambda: apply_rules(dict(signs)),
    }
    out = {}
    for name, fn in cases.items():
        timer = timeit.Timer(fn)
        calls = number or timer.autorange()[0]
        out[name] = round(statistics.median(timer.repeat(repeat, calls)) / calls * 1e6, 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--evaluation-only", action="store_true",
                        help="only the in-process alert evaluation per check-in (step 4)")
    parser.add_argument("--serve", choices=["clotwatch", "minimal"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.url)
        return 0
    if args.evaluation_only:
        figures = evaluation_per_checkin()
        if args.json:
            print(json.dumps({"evaluation_us_per_checkin": figures}, indent=1))
        else:
            for name, us in figures.items():
                print(f"{name}: {us} us")
        return 0
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/followup-bench.sqlite3"
    t0 = time.perf_counter()
    tokens = seed(url, args.patients, args.days)
    seeded = time.perf_counter() - t0
    script = os.path.abspath(__file__)
    app, app_port = start_server(script, "clotwatch", "--serve", "clotwatch", "--url", url)
    base, base_port = start_server(script, "minimal", "--serve", "minimal")
    try:
        auth = {"Authorization": f"Bearer {tokens['clinician']}"}
        patients = [{"Authorization": f"Bearer {t}"} for t in tokens["patients"]]
        base_url, app_url = f"http://127.0.0.1:{base_port}", f"http://127.0.0.1:{app_port}"
        load(app_url, 20, 2, lambda n: ("GET", "/api/v1/followup/worklist?limit=50",
                                        {"headers": auth}))  # warm-up
        results = {
            "minimal": summary(load(base_url, args.requests, args.clients,
                                    lambda n: ("GET", "/minimal", {}))),
            "worklist": summary(load(app_url, args.requests, args.clients,
                                     lambda n: ("GET", "/api/v1/followup/worklist?limit=50",
                                                {"headers": auth}))),
            "checkin": summary(load(app_url, args.requests, args.clients, lambda n: (
                "POST", "/api/v1/followup/checkins",
                {"headers": patients[n % len(patients)],
                 "json": {"warning_signs": SIGNS, "calf_left_cm": 36, "calf_right_cm": 35.5,
                          "doses_missed": 0, "leg_pain": 1}}))),
        }
    finally:
        for proc in (app, base):
            proc.terminate()
            proc.wait(timeout=10)
    report = {"patients": args.patients, "days": args.days,
              "checkins": args.patients * args.days, "seed_seconds": round(seeded, 1),
              "clients": args.clients, **results,
              "evaluation_us_per_checkin": evaluation_per_checkin()}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
