"""A token-bucket rate limiter with an injectable clock (so it can be tested without sleeping)."""

from __future__ import annotations

import time
from typing import Callable

from ratelimit.limits import Limit

Clock = Callable[[], float]


class TokenBucket:
    """``rate`` tokens are added per second, up to ``capacity``; each request spends ``cost`` tokens.

    A new bucket starts full, so a client may send a burst of ``capacity`` requests at once and
    then ``rate`` requests per second on average.
    """

    def __init__(self, rate: float, capacity: float, clock: Clock = time.monotonic) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    @classmethod
    def from_limit(cls, limit: Limit | str, clock: Clock = time.monotonic) -> "TokenBucket":
        limit = Limit.parse(limit) if isinstance(limit, str) else limit
        return cls(limit.rate, limit.capacity, clock)

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate:g}, capacity={self.capacity:g}, tokens={self.tokens:.3g})"

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)  # a clock that steps back must not take tokens away
        self._tokens = self._tokens + elapsed * self.rate
        self._updated = now

    def _check_cost(self, cost: float) -> None:
        if cost <= 0:
            raise ValueError(f"cost must be positive, got {cost}")
        if cost > self.capacity:
            raise ValueError(f"a cost of {cost} can never be paid with capacity {self.capacity}")

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def try_acquire(self, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if they are there; never waits."""
        self._check_cost(cost)
        self._refill()
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False

    def retry_after(self, cost: float = 1.0) -> float:
        """Seconds until ``try_acquire(cost)`` would succeed (0 if it would now)."""
        self._check_cost(cost)
        self._refill()
        missing = cost - self._tokens
        return max(0.0, missing / self.rate)

    def time_to_full(self) -> float:
        """Seconds until the bucket is full again (0 if it is)."""
        return max(0.0, (self.capacity - self.tokens) / self.rate)

    def acquire(self, cost: float = 1.0, timeout: float | None = None,
                sleep: Callable[[float], None] = time.sleep) -> bool:
        """Wait until ``cost`` tokens can be spent and spend them; False if that takes longer than ``timeout``."""
        waited = 0.0
        while not self.try_acquire(cost):
            wait = self.retry_after(cost)
            if timeout is not None and waited + wait > timeout:
                return False
            sleep(wait)
            waited += wait
        return True

    def reset(self) -> None:
        """Refill the bucket completely (e.g. after an operator lifts a block)."""
        self._tokens = self.capacity
        self._updated = self._clock()
