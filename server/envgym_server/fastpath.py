"""``POST /v1/sessions/{id}/step`` answered ahead of FastAPI's router: the hot path, as plain ASGI
(and ``WS /v1/sessions/{id}/ws`` served on the raw ASGI calls: ``websocket.RawSocket``).

FastAPI's routing, dependency solving and request/response wrappers cost several times a trivial
environment step. This middleware answers a well-formed step itself, with the same session code
(``envgym.host.EpisodeHost.step``), the same disconnect watch (``envgym_server.disconnect``), the same error
handlers (``envgym_server.errors``, looked up on the app) and the same success bytes and headers as
the FastAPI route ``routes.step_session``, which stays the documented route (``/openapi.json`` is
unchanged) and answers everything unusual:

* anything but ``POST`` to exactly ``/v1/sessions/{id}/step`` (no query string, no root path);
* a body that is not declared ``Content-Type: application/json``;
* a body that does not validate as ``StepRequest`` straight from its bytes (malformed JSON, wrong
  types, unknown fields, an encoding pydantic's parser refuses), or a disconnect while it arrives.

For those the messages already read are replayed to FastAPI, so its answer (the 422 with its
details, the error metric) is byte for byte what it would have been without this path. It sits
inside ``AccessAndLimitsMiddleware``, so auth, the body cap and the body deadline apply as before.

Example:
    >>> StepFastPath.session_id({"type": "http", "method": "POST", "path": "/v1/sessions/abc/step",
    ...                          "query_string": b"", "root_path": ""})
    'abc'
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from envgym.protocol import StepRequest
from envgym.protocol.errors import EnvgymError
from envgym_server.disconnect import step_watching
from envgym_server.limits import Receive, Send
from envgym_server.state import ServerState
from envgym_server.websocket import RawSocket, serve_socket

PREFIX, SUFFIX, WS_SUFFIX = "/v1/sessions/", "/step", "/ws"
JSON = b"application/json"
validate_step = StepRequest.model_validate_json


class StepFastPath:
    """ASGI middleware: the step route and the socket route served here, everything else passed on."""

    def __init__(self, app: Any, *, state: ServerState) -> None:
        self.app: Callable[[dict[str, Any], Receive, Send], Awaitable[None]] = app
        self.state = state

    @staticmethod
    def session_id(scope: dict[str, Any]) -> str | None:
        """The session id if this is a request for the fast path, else None."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("query_string"):
            return None
        return _path_session_id(scope, SUFFIX)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            socket_id = _path_session_id(scope, WS_SUFFIX)
            if socket_id is None:
                return await self.app(scope, receive, send)
            # The socket route's own handler, on the raw ASGI calls (websocket.RawSocket).
            return await serve_socket(RawSocket(scope["app"], receive, send), socket_id)
        session_id = self.session_id(scope)
        if session_id is None or not _declares_json(scope):
            return await self.app(scope, receive, send)
        messages: list[dict[str, Any]] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # a disconnect (or a refusal by AccessAndLimitsMiddleware)
                return await self.app(scope, _replay(messages, receive), send)
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        try:
            request = validate_step(body)
        except ValidationError:
            return await self.app(scope, _replay(messages, receive), send)
        try:
            result = await step_watching(receive, self.state.sessions, session_id, request.action)
        except EnvgymError as exc:
            # The handler the app registered for this error (envgym_server.errors), as ExceptionMiddleware would call it.
            response = await _handler_for(scope["app"], exc)(Request(scope, receive), exc)
            return await response(scope, receive, send)
        payload = result.__pydantic_serializer__.to_json(result)  # what model_dump_json encodes, as bytes
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(payload)).encode()), (b"content-type", JSON)],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _path_session_id(scope: dict[str, Any], suffix: str) -> str | None:
    """The id of a ``/v1/sessions/{id}<suffix>`` path (no root path), else None."""
    path: str = scope["path"]
    if scope.get("root_path") or not (path.startswith(PREFIX) and path.endswith(suffix)):
        return None
    session_id = path[len(PREFIX) : -len(suffix)]
    # FastAPI's {session_id} is one non-empty path segment.
    return session_id if session_id and "/" not in session_id else None


def _declares_json(scope: dict[str, Any]) -> bool:
    value: bytes  # ASGI header names and values are bytes
    for name, value in scope["headers"]:
        if name == b"content-type":  # the first one, as Starlette's Headers.get reads it
            return value == JSON or value.lower() == JSON
    return False


def _replay(messages: list[dict[str, Any]], receive: Receive) -> Receive:
    """A receive that hands out ``messages`` again, then the real ones."""
    pending = list(messages)

    async def replaying() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying


def _handler_for(app: Any, exc: Exception) -> Callable[[Request, Exception], Awaitable[Response]]:
    for cls in type(exc).__mro__:
        handler: Callable[[Request, Exception], Awaitable[Response]] | None = app.exception_handlers.get(cls)
        if handler is not None:
            return handler
    raise exc  # unreachable while install_error_handlers registers EnvgymError
