#!/usr/bin/env python3
"""Load test of the clotwatch service against a minimal FastAPI endpoint, in the same run.

Two servers run in their own processes with the same uvicorn settings (one worker, no access
log, 127.0.0.1): the clotwatch app (``create_app`` on a temporary SQLite database, with all its
middleware) and a bare FastAPI app with one POST endpoint that parses a JSON object and returns
a small one. This process is the load generator: raw HTTP/1.1 keep-alive connections on
asyncio, so that the client costs little next to the servers.

1. Throughput: closed loop, ``--concurrency`` connections, ``--requests`` per endpoint (bounded
   by ``--seconds``), after a warm-up; rounds alternate between the endpoints and the median
   round counts. Goal: clotwatch endpoints >= 70% of the minimal endpoint's requests/s.
2. Latency at a fixed rate: ``--rate`` requests/s open loop for ``--latency-seconds``; latency
   from each request's scheduled start. Goal: p99 < 20 ms at 200 requests/s.
3. Page weight of the triage questionnaire's first page (HTML + the CSS and JS it loads).
   Goal: < 100 KB.

Usage: .venv/bin/python benchmarks/service_load.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _server import start_server  # benchmarks/ is on sys.path when a script runs

TRIAGE_BODY = {"leg_side": "left", "leg_pain": True, "cramp": False, "swelling": True,
               "warmth": True, "duration_hours": 24, "short_of_breath": False,
               "chest_pain": False, "age_years": 58}
WELLS_BODY = {"active_cancer": False, "paralysis_or_cast": False,
              "bedridden_or_major_surgery": True, "localized_tenderness": True,
              "entire_leg_swollen": False, "calf_swelling_3cm": True, "pitting_edema": True,
              "collateral_veins": False, "previous_dvt": False,
              "alternative_diagnosis_likely": False}


# --- servers ------------------------------------------------------------------------------

def minimal_app() -> Any:
    """The baseline: FastAPI with one POST endpoint and nothing else."""
    from fastapi import Body, FastAPI

    app = FastAPI()

    @app.post("/minimal")
    async def minimal(body: dict[str, Any] = Body()) -> dict[str, Any]:  # noqa: B008
        return {"ok": True, "keys": len(body)}

    return app


def clotwatch_app(data_dir: str) -> Any:
    """The real service on a fresh SQLite database."""
    from clotwatch.api import create_app
    from clotwatch.config import Settings

    return create_app(Settings(data_dir=Path(data_dir)), migrate=True)


def serve(kind: str, port: int, data_dir: str) -> None:
    """Run one server (in a child process) with the settings both servers share."""
    import logging

    import uvicorn

    app = minimal_app() if kind == "minimal" else clotwatch_app(data_dir)
    # As `clotwatch serve` does: clotwatch's access log (route templates only) is on, at INFO;
    # the parent sends it to /dev/null, so its cost is counted but not its terminal.
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning",
                server_header=False)


def start(kind: str, data_dir: str) -> tuple[subprocess.Popen[bytes], int]:
    return start_server(__file__, kind, "--serve", kind, "--data-dir", data_dir)


# --- a small HTTP/1.1 client --------------------------------------------------------------

def request_bytes(method: str, path: str, body: dict[str, Any] | None, port: int) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Connection: keep-alive\r\n")
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    return (head + "\r\n").encode() + payload


class Connection:
    """One keep-alive connection that sends a request and reads one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, raw: bytes) -> int:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"(?i)content-length: *(\d+)", head)
        if match:
            await self.reader.readexactly(int(match.group(1)))
        else:  # chunked (not expected from these endpoints)
            raise RuntimeError("response without content-length")
        return status

    def close(self) -> None:
        self.writer.close()


async def closed_loop(port: int, raw: bytes, total: int, concurrency: int,
                      seconds: float) -> dict[str, float]:
    """``total`` requests over ``concurrency`` connections as fast as they are answered."""
    conns = [await Connection.open(port) for _ in range(concurrency)]
    remaining = [total]
    errors = [0]
    deadline = time.perf_counter() + seconds

    async def worker(conn: Connection) -> int:
        done = 0
        while remaining[0] > 0 and time.perf_counter() < deadline:
            remaining[0] -= 1
            if await conn.send(raw) != 200:
                errors[0] += 1
            done += 1
        return done

    start = time.perf_counter()
    counts = await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return {"requests": sum(counts), "seconds": elapsed, "rps": sum(counts) / elapsed,
            "errors": errors[0]}


async def open_loop(port: int, raw: bytes, rate: float, seconds: float,
                    pool: int = 16) -> dict[str, float]:
    """Requests scheduled at a fixed rate; latency measured from each scheduled start."""
    conns: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        conns.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    errors = [0]
    n = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        conn = await conns.get()
        try:
            if await conn.send(raw) != 200:
                errors[0] += 1
        finally:
            conns.put_nowait(conn)
        latencies.append((time.perf_counter() - scheduled) * 1000)

    await asyncio.gather(*(one(i) for i in range(n)))
    while not conns.empty():
        conns.get_nowait().close()
    latencies.sort()
    return {"requests": n, "p50_ms": latencies[len(latencies) // 2],
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "max_ms": latencies[-1], "errors": errors[0]}


def page_weight(port: int) -> dict[str, Any]:
    """Bytes of the triage page and the static files it references."""
    import httpx

    base = f"http://127.0.0.1:{port}"
    html = httpx.get(f"{base}/en/triage").content
    assets = re.findall(rb'(?:src|href)="(/static/[^"]+)"', html)
    sizes = {"/en/triage": (len(html), len(gzip.compress(html)))}
    for path in assets:
        body = httpx.get(base + path.decode()).content
        sizes[path.decode()] = (len(body), len(gzip.compress(body)))
    return {"files": sizes, "total": sum(s for s, _ in sizes.values()),
            "total_gzip": sum(g for _, g in sizes.values())}


# --- main ---------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", choices=["minimal", "clotwatch"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=4000, help="per endpoint per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20, help="cap per endpoint per round")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.data_dir)
        return
    if args.quick:
        args.requests, args.rounds, args.latency_seconds = 500, 1, 2
    with tempfile.TemporaryDirectory(prefix="clotwatch-bench-") as data_dir:
        minimal, minimal_port = start("minimal", data_dir)
        full, full_port = start("clotwatch", data_dir)
        try:
            figures = asyncio.run(measure(args, minimal_port, full_port))
            figures["page_weight"] = page_weight(full_port)
        finally:
            for proc in (minimal, full):
                proc.terminate()
                proc.wait(timeout=10)
    figures["machine"] = {"cpus": os.cpu_count(), "load": os.getloadavg(),
                          "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        report(figures)


async def measure(args: argparse.Namespace, minimal_port: int,
                  full_port: int) -> dict[str, Any]:
    endpoints = {
        "minimal POST /minimal": request_bytes("POST", "/minimal", TRIAGE_BODY, minimal_port),
        "POST /api/v1/triage": request_bytes("POST", "/api/v1/triage", TRIAGE_BODY, full_port),
        "POST /api/v1/instruments/wells-dvt/evaluate": request_bytes(
            "POST", "/api/v1/instruments/wells-dvt/evaluate", WELLS_BODY, full_port),
    }
    ports = {name: (minimal_port if name.startswith("minimal") else full_port)
             for name in endpoints}
    for name, raw in endpoints.items():  # warm-up
        await closed_loop(ports[name], raw, 300, args.concurrency, 10)
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in endpoints}
    for _ in range(args.rounds):
        for name, raw in endpoints.items():
            rounds[name].append(await closed_loop(ports[name], raw, args.requests,
                                                  args.concurrency, args.seconds))
    throughput = {name: {"rps_median": statistics.median(r["rps"] for r in rs),
                         "rounds": rs} for name, rs in rounds.items()}
    latency = {name: await open_loop(ports[name], raw, args.rate, args.latency_seconds)
               for name, raw in endpoints.items()}
    return {"throughput": throughput, "latency": latency,
            "settings": {k: getattr(args, k) for k in ("requests", "rounds", "concurrency",
                                                         "rate", "latency_seconds")}}


def report(f: dict[str, Any]) -> None:
    base = f["throughput"]["minimal POST /minimal"]["rps_median"]
    print(f"settings: {f['settings']}  machine: {f['machine']}")
    print("\n| Endpoint | req/s (median of rounds) | vs minimal | p50 @ rate | p99 @ rate |"
          " errors |\n|---|---|---|---|---|---|")
    for name, t in f["throughput"].items():
        lat = f["latency"][name]
        errors = sum(r["errors"] for r in t["rounds"]) + lat["errors"]
        print(f"| {name} | {t['rps_median']:.0f} | {t['rps_median'] / base:.0%} | "
              f"{lat['p50_ms']:.1f} ms | {lat['p99_ms']:.1f} ms | {errors} |")
    pw = f["page_weight"]
    print(f"\nTriage page weight: {pw['total'] / 1024:.1f} KB "
          f"({pw['total_gzip'] / 1024:.1f} KB gzipped)")
    for path, (size, gz) in pw["files"].items():
        print(f"  {path}: {size} bytes ({gz} gzipped)")


if __name__ == "__main__":
    main()
