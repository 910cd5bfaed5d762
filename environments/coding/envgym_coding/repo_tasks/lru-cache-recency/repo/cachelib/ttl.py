"""An LRU cache whose entries also expire a fixed time after they were written."""

from __future__ import annotations

import time
from typing import Any, Callable, Hashable

from cachelib.lru import EvictCallback, LRUCache
from cachelib.stats import CacheStats

_MISSING = object()


class TTLCache:
    """At most ``capacity`` entries, each valid for ``ttl`` seconds after its last write.

    Eviction among live entries follows LRU order; an expired entry reads as a miss and is dropped.
    ``clock`` returns seconds (``time.monotonic`` by default; tests pass a fake one).
    """

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic,
                 on_evict: EvictCallback | None = None) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.ttl = ttl
        self.expirations = 0
        self._clock = clock
        # The LRU stores (expires_at, value) pairs; callbacks see the bare value.
        callback = None if on_evict is None else (lambda key, entry: on_evict(key, entry[1]))
        self._lru = LRUCache(capacity, on_evict=callback)

    @property
    def stats(self) -> CacheStats:
        return self._lru.stats

    @property
    def capacity(self) -> int:
        return self._lru.capacity

    def __len__(self) -> int:
        """Entries held, including expired ones not purged yet."""
        return len(self._lru)

    def __contains__(self, key: Hashable) -> bool:
        entry = self._lru.peek(key, _MISSING)
        return entry is not _MISSING and entry[0] > self._clock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        self._expire(key)
        entry = self._lru.get(key, _MISSING)
        return default if entry is _MISSING else entry[1]

    def put(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        lifetime = self.ttl if ttl is None else ttl
        if lifetime <= 0:
            raise ValueError("ttl must be positive")
        self._lru.put(key, (self._clock() + lifetime, value))

    def pop(self, key: Hashable, default: Any = None) -> Any:
        entry = self._lru.pop(key, _MISSING)
        return default if entry is _MISSING else entry[1]

    def remaining(self, key: Hashable) -> float:
        """Seconds until ``key`` expires (0.0 if it is absent or already expired)."""
        entry = self._lru.peek(key, _MISSING)
        return 0.0 if entry is _MISSING else max(0.0, entry[0] - self._clock())

    def purge_expired(self) -> int:
        """Drop every expired entry now; returns how many were dropped."""
        now = self._clock()
        expired = [key for key, (expires_at, _) in self._lru.items_by_age() if expires_at <= now]
        for key in expired:
            self._lru.pop(key)
        self.expirations += len(expired)
        return len(expired)

    def keys_by_age(self) -> list[Hashable]:
        return self._lru.keys_by_age()

    def clear(self) -> None:
        self._lru.clear()

    def _expire(self, key: Hashable) -> None:
        entry = self._lru.peek(key, _MISSING)
        if entry is not _MISSING and entry[0] <= self._clock():
            self._lru.pop(key)
            self.expirations += 1
