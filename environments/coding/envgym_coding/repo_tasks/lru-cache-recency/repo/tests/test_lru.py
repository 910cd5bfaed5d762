from cachelib import LRUCache, memoize


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


def test_memoize_calls_once():
    calls = []

    @memoize(4)
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9
    assert calls == [3]
