import pytest

from shorty import Shortener, UnknownLink, decode, encode


def test_round_trip_positive():
    for n in (1, 61, 62, 3843, 10**9):
        assert decode(encode(n)) == n


def test_service_reuses_codes():
    s = Shortener()
    s.shorten("https://example.com/a")
    second = s.shorten("https://example.com/b")
    assert s.shorten("https://example.com/b") == second
    assert s.resolve(second) == "https://example.com/b"


def test_unknown():
    s = Shortener()
    with pytest.raises(UnknownLink):
        s.resolve("https://sho.rt/zz")
