from ratelimit import KeyedLimiter, TokenBucket


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


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


def test_keyed_separates_clients():
    clock = Clock()
    limiter = KeyedLimiter(rate=1, capacity=1, clock=clock)
    assert limiter.allow("a") and limiter.allow("b")
    assert not limiter.allow("a")
