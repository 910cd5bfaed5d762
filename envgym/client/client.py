"""The envgym HTTP client: ``AsyncClient`` and its blocking twin ``Client``.

Generic over every environment: requests and replies are the shared models of
``envgym.protocol``, never per-environment code. Connections are kept alive and reused across
all calls (several ``httpx`` pools of up to 8 connections, filled in order). A server error is raised
as the ``envgym.protocol.errors`` class of its code (``UnknownSession``, ``CapacityExhausted`` with
``retry_after`` ...), a network failure as ``ServerUnreachable`` and a client-side timeout as
``ClientTimeout``.

``episode(env_id)`` returns a handle with ``reset(task)``, ``step(action)`` and ``close()``, the
``Episode`` port of ``envgym.agents.loop``, so ``run_episode`` plays remote episodes exactly like local
ones; ``websocket=True`` carries that episode over one WebSocket (needs the ``websockets`` package).

Example:
    >>> async def main():                                          # doctest: +SKIP
    ...     async with AsyncClient("http://127.0.0.1:8000") as client:
    ...         created = await client.create_session("debug/counter", task_id="count-to-1")
    ...         result = await client.step(created.session_id, Action.call("increment"))
    ...         await client.close_session(created.session_id)
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import ssl
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from envgym.client.http import ConnectionLost, StepConnection
from envgym.kernel.sync import Blocking, SyncEpisode, blocking_method
from envgym.protocol import (
    Action,
    EnvironmentDetail,
    EnvironmentSummary,
    Grade,
    GradeRequest,
    ResetResult,
    SessionCreate,
    SessionCreated,
    SessionState,
    StepRequest,
    StepResult,
    Task,
    TaskList,
)
from envgym.protocol.errors import EnvgymError, InvalidRequest, error_from_body

if TYPE_CHECKING:
    from envgym.client.ws import WebSocketEpisode

M = TypeVar("M", bound=BaseModel)
DEFAULT_URL = "http://127.0.0.1:8000"
POOL_SHARD_SIZE = 8


def error_from_response(response: httpx.Response) -> EnvgymError:
    """The typed error a non-2xx answer of an envgym server stands for (its ``retry_after`` set from
    the ``Retry-After`` header); an answer without an envgym error body is a plain ``EnvgymError``.

    Example:
        >>> answer = httpx.Response(503, json={"error": {"code": "capacity_exhausted", "message": "full"}},
        ...                         headers={"retry-after": "2"}, request=httpx.Request("GET", "http://h/"))
        >>> exc = error_from_response(answer)
        >>> exc.code, exc.retry_after
        ('capacity_exhausted', 2.0)
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        exc = error_from_body(body, response.status_code)
    else:
        exc = EnvgymError(
            f"HTTP {response.status_code} from {response.request.url}: {response.text[:500]}",
            details={"status": response.status_code},
        )
    retry_after = response.headers.get("retry-after")
    if retry_after is not None:
        with contextlib.suppress(ValueError):
            exc.retry_after = float(retry_after)
    return exc


class ServerUnreachable(EnvgymError):
    """The server could not be reached (refused, reset, DNS, TLS). Nothing was necessarily done."""

    code = "server_unreachable"
    http_status = 503


class ClientTimeout(EnvgymError):
    """No answer within the client's ``timeout``; the server may still be working on the request."""

    code = "client_timeout"
    http_status = 504


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes a noticeable fraction of a second; every pool shares one context.
    return httpx.create_ssl_context()


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors()[:5])


def checked_input(model: type[M], what: str, value: Any) -> M:
    """``value`` as ``model``; an invalid value is the caller's ``InvalidRequest``, raised before anything is sent.

    Example:
        >>> checked_input(Action, "the action", {"tool_calls": "ls"})
        Traceback (most recent call last):
        envgym.protocol.errors.InvalidRequest: [invalid_request] the action is not valid (tool_calls: Input should be a valid list); see the Action model in envgym.protocol
    """
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise InvalidRequest(
            f"{what} is not valid ({_problems(exc)}); see the {model.__name__} model in envgym.protocol",
            details={"errors": exc.errors(include_url=False, include_input=False)},
        ) from None


def _answer(model: type[M], response: httpx.Response) -> M:
    """The server's answer as ``model``; an answer that is not one is a server/client version mismatch."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise EnvgymError(
            f"{response.request.method} {response.request.url} answered with a body that is not a valid "
            f"{model.__name__} ({_problems(exc)}); is it an envgym server of a version this client speaks?",
            details={"errors": exc.errors(include_url=False, include_input=False)},
        ) from None


class AsyncClient:
    """Async client for one envgym server. Use as ``async with AsyncClient(url) as client``.

    ``transport`` (an ``httpx.AsyncBaseTransport``) lets tests and in-process users talk to an ASGI
    app directly, e.g. ``httpx.ASGITransport(app)``.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        max_connections: int = 1000,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token if token is not None else (os.environ.get("ENVGYM_TOKEN") or None)
        self.timeout = timeout
        self._headers = [(b"authorization", f"Bearer {self.token}".encode())] if self.token else []
        self._json_headers = [*self._headers, (b"content-type", b"application/json")]
        self._timeouts = httpx.Timeout(timeout, connect=min(timeout, 10.0)).as_dict()
        # Requests go straight to httpx transports (no httpx.AsyncClient: no redirects, cookies or
        # auth flows to run), which costs the client about 40% less CPU per step.
        # httpcore's pool does work proportional to (connections x requests) on every request
        # event, which collapses at a thousand in-flight requests. Several small pools keep that
        # cost flat; a request goes to the first pool with a free connection, so at low
        # concurrency everything stays on the first pool's warm keep-alive connections.
        shards = 1 if transport is not None else max(1, -(-max_connections // POOL_SHARD_SIZE))
        per_shard = -(-max_connections // shards)
        limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard, keepalive_expiry=60.0)
        self._pools: list[httpx.AsyncBaseTransport] = (
            [transport]
            if transport is not None
            else [
                # httpcore writes a request's headers and body separately; without TCP_NODELAY the body
                # waits for the server's delayed ACK (measured: ~40 ms per POST on loopback instead of ~1 ms).
                httpx.AsyncHTTPTransport(
                    verify=_ssl_context(), limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
                )
                for _ in range(shards)
            ]
        )
        self._per_pool = per_shard
        self._in_flight = [0] * shards

        url = httpx.URL(self.base_url)
        # Steps of REST episodes go over a StepConnection of their own (envgym.client.http) when
        # the server is plain HTTP and no custom transport is given; everything else uses httpx.
        self._step_target = (
            (url.host, url.port or 80, url.raw_path.rstrip(b"/"))
            if url.scheme == "http" and transport is None
            else None
        )

    def step_connection(self) -> StepConnection | None:
        """A new keep-alive connection for one episode's steps, or None where httpx must carry them
        (https, a custom transport)."""
        if self._step_target is None:
            return None
        host, port, _ = self._step_target
        return StepConnection(host, port, headers=self._headers, timeout=self.timeout)

    # ------------------------------------------------------------------ plumbing
    def _no_answer(self, method: str, path: str, exc: BaseException) -> ClientTimeout | ServerUnreachable:
        """A request that got no answer: ``ClientTimeout`` when the client's timeout ran out, else ``ServerUnreachable``."""
        if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
            return ClientTimeout(
                f"{method} {self.base_url}{path} got no answer within {self.timeout:g} s "
                f"({type(exc).__name__}); raise the client's timeout or check the server's load",
                details={"url": f"{self.base_url}{path}"},
            )
        return ServerUnreachable(
            f"cannot reach the envgym server at {self.base_url} ({type(exc).__name__}: {exc}); "
            "is `envgym serve` running there, and are host and port right?",
            details={"url": self.base_url},
        )

    async def _request(
        self, method: str, path: str, *, content: str | bytes | None = None, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        request = httpx.Request(
            method,
            self.base_url + path,
            params=params,
            content=content,
            headers=self._json_headers if content is not None else self._headers,
            extensions={"timeout": self._timeouts},
        )
        pool = self._pick_pool()
        self._in_flight[pool] += 1
        try:
            response = await self._pools[pool].handle_async_request(request)
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.TransportError as exc:  # httpx.TimeoutException included
            raise self._no_answer(method, path, exc) from exc
        finally:
            self._in_flight[pool] -= 1
        response.request = request
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    def _pick_pool(self) -> int:
        for index, busy in enumerate(self._in_flight):
            if busy < self._per_pool:
                return index
        return min(range(len(self._in_flight)), key=self._in_flight.__getitem__)

    # ------------------------------------------------------------------ service
    async def healthz(self) -> dict[str, Any]:
        health: dict[str, Any] = (await self._request("GET", "/healthz")).json()
        return health

    async def metrics(self) -> str:
        """The Prometheus text of ``/metrics``."""
        return (await self._request("GET", "/metrics")).text

    # ------------------------------------------------------------------ environments and tasks
    async def environments(self) -> list[EnvironmentSummary]:
        data = (await self._request("GET", "/v1/environments")).json()
        return [EnvironmentSummary.model_validate(item) for item in data]

    async def environment(self, env_id: str) -> EnvironmentDetail:
        return _answer(EnvironmentDetail, await self._request("GET", f"/v1/environments/{env_id}"))

    async def tasks(
        self, env_id: str, offset: int = 0, limit: int = 100, split: str | None = None, suite: str | None = None
    ) -> TaskList:
        given = {"offset": offset, "limit": limit, "split": split, "suite": suite}
        params = {k: v for k, v in given.items() if v is not None}
        return _answer(TaskList, await self._request("GET", f"/v1/environments/{env_id}/tasks", params=params))

    # ------------------------------------------------------------------ sessions
    async def create_session(
        self,
        env: str,
        task_id: str | None = None,
        task: Task | None = None,
        seed: int | None = None,
        options: dict[str, Any] | None = None,
        ttl_s: float | None = None,
    ) -> SessionCreated:
        body = checked_input(
            SessionCreate,
            "the session request",
            dict(env=env, task_id=task_id, task=task, seed=seed, options=options or {}, ttl_s=ttl_s),
        )
        response = await self._request("POST", "/v1/sessions", content=body.model_dump_json(exclude_none=True))
        return _answer(SessionCreated, response)

    async def step(
        self, session_id: str, action: Action | str | dict[str, Any], *, connection: StepConnection | None = None
    ) -> StepResult:
        """One step of a session; ``connection`` (from ``step_connection``) carries it instead of httpx."""
        body = StepRequest(action=checked_input(Action, "the action", action)).model_dump_json(exclude_none=True)
        path = f"/v1/sessions/{session_id}/step"
        if connection is None or self._step_target is None:
            return _answer(StepResult, await self._request("POST", path, content=body))
        try:
            status, headers, content = await connection.post(self._step_target[2] + path.encode(), body.encode())
        except (TimeoutError, ConnectionLost) as exc:
            raise self._no_answer("POST", path, exc) from exc
        response = httpx.Response(
            status, headers=list(headers.items()), content=content, request=httpx.Request("POST", self.base_url + path)
        )
        if status >= 400:
            raise error_from_response(response)
        return _answer(StepResult, response)

    async def get_session(self, session_id: str) -> SessionState:
        return _answer(SessionState, await self._request("GET", f"/v1/sessions/{session_id}"))

    async def close_session(self, session_id: str) -> bool:
        """Close a session; True if the server still knew it. Idempotent."""
        return bool((await self._request("DELETE", f"/v1/sessions/{session_id}")).json().get("existed"))

    async def grade(self, **fields: Any) -> Grade:
        """``POST /v1/grade`` with the fields of ``GradeRequest`` (grader | env, task_id | task, submission | trajectory)."""
        body = checked_input(GradeRequest, "the grade request", fields).model_dump_json(exclude_none=True)
        return _answer(Grade, await self._request("POST", "/v1/grade", content=body))

    def episode(
        self, env_id: str, options: dict[str, Any] | None = None, websocket: bool = False
    ) -> RemoteEpisode | WebSocketEpisode:
        """A handle for one remote episode (``reset``/``step``/``close``), over REST or one WebSocket."""
        if websocket:
            from envgym.client.ws import WebSocketEpisode

            return WebSocketEpisode(self, env_id, options)
        return RemoteEpisode(self, env_id, options)

    # ------------------------------------------------------------------ lifetime
    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class RemoteEpisode:
    """One episode on the server over REST: ``reset`` creates the session, ``close`` deletes it (over one
    WebSocket: the subclass ``envgym.client.ws.WebSocketEpisode``).

    Example: ``result = await run_episode(client.episode("debug/counter"), agent, task, env_cls)``
    """

    def __init__(self, client: AsyncClient, env_id: str, options: dict[str, Any] | None = None) -> None:
        self.client = client
        self.env_id = env_id
        self.options = dict(options or {})
        self.session_id: str | None = None
        self._connection: StepConnection | None = None

    async def reset(self, task: Task | str, seed: int | None = None) -> ResetResult:
        """Start the episode (a ``Task`` is sent by id; a ``str`` is a task id). A second reset starts a new session."""
        if self.session_id is not None:
            await self.close()
        task_id = task.id if isinstance(task, Task) else task
        created = await self.client.create_session(self.env_id, task_id, seed=seed, options=self.options)
        self.session_id = created.session_id
        return ResetResult(observation=created.observation, info=created.info)

    async def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        if self.session_id is None:
            raise EnvgymError("call reset() before step()")
        if self._connection is None:
            self._connection = self.client.step_connection()
        return await self.client.step(self.session_id, action, connection=self._connection)

    async def close(self) -> None:
        session_id, self.session_id = self.session_id, None
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        if session_id is not None:
            await self.client.close_session(session_id)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


# ---------------------------------------------------------------------- the blocking client


class Client(Blocking):
    """Blocking twin of ``AsyncClient`` (same methods, same errors). It drives one ``AsyncClient``
    on a private event-loop thread, so there is a single implementation of every call and the
    WebSocket episodes work synchronously too; it also works inside Jupyter's running loop.

    Example:
        >>> with Client("http://127.0.0.1:8000") as client:          # doctest: +SKIP
        ...     ep = client.episode("debug/echo")
        ...     obs = ep.reset("echo-3").observation
        ...     ep.step("delta").reward
        ...     ep.close()
        1.0
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        max_connections: int = 100,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(name="envgym-client")
        # The underlying AsyncClient (use it only from self._loop).
        self.aio = self._build(
            AsyncClient, base_url, token=token, timeout=timeout, max_connections=max_connections, transport=transport
        )
        self.base_url = self.aio.base_url

    healthz = blocking_method(AsyncClient.healthz)
    metrics = blocking_method(AsyncClient.metrics)
    environments = blocking_method(AsyncClient.environments)
    environment = blocking_method(AsyncClient.environment)
    tasks = blocking_method(AsyncClient.tasks)
    create_session = blocking_method(AsyncClient.create_session)
    step = blocking_method(AsyncClient.step)
    get_session = blocking_method(AsyncClient.get_session)
    close_session = blocking_method(AsyncClient.close_session)

    def grade(self, **fields: Any) -> Grade:  # **fields: blocking_method cannot type a self-then-keywords method
        return self._run(self.aio.grade(**fields))

    def episode(self, env_id: str, options: dict[str, Any] | None = None, websocket: bool = False) -> SyncEpisode:
        """A blocking handle for one remote episode (``reset``/``step``/``close``), on this client's loop."""
        return SyncEpisode(self.aio.episode(env_id, options, websocket), self._loop)

    async def _aclose(self) -> None:
        await self.aio.aclose()


__all__ = ["AsyncClient", "Client", "ClientTimeout", "RemoteEpisode", "ServerUnreachable", "SyncEpisode"]
