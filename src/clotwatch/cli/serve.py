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

    uvicorn.run("clotwatch.api.app:create_worker_app", factory=True, workers=args.workers,
                http=NoDelayHTTPProtocol, **options)
    return 0
