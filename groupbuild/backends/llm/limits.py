"""Request and token rate limits as token buckets, awaited before each request is sent."""

from __future__ import annotations

import asyncio
import time


class Bucket:
    """Capacity `per_minute`, refilled continuously; `take(n)` waits until n units are free.

    A request larger than the whole bucket is let through once the bucket is full, so a
    single oversized prompt cannot block forever.
    """

    def __init__(self, per_minute: float) -> None:
        if per_minute <= 0:
            raise ValueError(f"a rate limit must be positive, got {per_minute}")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.level = self.capacity
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    async def take(self, amount: float) -> None:
        amount = min(amount, self.capacity)
        async with self._lock:
            self._refill()
            while self.level < amount:
                await asyncio.sleep((amount - self.level) / self.rate)
                self._refill()
            self.level -= amount


class RateLimiter:
    """Both limits of one role; either may be absent."""

    def __init__(
        self, requests_per_minute: float | None = None, tokens_per_minute: float | None = None
    ) -> None:
        self.requests = Bucket(requests_per_minute) if requests_per_minute else None
        self.tokens = Bucket(tokens_per_minute) if tokens_per_minute else None

    async def acquire(self, tokens: int) -> None:
        if self.requests is not None:
            await self.requests.take(1)
        if self.tokens is not None:
            await self.tokens.take(tokens)


def estimate_tokens(messages: list[dict[str, str]], max_tokens: int) -> int:
    """Tokens a request may use: about four characters per prompt token, plus the reply cap."""
    return sum(len(m.get("content", "")) for m in messages) // 4 + max_tokens
