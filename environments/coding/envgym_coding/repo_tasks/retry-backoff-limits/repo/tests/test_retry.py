import io
import random

import pytest

from retrying import Backoff, ConfigError, RetryError, Retrying, RetryPolicy, policy_from_mapping, retry
from retrying.cli import main


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


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


def test_recovers_after_a_failure():
    calls, events = [], []

    @retry(attempts=3, backoff=Backoff(0.5), sleep=lambda s: None, on_retry=events.append)
    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise OSError("down")
        return "up"

    assert flaky() == "up" and len(calls) == 2
    assert [(e.retry_number, type(e.exception).__name__, e.delay) for e in events] == [(0, "OSError", 0.5)]


def test_backoff_grows():
    assert Backoff(0.5, 2, 100).delay(3) == 4.0
    assert Backoff(1, 3, 100).delays(3) == [1, 3, 9]


def test_backoff_validation_and_jitter():
    for bad in ({"base_delay": -1}, {"factor": 0.5}, {"base_delay": 2, "max_delay": 1}, {"jitter": "some"}):
        with pytest.raises(ValueError):
            Backoff(**bad)
    rng = random.Random(3)
    full = [Backoff(4, 1, 4, "full").jittered(0, rng) for _ in range(50)]
    equal = [Backoff(4, 1, 4, "equal").jittered(0, rng) for _ in range(50)]
    assert all(0 <= d <= 4 for d in full) and all(2 <= d <= 4 for d in equal)


def test_deadline_stops_retrying():
    clock = Clock()
    calls = []

    def always_down():
        calls.append(clock.now)
        raise OSError("down")

    runner = Retrying(RetryPolicy(attempts=10, backoff=Backoff(1, 2, 100), deadline=5), sleep=clock.sleep, clock=clock)
    with pytest.raises(OSError):
        runner.call(always_down)
    assert calls == [0, 1, 3]


def test_result_retries_recover():
    results = iter([None, None, 7])
    runner = Retrying(RetryPolicy(attempts=5, retry_if_result=lambda r: r is None), sleep=lambda s: None)
    assert runner.call(lambda: next(results)) == 7
    assert str(RetryError(2, None)) == "gave up after 2 attempt(s); last result: None"


def test_policy_from_environment_settings():
    policy = policy_from_mapping({"RETRY_ATTEMPTS": "5", "RETRY_BASE_DELAY": "0.2", "RETRY_JITTER": "Full"})
    assert policy.attempts == 5 and policy.backoff == Backoff(0.2, 2.0, 10.0, "full")
    assert policy_from_mapping({}) == RetryPolicy()
    for bad in ({"RETRY_ATTEMPTS": "many"}, {"RETRY_ATTEMPTS": "0"}, {"RETRY_JITTER": "lots"},
                {"RETRY_BASE_DELAY": "5", "RETRY_MAX_DELAY": "1"}):
        with pytest.raises(ConfigError):
            policy_from_mapping(bad)


def test_cli_succeeds_after_retry():
    codes = iter([1, 0])
    runs, sleeps, err = [], [], io.StringIO()

    def run(command):
        runs.append(command)
        return next(codes)

    assert main(["-n", "5", "-d", "0.5", "--", "make", "deploy"], run=run, sleep=sleeps.append, stderr=err) == 0
    assert runs == [["make", "deploy"]] * 2 and sleeps == [0.5]
    assert "attempt 1/5 exited with 1; retrying in 0.5s" in err.getvalue()
    assert main([], run=run, stderr=io.StringIO()) == 2
