"""Errors raised by the ratelimit package."""

from __future__ import annotations

from typing import Hashable


class InvalidLimit(ValueError):
    """A limit such as ``"10/minute"`` could not be parsed, or its numbers make no sense."""


class RateLimitExceeded(Exception):
    """A call was refused; ``retry_after`` is the number of seconds until it would be allowed."""

    def __init__(self, retry_after: float, key: Hashable | None = None) -> None:
        who = "" if key is None else f" for {key!r}"
        super().__init__(f"rate limit exceeded{who}; retry in {retry_after:.3g}s")
        self.retry_after = retry_after
        self.key = key
