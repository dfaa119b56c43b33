#!/usr/bin/env python3
"""CPU per CDS Hooks ``patient-view`` call in process, tree against tree, alternating rounds.

The HTTP benchmark (``cds_patient_view.py``) gives latencies and the server's CPU from
``/proc``; on a machine shared with other work its wall-clock figures move with the load.
This one measures the CPU time (``time.process_time``: every thread of the process) that the
app spends per call, with nothing else in its process: each round starts a fresh process per
tree (``--src DIR``, e.g. a checkout of main's ``src`` and this branch's), builds the app
(``create_app``, SQLite store in a temporary directory, a trust file with an ES384 key made
for the run), signs every token beforehand, warms up, then drives the ASGI app directly (no
sockets, no HTTP parser: the same middleware, routing, thread pool, token check with its
``jti`` write in the store, body parse, reading, derivation, scores and cards) with
``--concurrency`` calls in flight, as uvicorn would hand them over. Discovery is measured the
same way in the same process, as the baseline. Trees alternate round by round, so both meet
the same machine load.

Usage: .venv/bin/python benchmarks/cds_cpu.py --src /tmp/cds-base/src src [--calls 300]
       [--rounds 3] [--concurrency 20] [--json]
       (``--profile FILE``: cProfile stats of the measured calls, the thread pool run
       inline so that every frame is seen; shares, not times, are the figures to read)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BASE = "http://127.0.0.1:8000"
PATH = "/cds-services/clotwatch-vte-risk"


async def _asgi(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]],
                body: bytes = b"") -> tuple[int, bytes]:
    """One request through an ASGI app: (status, body)."""
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
             "http_version": "1.1", "method": method, "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), *headers],
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {}}
    given = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _drive(app: Any, requests: list[tuple[str, list[tuple[bytes, bytes]], bytes]],
                 concurrency: int) -> list[bytes]:
    """Send ``requests`` with ``concurrency`` in flight (a closed loop); the bodies."""
    queue = iter(enumerate(requests))
    out: list[bytes] = [b""] * len(requests)

    async def lane() -> None:
        for index, (method, headers, body) in queue:
            status, answer = await _asgi(app, method, PATH if method == "POST" else
                                         "/cds-services", headers, body)
            if status != 200:
                raise SystemExit(f"{method} answered {status}: {answer[:300]!r}")
            out[index] = answer
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return out


def _without_ids(value: Any) -> Any:
    """A card (or anything in one) without its ``uuid`` values, which are new on every call."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "uuid"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def child(calls: int, concurrency: int, profile: str | None, at: int) -> dict[str, Any]:
    """In a fresh process whose ``sys.path`` starts with the tree's ``src``; ``at``: the
    moment (seconds since the epoch) the prefetch, the tokens and the app's clock all take as
    now, so that every tree and round gets the same calls and should give the same cards."""
    import cds_patient_view as bench  # benchmarks/ is on sys.path

    import clotwatch
    from clotwatch.api.app import create_app
    from clotwatch.config import load_settings

    tmp = tempfile.mkdtemp(prefix="clotwatch-cds-cpu-")
    key = bench.make_key(tmp)
    os.environ.update(CLOTWATCH_DATA_DIR=tmp,
                      CLOTWATCH_CDS_TRUST_FILE=str(Path(tmp, "trust.json")),
                      CLOTWATCH_CDS_BASE_URL=BASE, CLOTWATCH_LOG_LEVEL="warning")
    now = datetime.fromtimestamp(at, UTC)
    app = create_app(load_settings(), migrate=True, clock=lambda: now)
    try:  # what `clotwatch serve` does before the first call, in a tree that has it
        from clotwatch.api.server import prepare_process
    except ImportError:
        pass
    else:
        prepare_process()
    body = json.dumps({"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                       "context": {"userId": "Practitioner/bench",
                                   "patientId": bench.PATIENT_ID},
                       "prefetch": bench.realistic_prefetch(now)}).encode()
    warm = 40
    import jwt

    signed = [jwt.encode({"iss": bench.EHR, "aud": BASE + PATH, "iat": at, "exp": at + 290,
                          "jti": str(uuid.uuid4())}, key, algorithm="ES384",
                         headers={"kid": "bench", "typ": "JWT"}) for _ in range(warm + calls)]
    kind = [(b"content-type", b"application/json")]
    posts = [("POST", [(b"authorization", f"Bearer {t}".encode()), *kind], body)
             for t in signed]
    gets: list[tuple[str, list[tuple[bytes, bytes]], bytes]] = [("GET", [], b"")] * calls

    async def main() -> dict[str, Any]:
        first = await _drive(app, posts[:warm] + gets[:warm], concurrency)
        cards = json.loads(first[0])["cards"]
        # the whole cards but their fresh ids, to compare trees (same prefetch, same cards)
        same = json.dumps(_without_ids(cards), sort_keys=True)
        out: dict[str, Any] = {"clotwatch": str(Path(clotwatch.__file__).parent.parent),
                               "summaries": [c["summary"] for c in cards],
                               "cards_sha256": hashlib.sha256(same.encode()).hexdigest()}
        prof = None
        if profile:  # the thread pool run inline, so that cProfile sees every frame
            import cProfile

            import fastapi.dependencies.utils
            import fastapi.routing

            async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
                return func(*args, **kwargs)

            # the name each module imported from starlette (not re-exported)
            fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[attr-defined]
            fastapi.routing.run_in_threadpool = inline  # type: ignore[attr-defined]
            import clotwatch.api.cds_hooks as hooks  # its own name for the pool, if it has one
            if hasattr(hooks, "run_in_threadpool"):
                hooks.run_in_threadpool = inline
            prof = cProfile.Profile()
            prof.enable()
        collections: dict[int, list[float]] = {0: [], 1: [], 2: []}
        started: list[float] = []

        def collected(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                started[:] = [time.perf_counter()]
            elif started:
                collections[info["generation"]].append(time.perf_counter() - started[0])

        gc.callbacks.append(collected)
        for name, requests in (("discovery", gets), ("patient_view", posts[warm:])):
            for times in collections.values():
                times.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            await _drive(app, requests, concurrency)
            out[name] = {"cpu_ms": (time.process_time() - cpu) * 1000 / calls,
                         "wall_ms": (time.perf_counter() - wall) * 1000 / calls,
                         # garbage collections during the calls: how many of each
                         # generation, and their time per call
                         "gc": {str(g): len(t) for g, t in collections.items()},
                         "gc_ms": sum(map(sum, collections.values())) * 1000 / calls}
        gc.callbacks.remove(collected)
        if prof is not None and profile is not None:
            prof.disable()
            prof.dump_stats(profile)
        return out

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", nargs="+", default=[""],
                        help="each tree's src directory (default: the installed clotwatch)")
    parser.add_argument("--calls", type=int, default=300, help="calls per endpoint per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--profile", metavar="FILE", help="cProfile stats of one tree's round")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--at", type=int, default=int(time.time()), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.calls, args.concurrency, args.profile, args.at)))
        return
    results: dict[str, list[dict[str, Any]]] = {src: [] for src in args.src}
    for _ in range(args.rounds):
        for src in args.src:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (src, str(HERE)) if p)
            argv = [sys.executable, __file__, "--child", "--at", str(args.at),
                    "--calls", str(args.calls),
                    "--concurrency", str(args.concurrency)]
            if args.profile:
                argv += ["--profile", args.profile]
            done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{src or 'installed'}: {done.stderr[-2000:]}")
            results[src].append(json.loads(done.stdout.splitlines()[-1]))
    load = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps({"results": results, "load_average": load}, indent=1))
        return
    digests = {r["cards_sha256"] for rs in results.values() for r in rs}
    for src, rounds in results.items():
        pv = [r["patient_view"]["cpu_ms"] for r in rounds]
        dv = [r["discovery"]["cpu_ms"] for r in rounds]
        gcs = [r["patient_view"]["gc_ms"] for r in rounds]
        print(f"{src or 'installed'} ({rounds[0]['clotwatch']}): CPU ms per call, "
              f"patient-view {' / '.join(f'{x:.2f}' for x in pv)} "
              f"(median {statistics.median(pv):.2f}); discovery "
              f"{' / '.join(f'{x:.2f}' for x in dv)} (median {statistics.median(dv):.2f}); "
              f"GC ms per patient-view call {' / '.join(f'{x:.2f}' for x in gcs)}")
    print("the same cards (all but their ids) in every tree and round:", len(digests) == 1)
    print("load average (1, 5, 15 min) at the end:", *load)


if __name__ == "__main__":
    main()
