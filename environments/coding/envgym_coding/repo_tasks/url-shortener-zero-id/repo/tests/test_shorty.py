import pytest

from shorty import InvalidURL, LinkExpired, Shortener, UnknownLink, decode, encode


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_round_trip_positive():
    for n in (1, 61, 62, 3843, 10**9):
        assert decode(encode(n)) == n
    assert [encode(1), encode(61), encode(62)] == ["1", "Z", "10"]
    with pytest.raises(ValueError):
        encode(-1)


def test_service_reuses_codes():
    s = Shortener()
    s.shorten("https://example.com/a")
    second = s.shorten("https://example.com/b")
    assert s.shorten("https://example.com/b") == second
    assert s.shorten("HTTPS://Example.COM:443/b") == second
    assert s.resolve(second) == "https://example.com/b"


def test_rejects_bad_urls():
    s = Shortener()
    for url in ("ftp://example.com/", "https://", "example.com", "https://user:pw@example.com/", "https://sho.rt/x"):
        with pytest.raises(InvalidURL):
            s.shorten(url)


def test_unknown():
    s = Shortener()
    with pytest.raises(UnknownLink):
        s.resolve("https://sho.rt/zz")


def test_visits_delete_and_top():
    s = Shortener()
    s.shorten("https://example.com/")
    a, b = s.shorten("https://a.example/"), s.shorten("https://b.example/")
    s.resolve(b)
    s.resolve(b)
    s.resolve(a)
    assert s.top(2) == [(b[len(s.base_url):], 2), (a[len(s.base_url):], 1)]
    s.delete(b)
    with pytest.raises(UnknownLink):
        s.resolve(b)
    assert s.shorten("https://b.example/") != b


def test_expiry():
    clock = FakeClock()
    s = Shortener(clock=clock)
    s.shorten("https://example.com/")
    short = s.shorten("https://example.com/sale", ttl=60)
    clock.now += 59
    assert s.resolve(short) == "https://example.com/sale"
    clock.now += 1
    with pytest.raises(LinkExpired):
        s.resolve(short)
