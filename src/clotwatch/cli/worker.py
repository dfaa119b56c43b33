"""``clotwatch worker``: send what is due from the outbox (reminders, alerts, escalations)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    """Add the ``worker`` sub-command."""
    p = sub.add_parser(
        "worker",
        help="send due notifications: email, signed webhooks, Web Push",
        description="Claim due rows of the outbox and send them through the configured "
        "channels (CLOTWATCH_SMTP_HOST, CLOTWATCH_WEBHOOK_SECRET, CLOTWATCH_VAPID_PRIVATE_KEY). "
        "Run several workers for throughput or availability: a row is never claimed by two. "
        "Stop with SIGTERM or Ctrl-C: the message in hand is finished first.",
    )
    p.add_argument("--once", action="store_true", help="one pass, then exit (for cron and tests)")
    p.add_argument("--status", action="store_true",
                   help="print the number of outbox rows per status and exit")
    p.add_argument("--batch", type=int, default=None,
                   help="rows claimed per pass (default CLOTWATCH_WORKER_BATCH, 50)")
    p.add_argument("--lease", type=float, default=None,
                   help="seconds a claim is held before another worker may take it over "
                   "(default CLOTWATCH_WORKER_LEASE_SECONDS, 120)")
    p.add_argument("--poll", type=float, default=1.0,
                   help="seconds to wait when nothing is due (default 1)")
    p.add_argument("--json", action="store_true", help="print the pass's figures as JSON")
    p.set_defaults(handler=_run)


def _fail(message: str, code: int) -> int:
    print(f"clotwatch: error: {message}", file=sys.stderr)
    return code


def build_channels(settings: Any) -> dict[str, Any]:
    """The channels the settings configure (an unconfigured one is simply absent)."""
    from clotwatch.worker.channels import EmailChannel, WebhookChannel, WebPushChannel

    channels: dict[str, Any] = {}
    if settings.smtp_host:
        channels["email"] = EmailChannel(
            settings.smtp_host, settings.smtp_port, settings.smtp_from,
            security=settings.smtp_security, username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password
            else None, timeout=max(1.0, settings.worker_lease_seconds / 4))
    if settings.webhook_secret is not None:
        channels["webhook"] = WebhookChannel(
            settings.webhook_secret.get_secret_value().encode(),
            timeout=max(1.0, settings.worker_lease_seconds / 4),
            allow_http=settings.webhook_allow_http)
    if settings.vapid_private_key is not None and settings.vapid_subject:
        channels["webpush"] = WebPushChannel(settings.vapid_private_key.get_secret_value(),
                                             settings.vapid_subject)
    return channels


def _run(args: argparse.Namespace) -> int:
    import logging
    import signal
    from datetime import timedelta
    from importlib import import_module

    from clotwatch.cli.common import dump_json
    from clotwatch.config import load_settings
    from clotwatch.errors import ConfigError, StoreError
    from clotwatch.service import followup_worker
    from clotwatch.store import open_store
    from clotwatch.worker import outbox
    from clotwatch.worker.gone import default_gone_handlers
    from clotwatch.worker.planners import default_planners
    from clotwatch.worker.runner import Worker

    # Registers the reminders to move (issue #9) with the worker's planners.
    import_module("clotwatch.service.activity_planner")

    if args.batch is not None and not 1 <= args.batch <= 1000:
        return _fail("--batch: must be between 1 and 1000", 2)
    if args.lease is not None and not 1 <= args.lease <= 3600:
        return _fail("--lease: must be between 1 and 3600 seconds", 2)
    if not 0.01 <= args.poll <= 3600:
        return _fail("--poll: must be between 0.01 and 3600 seconds", 2)
    try:
        settings = load_settings()
        if not settings.database_url:
            settings.ensure_data_dir()
        channels = build_channels(settings)
    except (ConfigError, ValueError) as exc:
        return _fail(str(exc), 2)
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    followup_worker.register()  # check-in reminders, the stale-data and escalation sweep
    store = open_store(settings.effective_database_url)
    try:
        if args.status:
            with store.session() as session:
                figures = outbox.counts(session)
            if args.json:
                dump_json(figures)
            else:
                for status, n in sorted(figures.items()):
                    print(f"{status}: {n}")
            return 0
        if not channels:
            print("clotwatch: warning: no channel is configured (CLOTWATCH_SMTP_HOST, "
                  "CLOTWATCH_WEBHOOK_SECRET, CLOTWATCH_VAPID_PRIVATE_KEY): nothing will be "
                  "sent", file=sys.stderr)
        if channels and not settings.public_url and settings.environment != "development":
            print("clotwatch: warning: CLOTWATCH_PUBLIC_URL is not set: links in notifications "
                  f"point at {settings.link_base}, which only this machine can open",
                  file=sys.stderr)
        worker = Worker(store, channels, batch=args.batch or settings.worker_batch,
                        lease=timedelta(seconds=args.lease or settings.worker_lease_seconds),
                        planners=default_planners(), gone_handlers=default_gone_handlers())
        if args.once:
            stats = worker.run_once()
        else:
            signal.signal(signal.SIGTERM, lambda *_: worker.stop())
            try:
                stats = worker.run(poll=args.poll)
            except KeyboardInterrupt:
                worker.stop()
                return 130
        if args.json:
            dump_json(stats.__dict__)
        return 0
    except StoreError as exc:
        return _fail(f"{exc} (is the database migrated? run `clotwatch db upgrade`)", 1)
    finally:
        for channel in channels.values():
            shutdown = getattr(channel, "shutdown", None)
            if shutdown is not None:
                shutdown()
        store.dispose()
