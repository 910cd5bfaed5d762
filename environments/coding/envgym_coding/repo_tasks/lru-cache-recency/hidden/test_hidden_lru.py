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
_ = c.peek("a")
_ = list(c)
c.put("c", 3)
result = [sorted(c), c.stats.hits, c.stats.misses]
""")
    assert got == [["b", "c"], 0, 0]


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
info = f.cache_info()
result = [calls, info["hits"], info["misses"]]
""")
    assert got == [[1, 2, 3], 2, 3]


def test_subscript_and_get_or_compute_are_uses(project):
    got = project.run("""
from cachelib import LRUCache
c = LRUCache(2)
c["a"] = 1; c["b"] = 2
_ = c["a"]
c["c"] = 3
first = c.keys_by_age()
c.get_or_compute("a", lambda: 99)
c.put("d", 4)
result = [first, c.keys_by_age(), c["a"], c.stats.hits, c.stats.misses]
""")
    assert got == [["a", "c"], ["a", "d"], 1, 3, 0]


def test_ttl_cache_reads_are_uses(project):
    got = project.run("""
from cachelib import TTLCache
class Clock:
    now = 0.0
    def __call__(self):
        return self.now
clock = Clock()
c = TTLCache(2, ttl=100, clock=clock)
c.put("a", 1); c.put("b", 2)
clock.now = 10
c.get("a")
c.put("c", 3)
result = [c.keys_by_age(), c.get("a"), c.get("b")]
""")
    assert got == [["a", "c"], 1, None]


def test_trace_replay(project):
    got = project.run("""
from cachelib import replay
s = replay(["a", "b", "a", "c", "a", "b"], 2)
result = [s.hits, s.misses, s.evictions]
""")
    assert got == [2, 4, 2]


def test_simulator_cli(project):
    got = project.run("""
import io, json
from cachelib.cli import main
out = io.StringIO()
code = main(["-", "-c", "2", "-c", "3", "--json"], stdin=io.StringIO("x\\ny\\nx\\nz\\nx\\ny\\nx\\n"), stdout=out)
result = [code, [(row["capacity"], row["hits"], row["misses"]) for row in json.loads(out.getvalue())]]
""")
    assert got == [0, [(2, 3, 4), (3, 4, 3)]]
