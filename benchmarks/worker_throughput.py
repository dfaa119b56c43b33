"""Notifications per second through ``clotwatch worker`` against a bare SMTP send loop.

Both sides send the same number of plain-text emails over one SMTP connection to the same local
aiosmtpd server, in the same run. The bare loop only builds and sends; the worker also claims
each batch (conditional UPDATE on SQLite, SKIP LOCKED on PostgreSQL), renews the lease before
each send, renders the message from the catalogue and marks it sent in its own transaction:
the price of "never twice, never lost".

    .venv/bin/python benchmarks/worker_throughput.py [-n 2000] [--batch 100]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import smtplib
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any


class Counter:
    def __init__(self) -> None:
        self.n = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.n += 1
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bare_loop(port: int, n: int) -> float:
    start = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for i in range(n):
        mail = EmailMessage()
        mail["From"] = "clotwatch@clinic.example"
        mail["To"] = f"patient{i}@example.org"
        mail["Subject"] = "Time for your check-in"
        mail.set_content(f"It is time for your clotwatch check-in: https://clinic.example/c/{i}")
        smtp.send_message(mail)
    smtp.quit()
    return time.perf_counter() - start


def worker_run(url: str, port: int, n: int, batch: int) -> tuple[float, float]:
    from sqlalchemy import text

    from clotwatch.store import open_store, upgrade
    from clotwatch.worker import outbox
    from clotwatch.worker.channels import EmailChannel
    from clotwatch.worker.runner import Worker

    upgrade(url)
    store = open_store(url)
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM outbox"))
    now = datetime.now(UTC) - timedelta(seconds=1)
    start = time.perf_counter()
    with store.session() as s:
        for i in range(n):
            outbox.enqueue(s, "email", f"patient{i}@example.org", "notify.reminder",
                           {"link": f"https://clinic.example/c/{i}"}, now, f"bench:{i}",
                           now=now)
    enqueue_s = time.perf_counter() - start
    channel = EmailChannel("127.0.0.1", port, "clotwatch@clinic.example", security="none")
    worker = Worker(store, {"email": channel}, batch=batch)
    start = time.perf_counter()
    sent = 0
    while sent < n:
        stats = worker.run_once()
        if stats.claimed == 0:
            break
        sent += stats.sent
    elapsed = time.perf_counter() - start
    store.dispose()
    assert sent == n, f"sent {sent} of {n}"
    return elapsed, enqueue_s


def main() -> int:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    counter = Counter()
    port = _port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            bare = bare_loop(port, args.n)
            worker, enqueue_s = worker_run(url, port, args.n, args.batch)
    finally:
        controller.stop()
    out = {"n": args.n, "batch": args.batch, "database": url.split(":")[0],
           "bare_per_second": args.n / bare, "worker_per_second": args.n / worker,
           "enqueue_per_second": args.n / enqueue_s, "ratio": worker / bare,
           "received": counter.n, "python": platform.python_version()}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{args.n} emails, batch {args.batch}, {out['database']}, Python {out['python']}")
        print(f"  bare smtplib loop : {out['bare_per_second']:8.0f} /s")
        print(f"  clotwatch worker  : {out['worker_per_second']:8.0f} /s "
              f"(time ratio {out['ratio']:.2f})")
        print(f"  enqueue           : {out['enqueue_per_second']:8.0f} /s (one transaction)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
