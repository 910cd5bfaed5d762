"""Small in-memory caches: LRUCache, TTLCache, the memoize decorator and a trace simulator."""

from cachelib.keys import make_key
from cachelib.lru import LRUCache
from cachelib.memo import memoize
from cachelib.stats import CacheStats
from cachelib.trace import read_trace, replay
from cachelib.ttl import TTLCache

__all__ = ["CacheStats", "LRUCache", "TTLCache", "make_key", "memoize", "read_trace", "replay"]
