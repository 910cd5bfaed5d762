"""Path patterns such as ``/users/<int:user_id>``, matching them against request paths, and building URLs back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote, urlencode

from microweb.errors import MethodNotAllowed, NotFound

_PARAM = re.compile(r"<(?:([a-z]+):)?([a-zA-Z_][a-zA-Z0-9_]*)>")
# converter name -> (regex of one path segment or more, parse from the URL)
CONVERTERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "int": (r"\d+", int),
    "str": (r"[^/]+", str),
    "slug": (r"[a-z0-9]+(?:-[a-z0-9]+)*", str),
    "path": (r".+", str),
}


@dataclass
class Route:
    method: str
    path: str
    pattern: re.Pattern[str]
    converters: dict[str, Callable[[str], Any]]
    handler: Callable[..., Any]
    name: str

    def match(self, path: str) -> dict[str, Any] | None:
        found = self.pattern.match(path)
        if not found:
            return None
        return {key: self.converters[key](value) for key, value in found.groupdict().items()}


def compile_path(path: str) -> tuple[re.Pattern[str], dict[str, Callable[[str], Any]]]:
    if not path.startswith("/"):
        raise ValueError(f"route paths start with '/': {path!r}")
    converters: dict[str, Callable[[str], Any]] = {}

    def replace(match: re.Match[str]) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        if kind not in CONVERTERS:
            raise ValueError(f"unknown converter {kind!r} in {path!r}")
        if name in converters:
            raise ValueError(f"parameter {name!r} appears twice in {path!r}")
        regex, convert = CONVERTERS[kind]
        converters[name] = convert
        return f"(?P<{name}>{regex})"

    # The text between parameters is escaped, so that a '.' in a route means a dot.
    regex, position = "", 0
    for match in _PARAM.finditer(path):
        regex += re.escape(path[position:match.start()]) + replace(match)
        position = match.end()
    regex += re.escape(path[position:])
    return re.compile("^" + regex + "$"), converters


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: Callable[..., Any], name: str | None = None) -> Route:
        pattern, converters = compile_path(path)
        route = Route(method.upper(), path, pattern, converters, handler, name or handler.__name__)
        self.routes.append(route)
        return route

    def match(self, method: str, path: str) -> tuple[Route, dict[str, Any]]:
        """The first route for this method and path; raises NotFound, or MethodNotAllowed when only the
        method is wrong. HEAD requests are served by GET routes."""
        allowed: set[str] = set()
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, params
            allowed.add(route.method)
        if allowed:
            raise MethodNotAllowed(sorted(allowed))
        raise NotFound()

    def url_for(self, name: str, query: dict[str, Any] | None = None, **params: Any) -> str:
        """The path of route ``name`` with ``params`` filled in, plus an encoded query string if given."""
        route = next((r for r in self.routes if r.name == name), None)
        if route is None:
            raise KeyError(f"no route named {name!r}")
        missing = set(route.converters) - set(params)
        if missing:
            raise ValueError(f"url_for({name!r}) needs {', '.join(sorted(missing))}")
        path = _PARAM.sub(lambda m: quote(str(params[m.group(2)]), safe="/"), route.path)
        return path + ("?" + urlencode(query, doseq=True) if query else "")
