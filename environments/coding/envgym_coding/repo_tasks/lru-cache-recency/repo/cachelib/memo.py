"""A memoizing decorator built on LRUCache (or TTLCache when results go stale)."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

from cachelib.keys import is_cacheable, make_key
from cachelib.lru import LRUCache
from cachelib.ttl import TTLCache


def memoize(capacity: int = 128, typed: bool = False, ttl: float | None = None,
            clock: Callable[[], float] = time.monotonic) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Cache up to ``capacity`` results of the decorated function, dropping the least recently used.

    Calls with unhashable arguments are not cached (the function simply runs). With ``ttl``, a
    result is recomputed once it is older than ``ttl`` seconds. The wrapper exposes ``cache``,
    ``cache_info()`` and ``cache_clear()``.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        cache: LRUCache | TTLCache = LRUCache(capacity) if ttl is None else TTLCache(capacity, ttl, clock)
        sentinel = object()
        uncached_calls = 0

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal uncached_calls
            if not is_cacheable(args, kwargs):
                uncached_calls += 1
                return func(*args, **kwargs)
            key = make_key(args, kwargs, typed)
            value = cache.get(key, sentinel)
            if value is sentinel:
                value = func(*args, **kwargs)
                cache.put(key, value)
            return value

        def cache_info() -> dict[str, float]:
            return {**cache.stats.as_dict(), "size": len(cache), "capacity": cache.capacity, "uncached": uncached_calls}

        def cache_clear() -> None:
            nonlocal uncached_calls
            cache.clear()
            cache.stats.reset()
            uncached_calls = 0

        wrapper.cache = cache  # type: ignore[attr-defined]
        wrapper.cache_info = cache_info  # type: ignore[attr-defined]
        wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
        return wrapper

    return decorate
