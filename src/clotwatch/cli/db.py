"""``clotwatch db``: database migrations."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    """Add the ``db`` sub-command."""
    p = sub.add_parser(
        "db",
        help="database migrations: upgrade, current",
        description="Manage the database schema (SQLite by default, PostgreSQL with DATABASE_URL).",
    )
    actions = p.add_subparsers(dest="db_action", metavar="ACTION")
    up = actions.add_parser("upgrade", help="apply every pending migration (idempotent)")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    up.set_defaults(handler=_upgrade)
    cur = actions.add_parser("current", help="print the database's current revision")
    cur.set_defaults(handler=_current)
    p.set_defaults(handler=lambda _args: (p.print_help(), 0)[1])


def _database_url() -> str:
    from clotwatch.config import load_settings

    settings = load_settings()
    if not settings.database_url:
        settings.ensure_data_dir()
    return settings.effective_database_url


def _describe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from clotwatch.errors import ConfigError
    from clotwatch.store import current_revision, upgrade

    try:
        url = _database_url()
        upgrade(url, args.revision)
        print(f"database {_describe(url)} is at revision {current_revision(url)}")
    except ConfigError as exc:
        print(f"clotwatch: error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"clotwatch: error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    return 0


def _current(_args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from clotwatch.errors import ConfigError
    from clotwatch.store import current_revision

    try:
        url = _database_url()
        print(current_revision(url) or "empty (no migrations applied)")
    except ConfigError as exc:
        print(f"clotwatch: error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"clotwatch: error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    return 0
