"""A least-recently-used cache with hit/miss statistics."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping

from cachelib.stats import CacheStats

_MISSING = object()

EvictCallback = Callable[[Hashable, Any], None]


def _check_capacity(capacity: int) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise TypeError(f"capacity must be an int, got {type(capacity).__name__}")
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    return capacity


class LRUCache:
    """Keeps at most ``capacity`` entries; inserting into a full cache evicts the least recently used one.

    A *use* is a read hit (``get``, ``cache[key]``, ``get_or_compute``) or a write (``put``,
    ``cache[key] = value``). ``peek``, ``in`` and iteration only look: they never change which entry
    is evicted next. ``on_evict(key, value)`` is called for entries dropped to make room, not for
    entries removed explicitly with ``pop``/``del``/``clear``.
    """

    def __init__(self, capacity: int, on_evict: EvictCallback | None = None) -> None:
        self.capacity = _check_capacity(capacity)
        self.stats = CacheStats()
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._on_evict = on_evict

    def __repr__(self) -> str:
        return f"LRUCache(capacity={self.capacity}, size={len(self._data)}, {self.stats.format()})"

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        # Membership tests are not uses: they do not change the eviction order.
        return key in self._data

    def __iter__(self) -> Iterator[Hashable]:
        # A snapshot, so that callers may put or pop while iterating.
        return iter(list(self._data))

    def __getitem__(self, key: Hashable) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Hashable) -> None:
        if key not in self._data:
            raise KeyError(key)
        del self._data[key]

    def get(self, key: Hashable, default: Any = None) -> Any:
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            self.stats.misses += 1
            return default
        self.stats.hits += 1
        return value

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """The value for ``key`` without counting a lookup or marking a use."""
        return self._data.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        if key in self._data:
            self._data.move_to_end(key)
        self._data[key] = value
        self._evict_down_to(self.capacity)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for ``key``; on a miss, ``compute()`` it and cache the result."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            self.put(key, value)
        return value

    def update(self, entries: Mapping[Hashable, Any] | Iterable[tuple[Hashable, Any]]) -> None:
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        for key, value in pairs:
            self.put(key, value)

    def pop(self, key: Hashable, default: Any = None) -> Any:
        return self._data.pop(key, default)

    def popitem(self) -> tuple[Hashable, Any]:
        """Remove and return the least recently used entry."""
        if not self._data:
            raise KeyError("popitem(): cache is empty")
        return self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def resize(self, capacity: int) -> None:
        """Change the capacity; shrinking evicts the least recently used entries."""
        self.capacity = _check_capacity(capacity)
        self._evict_down_to(capacity)

    def keys_by_age(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return list(self._data)

    def items_by_age(self) -> list[tuple[Hashable, Any]]:
        """``(key, value)`` pairs from least to most recently used."""
        return list(self._data.items())

    def _evict_down_to(self, size: int) -> None:
        while len(self._data) > size:
            old_key, old_value = self._data.popitem(last=False)
            self.stats.evictions += 1
            if self._on_evict is not None:
                self._on_evict(old_key, old_value)
