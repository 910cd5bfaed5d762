"""Calling a function again when it fails: the ``Retrying`` runner and the ``retry`` decorator."""

from __future__ import annotations

import functools
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from retrying.errors import RetryError
from retrying.policy import Backoff


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` calls in total; exceptions of the ``retry_on`` types are retried, others
    propagate at once. ``retry_if_result(result)`` returning True also counts as a failure.
    ``deadline`` (seconds) stops retrying when the next wait would end past it.
    """

    attempts: int = 3
    retry_on: tuple[type[BaseException], ...] = (Exception,)
    backoff: Backoff = field(default_factory=Backoff)
    retry_if_result: Callable[[Any], bool] | None = None
    deadline: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ValueError("attempts must be an int of at least 1")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError("deadline must be positive")


@dataclass(frozen=True)
class RetryEvent:
    """What ``on_retry`` hears before each wait: the failed attempt's exception or rejected result."""

    retry_number: int
    exception: BaseException | None
    result: Any
    delay: float


class Retrying:
    """Runs functions under a ``RetryPolicy``. ``sleep``, ``clock`` and ``rng`` are injectable for tests."""

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, on_retry: Callable[[RetryEvent], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.policy, self._sleep, self._clock, self._on_retry = policy, sleep, clock, on_retry
        self._rng = rng or random.Random()

    def _next_delay(self, retry_number: int, started: float) -> float | None:
        """Seconds to wait before the next attempt, or None if the attempt that just failed was the last allowed."""
        if retry_number > self.policy.attempts - 1:
            return None
        delay = self.policy.backoff.jittered(retry_number, self._rng)
        if self.policy.deadline is not None and self._clock() - started + delay > self.policy.deadline:
            return None
        return delay

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``func(*args, **kwargs)``, retried per the policy; when every attempt fails, the last
        exception propagates (or ``RetryError`` for rejected results)."""
        started = self._clock()
        retry_number = 0
        while True:
            try:
                result = func(*args, **kwargs)
            except self.policy.retry_on as exc:
                delay = self._next_delay(retry_number, started)
                if delay is None:
                    raise
                event = RetryEvent(retry_number, exc, None, delay)
            else:
                if self.policy.retry_if_result is None or not self.policy.retry_if_result(result):
                    return result
                delay = self._next_delay(retry_number, started)
                if delay is None:
                    raise RetryError(retry_number + 1, result)
                event = RetryEvent(retry_number, None, result, delay)
            if self._on_retry is not None:
                self._on_retry(event)
            self._sleep(delay)
            retry_number += 1


def retry(attempts: int = 3, retry_on: tuple[type[BaseException], ...] = (Exception,), backoff: Backoff | None = None,
          sleep: Callable[[float], None] = time.sleep, on_retry: Callable[[RetryEvent], None] | None = None,
          retry_if_result: Callable[[Any], bool] | None = None, deadline: float | None = None,
          clock: Callable[[], float] = time.monotonic) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of ``Retrying``: call the function at most ``attempts`` times."""
    policy = RetryPolicy(attempts, tuple(retry_on), backoff or Backoff(), retry_if_result, deadline)
    runner = Retrying(policy, sleep=sleep, clock=clock, on_retry=on_retry)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return runner.call(func, *args, **kwargs)

        wrapper.retry_policy = policy  # type: ignore[attr-defined]
        return wrapper

    return decorate
