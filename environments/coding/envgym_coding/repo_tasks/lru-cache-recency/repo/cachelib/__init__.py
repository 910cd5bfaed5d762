from cachelib.lru import CacheStats, LRUCache
from cachelib.memo import memoize

__all__ = ["CacheStats", "LRUCache", "memoize"]
