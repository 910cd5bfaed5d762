"""Bearer-token auth and the request body cap, as one pure ASGI middleware (no per-request
Starlette ``Request`` objects on the hot path).

* Auth: when the server has a token, every HTTP request and WebSocket handshake must carry
  ``Authorization: Bearer <token>``; only ``/healthz`` stays open. A missing or wrong token is 401
  ``unauthorized`` (for a WebSocket, the handshake is answered with that 401 response).
* Body cap: a declared ``Content-Length`` over ``max_body_bytes`` is refused before any byte is
  read; a chunked body is counted while it arrives and refused the moment it passes the cap, so a
  giant body is never buffered. Both are 413 ``payload_too_large``.
* Body deadline: a body that has not fully arrived ``body_timeout_s`` after the app first asked for
  it is refused with 408 ``request_timeout`` (a slow or vanished client holds nothing for ever).
  The deadline for the request line and headers is uvicorn's side (``envgym_server.protocol``).
* The token is compared in constant time (``hmac.compare_digest``); the scheme is case-insensitive
  (RFC 9110), the token exact: no prefix, no extension, no empty token.

Example:
    >>> mw = AccessAndLimitsMiddleware(app=None, token="s3cret", max_body_bytes=1024)
    >>> mw.authorized({"headers": [(b"authorization", b"Bearer s3cret")]})
    True
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any, Awaitable, Callable, MutableMapping

from envgym_server.errors import error_body

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
# The ASGI calls as this middleware uses them (servers hand out dict messages; a send takes any mapping).
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class AccessAndLimitsMiddleware:
    def __init__(
        self,
        app: Any,
        *,
        token: str | None,
        max_body_bytes: int,
        body_timeout_s: float = 30.0,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.app: Callable[[dict[str, Any], Receive, Send], Awaitable[None]] = app
        self.token = token.encode() if token else None
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.on_error = on_error or (lambda code: None)

    def authorized(self, scope: dict[str, Any]) -> bool:
        if self.token is None:
            return True
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, supplied = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(supplied.strip(), self.token)
        return False

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            return await self.app(scope, receive, send)
        if self.token is not None and scope.get("path") not in OPEN_PATHS and not self.authorized(scope):
            return await self._reject_unauthorized(kind, scope, send)
        if kind != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await self._send_error(
                        send, 422, "invalid_request", "the Content-Length header is not a number"
                    )
                if declared > self.max_body_bytes:
                    return await self._too_large(send, declared)
                break
        await self._call_counting(scope, receive, send)

    async def _call_counting(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """Run the app with a ``receive`` that refuses the request as soon as the body passes the cap
        or its deadline. The app then sees a disconnect, and whatever it tries to send is dropped
        (the 413 or 408 is already out)."""
        received = 0
        refused = False
        body_done = False
        deadline: float | None = None

        async def counting_receive() -> dict[str, Any]:
            nonlocal received, refused, body_done, deadline
            if refused:
                return {"type": "http.disconnect"}
            if body_done:  # after the body only a disconnect can come: no deadline
                return await receive()
            if deadline is None:
                deadline = asyncio.get_running_loop().time() + self.body_timeout_s
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                refused = True
                await self._send_error(
                    send,
                    408,
                    "request_timeout",
                    f"the request body did not arrive within the server's limit of {self.body_timeout_s:g} s "
                    "(--body-timeout)",
                    {"body_timeout_s": self.body_timeout_s},
                )
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    refused = True
                    await self._too_large(send, received)
                    return {"type": "http.disconnect"}
                body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message: MutableMapping[str, Any]) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _too_large(self, send: Send, size: int) -> None:
        await self._send_error(
            send,
            413,
            "payload_too_large",
            f"the request body ({size} bytes or more) is larger than the server's limit of "
            f"{self.max_body_bytes} bytes (--max-body-bytes)",
            {"max_body_bytes": self.max_body_bytes},
        )

    async def _reject_unauthorized(self, kind: str, scope: dict[str, Any], send: Send) -> None:
        message = (
            "missing or wrong bearer token: send 'Authorization: Bearer <token>' (the server's --token / ENVGYM_TOKEN)"
        )
        if kind == "http":
            return await self._send_error(
                send, 401, "unauthorized", message, headers=[(b"www-authenticate", b"Bearer")]
            )
        if "websocket.http.response" in scope.get("extensions", {}):
            return await self._send_error(send, 401, "unauthorized", message, kind="websocket.http")
        self.on_error("unauthorized")
        await send({"type": "websocket.close", "code": 1008, "reason": "unauthorized"})

    async def _send_error(
        self,
        send: Send,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        kind: str = "http",
    ) -> None:
        """The error response, as ``kind`` sends it: ``http``, or ``websocket.http`` (a refused handshake)."""
        self.on_error(code)
        body = error_body(code, message, details)
        await send(
            {
                "type": f"{kind}.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *([(b"connection", b"close")] if kind == "http" else []),
                    *(headers or []),
                ],
            }
        )
        await send({"type": f"{kind}.response.body", "body": body})
