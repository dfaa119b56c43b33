"""``clotwatch admin``: set up follow-up on a fresh install (clinics, staff, API tokens) and run
the time-driven checks (stale data, escalation) by hand.

Passwords are never taken as arguments (they would land in the shell history and in ``ps``):
``--password-file`` (``-`` for stdin) or an interactive prompt.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    """Add the ``admin`` sub-command."""
    p = sub.add_parser(
        "admin",
        help="follow-up administration: create clinics, admins, clinicians, API tokens",
        description="Set up remote follow-up: create the first clinic and its admin, add staff, "
        "issue scoped API tokens. Uses the same database as `clotwatch serve` (DATABASE_URL); "
        "migrations are applied first. See docs/follow-up.md.",
    )
    actions = p.add_subparsers(dest="admin_action", metavar="ACTION")
    clinic = actions.add_parser("create-clinic", help="create a clinic; prints its id and the "
                                "code patients join with")
    clinic.add_argument("--name", required=True, help="the clinic's name")
    clinic.add_argument("--require-totp", action="store_true",
                        help="require an authenticator app (TOTP) for the clinic's staff")
    clinic.add_argument("--json", action="store_true", help="print JSON")
    clinic.set_defaults(handler=_create_clinic)
    for name, role, text in (("create-admin", "admin", "create a clinic admin account"),
                             ("add-clinician", "clinician", "create a clinician account")):
        staff = actions.add_parser(name, help=text + " (or give an existing one the role)")
        staff.add_argument("--clinic", type=int, required=True, help="the clinic's id")
        staff.add_argument("--email", required=True, help="the account's email")
        staff.add_argument("--name", help="the person's name (new accounts)")
        staff.add_argument("--password-file", help="read the password from this file "
                           "('-' for stdin); default: prompt")
        staff.set_defaults(handler=_add_staff, role=role)
    token = actions.add_parser("create-token", help="issue a scoped API token for an account "
                               "(printed once; only its hash is stored)")
    token.add_argument("--email", required=True, help="the account the token acts as")
    token.add_argument("--name", required=True, help="what the token is for, e.g. 'ward app'")
    token.add_argument("--scopes", required=True, help="space- or comma-separated: profile, "
                       "checkins:read, checkins:write, worklist:read, alerts:write, export")
    token.add_argument("--days", type=int, help="expire after this many days (default never)")
    token.set_defaults(handler=_create_token)
    windows = actions.add_parser(
        "set-escalation", help="set how long an emergency or same-day alert may stay "
        "unacknowledged before the clinic's admins are told")
    windows.add_argument("--clinic", type=int, required=True, help="the clinic's id")
    windows.add_argument("--emergency-minutes", help="5 to 60, or 'default' (15)")
    windows.add_argument("--same-day-minutes", help="30 to 720, or 'default' (240)")
    windows.set_defaults(handler=_set_escalation)
    tick = actions.add_parser("tick", help="open stale-data alerts and escalate unacknowledged "
                              "urgent ones now (the worker does this every minute)")
    tick.set_defaults(handler=_tick)
    p.set_defaults(handler=lambda _args: (p.print_help(), 0)[1])


def _store() -> Any:
    from clotwatch.config import load_settings
    from clotwatch.store import open_store, upgrade

    settings = load_settings()
    if not settings.database_url:
        settings.ensure_data_dir()
    url = settings.effective_database_url
    upgrade(url)
    return open_store(url)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _password(path: str | None) -> str:
    from getpass import getpass

    from clotwatch.cli.common import fail

    if path == "-":
        return sys.stdin.readline().rstrip("\n")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.readline().rstrip("\n")
        except OSError as exc:
            fail(f"--password-file: cannot read {path}: {exc.strerror}")
    first = getpass("Password (at least 10 characters): ")
    if getpass("Again: ") != first:
        fail("password: the two entries differ")
    return first


def _guard(fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from clotwatch.errors import ConfigError, InputError, StoreError

        try:
            return int(fn(args))
        except InputError as exc:
            print(f"clotwatch: error: {exc.field}: {exc.reason}", file=sys.stderr)
            return 2
        except ConfigError as exc:
            print(f"clotwatch: error: {exc}", file=sys.stderr)
            return 2
        except StoreError as exc:
            print(f"clotwatch: error: {exc}", file=sys.stderr)
            return 1
    return run


@_guard
def _create_clinic(args: argparse.Namespace) -> int:
    from clotwatch.cli.common import dump_json
    from clotwatch.service import followup

    store = _store()
    clinic = followup.create_clinic(store, args.name, _now(), require_totp=args.require_totp)
    if args.json:
        dump_json({"id": clinic.id, "name": clinic.name, "join_code": clinic.join_code,
                   "require_totp": clinic.require_totp})
    else:
        print(f"clinic {clinic.id} {clinic.name!r} created; patients join with code "
              f"{clinic.join_code}")
    store.dispose()
    return 0


@_guard
def _add_staff(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from clotwatch.service import accounts, followup
    from clotwatch.store.followup_models import User

    store = _store()
    email = accounts.normalise_email(args.email)
    with store.session() as session:
        user = session.scalars(select(User).where(User.email == email)).one_or_none()
        created = user is None
        if user is None:
            user = accounts.create_user(session, email=email, password=_password(
                args.password_file), name=args.name or email.split("@")[0], now=_now())
        followup.add_staff(session, args.clinic, user, args.role)
    print(f"{'created' if created else 'existing'} account {email} is now {args.role} of "
          f"clinic {args.clinic}")
    store.dispose()
    return 0


@_guard
def _create_token(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from sqlalchemy import select

    from clotwatch.errors import InputError
    from clotwatch.service import accounts
    from clotwatch.store.followup_models import User

    scopes = accounts.parse_scopes(args.scopes)
    if args.days is not None and not 1 <= args.days <= 3650:
        raise InputError("days", "give 1 to 3650 days")
    store = _store()
    with store.session() as session:
        user = session.scalars(select(User).where(
            User.email == accounts.normalise_email(args.email))).one_or_none()
        if user is None:
            raise InputError("email", "no account has this email")
        token = accounts.create_api_token(
            session, user, args.name, scopes, _now(),
            timedelta(days=args.days) if args.days else None)
    print(token)
    store.dispose()
    return 0


_ESCALATION_FLAGS = {"escalate_emergency_minutes": "--emergency-minutes",
                     "escalate_urgent_minutes": "--same-day-minutes"}


def _minutes(field: str, text: str | None, current: int | None) -> int | None:
    from clotwatch.errors import InputError

    if text is None:
        return current           # not given: unchanged
    if text.strip().lower() == "default":
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(field, f"expected whole minutes or 'default', got {text!r}") from None


@_guard
def _set_escalation(args: argparse.Namespace) -> int:
    from clotwatch.errors import InputError
    from clotwatch.followup import acknowledge_windows
    from clotwatch.service import followup
    from clotwatch.store.followup_models import Clinic

    store = _store()
    with store.session() as session:
        clinic = session.get(Clinic, args.clinic)
        if clinic is None:
            raise InputError("clinic", f"no clinic {args.clinic}")
        current = (clinic.escalate_emergency_minutes, clinic.escalate_urgent_minutes)
    emergency = _minutes("--emergency-minutes", args.emergency_minutes, current[0])
    urgent = _minutes("--same-day-minutes", args.same_day_minutes, current[1])
    try:
        followup.set_escalation_windows_by_operator(store, args.clinic, emergency, urgent,
                                                    _now())
    except InputError as exc:
        # The service names its columns; at the command line the person typed the flags.
        flag = _ESCALATION_FLAGS.get(exc.field or "")
        if flag is None:
            raise
        raise InputError(flag, exc.reason.replace("leave it empty", "give 'default'")) from None
    windows = acknowledge_windows(emergency, urgent)
    print(f"clinic {args.clinic}: emergency alerts escalate after "
          f"{windows['emergency'].total_seconds() / 60:g} min, same-day alerts after "
          f"{windows['urgent'].total_seconds() / 60:g} min")
    store.dispose()
    return 0


@_guard
def _tick(_args: argparse.Namespace) -> int:
    from clotwatch.cli.common import dump_json
    from clotwatch.service import followup

    store = _store()
    dump_json(followup.tick(store, _now()))
    store.dispose()
    return 0
