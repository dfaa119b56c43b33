"""The token-bucket rate limiter behind share-code lookups."""

from __future__ import annotations

from clotwatch.api.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_limit_then_a_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock)
    assert [limiter.acquire("a") for _ in range(10)] == [0.0] * 10
    wait = limiter.acquire("a")
    assert 5.9 < wait <= 6.0  # one token every 6 s at 10 a minute


def test_tokens_refill_with_time_and_clients_are_separate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock)
    for _ in range(10):
        limiter.acquire("a")
    assert limiter.acquire("b") == 0.0
    clock.now += 6.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0


def test_memory_stays_bounded_under_many_addresses() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock)
    limiter.MAX_KEYS = 100
    for i in range(1000):
        clock.now += 10.0  # every earlier bucket has refilled by now
        limiter.acquire(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) <= 101
