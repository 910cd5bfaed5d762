import pytest

from retrying import Backoff, retry


def test_success_no_sleep():
    sleeps = []

    @retry(attempts=3, sleep=sleeps.append)
    def ok():
        return 5

    assert ok() == 5 and sleeps == []


def test_other_exceptions_propagate():
    calls = []

    @retry(attempts=5, retry_on=(ValueError,), sleep=lambda s: None)
    def boom():
        calls.append(1)
        raise KeyError("x")

    with pytest.raises(KeyError):
        boom()
    assert len(calls) == 1


def test_backoff_grows():
    assert Backoff(0.5, 2, 100).delay(3) == 4.0
