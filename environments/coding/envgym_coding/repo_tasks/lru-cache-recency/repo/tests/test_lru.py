import io
import json

import pytest

from cachelib import LRUCache, TTLCache, make_key, memoize, read_trace, replay
from cachelib.cli import main


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_put_and_get():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("zz") is None
    assert cache.stats.hits == 1 and cache.stats.misses == 1


def test_capacity_is_respected():
    cache = LRUCache(2)
    for i, key in enumerate("abc"):
        cache.put(key, i)
    assert len(cache) == 2
    assert "a" not in cache


def test_mapping_interface_and_explicit_removal():
    evicted = []
    cache = LRUCache(3, on_evict=lambda k, v: evicted.append((k, v)))
    cache.update({"a": 1, "b": 2})
    cache["c"] = 3
    del cache["b"]
    assert cache.pop("c") == 3 and cache.pop("c", "gone") == "gone"
    with pytest.raises(KeyError):
        cache["b"]
    assert cache.popitem() == ("a", 1) and len(cache) == 0
    assert evicted == []


def test_resize_evicts_oldest_writes():
    evicted = []
    cache = LRUCache(4, on_evict=lambda k, v: evicted.append(k))
    for key in "abcd":
        cache.put(key, key)
    cache.resize(2)
    assert cache.keys_by_age() == ["c", "d"] and evicted == ["a", "b"]
    assert cache.stats.evictions == 2
    with pytest.raises(ValueError):
        cache.resize(0)


def test_peek_counts_nothing():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.peek("a") == 1 and cache.peek("b", 0) == 0
    assert cache.stats.lookups == 0


def test_ttl_entries_expire():
    clock = Clock()
    cache = TTLCache(10, ttl=5, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2, ttl=60)
    clock.now = 4
    assert cache.get("a") == 1 and cache.remaining("a") == 1
    clock.now = 5
    assert cache.get("a") is None and "a" not in cache and cache.expirations == 1
    clock.now = 100
    assert cache.purge_expired() == 1 and len(cache) == 0


def test_memoize_calls_once():
    calls = []

    @memoize(4)
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9
    assert calls == [3]
    info = square.cache_info()
    assert (info["hits"], info["misses"], info["size"]) == (1, 1, 1)


def test_memoize_unhashable_arguments_run_uncached():
    @memoize(4)
    def total(values):
        return sum(values)

    assert total([1, 2]) == 3 and total([1, 2]) == 3
    assert total.cache_info()["uncached"] == 2 and len(total.cache) == 0


def test_make_key():
    assert make_key((1,), {"b": 2, "a": 1}) == make_key((1,), {"a": 1, "b": 2})
    assert make_key((1,), {}) == make_key((1.0,), {})
    assert make_key((1,), {}, typed=True) != make_key((1.0,), {}, typed=True)
    with pytest.raises(TypeError):
        make_key(([],), {})


def test_trace_replay_and_cli():
    keys = read_trace(["a", "", "b  # second", "# comment", "a"])
    assert keys == ["a", "b", "a"]
    stats = replay(keys, 2)
    assert (stats.hits, stats.misses, stats.evictions) == (1, 2, 0)
    out = io.StringIO()
    assert main(["-", "-c", "1", "--json"], stdin=io.StringIO("a\nb\na\n"), stdout=out) == 0
    assert json.loads(out.getvalue()) == [{"capacity": 1, "hits": 0, "misses": 3, "evictions": 2, "hit_rate": 0.0}]
