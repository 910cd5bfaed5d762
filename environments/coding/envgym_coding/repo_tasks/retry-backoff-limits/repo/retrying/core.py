"""The ``retry`` decorator."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

from retrying.policy import Backoff


def retry(attempts: int = 3, retry_on: tuple[type[BaseException], ...] = (Exception,), backoff: Backoff | None = None,
          sleep: Callable[[float], None] = time.sleep, on_retry: Callable[[int, BaseException], None] | None = None):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    backoff = backoff or Backoff()

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            retry_number = 0
            while True:
                try:
                    return func(*args, **kwargs)
                except retry_on as exc:
                    if retry_number > attempts - 1:
                        raise
                    if on_retry is not None:
                        on_retry(retry_number, exc)
                    sleep(backoff.delay(retry_number))
                    retry_number += 1

        return wrapper

    return decorate
