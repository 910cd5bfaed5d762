"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``.

envgym's typed errors keep their code and HTTP status; FastAPI's own failures are mapped too, so
malformed JSON or a wrong type is 422 ``invalid_request``, an unknown route 404 ``not_found``, and
only a bug in the server or an environment can produce a 500 (``internal_error``).

Example:
    >>> error_response(404, "unknown_session", "no session 'x'").status_code
    404
"""

from __future__ import annotations

import json
import logging
from typing import Any, Mapping, MutableMapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from envgym.protocol.errors import EnvgymError

log = logging.getLogger("envgym_server")

# Codes for the HTTP errors the framework raises by itself (not from envgym.protocol.errors).
HTTP_CODES = {
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "invalid_request",
}
# The framework answers a body it cannot decode (bytes that are not UTF-8) with 400 and a bad media
# type with 415; both are malformed requests, answered 422 like malformed JSON (one documented code).
AS_INVALID_REQUEST = {400, 415}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "details": details or {}}}, default=str).encode()


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        error_body(code, message, details), status_code=status, media_type="application/json", headers=headers
    )


def invalid(what: str, errors: Sequence[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The ``invalid_request`` message for pydantic's ``errors`` in ``what`` (a request, a WebSocket
    message), naming where the first one is, and its details: the errors reduced to what is JSON-safe
    and useful (no echo of a huge input). An unknown field is named as such, so ``{"text": ...}`` for
    ``{"answer": ...}`` is obvious."""
    details = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        msg = e.get("msg", "")
        if e.get("type") == "extra_forbidden":
            msg = f"unknown field {loc[-1]!r}; this object does not accept it (see /openapi.json)" if loc else msg
        details.append({"loc": loc, "type": e.get("type", ""), "msg": msg})
    first = details[0] if details else {"loc": [], "msg": f"invalid {what}"}
    return f"invalid {what} at {'.'.join(first['loc']) or what}: {first['msg']}", {"errors": details}


def allowed_methods(app: Any, scope: MutableMapping[str, Any]) -> list[str]:
    """Every method some route serves on this path (Starlette's 405 names only the first route's)."""

    def flat(routes: Any) -> Any:  # FastAPI keeps included routers as wrappers (their routes have no prefix here)
        for route in routes:
            inner = getattr(route, "original_router", None)
            yield from (flat(inner.routes) if inner is not None else (route,))

    methods: set[str] = set()
    for route in flat(app.router.routes):
        match, _ = route.matches({**scope, "type": "http"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    def count(request: Request, code: str) -> None:
        state = getattr(request.app.state, "envgym", None)
        if state is not None:
            state.metrics.errors.labels(code=code).inc()

    @app.exception_handler(EnvgymError)
    async def _envgym_error(request: Request, exc: EnvgymError) -> Response:
        count(request, exc.code)
        if exc.http_status >= 500:
            log.warning("%s %s -> %s: %s", request.method, request.url.path, exc.code, exc.message)
        headers = {"Retry-After": str(int(max(1, round(exc.retry_after))))} if exc.retry_after is not None else None
        return error_response(exc.http_status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        count(request, "invalid_request")
        message, details = invalid("request", list(exc.errors()))
        return error_response(422, "invalid_request", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = 422 if exc.status_code in AS_INVALID_REQUEST else exc.status_code
        code = HTTP_CODES.get(status, "invalid_request" if status < 500 else "internal_error")
        count(request, code)
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, default=str)
        headers = dict(exc.headers or {})
        if status == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}; see /docs or /openapi.json for the API"
        elif status == 405:
            allow = allowed_methods(request.app, request.scope)
            headers["Allow"] = ", ".join(allow)
            message = f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allow)}"
            return error_response(405, code, message, {"allow": allow}, headers)
        elif exc.status_code == 400:
            message = f"the request body could not be read as JSON: {message}"
        return error_response(status, code, message, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        count(request, "internal_error")
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", f"internal server error: {type(exc).__name__}: {exc}")
