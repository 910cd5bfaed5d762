"""A tiny router: register handlers for method + path patterns, dispatch requests to them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from microweb.http import Request, Response

_PARAM = re.compile(r"<(?:(int|str):)?([a-zA-Z_][a-zA-Z0-9_]*)>")
_CONVERTERS = {"int": (r"\d+", int), "str": (r"[^/]+", str)}


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    converters: dict[str, Callable[[str], Any]]
    handler: Callable[..., Response]


@dataclass
class App:
    routes: list[Route] = field(default_factory=list)

    def route(self, method: str, path: str) -> Callable:
        converters: dict[str, Callable[[str], Any]] = {}

        def replace(match: re.Match) -> str:
            kind, name = match.group(1) or "str", match.group(2)
            regex, conv = _CONVERTERS[kind]
            converters[name] = conv
            return f"(?P<{name}>{regex})"

        pattern = re.compile("^" + _PARAM.sub(replace, path) + "$")

        def register(handler: Callable[..., Response]) -> Callable[..., Response]:
            self.routes.append(Route(method.upper(), pattern, converters, handler))
            return handler

        return register

    def handle(self, request: Request) -> Response:
        allowed = []
        for route in self.routes:
            match = route.pattern.match(request.path)
            if not match:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            params = {k: route.converters[k](v) for k, v in match.groupdict().items()}
            try:
                return route.handler(request, **params)
            except Exception as exc:  # noqa: BLE001 — a handler bug is a 500, not a crash
                return Response.json({"error": str(exc)}, status=500)
        if allowed:
            return Response(status=405, headers={"Allow": ", ".join(sorted(set(allowed)))})
        return Response.json({"error": "not found"}, status=404)
