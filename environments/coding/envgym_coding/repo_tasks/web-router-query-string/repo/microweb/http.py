"""Request and response objects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Callable

from microweb.errors import BadRequest


@dataclass
class Request:
    """One HTTP request. ``target`` is the request target as sent (``/users/42?fields=name``);
    ``path`` and ``query`` are derived from it."""

    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    path: str = ""
    query: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        # Header names are case-insensitive; storing them lowercase makes every lookup simple.
        self.headers = {name.lower(): value for name, value in self.headers.items()}
        self.path = self.target

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: Any = None, convert: Callable[[str], Any] = str) -> Any:
        """The first value of query parameter ``name``, converted; a value that does not convert is a 400."""
        values = self.query.get(name)
        if not values:
            return default
        try:
            return convert(values[0])
        except ValueError:
            raise BadRequest(f"invalid value for {name!r}: {values[0]!r}") from None

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise BadRequest("the request body is not valid JSON") from None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", {"Location": location})

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def data(self) -> Any:
        return json.loads(self.body)
