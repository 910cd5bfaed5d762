"""The HTTP side: a WSGI application serving redirects and a small JSON API.

``POST /api/links`` with ``{"url": ..., "ttl": seconds}`` creates a link (201), ``GET /api/links/CODE``
describes it, ``DELETE /api/links/CODE`` deletes it (204), and ``GET /CODE`` redirects to its target (301).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, Callable, Iterable

from shorty.errors import InvalidURL, LinkExpired, UnknownLink
from shorty.service import Shortener

Reply = tuple[int, list[tuple[str, str]], bytes]
MAX_BODY = 64 * 1024


def _json(status: int, data: Any, *extra: tuple[str, str]) -> Reply:
    return status, [("Content-Type", "application/json"), *extra], json.dumps(data).encode()


def _not_allowed(*methods: str) -> Reply:
    return _json(405, {"error": "method not allowed"}, ("Allow", ", ".join(methods)))


class App:
    def __init__(self, shortener: Shortener) -> None:
        self.shortener = shortener

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            status, headers, body = _json(413, {"error": "request body too large or malformed"})
        else:
            request_body = environ["wsgi.input"].read(length) if length else b""
            path = environ.get("PATH_INFO") or "/"
            status, headers, body = self.handle(environ["REQUEST_METHOD"], path, request_body)
        start_response(f"{status} {HTTPStatus(status).phrase}", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def handle(self, method: str, path: str, body: bytes = b"") -> Reply:
        """Answer one request: status, headers and body (usable without a WSGI server, e.g. in tests)."""
        try:
            if path == "/api/links":
                return self._create(body) if method == "POST" else _not_allowed("POST")
            if path.startswith("/api/links/"):
                code = path[len("/api/links/"):]
                if method == "GET":
                    return self._describe(code)
                if method == "DELETE":
                    self.shortener.delete(code)
                    return 204, [], b""
                return _not_allowed("GET", "DELETE")
            if method not in ("GET", "HEAD"):
                return _not_allowed("GET", "HEAD")
            if path == "/":
                return _json(200, {"service": "shorty", "links": len(self.shortener.stats())})
            url = self.shortener.resolve(path[1:])
            return 301, [("Location", url)], b""
        except LinkExpired:
            return _json(410, {"error": "link expired"})
        except UnknownLink:
            return _json(404, {"error": "unknown link"})
        except InvalidURL as exc:
            return _json(400, {"error": str(exc)})

    def _create(self, body: bytes) -> Reply:
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return _json(400, {"error": "the body is not JSON"})
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return _json(400, {"error": 'expected {"url": "..."}'})
        ttl = data.get("ttl")
        if ttl is not None and (not isinstance(ttl, (int, float)) or isinstance(ttl, bool) or ttl <= 0):
            return _json(400, {"error": "ttl must be a positive number of seconds"})
        short = self.shortener.shorten(data["url"], ttl)
        return _json(201, {"code": short[len(self.shortener.base_url):], "short_url": short}, ("Location", short))

    def _describe(self, code: str) -> Reply:
        link = self.shortener.lookup(code)
        return _json(200, {"code": code, "short_url": self.shortener.short_url(link), "url": link.url,
                           "visits": link.visits, "created_at": link.created_at, "expires_at": link.expires_at})
