"""One bucket per key (client id, IP address...), created on first use."""

from __future__ import annotations

import time
from typing import Callable, Hashable

from ratelimit.bucket import TokenBucket


class KeyedLimiter:
    def __init__(self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000) -> None:
        self.rate, self.capacity, self._clock = rate, capacity, clock
        self.max_keys = max_keys
        self._buckets: dict[Hashable, TokenBucket] = {}

    def allow(self, key: Hashable, cost: float = 1.0) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[key] = TokenBucket(self.rate, self.capacity, self._clock)
        return bucket.try_acquire(cost)

    def retry_after(self, key: Hashable, cost: float = 1.0) -> float:
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else bucket.retry_after(cost)

    def __len__(self) -> int:
        return len(self._buckets)
