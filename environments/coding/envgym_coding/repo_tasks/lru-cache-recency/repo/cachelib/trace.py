"""Replaying recorded key accesses through a cache, to choose a capacity before deploying it."""

from __future__ import annotations

from typing import Iterable

from cachelib.lru import LRUCache
from cachelib.stats import CacheStats


def read_trace(lines: Iterable[str]) -> list[str]:
    """Keys from a trace file: one per line; blank lines and ``#`` comments are skipped."""
    keys = []
    for line in lines:
        key = line.split("#", 1)[0].strip()
        if key:
            keys.append(key)
    return keys


def replay(keys: Iterable[str], capacity: int) -> CacheStats:
    """Read each key through an LRU cache of ``capacity``, storing it on a miss, as a read-through cache does."""
    cache = LRUCache(capacity)
    for key in keys:
        if cache.get(key) is None:
            cache.put(key, True)
    return cache.stats


def compare_capacities(keys: list[str], capacities: Iterable[int]) -> list[tuple[int, CacheStats]]:
    return [(capacity, replay(keys, capacity)) for capacity in sorted(set(capacities))]
