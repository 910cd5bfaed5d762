"""One bucket per key (client id, IP address...), created on first use."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Hashable

from ratelimit.bucket import Clock, TokenBucket
from ratelimit.limits import Limit


class KeyedLimiter:
    """Limits each key separately with the same rate and capacity.

    At most ``max_keys`` buckets are kept; when a new key arrives at the limit, the bucket used
    least recently is dropped (that client simply starts again with a full bucket).
    """

    def __init__(self, rate: float, capacity: float, clock: Clock = time.monotonic, max_keys: int = 10_000) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.rate, self.capacity, self._clock = rate, capacity, clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[Hashable, TokenBucket] = OrderedDict()

    @classmethod
    def from_limit(cls, limit: Limit | str, clock: Clock = time.monotonic, max_keys: int = 10_000) -> "KeyedLimiter":
        limit = Limit.parse(limit) if isinstance(limit, str) else limit
        return cls(limit.rate, limit.capacity, clock, max_keys)

    def _bucket(self, key: Hashable) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = TokenBucket(self.rate, self.capacity, self._clock)
        else:
            self._buckets.move_to_end(key)
        return bucket

    def allow(self, key: Hashable, cost: float = 1.0) -> bool:
        return self._bucket(key).try_acquire(cost)

    def retry_after(self, key: Hashable, cost: float = 1.0) -> float:
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else bucket.retry_after(cost)

    def tokens(self, key: Hashable) -> float:
        """Tokens ``key`` has now (a key never seen has a full bucket)."""
        bucket = self._buckets.get(key)
        return self.capacity if bucket is None else bucket.tokens

    def time_to_full(self, key: Hashable) -> float:
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else bucket.time_to_full()

    def prune(self) -> int:
        """Forget keys whose bucket has refilled: they behave exactly like new keys. Returns how many."""
        full = [key for key, bucket in self._buckets.items() if bucket.tokens >= self.capacity]
        for key in full:
            del self._buckets[key]
        return len(full)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._buckets

    def __len__(self) -> int:
        return len(self._buckets)
