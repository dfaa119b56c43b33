"""``clotwatch serve``: apply the database migrations, then run the web service."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    """Add the ``serve`` sub-command."""
    p = sub.add_parser(
        "serve",
        help="run the web app and REST API (default http://127.0.0.1:8000)",
        description="Apply the database migrations, then serve the web pages and the REST API. "
        "With no configuration: SQLite in your data directory, http://127.0.0.1:8000. "
        "DATABASE_URL switches to PostgreSQL; see docs/service.md for every setting.",
    )
    p.add_argument("--host", help="address to listen on (default: CLOTWATCH_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: CLOTWATCH_PORT or 8000)")
    p.add_argument("--workers", type=_workers, default=1, metavar="N",
                   help="worker processes (default 1). Several share one port and one "
                   "database; the CDS token replay cache and the rate limits are kept in the "
                   "database, so they hold across workers. With SQLite the workers' writes "
                   "take turns on one file; PostgreSQL (DATABASE_URL) suits heavier use")
    p.add_argument("--no-migrate", action="store_true",
                   help="do not apply migrations at start (run `clotwatch db upgrade` yourself)")
    p.set_defaults(handler=_run)


# Seconds a worker may take to answer the supervisor's ping before it is replaced (see main).
WORKER_HEALTHCHECK_S = 30


def _workers(value: str) -> int:
    """``--workers``: a whole number from 1 to 64, or a one-line error naming the option."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"{n} is out of range: give 1 to 64 worker processes")
    return n


def _run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from clotwatch.api import create_app
    from clotwatch.api.deps import utc_now
    from clotwatch.config import load_settings
    from clotwatch.errors import ConfigError, StoreError
    from clotwatch.service import assessments

    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        print(f"clotwatch: error: {exc}", file=sys.stderr)
        return 2
    taken = port_taken(settings.host, settings.port)
    if taken:
        print(f"clotwatch: error: {taken}", file=sys.stderr)
        return 1
    try:
        app = create_app(settings, migrate=not args.no_migrate)
    except ConfigError as exc:
        print(f"clotwatch: error: {exc}", file=sys.stderr)
        return 2
    except (StoreError, OSError) as exc:
        print(f"clotwatch: error: cannot open the database: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # e.g. the PostgreSQL server refused the connection
        print(f"clotwatch: error: cannot open the database: {exc.__class__.__name__}: "
              f"{str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: "
                                                                  "%(message)s")
    where = settings.database_url and "DATABASE_URL" or settings.effective_database_url
    print(f"clotwatch: serving http://{settings.host}:{settings.port}/ (database: {where}). "
          "Press Ctrl+C to stop.", file=sys.stderr)
    options: dict[str, Any] = {
        # uvicorn's access log would print raw paths and query strings: ours logs route
        # templates.
        "host": settings.host, "port": settings.port, "access_log": False,
        "log_level": settings.log_level, "server_header": False, "proxy_headers": True}
    if args.workers == 1:
        from clotwatch.api.server import prepare_process

        prepare_process()
        uvicorn.run(app, **options)
        return 0
    # Several processes: uvicorn starts each from an import string. This process has checked
    # the settings, applied the migrations and made the secret key (the workers read the same
    # environment and data directory); each worker opens its own connection pool.
    if not args.no_migrate:  # what the single process's start does (see create_app)
        assessments.purge_expired(app.state.store, now=utc_now())
    app.state.store.dispose()
    print(f"clotwatch: {args.workers} worker processes.", file=sys.stderr)
    from clotwatch.api.server import NoDelayHTTPProtocol

    # uvicorn's supervisor pings each worker and kills one that does not answer within
    # timeout_worker_healthcheck (5 s by default). On a loaded machine a worker still importing,
    # or busy, missed it and was restarted over and over (seen in the CDS benchmark at load
    # 20-28: two workers never came up in 6.5 minutes). 30 s, gunicorn's default worker timeout,
    # still replaces a hung worker.
    uvicorn.run("clotwatch.api.app:create_worker_app", factory=True, workers=args.workers,
                http=NoDelayHTTPProtocol, loop="clotwatch.api.server:OneAcceptLoop",
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
                **options)
    return 0


def port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (one line saying what to do), or None.

    Checked before the migrations and the server start, so that a busy port is one clear
    line instead of uvicorn's start-up messages followed by an Errno 98 trace.
    """
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot listen on {host}: {exc.strerror}; give another address with --host"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        # As uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT is not reported as taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use (is clotwatch already "
                        f"running?); choose another with --port, e.g. "
                        f"clotwatch serve --port {port + 1} (or set CLOTWATCH_PORT)")
            if exc.errno == errno.EACCES:
                return (f"no permission to listen on port {port}; choose a port above 1023 "
                        f"with --port, e.g. clotwatch serve --port 8000")
            return f"cannot listen on {host}:{port}: {exc.strerror}; choose another with --port"
    return None
