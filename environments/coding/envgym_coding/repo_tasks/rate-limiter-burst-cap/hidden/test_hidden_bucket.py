SETUP = """
from ratelimit import KeyedLimiter, TokenBucket
class Clock:
    now = 0.0
    def __call__(self):
        return self.now
    def sleep(self, seconds):
        sleeps.append(seconds)
        self.now += seconds
clock = Clock()
sleeps = []
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


def test_refill_stops_at_capacity_between_uses(project):
    got = project.run(SETUP + """
b = TokenBucket(rate=1, capacity=5, clock=clock)
b.try_acquire(5)
clock.now = 2.5
partial = b.tokens
clock.now = 1000
full = b.tokens
clock.now = 2000
b.try_acquire(2)
result = [partial, full, b.tokens, b.time_to_full()]
""")
    assert got == [2.5, 5, 3, 2.0]


def test_acquire_waits_after_idle(project):
    got = project.run(SETUP + """
b = TokenBucket(rate=1, capacity=2, clock=clock)
clock.now = 500
done = [b.acquire(sleep=clock.sleep) for _ in range(3)]
result = [done, sleeps]
""")
    assert got == [[True, True, True], [1.0]]


def test_headers_after_idle(project):
    got = project.run(SETUP + """
from ratelimit import rate_limit_headers
lim = KeyedLimiter(rate=1, capacity=10, clock=clock)
for _ in range(3): lim.allow("x")
clock.now = 100
result = [rate_limit_headers(lim, "x"), lim.tokens("x")]
""")
    assert got == [{"RateLimit-Limit": "10", "RateLimit-Remaining": "10", "RateLimit-Reset": "0"}, 10]


def test_middleware_after_idle(project):
    got = project.run(SETUP + """
from ratelimit import RateLimitMiddleware
statuses = []
def app(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]
def start_response(status, headers, exc_info=None):
    statuses.append((status.split()[0], dict(headers).get("Retry-After")))
wrapped = RateLimitMiddleware(app, KeyedLimiter.from_limit("2/minute", clock=clock))
env = {"REMOTE_ADDR": "10.1.1.1", "PATH_INFO": "/"}
for _ in range(3): wrapped(env, start_response)
clock.now = 86400
for _ in range(3): wrapped(env, start_response)
result = statuses
""")
    assert got == [("200", None), ("200", None), ("429", "30")] * 2


def test_decorator_after_idle(project):
    got = project.run(SETUP + """
from ratelimit import RateLimitExceeded, rate_limited
lim = KeyedLimiter(rate=0.1, capacity=2, clock=clock)
@rate_limited(lim)
def ping():
    return "pong"
outcomes = []
for now in (0, 0, 0, 10000, 10000, 10000):
    clock.now = now
    try:
        outcomes.append(ping())
    except RateLimitExceeded as exc:
        outcomes.append(exc.retry_after)
result = outcomes
""")
    assert got == ["pong", "pong", 10.0, "pong", "pong", 10.0]
