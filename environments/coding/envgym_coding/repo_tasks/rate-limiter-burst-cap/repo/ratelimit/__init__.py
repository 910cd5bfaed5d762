"""Token-bucket rate limiting: single buckets, per-key limiters, HTTP headers and WSGI middleware."""

from ratelimit.bucket import TokenBucket
from ratelimit.errors import InvalidLimit, RateLimitExceeded
from ratelimit.headers import rate_limit_headers
from ratelimit.keyed import KeyedLimiter
from ratelimit.limits import Limit
from ratelimit.middleware import RateLimitMiddleware, client_address, rate_limited

__all__ = ["InvalidLimit", "KeyedLimiter", "Limit", "RateLimitExceeded", "RateLimitMiddleware", "TokenBucket",
           "client_address", "rate_limit_headers", "rate_limited"]
