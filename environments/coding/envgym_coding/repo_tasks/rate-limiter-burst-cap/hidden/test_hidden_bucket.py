SETUP = """
from ratelimit import KeyedLimiter, TokenBucket
class Clock:
    now = 0.0
    def __call__(self):
        return self.now
clock = Clock()
"""


def test_idle_bucket_is_capped(project):
    got = project.run(SETUP + """
b = TokenBucket(rate=1, capacity=3, clock=clock)
clock.now = 1000.0
result = [b.try_acquire() for _ in range(5)]
""")
    assert got == [True, True, True, False, False]


def test_tokens_property_capped(project):
    assert project.run(SETUP + "b = TokenBucket(2, 5, clock)\nclock.now = 60\nresult = b.tokens") == 5


def test_keyed_burst_after_idle(project):
    got = project.run(SETUP + """
lim = KeyedLimiter(rate=0.5, capacity=2, clock=clock)
first = [lim.allow("x") for _ in range(3)]
clock.now = 3600
second = [lim.allow("x") for _ in range(3)]
result = [first, second, lim.retry_after("x")]
""")
    assert got == [[True, True, False], [True, True, False], 2.0]


def test_partial_refill(project):
    got = project.run(SETUP + """
b = TokenBucket(rate=4, capacity=4, clock=clock)
for _ in range(4): b.try_acquire()
clock.now = 0.5
result = [b.try_acquire(), b.try_acquire(), b.try_acquire(), b.retry_after()]
""")
    assert got == [True, True, False, 0.25]
