"""A pool of environment workers as Ray actors across a cluster (the ``envgym[ray]`` extra).

``AsyncEnvPool``/``EnvPool`` offer the client's calls — ``create_session``, ``step``,
``close_session``, ``episode(env_id)`` (an ``envgym.kernel.episode.Episode`` for ``run_episode``) and
``rollout`` (a whole episode played on the worker) — over environment workers placed by Ray.

* Session affinity: a session lives on the worker that created it; every step goes there.
* Backpressure: each worker holds at most ``max_sessions_per_worker`` sessions; ``create_session``
  waits for room up to ``acquire_timeout_s``, then raises ``CapacityExhausted``.
* Worker failure: when a worker (or its node) dies, every episode on it ends with status
  ``env_error`` (``step`` returns a terminal StepResult saying so) and the pool starts a replacement.
* Limits: each worker is a face of the episode host (``envgym.host``) with ``limits``
  (``HostLimits``: step timeout, idle reaping, session lifetime, caps on hand-made tasks), so a step
  that overruns is cancelled, raises ``StepTimeout`` and ends its episode as ``timeout`` with its
  resources released, exactly as on the HTTP server; a worker's ``rollout`` plays its episode as a
  session of the same host.

Example:
    >>> pool = EnvPool(num_workers=2, address="auto")                    # doctest: +SKIP
    >>> created = pool.create_session("debug/echo", task_id="echo-0")    # doctest: +SKIP
    >>> pool.step(created.session_id, "alpha").reward                    # doctest: +SKIP
    1.0
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from envgym.agents import get_agent
from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.host import EpisodeHost, HostEpisode, TrackedContext
from envgym.host.limits import HostLimits
from envgym.kernel.families import resolve
from envgym.kernel.settings import check_settings
from envgym.kernel.sync import Blocking, blocking_method
from envgym.protocol import (
    Action,
    EpisodeStatus,
    ErrorInfo,
    Observation,
    ResetResult,
    SessionCreate,
    SessionCreated,
    StepResult,
    Task,
)
from envgym.protocol.errors import CapacityExhausted, InvalidRequest, UnknownSession

try:
    import ray
except ImportError as _exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("envgym.adapters.ray needs Ray: pip install 'envgym[ray]'") from _exc


# What a dead worker (or its node) raises at its callers.
_ACTOR_DEATH = (
    ray.exceptions.RayActorError,
    ray.exceptions.ActorUnavailableError,
    ray.exceptions.WorkerCrashedError,
    ray.exceptions.NodeDiedError,
)


class EnvWorker:
    """One Ray actor holding many episodes (an async actor: episodes interleave on its event loop),
    as a face of the episode host (``envgym.host.EpisodeHost``): the same step timeout, idle reaping,
    session lifetime, caps on hand-made tasks and forced cleanup as the HTTP server's sessions."""

    def __init__(
        self, sandbox: str = "bwrap", settings: dict[str, Any] | None = None, limits: dict[str, Any] | None = None
    ) -> None:
        host_limits = HostLimits.model_validate(limits or {})
        # Environments size their commands' time budgets under the host's step timeout, as on the server.
        merged = {**(settings or {}), "step_timeout_s": host_limits.step_timeout_s}
        self.context = TrackedContext(sandbox=sandbox, settings=merged)
        self.host = EpisodeHost(host_limits, self.context)

    def ping(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}:{ray.get_runtime_context().get_node_id()}"

    async def open(self, session_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Open a session for a ``SessionCreate`` (as JSON) under the pool's ``session_id``."""
        self.host.start_reaper()  # here: it needs the actor's running event loop
        _, result = await self.host.create(SessionCreate.model_validate(request), session_id=session_id)
        return result.model_dump(mode="json")

    async def step(self, session_id: str, action: dict[str, Any]) -> dict[str, Any]:
        result = await self.host.step(session_id, Action.model_validate(action), transport="ray")
        return result.model_dump(mode="json")

    async def close(self, session_id: str) -> None:
        await self.host.close(session_id)

    def status(self, session_id: str) -> str:
        """The session's status as the host knows it (a finished session stays known until closed)."""
        return self.host.get(session_id).status.value

    async def rollout(
        self,
        env_id: str,
        task_id: str,
        agent_name: str,
        agent_config: dict[str, Any],
        seed: int | None,
        options: dict[str, Any] | None,
    ) -> dict[str, Any]:
        ref = resolve(env_id)
        agent = get_agent(agent_name, **agent_config)
        self.host.start_reaper()
        try:
            # A session of the worker's host, like the pool's own sessions: the same limits apply.
            record = await run_episode(
                HostEpisode(self.host, env_id, options),
                agent,
                ref.get_task(task_id),
                ref.cls,
                seed=seed,
                env_id=env_id,
            )
        finally:
            await agent.aclose()
        return record.model_dump(mode="json")

    def open_sessions(self) -> int:
        """Sessions holding a slot of the host: open episodes and closes not yet finished."""
        return self.host.open_count


@dataclass
class _Slot:
    handle: Any
    sessions: set[str] = field(default_factory=set)
    alive: bool = True


class AsyncEnvPool:
    """The async pool. ``address``: a Ray cluster address (``"auto"``, ``"ray://host:10001"``) or
    None to use/start a local Ray. ``worker_resources``: Ray resources each worker asks for (e.g.
    ``{"envgym_worker": 0.01}`` to keep workers on nodes that offer that custom resource)."""

    def __init__(
        self,
        num_workers: int = 2,
        *,
        address: str | None = None,
        sandbox: str = "bwrap",
        settings: dict[str, Any] | None = None,
        limits: HostLimits | dict[str, Any] | None = None,
        max_sessions_per_worker: int = 64,
        acquire_timeout_s: float = 30.0,
        num_cpus_per_worker: float = 0.25,
        worker_resources: dict[str, float] | None = None,
        max_concurrency: int = 1000,
        scheduling_strategy: str = "SPREAD",
    ) -> None:
        if num_workers < 1:
            raise InvalidRequest("num_workers must be at least 1")
        # Checked here, so a wrong key fails in the caller rather than in every worker.
        self._limits = HostLimits.model_validate(limits or {}).model_dump()
        check_settings(settings or {})
        if not ray.is_initialized():
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
        self._actor_cls = ray.remote(EnvWorker).options(
            num_cpus=num_cpus_per_worker,
            resources=worker_resources or {},
            max_restarts=0,
            max_concurrency=max_concurrency,
            scheduling_strategy=scheduling_strategy,
        )
        self._sandbox, self._settings = sandbox, dict(settings or {})
        self.max_sessions_per_worker = max_sessions_per_worker
        self.acquire_timeout_s = acquire_timeout_s
        self._slots: list[_Slot] = [self._spawn() for _ in range(num_workers)]
        self._where: dict[str, _Slot] = {}
        self._dead_sessions: set[str] = set()
        self._room = asyncio.Condition()  # a slot freed: signalled by _freed
        self.replaced_workers = 0

    def _spawn(self) -> _Slot:
        return _Slot(self._actor_cls.remote(self._sandbox, self._settings, self._limits))

    async def _freed(self) -> None:
        async with self._room:
            self._room.notify_all()

    @property
    def num_workers(self) -> int:
        return len(self._slots)

    def open_sessions(self) -> int:
        return len(self._where)

    async def wait_ready(self) -> list[str]:
        """Wait until every worker answers; returns where each runs (host:pid:node)."""
        return list(await asyncio.gather(*(s.handle.ping.remote() for s in self._slots)))

    # ------------------------------------------------------------------ worker failure
    async def _replace(self, slot: _Slot) -> None:
        if not slot.alive:
            return
        slot.alive = False
        self._dead_sessions.update(slot.sessions)
        for sid in slot.sessions:
            self._where.pop(sid, None)
        slot.sessions.clear()
        with contextlib.suppress(Exception):  # it is already dead
            ray.kill(slot.handle, no_restart=True)
        self._slots[self._slots.index(slot)] = self._spawn()
        self.replaced_workers += 1
        await self._freed()

    # ------------------------------------------------------------------ sessions
    async def _acquire(self) -> _Slot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.acquire_timeout_s
        async with self._room:
            while True:
                candidates = [s for s in self._slots if s.alive and len(s.sessions) < self.max_sessions_per_worker]
                if candidates:
                    return min(candidates, key=lambda s: len(s.sessions))
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise CapacityExhausted(
                        f"all {len(self._slots)} workers hold {self.max_sessions_per_worker} sessions; close some or add workers",
                        retry_after=1.0,
                    )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._room.wait(), remaining)

    async def create_session(
        self,
        env: str,
        task_id: str | None = None,
        task: Task | None = None,
        seed: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> SessionCreated:
        if (task_id is None) == (task is None):
            raise InvalidRequest("give exactly one of task_id or task")
        request = SessionCreate(env=env, task_id=task_id, task=task, seed=seed, options=options or {})
        session_id = uuid.uuid4().hex
        slot = await self._acquire()
        slot.sessions.add(session_id)
        self._where[session_id] = slot
        try:
            raw = await slot.handle.open.remote(session_id, request.model_dump(mode="json"))
        except BaseException as exc:
            slot.sessions.discard(session_id)
            self._where.pop(session_id, None)
            if isinstance(exc, _ACTOR_DEATH):
                await self._replace(slot)
            raise _unwrap(exc) from None
        reset = ResetResult.model_validate(raw)
        return SessionCreated(session_id=session_id, observation=reset.observation, info=reset.info)

    async def step(self, session_id: str, action: Action | str | dict[str, Any]) -> StepResult:
        action = action if isinstance(action, Action) else Action.model_validate(action)
        if session_id in self._dead_sessions:
            # Every episode of a dead worker learns of it once, as a terminal env_error step.
            self._dead_sessions.discard(session_id)
            return _worker_lost("its worker was replaced after dying")
        slot = self._where.get(session_id)
        if slot is None:
            raise UnknownSession(f"no open session {session_id!r} in this pool")
        try:
            raw = await slot.handle.step.remote(session_id, action.model_dump(mode="json", exclude_none=True))
        except BaseException as exc:
            if isinstance(exc, _ACTOR_DEATH):
                await self._replace(slot)
                self._dead_sessions.discard(session_id)
                return _worker_lost(type(exc).__name__)
            raise _unwrap(exc) from None
        return StepResult.model_validate(raw)

    async def close_session(self, session_id: str) -> None:
        self._dead_sessions.discard(session_id)
        slot = self._where.pop(session_id, None)
        if slot is None:
            return
        slot.sessions.discard(session_id)
        try:
            await slot.handle.close.remote(session_id)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, _ACTOR_DEATH):
                await self._replace(slot)
        await self._freed()

    def episode(self, env_id: str, options: dict[str, Any] | None = None) -> "PoolEpisode":
        return PoolEpisode(self, env_id, options)

    async def rollout(
        self,
        env_id: str,
        task_id: str,
        *,
        agent: str = "oracle",
        agent_config: dict[str, Any] | None = None,
        n: int = 1,
        seed: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> list[EpisodeRecord]:
        """Play ``n`` whole episodes on the workers; a dead worker's episode comes back as env_error."""

        async def one(i: int) -> EpisodeRecord:
            slot = await self._acquire()
            marker = f"rollout-{uuid.uuid4().hex}"
            slot.sessions.add(marker)
            try:
                raw = await slot.handle.rollout.remote(
                    env_id, task_id, agent, agent_config or {}, None if seed is None else seed + i, options
                )
                return EpisodeRecord.model_validate(raw)
            except BaseException as exc:
                if not isinstance(exc, _ACTOR_DEATH):
                    raise _unwrap(exc) from None
                await self._replace(slot)
                return EpisodeRecord(
                    env=env_id,
                    task_id=task_id,
                    agent=agent,
                    status=EpisodeStatus.env_error,
                    error={"code": "env_error", "message": f"worker lost: {type(exc).__name__}"},
                )
            finally:
                slot.sessions.discard(marker)
                await self._freed()

        return list(await asyncio.gather(*(one(i) for i in range(n))))

    async def aclose(self) -> None:
        for sid in list(self._where):
            await self.close_session(sid)
        for slot in self._slots:
            with contextlib.suppress(Exception):
                ray.kill(slot.handle, no_restart=True)
        self._slots = []

    async def __aenter__(self) -> "AsyncEnvPool":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _worker_lost(why: str) -> StepResult:
    error = ErrorInfo(code="env_error", message=f"worker lost: {why}")
    return StepResult(
        observation=Observation.user("The environment worker died; this episode cannot go on."),
        terminated=True,
        status=EpisodeStatus.env_error,
        error=error,
        info={"status": EpisodeStatus.env_error.value, "error": {"code": error.code, "message": error.message}},
    )


def _unwrap(exc: BaseException) -> BaseException:
    """Ray wraps an actor's exception; hand the envgym error inside back to the caller as itself."""
    cause: BaseException | None = getattr(exc, "cause", None)
    if isinstance(exc, ray.exceptions.RayTaskError) and cause is not None:
        return cause
    return exc


class PoolEpisode:
    """The ``Episode`` port over a pool (``reset`` opens a session on some worker)."""

    def __init__(self, pool: AsyncEnvPool, env_id: str, options: dict[str, Any] | None) -> None:
        self.pool, self.env_id, self.options = pool, env_id, options
        self.session_id: str | None = None

    async def reset(self, task: Task | str, seed: int | None = None) -> ResetResult:
        task_id = task if isinstance(task, str) else task.id
        created = await self.pool.create_session(self.env_id, task_id=task_id, seed=seed, options=self.options)
        self.session_id = created.session_id
        return ResetResult(observation=created.observation, info=created.info)

    async def step(self, action: Action) -> StepResult:
        assert self.session_id is not None, "reset first"
        return await self.pool.step(self.session_id, action)

    async def close(self) -> None:
        if self.session_id is not None:
            await self.pool.close_session(self.session_id)


class EnvPool(Blocking):
    """Blocking facade over ``AsyncEnvPool`` (same methods, same arguments)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(name="envgym-ray-pool")
        self.aio = self._build(AsyncEnvPool, *args, **kwargs)

    wait_ready = blocking_method(AsyncEnvPool.wait_ready)
    create_session = blocking_method(AsyncEnvPool.create_session)
    step = blocking_method(AsyncEnvPool.step)
    close_session = blocking_method(AsyncEnvPool.close_session)
    rollout = blocking_method(AsyncEnvPool.rollout)

    async def _aclose(self) -> None:
        await self.aio.aclose()


class RayTarget:
    """What ``envgym eval --ray ADDRESS`` plays on: the tasks of an installed environment, each
    episode a ``pool.episode(env_id)`` of an ``AsyncEnvPool`` (so a dead worker ends its episodes
    ``env_error`` and is replaced). The plugin must be installed here and on every Ray node.
    ``address``: ``"auto"``, ``"ray://host:10001"``, a GCS ``host:port``, or None to start Ray here.

    Example:
        >>> target = RayTarget("debug/counter", "auto", num_workers=4)    # doctest: +SKIP
    """

    def __init__(
        self,
        env: str,
        address: str | None,
        *,
        num_workers: int = 2,
        sandbox: str = "bwrap",
        settings: dict[str, Any] | None = None,
        **pool_options: Any,
    ) -> None:
        self.ref = resolve(env)
        self.env_id = self.ref.suite_id
        self.env_cls = self.ref.cls
        self.tasks = self.ref.tasks()
        self._owns_ray = not ray.is_initialized()
        self.pool = AsyncEnvPool(num_workers, address=address, sandbox=sandbox, settings=settings, **pool_options)

    def new_episode(self) -> PoolEpisode:
        return self.pool.episode(self.env_id)

    async def aclose(self) -> None:
        try:
            await self.pool.aclose()
        finally:
            if self._owns_ray:
                ray.shutdown()
