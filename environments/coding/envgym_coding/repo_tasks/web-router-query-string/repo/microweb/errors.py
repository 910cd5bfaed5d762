"""HTTP errors that handlers raise; the app turns each into a JSON error response with its status."""

from __future__ import annotations


class HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class BadRequest(HTTPError):
    def __init__(self, message: str = "bad request") -> None:
        super().__init__(400, message)


class NotFound(HTTPError):
    def __init__(self, message: str = "not found") -> None:
        super().__init__(404, message)


class MethodNotAllowed(HTTPError):
    def __init__(self, allowed: list[str]) -> None:
        super().__init__(405, "method not allowed", {"Allow": ", ".join(sorted(allowed))})
