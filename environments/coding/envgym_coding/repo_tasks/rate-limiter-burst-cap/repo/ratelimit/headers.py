"""HTTP headers that tell a client where it stands (IETF ``RateLimit`` draft fields and ``Retry-After``)."""

from __future__ import annotations

import math
from typing import Hashable

from ratelimit.keyed import KeyedLimiter


def rate_limit_headers(limiter: KeyedLimiter, key: Hashable, refused: bool = False,
                       cost: float = 1.0) -> dict[str, str]:
    """``RateLimit-Limit`` (the burst size), ``RateLimit-Remaining`` (whole requests left) and
    ``RateLimit-Reset`` (whole seconds until the bucket is full); a refused request also gets
    ``Retry-After``. Seconds are rounded up so that a client that waits that long is not refused again.
    """
    headers = {
        "RateLimit-Limit": str(math.floor(limiter.capacity)),
        "RateLimit-Remaining": str(max(0, math.floor(limiter.tokens(key)))),
        "RateLimit-Reset": str(math.ceil(limiter.time_to_full(key))),
    }
    if refused:
        headers["Retry-After"] = str(max(1, math.ceil(limiter.retry_after(key, cost))))
    return headers
