def test_get_refreshes_recency(project):
    got = project.run("""
from cachelib import LRUCache
c = LRUCache(2)
c.put("a", 1); c.put("b", 2)
c.get("a")
c.put("c", 3)
result = sorted(c)
""")
    assert got == ["a", "c"]


def test_order_and_evictions(project):
    got = project.run("""
from cachelib import LRUCache
evicted = []
c = LRUCache(3, on_evict=lambda k, v: evicted.append(k))
for k in "abc": c.put(k, k.upper())
c.get("a"); c.get("b"); c.put("d", "D"); c.get("zz")
result = [c.keys_by_age(), evicted, c.stats.hits, c.stats.misses, c.stats.evictions]
""")
    assert got == [["a", "b", "d"], ["c"], 2, 1, 1]


def test_membership_does_not_refresh(project):
    got = project.run("""
from cachelib import LRUCache
c = LRUCache(2)
c.put("a", 1); c.put("b", 2)
_ = "a" in c
c.put("c", 3)
result = sorted(c)
""")
    assert got == ["b", "c"]


def test_memoize_keeps_hot_keys(project):
    got = project.run("""
from cachelib import memoize
calls = []
@memoize(2)
def f(x):
    calls.append(x)
    return x + 1
for x in [1, 2, 1, 3, 1]:
    f(x)
result = calls
""")
    assert got == [1, 2, 3]
