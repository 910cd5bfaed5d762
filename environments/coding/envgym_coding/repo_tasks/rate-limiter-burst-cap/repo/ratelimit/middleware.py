"""WSGI middleware and a decorator that put a KeyedLimiter in front of a web app or a function."""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Hashable, Iterable

from ratelimit.errors import RateLimitExceeded
from ratelimit.headers import rate_limit_headers
from ratelimit.keyed import KeyedLimiter

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def client_address(environ: Environ) -> str:
    """The client's IP: the first ``X-Forwarded-For`` entry if a proxy set one, else ``REMOTE_ADDR``."""
    forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded.strip():
        return forwarded.split(",")[0].strip()
    return environ.get("REMOTE_ADDR", "unknown")


class RateLimitMiddleware:
    """Answers 429 Too Many Requests once a client's bucket is empty, and adds the RateLimit headers."""

    def __init__(self, app: WSGIApp, limiter: KeyedLimiter, key_func: Callable[[Environ], Hashable] = client_address,
                 exempt_paths: Iterable[str] = ()) -> None:
        self.app, self.limiter, self.key_func = app, limiter, key_func
        self.exempt_paths = frozenset(exempt_paths)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "/") in self.exempt_paths:
            return self.app(environ, start_response)
        key = self.key_func(environ)
        allowed = self.limiter.allow(key)
        headers = rate_limit_headers(self.limiter, key, refused=not allowed)
        if not allowed:
            body = json.dumps({"error": "too many requests", "retry_after": int(headers["Retry-After"])}).encode()
            start_response("429 Too Many Requests", [("Content-Type", "application/json"),
                                                     ("Content-Length", str(len(body))), *headers.items()])
            return [body]

        def start_with_headers(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*response_headers, *headers.items()], exc_info)

        return self.app(environ, start_with_headers)


def rate_limited(limiter: KeyedLimiter, key: Callable[..., Hashable] = lambda *args, **kwargs: None):
    """Decorate a function so that calls past the limit raise ``RateLimitExceeded``.

    ``key(*args, **kwargs)`` picks the bucket (default: one bucket for all calls).
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bucket_key = key(*args, **kwargs)
            if not limiter.allow(bucket_key):
                raise RateLimitExceeded(limiter.retry_after(bucket_key), bucket_key)
            return func(*args, **kwargs)

        return wrapper

    return decorate
