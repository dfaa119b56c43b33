"""Dependencies shared by routes: the store, the clock, the share-code rate limit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from fastapi import HTTPException, Request

from clotwatch.config import Settings
from clotwatch.store import Store


class Limiter(Protocol):
    """A rate limiter: ``acquire(key)`` is 0.0 when allowed, else the seconds to wait."""

    def acquire(self, key: str) -> float:
        """Take one action for ``key``."""
        ...


def get_store(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_now(request: Request) -> datetime:
    """Now, from the app's clock (replaceable in tests)."""
    now: datetime = request.app.state.clock()
    return now


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def client_key(request: Request) -> str:
    """The client address used for rate limiting."""
    return request.client.host if request.client else "unknown"


def limit_share_lookups(request: Request) -> None:
    """429 with Retry-After when this client has looked up too many share codes."""
    limiter: Limiter = request.app.state.share_limiter
    wait = limiter.acquire(client_key(request))
    if wait > 0:
        raise HTTPException(status_code=429, detail="too many share-code lookups; try again later",
                            headers={"Retry-After": str(int(wait) + 1)})
