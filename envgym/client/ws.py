"""Remote episodes over one WebSocket (``AsyncClient.episode(env_id, websocket=True)``).

The socket's session id is chosen here (a random hex id) and the ``reset`` message creates the
session under it; ``close`` deletes it, and if the connection drops the server closes the session
itself. Needs the ``websockets`` package (installed with envgym-server and envgym's test extra).

Example:
    >>> async def main(client):                                    # doctest: +SKIP
    ...     episode = client.episode("debug/counter", websocket=True)
    ...     await episode.reset("count-to-1")
    ...     (await episode.step(Action.call("submit"))).reward
    ...     await episode.close()
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from envgym.client.client import AsyncClient, ClientTimeout, RemoteEpisode, ServerUnreachable, checked_input
from envgym.protocol import Action, ResetResult, StepResult, Task, fill_outcome_from_info
from envgym.protocol.errors import EnvgymError, error_from_body
from envgym.protocol.ws import SERVER_MESSAGE, WsClose, WsError, WsReset, WsResetDone, WsStep, WsStepDone


class WebSocketEpisode(RemoteEpisode):
    """A ``RemoteEpisode`` whose ``reset``, steps and ``close`` go over one WebSocket."""

    def __init__(self, client: AsyncClient, env_id: str, options: dict[str, Any] | None = None) -> None:
        super().__init__(client, env_id, options)
        self._ws: Any = None

    def _url(self, session_id: str) -> str:
        base = self.client.base_url
        scheme, sep, rest = base.partition("://")
        ws_scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
        return f"{ws_scheme}{sep}{rest}/v1/sessions/{session_id}/ws"

    async def _connect(self, session_id: str) -> None:
        try:
            from websockets.asyncio.client import connect
            from websockets.exceptions import InvalidStatus
        except ImportError as exc:
            raise EnvgymError("WebSocket episodes need the 'websockets' package: pip install websockets") from exc
        headers = {"Authorization": f"Bearer {self.client.token}"} if self.client.token else None
        try:
            self._ws = await connect(
                self._url(session_id),
                additional_headers=headers,
                compression=None,
                open_timeout=self.client.timeout,
                max_size=None,
                ping_interval=None,
            )
        except InvalidStatus as exc:
            body = exc.response.body or b""
            try:
                raise error_from_body(json.loads(body), exc.response.status_code) from None
            except ValueError:
                raise EnvgymError(
                    f"the server refused the WebSocket with HTTP {exc.response.status_code}: "
                    f"{body[:300].decode(errors='replace')}"
                ) from None
        except (OSError, asyncio.TimeoutError) as exc:
            raise ServerUnreachable(
                f"cannot open a WebSocket to {self._url(session_id)} ({type(exc).__name__}: {exc}); "
                "is `envgym serve` running there?"
            ) from exc

    async def _call(self, message: Any) -> Any:
        from websockets.exceptions import ConnectionClosed

        if self._ws is None:
            raise EnvgymError("call reset() before step()")
        try:
            await self._ws.send(message.model_dump_json(exclude_none=True))
            # asyncio.timeout, not wait_for: on 3.11 wait_for wraps every reply in a new task.
            async with asyncio.timeout(self.client.timeout):
                raw = await self._ws.recv()
        except asyncio.TimeoutError as exc:
            raise ClientTimeout(
                f"no WebSocket reply within {self.client.timeout:g} s; raise the client's timeout"
            ) from exc
        except ConnectionClosed as exc:
            self._ws = None
            raise ServerUnreachable(f"the WebSocket of session {self.session_id} closed: {exc}") from exc
        reply = SERVER_MESSAGE.validate_json(raw)
        if isinstance(reply, WsError):
            raise error_from_body({"error": reply.error.model_dump()})
        return reply

    async def reset(self, task: Task | str, seed: int | None = None) -> ResetResult:
        """Open the socket and create the session (a ``Task`` is sent by id; a ``str`` is a task id)."""
        if self._ws is not None:
            await self.close()
        session_id = uuid.uuid4().hex
        await self._connect(session_id)
        task_id = task.id if isinstance(task, Task) else task
        try:
            reply: WsResetDone = await self._call(
                WsReset(env=self.env_id, task_id=task_id, seed=seed, options=self.options)
            )
        except BaseException:
            await self._drop()
            raise
        self.session_id = reply.session_id
        return ResetResult(observation=reply.observation, info=reply.info)

    async def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        act = checked_input(Action, "the action", action)
        reply: WsStepDone = await self._call(WsStep(action=act))
        return fill_outcome_from_info(reply.result)  # a protocol 1.0 server's result has no typed outcome

    async def close(self) -> None:
        if self._ws is None:
            return
        try:
            await self._call(WsClose())
        except EnvgymError:
            pass  # the session may already be gone; closing stays idempotent
        finally:
            await self._drop()

    async def _drop(self) -> None:
        ws, self._ws, self.session_id = self._ws, None, None
        if ws is not None:
            await ws.close()
