"""The worker loop: plan, claim, send, mark. ``clotwatch worker`` runs it.

Logs carry outbox ids, channels, attempt numbers and error classes only: never a recipient, a
subject, a body or a payload (health data must not reach logs; a test checks it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from clotwatch.errors import StoreError
from clotwatch.store.db import Store
from clotwatch.worker import outbox
from clotwatch.worker.channels import (
    Channel,
    DeliveryError,
    Message,
    PermanentError,
    RecipientGone,
)
from clotwatch.worker.gone import GoneHandler

log = logging.getLogger("clotwatch.worker")

Planner = Callable[[Session, datetime], int]


class RenderError(PermanentError):
    """The message cannot be rendered from its template and payload."""


class _Fields(dict[str, object]):
    def __missing__(self, key: str) -> object:
        raise RenderError(f"template field missing: {key}")


def render(c: outbox.Claimed) -> Message:
    """The subject and body of a claimed row, in its language (followup catalogue)."""
    payload = dict(c.payload)
    if c.template:
        from clotwatch.followup import translator

        t = translator(c.lang)
        fields = _Fields(payload)
        if isinstance(payload.get("level"), str):
            fields["level"] = t(f"level.{payload['level']}")
        try:
            subject = t(f"{c.template}.subject").format_map(fields)
            body = t(f"{c.template}.body").format_map(fields)
        except (ValueError, IndexError) as exc:
            raise RenderError(f"bad template {c.template}: {type(exc).__name__}") from exc
    else:
        subject, body = str(payload.pop("subject")), str(payload.pop("body"))
    if "\n" in subject or "\r" in subject:
        raise RenderError("a subject must be one line")
    return Message(c.id, c.channel, c.recipient, subject, body, c.template, c.lang, payload,
                   c.idempotency_key, c.stable_id)


@dataclass
class Stats:
    """What one pass did."""

    planned: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    lost: int = 0

    def add(self, other: Stats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Worker:
    """Sends what is due from the outbox through the configured channels."""

    store: Store
    channels: Mapping[str, Channel]
    batch: int = 50
    lease: timedelta = timedelta(minutes=2)
    retry_base: timedelta = timedelta(seconds=30)
    planners: Sequence[Planner] = ()
    # Planners (reminders, sweeps) run at most this often, not on every poll.
    plan_every: timedelta = timedelta(minutes=1)
    clock: Callable[[], datetime] = _utcnow
    # Called after a message is handed over and before it is marked sent (tests use it to stop
    # a worker at the worst moment; nothing else should).
    after_send: Callable[[Message], None] | None = None
    # Called (each in its own transaction) when a channel reports a recipient gone for good
    # (``clotwatch.worker.gone``: the follow-up prunes a dead Web Push subscription).
    gone_handlers: Sequence[GoneHandler] = ()
    _stop: threading.Event = field(default_factory=threading.Event)
    _planned_at: datetime | None = None

    def stop(self) -> None:
        """Finish the message in hand, then stop ``run``."""
        self._stop.set()

    def run_once(self) -> Stats:
        """Run the planners, claim one batch and send it."""
        stats = Stats()
        now = self.clock()
        if self.planners and (self._planned_at is None
                              or now - self._planned_at >= self.plan_every):
            for planner in self.planners:
                with self.store.session() as session:
                    stats.planned += planner(session, now)
            self._planned_at = now
        with self.store.session() as session:
            outbox.fail_exhausted(session, now)
            claimed = outbox.claim(session, now, self.batch, self.lease, tuple(self.channels))
        stats.claimed = len(claimed)
        try:
            for c in claimed:
                if self._stop.is_set():
                    break  # the rest is picked up after the lease (or by this worker's restart)
                self._deliver(c, stats)
        finally:
            for channel in self.channels.values():
                channel.close()
        return stats

    def _deliver(self, c: outbox.Claimed, stats: Stats) -> None:
        now = self.clock()
        if c.expires_at is not None and now > c.expires_at:
            with self.store.session() as session:
                outbox.mark_expired(session, c, now)
            stats.expired += 1
            log.info("expired outbox=%d channel=%s", c.id, c.channel)
            return
        # The send must end before the lease does. The channels time out within a quarter of
        # the lease, so with half of it left there is no need to pay for a renewal.
        if c.claimed_until - now < self.lease / 2:
            with self.store.session() as session:
                if not outbox.renew(session, c, now, self.lease):
                    stats.lost += 1
                    log.warning("claim lost before sending outbox=%d channel=%s", c.id,
                                c.channel)
                    return
        try:
            message = render(c)
            self.channels[c.channel].send(message)
        except PermanentError as exc:
            with self.store.session() as session:
                outbox.mark_failed(session, c, self.clock(), str(exc), permanent=True)
            stats.failed += 1
            log.warning("failed outbox=%d channel=%s attempt=%d error=%s", c.id, c.channel,
                        c.attempts, exc)
            if isinstance(exc, RecipientGone):
                self._gone(c)
            return
        except (DeliveryError, OSError) as exc:
            error = str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__
            with self.store.session() as session:
                status = outbox.mark_failed(session, c, self.clock(), error,
                                            retry_base=self.retry_base)
            if status == "failed":
                stats.failed += 1
                log.warning("gave up outbox=%d channel=%s attempts=%d error=%s", c.id,
                            c.channel, c.attempts, error)
            else:
                stats.retried += 1
                log.info("retry outbox=%d channel=%s attempt=%d error=%s", c.id, c.channel,
                         c.attempts, error)
            return
        if self.after_send is not None:
            self.after_send(message)
        with self.store.session() as session:
            marked = outbox.mark_sent(session, c, self.clock())
        if marked:
            stats.sent += 1
            log.info("sent outbox=%d channel=%s attempt=%d", c.id, c.channel, c.attempts)
        else:
            stats.lost += 1
            log.warning("sent but the claim was lost (a duplicate is possible) outbox=%d "
                        "channel=%s", c.id, c.channel)

    def _gone(self, c: outbox.Claimed) -> None:
        """Tell the gone handlers; a handler's failure is logged, never lost mail."""
        for handler in self.gone_handlers:
            try:
                with self.store.session() as session:
                    removed = handler(session, c.channel, c.recipient)
            except (StoreError, ValueError) as exc:
                log.warning("gone handler failed outbox=%d channel=%s error=%s", c.id,
                            c.channel, type(exc).__name__)
                continue
            if removed:
                log.info("recipient gone, removed outbox=%d channel=%s rows=%d", c.id,
                         c.channel, removed)

    def run(self, poll: float = 1.0) -> Stats:
        """Loop until ``stop()``: a pass, then wait ``poll`` seconds when nothing was due."""
        total = Stats()
        while not self._stop.is_set():
            try:
                stats = self.run_once()
            except StoreError as exc:
                # SQLite "database is locked" under contention, or the database restarting:
                # nothing was claimed or the claim is recovered after its lease.
                log.warning("store error, retrying: %s", exc)
                self._stop.wait(poll)
                continue
            total.add(stats)
            if stats.claimed == 0:
                self._stop.wait(poll)
        return total
