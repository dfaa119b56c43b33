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
    p.add_argument("--no-migrate", action="store_true",
                   help="do not apply migrations at start (run `clotwatch db upgrade` yourself)")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from clotwatch.api import create_app
    from clotwatch.config import load_settings
    from clotwatch.errors import ConfigError, StoreError

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
    # uvicorn's access log would print raw paths and query strings: ours logs route templates.
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False,
                log_level=settings.log_level, server_header=False, proxy_headers=True)
    return 0
