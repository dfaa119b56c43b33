#!/usr/bin/env python3
"""Step-sample ingest through ``POST /api/v1/activity``, against a minimal endpoint in the same run.

The issue's size is 1,000 patients x 90 days of minute-level samples (129.6 million samples).
Each request is what a phone app sends once a day: one day of one patient, 1,440 one-minute
samples (about 150 KB of JSON). The run:

1. Seeds a fresh database (``--database-url``, default a temporary PostgreSQL database on
   127.0.0.1:5432 if one answers, else a temporary SQLite file) with ``--patients`` enrolled
   patients, each with an ``activity:write`` token (bulk inserts).
2. Starts the clotwatch app and a bare FastAPI app in their own processes (one uvicorn worker
   each, no access log, 127.0.0.1). The minimal endpoint takes the same bodies, parses the
   JSON and answers with the number of samples: what any endpoint must do, nothing more.
3. This process is the load: ``--clients`` threads with keep-alive connections post every day
   of every patient (``--patients`` x ``--days`` requests) to each server, minimal first. The
   bodies are built before the clock starts (one per day, shared by the patients).
4. Reports requests/s, samples/s, latency, and what the full 1,000 x 90 would take at the
   measured rate (linear; the store's unique index grows with the table, which this does not
   model: it is said with the figures).

``--profile`` instead runs the request path in process (no servers) under cProfile for a few
batches and prints where the time goes.

Usage: .venv/bin/python benchmarks/activity_ingest.py [--patients N] [--days D] [--clients C]
[--database-url URL] [--json] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _server import start_server  # benchmarks/ is on sys.path when a script runs

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
MINUTES = 1440
FULL_PATIENTS, FULL_DAYS = 1000, 90


def day_body(day: int, days: int) -> bytes:
    """One day of one-minute samples from a watch, ``days - day`` days before NOW's date."""
    start = datetime.combine((NOW - timedelta(days=days - day)).date(), datetime.min.time(),
                             UTC)
    samples = []
    for minute in range(MINUTES):
        at = start + timedelta(minutes=minute)
        steps = 0 if minute < 7 * 60 or minute >= 23 * 60 else (minute * 37 + day) % 90
        samples.append({"source": "Benchmark Watch", "kind": "watch",
                        "start": at.isoformat(), "end": (at + timedelta(minutes=1)).isoformat(),
                        "steps": steps})
    return json.dumps({"samples": samples}).encode()


def postgres_url() -> str | None:
    """A new empty PostgreSQL database on 127.0.0.1:5432, or None if none answers."""
    try:
        import psycopg
    except ImportError:
        return None
    name = f"clotwatch_ingest_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str, patients: int) -> list[str]:
    """Enrolled patients, each with an ``activity:write`` token; returns the tokens."""
    from argon2 import PasswordHasher
    from sqlalchemy import insert, select

    from clotwatch.service import accounts, followup
    from clotwatch.store import open_store, upgrade
    from clotwatch.store.followup_models import Enrolment, User

    upgrade(url)
    store = open_store(url)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("benchmark pw!")
    clinic = followup.create_clinic(store, "Benchmark clinic", NOW)
    tokens = []
    with store.session() as session:
        emails = [f"p{i}@example.org" for i in range(patients)]
        session.execute(insert(User), [
            {"email": e, "display_name": e, "password_hash": cheap, "lang": "en",
             "timezone": "UTC", "failed_signins": 0, "created_at": NOW} for e in emails])
        users = list(session.scalars(select(User).where(User.email.in_(emails))))
        session.execute(insert(Enrolment), [
            {"patient_id": u.id, "clinic_id": clinic.id, "programme_id": "after_vte",
             "start_date": (NOW - timedelta(days=120)).date().isoformat(),
             "started_at": NOW - timedelta(days=120)} for u in users])
        for user in users:
            tokens.append(accounts.create_api_token(session, user, "bench",
                                                    frozenset({"activity:write"}), NOW))
    store.dispose()
    return tokens


def serve(kind: str, port: int, url: str) -> None:
    """Run one server (in a child process)."""
    import uvicorn
    from fastapi import FastAPI

    app: FastAPI
    if kind == "minimal":
        from fastapi import Body

        app = FastAPI()

        @app.post("/minimal")
        async def minimal(body: dict[str, Any] = Body()) -> dict[str, Any]:  # noqa: B008
            return {"received": len(body["samples"])}
    else:
        from pydantic import SecretStr

        from clotwatch.api import create_app
        from clotwatch.config import Settings

        app = create_app(Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url,
                                  secret_key=SecretStr("benchmark-secret-key-0123456789")))
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def load(base: str, path: str, jobs: list[tuple[dict[str, str], bytes]], clients: int,
         check: Any) -> tuple[float, list[float]]:
    """Post every job from ``clients`` threads; wall seconds and each request's ms."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()
    queue = iter(jobs)
    failure: list[str] = []

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while not failure:
                with lock:
                    job = next(queue, None)
                if job is None:
                    return
                headers, body = job
                t0 = time.perf_counter()
                response = client.post(path, content=body, headers={
                    **headers, "Content-Type": "application/json"})
                elapsed = (time.perf_counter() - t0) * 1000
                problem = check(response)
                with lock:
                    if problem:
                        failure.append(problem)
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0
    if failure:
        raise SystemExit(f"{path}: {failure[0]}")
    return wall, latencies


def figures(wall: float, latencies: list[float], samples: int) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "seconds": round(wall, 1),
            "requests_per_s": round(len(latencies) / wall, 1),
            "samples_per_s": round(samples / wall),
            "p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1)}


def profile(url: str, batches: int) -> None:
    """The request's work in process (no HTTP), stage by stage, then under cProfile: parsing
    and validating the body as FastAPI does, checking the batch, storing it."""
    import cProfile
    import pstats

    from clotwatch.api.activity import BatchIn
    from clotwatch.core.activity import Sample
    from clotwatch.service import accounts, activity
    from clotwatch.store import open_store

    tokens = seed(url, batches * 2)
    bodies = [day_body(d, batches) for d in range(batches)]
    store = open_store(url)
    with store.session() as session:
        actors = [accounts.token_principal(session, t, NOW) for t in tokens]
    stages = {"json + pydantic": 0.0, "to Sample": 0.0, "check_batch": 0.0, "store": 0.0}

    def one(actor: Any, body: bytes) -> None:
        t0 = time.perf_counter()
        batch = BatchIn.model_validate(json.loads(body))
        t1 = time.perf_counter()
        samples = [Sample(s.source, s.kind, s.start, s.end, s.steps) for s in batch.samples]
        t2 = time.perf_counter()
        activity.check_batch(samples)
        t3 = time.perf_counter()
        activity.store_samples(store, actor, samples, NOW)
        t4 = time.perf_counter()
        for name, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            stages[name] += seconds

    for n, body in enumerate(bodies):
        one(actors[n], body)
    total = sum(stages.values())
    print(f"{batches} batches of {MINUTES} samples, {total / batches * 1000:.0f} ms a batch:")
    for name, seconds in stages.items():
        print(f"  {name:16s} {seconds / batches * 1000:7.1f} ms  {seconds / total:5.1%}")
    profiler = cProfile.Profile()
    profiler.enable()
    for n, body in enumerate(bodies):
        one(actors[batches + n], body)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database-url", help="default: a temporary PostgreSQL database, "
                        "else a temporary SQLite file")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="in process, under cProfile")
    parser.add_argument("--serve", choices=["clotwatch", "minimal"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.url)
        return 0
    made_pg = None if args.database_url else postgres_url()
    url = args.database_url or made_pg or \
        f"sqlite:///{tempfile.mkdtemp()}/activity-ingest.sqlite3"
    try:
        if args.profile:
            profile(url, 12)
            return 0
        return run(args, url)
    finally:
        if made_pg:
            drop_postgres(made_pg)


def run(args: argparse.Namespace, url: str) -> int:
    t0 = time.perf_counter()
    tokens = seed(url, args.patients)
    seeded = time.perf_counter() - t0
    bodies = [day_body(d, args.days) for d in range(args.days)]
    jobs = [({"Authorization": f"Bearer {token}"}, body) for token in tokens for body in bodies]
    samples = len(jobs) * MINUTES
    script = os.path.abspath(__file__)
    app, app_port = start_server(script, "clotwatch", "--serve", "clotwatch", "--url", url)
    base, base_port = start_server(script, "minimal", "--serve", "minimal")

    def stored_all(response: Any) -> str | None:
        if response.status_code != 200:
            return f"{response.status_code} {response.text[:200]}"
        answer = response.json()
        if answer.get("received") != MINUTES or answer.get("stored", MINUTES) != MINUTES:
            return f"unexpected answer {answer}"
        return None

    try:
        minimal = figures(*load(f"http://127.0.0.1:{base_port}", "/minimal", jobs,
                                args.clients, stored_all), samples)
        load_before = os.getloadavg()[0]
        clotwatch = figures(*load(f"http://127.0.0.1:{app_port}", "/api/v1/activity", jobs,
                                  args.clients, stored_all), samples)
        # The same batches again: all duplicates (the idempotent path).
        again = figures(*load(f"http://127.0.0.1:{app_port}", "/api/v1/activity",
                              jobs[: max(1, len(jobs) // 5)], args.clients,
                              lambda r: None if r.status_code == 200 else r.text[:200]),
                        max(1, len(jobs) // 5) * MINUTES)
    finally:
        for proc in (app, base):
            proc.terminate()
            proc.wait(timeout=10)
    full_samples = FULL_PATIENTS * FULL_DAYS * MINUTES
    report = {
        "database": url.split(":", 1)[0], "patients": args.patients, "days": args.days,
        "requests": len(jobs), "samples": samples, "clients": args.clients,
        "seed_seconds": round(seeded, 1), "minimal": minimal, "clotwatch": clotwatch,
        "clotwatch_resent": again,
        "clotwatch_vs_minimal": round(clotwatch["samples_per_s"] / minimal["samples_per_s"], 3),
        "full_size_hours_at_this_rate": round(full_samples / clotwatch["samples_per_s"] / 3600,
                                              1),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
