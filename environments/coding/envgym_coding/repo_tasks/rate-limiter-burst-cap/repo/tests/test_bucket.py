import pytest

from ratelimit import (InvalidLimit, KeyedLimiter, Limit, RateLimitExceeded, RateLimitMiddleware, TokenBucket,
                       client_address, rate_limit_headers, rate_limited)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_spends_and_refills():
    clock = Clock()
    bucket = TokenBucket(rate=1, capacity=2, clock=clock)
    assert bucket.try_acquire() and bucket.try_acquire()
    assert not bucket.try_acquire()
    clock.now = 1.0
    assert bucket.try_acquire()


def test_retry_after():
    clock = Clock()
    bucket = TokenBucket(rate=2, capacity=1, clock=clock)
    assert bucket.try_acquire()
    assert bucket.retry_after() == 0.5
    with pytest.raises(ValueError):
        bucket.try_acquire(2)


def test_acquire_waits_with_the_given_sleep():
    clock = Clock()
    bucket = TokenBucket(rate=2, capacity=1, clock=clock)
    assert bucket.acquire(sleep=clock.sleep) and bucket.acquire(sleep=clock.sleep)
    assert clock.now == 0.5
    assert not bucket.acquire(timeout=0.1, sleep=clock.sleep)


def test_parse_limits():
    assert Limit.parse("10/second") == Limit(10, 10)
    assert Limit.parse("120 per minute") == Limit(2, 120)
    assert Limit.parse("5/10s; burst=20") == Limit(0.5, 20)
    assert Limit.parse("100/min").describe() == "100/minute (burst 100)"
    for bad in ("ten/second", "10/fortnight", "0/s", "10"):
        with pytest.raises(InvalidLimit):
            Limit.parse(bad)


def test_keyed_separates_clients():
    clock = Clock()
    limiter = KeyedLimiter(rate=1, capacity=1, clock=clock)
    assert limiter.allow("a") and limiter.allow("b")
    assert not limiter.allow("a")


def test_keyed_drops_the_least_recently_used_key():
    limiter = KeyedLimiter(rate=1, capacity=1, clock=Clock(), max_keys=2)
    limiter.allow("a")
    limiter.allow("b")
    limiter.allow("a")
    limiter.allow("c")
    assert "a" in limiter and "b" not in limiter and len(limiter) == 2


def test_prune_forgets_refilled_buckets():
    clock = Clock()
    limiter = KeyedLimiter.from_limit("1/s; burst=2", clock=clock)
    limiter.allow("a")
    limiter.allow("b", cost=2)
    clock.now = 1.0
    assert limiter.prune() == 1 and "b" in limiter and "a" not in limiter


def test_headers():
    clock = Clock()
    limiter = KeyedLimiter(rate=0.5, capacity=3, clock=clock)
    for _ in range(3):
        limiter.allow("x")
    headers = rate_limit_headers(limiter, "x", refused=True)
    assert headers == {"RateLimit-Limit": "3", "RateLimit-Remaining": "0", "RateLimit-Reset": "6", "Retry-After": "2"}
    assert rate_limit_headers(limiter, "new")["RateLimit-Remaining"] == "3"


def test_middleware_answers_429():
    clock = Clock()
    calls = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    def start_response(status, headers, exc_info=None):
        calls.append((status, dict(headers)))

    wrapped = RateLimitMiddleware(app, KeyedLimiter(rate=1, capacity=1, clock=clock), exempt_paths=["/health"])
    environ = {"REMOTE_ADDR": "10.0.0.1", "PATH_INFO": "/"}
    assert wrapped(environ, start_response) == [b"hello"]
    assert wrapped(environ, start_response) == [b'{"error": "too many requests", "retry_after": 1}']
    assert wrapped({**environ, "PATH_INFO": "/health"}, start_response) == [b"hello"]
    assert [status for status, _ in calls] == ["200 OK", "429 Too Many Requests", "200 OK"]
    assert calls[0][1]["RateLimit-Remaining"] == "0" and calls[1][1]["Retry-After"] == "1"


def test_client_address():
    assert client_address({"REMOTE_ADDR": "10.0.0.1"}) == "10.0.0.1"
    assert client_address({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.0.0.9"}) == "1.2.3.4"


def test_rate_limited_decorator():
    clock = Clock()

    @rate_limited(KeyedLimiter(rate=1, capacity=1, clock=clock), key=lambda user: user)
    def fetch(user):
        return f"data for {user}"

    assert fetch("ann") == "data for ann" and fetch("bob") == "data for bob"
    with pytest.raises(RateLimitExceeded) as refused:
        fetch("ann")
    assert refused.value.retry_after == 1.0 and refused.value.key == "ann"
