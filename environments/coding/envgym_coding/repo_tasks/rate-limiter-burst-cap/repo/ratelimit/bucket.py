"""A token-bucket rate limiter with an injectable clock (so it can be tested without sleeping)."""

from __future__ import annotations

import time
from typing import Callable


class TokenBucket:
    """``rate`` tokens are added per second, up to ``capacity``; each request spends ``cost`` tokens."""

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = self._tokens + elapsed * self.rate
        self._updated = now

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def try_acquire(self, cost: float = 1.0) -> bool:
        if cost > self.capacity:
            raise ValueError(f"a cost of {cost} can never be paid with capacity {self.capacity}")
        self._refill()
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False

    def retry_after(self, cost: float = 1.0) -> float:
        """Seconds until ``try_acquire(cost)`` would succeed (0 if it would now)."""
        self._refill()
        missing = cost - self._tokens
        return max(0.0, missing / self.rate)
