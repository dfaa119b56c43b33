"""What the worker does when a channel reports that a recipient is gone for good.

A Web Push service answers 404 or 410 when a subscription no longer exists (the browser's
permission was revoked, the app data cleared): ``WebPushChannel`` raises ``RecipientGone``, the
message fails at once, and the worker calls every registered handler with the channel and the
recipient, in its own transaction, so that the owner of the address stops planning messages to
it. The follow-up service registers the one that deletes the stored subscription
(``clotwatch.service.followup_worker.prune_push_subscription``).

A handler is ``handler(session, channel, recipient) -> int`` (rows removed); it must not raise
for an address it does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

GoneHandler = Callable[[Session, str, str], int]

HANDLERS: list[GoneHandler] = []


def register_gone_handler(handler: GoneHandler) -> GoneHandler:
    """Add ``handler`` (usable as a decorator); registering it again changes nothing."""
    if handler not in HANDLERS:
        HANDLERS.append(handler)
    return handler


def default_gone_handlers() -> Sequence[GoneHandler]:
    """The registered handlers, in registration order."""
    return tuple(HANDLERS)
