"""``WS /v1/sessions/{id}/ws``: reset, step and close over one socket (message shapes in
``envgym.protocol.ws``).

A socket either creates its session (``reset`` with the path's id, which the client chooses) or
attaches to one made with ``POST /v1/sessions``. A session the socket created is closed when the
socket goes away, so a crashed client leaves nothing behind; an attached one is left to its owner,
unless the socket goes away during a step: that step is cancelled and the session ends as
``agent_error``. A client's disconnect is logged at INFO, never as an error.

Example (Python, with the ``websockets`` package):
    >>> import json, websockets                                   # doctest: +SKIP
    >>> async with websockets.connect("ws://127.0.0.1:8000/v1/sessions/my-session-0001/ws") as ws:  # doctest: +SKIP
    ...     await ws.send(json.dumps({"type": "reset", "env": "debug/echo", "task_id": "echo-3"}))
    ...     await ws.recv()
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, MutableMapping

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from starlette.websockets import WebSocketDisconnect

from envgym.protocol import ErrorInfo, StepResult
from envgym.protocol.errors import EnvgymError
from envgym.protocol.ws import CLIENT_MESSAGE, WsClose, WsClosed, WsError, WsReset, WsResetDone, WsStep
from envgym_server.disconnect import Watch
from envgym_server.errors import invalid
from envgym_server.state import ServerState

log = logging.getLogger("envgym_server")
router = APIRouter()


def _error(code: str, message: str, msg_id: object = None, details: dict[str, Any] | None = None) -> WsError:
    return WsError(id=msg_id, error=ErrorInfo(code=code, message=message, details=details or {}))


def step_done(msg_id: str | int | None, result: StepResult) -> str:
    """``WsStepDone(id=msg_id, result=result).model_dump_json()``, without building the envelope
    model: the step's reply is the hot path (half the cost of the model's dump)."""
    return (
        b'{"type":"step","id":'
        + to_json(msg_id)
        + b',"result":'
        + result.__pydantic_serializer__.to_json(result)
        + b"}"
    ).decode()


class _Gone(Exception):
    """The client closed the socket or the connection dropped."""


class RawSocket:
    """The calls ``session_socket`` makes on a socket, straight on the ASGI ``receive``/``send``.
    Starlette's ``WebSocket`` checks its state on every frame, and in the app's stack every send
    passes two more wrappers; ``envgym_server.fastpath`` serves the socket route with this instead.
    Same messages as Starlette's: accept after the ``websocket.connect``, text frames, close."""

    __slots__ = ("app", "receive", "send")

    def __init__(
        self,
        app: Any,
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        self.app, self.receive, self.send = app, receive, send

    async def accept(self) -> None:
        message = await self.receive()
        if message["type"] != "websocket.connect":
            raise RuntimeError(f"expected the ASGI message 'websocket.connect', got {message['type']!r}")
        await self.send({"type": "websocket.accept", "subprotocol": None, "headers": []})

    async def send_text(self, data: str) -> None:
        await self.send({"type": "websocket.send", "text": data})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})


@router.websocket("/v1/sessions/{session_id}/ws")
async def session_socket(websocket: WebSocket, session_id: str) -> None:
    """The route (for a path ``envgym_server.fastpath`` leaves to FastAPI, e.g. under a root path)."""
    await serve_socket(websocket, session_id)


async def serve_socket(websocket: WebSocket | RawSocket, session_id: str) -> None:
    """One socket's session, on Starlette's ``WebSocket`` or a ``RawSocket`` (the same calls)."""
    state: ServerState = websocket.app.state.envgym
    sessions = state.sessions
    await websocket.accept()
    owned = False

    async def reply(message: BaseModel | str) -> None:
        if isinstance(message, WsError):
            state.metrics.errors.labels(code=message.error.code).inc()
        try:
            await websocket.send_text(message if isinstance(message, str) else message.model_dump_json())
        except Exception as exc:  # noqa: BLE001 — the peer is gone (closed, reset): not a server error
            raise _Gone from exc

    # Started only for a step that waits and is still running WATCH_AFTER_S later (as the REST
    # watch): a frame read ahead while a step runs, so a client that goes away mid-step has that step
    # cancelled at once (and its sandbox work stopped) instead of after it finishes. The frame it
    # reads is the next one served.
    watch = Watch(websocket.receive, lambda: sessions.cancel_step(session_id), "websocket.disconnect")
    next_frame: asyncio.Future[MutableMapping[str, Any]] | None = None

    try:
        while True:
            try:
                if next_frame is not None:
                    frame, next_frame = await next_frame, None
                else:
                    frame = await websocket.receive()
            except Exception as exc:  # noqa: BLE001 — a dropped connection surfaces here
                raise _Gone from exc
            if frame["type"] == "websocket.disconnect":
                raise _Gone
            raw = frame.get("text")
            if raw is None:
                raw = frame.get("bytes")
            if not raw:
                continue
            try:
                msg = CLIENT_MESSAGE.validate_json(raw)
            except ValidationError as exc:
                message, details = invalid("message", exc.errors())
                await reply(_error("invalid_request", message, details=details))
                continue
            try:
                if isinstance(msg, WsStep):  # the hot path first
                    try:
                        result = await sessions.step(session_id, msg.action, "ws", watch.arm)
                    finally:
                        next_frame = watch.take()
                    await reply(step_done(msg.id, result))
                elif isinstance(msg, WsReset):
                    session, reset = await sessions.create(msg, session_id=session_id)
                    owned = True
                    await reply(
                        WsResetDone(id=msg.id, session_id=session.id, observation=reset.observation, info=reset.info)
                    )
                elif isinstance(msg, WsClose):
                    await sessions.close(session_id)
                    owned = False
                    await reply(WsClosed(id=msg.id, session_id=session_id))
                    await websocket.close()
                    return
            except EnvgymError as exc:
                await reply(_error(exc.code, exc.message, msg.id, exc.details))
            except _Gone:
                raise
            except Exception as exc:  # noqa: BLE001 — report it on the socket, keep serving
                log.exception("unhandled error on the socket of session %s", session_id)
                await reply(_error("internal_error", f"internal server error: {type(exc).__name__}: {exc}", msg.id))
    except (_Gone, WebSocketDisconnect):
        log.info("the WebSocket of session %s was closed by the client", session_id)
    finally:
        if next_frame is not None:
            next_frame.cancel()
        if owned:
            await asyncio.shield(sessions.close(session_id))
