"""An in-process rate limiter (token buckets). The app uses the store's limiter
(``clotwatch.store.StoreRateLimiter``), shared by every worker process; this one serves a
single process without a store.

A token bucket per client IP address: ``per_minute`` lookups refill evenly over a minute, with
bursts up to the same number. State lives in the process: with several worker processes each
keeps its own buckets (the effective limit is multiplied by the number of workers), and it
resets on restart. That is enough against enumeration of 100-bit codes; put a shared limiter in
the reverse proxy for a multi-process deployment.

The client address is the socket peer, or the ``X-Forwarded-For`` value that uvicorn accepts
from trusted proxies only (``--forwarded-allow-ips``, by default 127.0.0.1).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Token buckets keyed by client address."""

    MAX_KEYS = 50_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if allowed, else seconds until one is available."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        # Forget clients whose bucket has refilled: bounded memory under a flood of addresses.
        if len(self._buckets) > self.MAX_KEYS:
            full = self.capacity / self.rate
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}
