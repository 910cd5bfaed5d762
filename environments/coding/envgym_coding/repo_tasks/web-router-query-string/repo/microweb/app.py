"""A tiny web framework: register handlers for method + path patterns, dispatch requests to them."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from microweb.errors import HTTPError
from microweb.http import Request, Response
from microweb.routing import Router
from microweb.wsgi import request_from_environ, respond

Handler = Callable[..., Response]
Hook = Callable[[Request], "Response | None"]


class App:
    def __init__(self) -> None:
        self.router = Router()
        self._before: list[Hook] = []
        self._error_handlers: dict[int, Callable[[HTTPError], Response]] = {}

    def route(self, method: str, path: str, name: str | None = None) -> Callable[[Handler], Handler]:
        """Decorator: ``handler(request, **path_params)`` answers ``method`` requests to ``path``."""

        def register(handler: Handler) -> Handler:
            self.router.add(method, path, handler, name)
            return handler

        return register

    def get(self, path: str, name: str | None = None) -> Callable[[Handler], Handler]:
        return self.route("GET", path, name)

    def post(self, path: str, name: str | None = None) -> Callable[[Handler], Handler]:
        return self.route("POST", path, name)

    def before_request(self, hook: Hook) -> Hook:
        """Decorator: ``hook(request)`` runs before routing; returning a Response answers the request early."""
        self._before.append(hook)
        return hook

    def errorhandler(self, status: int) -> Callable[[Callable[[HTTPError], Response]], Callable[[HTTPError], Response]]:
        def register(handler: Callable[[HTTPError], Response]) -> Callable[[HTTPError], Response]:
            self._error_handlers[status] = handler
            return handler

        return register

    def url_for(self, name: str, query: dict[str, Any] | None = None, **params: Any) -> str:
        return self.router.url_for(name, query, **params)

    def handle(self, request: Request) -> Response:
        try:
            for hook in self._before:
                early = hook(request)
                if early is not None:
                    return early
            route, params = self.router.match(request.method, request.path)
            return route.handler(request, **params)
        except HTTPError as error:
            return self._error_response(error)
        except Exception as exc:  # noqa: BLE001 — a handler bug is a 500, not a crash of the server
            return self._error_response(HTTPError(500, str(exc)))

    def _error_response(self, error: HTTPError) -> Response:
        custom = self._error_handlers.get(error.status)
        if custom is not None:
            return custom(error)
        return Response.json({"error": error.message}, status=error.status, headers=error.headers)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The WSGI entry point, so any WSGI server (wsgiref, gunicorn...) can serve the app."""
        request = request_from_environ(environ)
        return respond(self.handle(request), start_response, head=request.method == "HEAD")
