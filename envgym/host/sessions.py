"""The episode host: one ``Environment`` instance per session id, with the host's limits applied.
Every place episodes run for someone else is a face of it: the HTTP/WebSocket server
(``envgym_server``) and the Ray worker (``envgym.adapters.ray.EnvWorker``), so both give the same guarantees.

* capacity: at most ``max_sessions`` open at once; beyond it ``CapacityExhausted`` at once (never a wait);
* step timeout: a step runs under ``asyncio.timeout`` in its request's task, armed once the step
  first suspends (``envgym.host.deadline``; a reset or grade runs as a task of its own); when
  it overruns, it is cancelled (so the environment's awaits stop where they are), the session ends
  with status ``timeout`` and its environment and sandboxes are closed;
* idle reaping: sessions untouched for ``idle_timeout_s`` are closed and forgotten (never during a
  step), sessions older than ``max_session_lifetime_s`` are ended as ``timeout`` and forgotten;
* hand-made tasks: their sandboxes are checked against the host's caps (``HostLimits.task_caps``);
* a client that goes away mid-step (``cancel_step``) has that step cancelled and the session ended
  as ``agent_error``;
* ends: when an episode finishes (or times out) the environment is closed right away and the
  session stays readable as a *tombstone* (``GET`` shows its final status; ``step`` answers 409
  ``session_closed``) until ``DELETE``, the reaper, or ``max_finished_sessions`` newer tombstones
  remove it; afterwards its id is 404 ``unknown_session``.

Example:
    >>> import asyncio
    >>> from envgym.protocol import SessionCreate, Action
    >>> async def demo():
    ...     manager = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"))
    ...     session, reset = await manager.create(SessionCreate(env="debug/counter", task_id="count-to-1"))
    ...     result = await manager.step(session.id, Action.call("submit"))
    ...     await manager.aclose()
    ...     return result.reward, session.status.value
    >>> asyncio.run(demo())
    (0.0, 'completed')
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, TypeVar

from envgym.host.deadline import run_to_first_wait, within
from envgym.host.limits import HostLimits
from envgym.host.metrics import HostMetrics
from envgym.host.tracking import TrackedContext
from envgym.kernel.environment import Environment
from envgym.kernel.families import EnvRef, resolve
from envgym.protocol import Action, EpisodeStatus, ResetResult, SessionCreate, SessionState, StepResult, Task
from envgym.protocol.errors import (
    CapacityExhausted,
    EnvgymError,
    EnvironmentFailed,
    InvalidRequest,
    SessionClosed,
    StepTimeout,
    UnknownSession,
)

log = logging.getLogger("envgym.host")
T = TypeVar("T")

SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
CANCEL_GRACE_S = 5.0  # how long a cancelled step may take to unwind before it is abandoned


async def load_task(ref: EnvRef, task_id: str) -> Task:
    """``ref.get_task``, loading a suite for the first time in a thread: generating or reading a
    big suite must not stall every other session's steps."""
    if ref.cls.tasks_loaded(ref.suite):
        return ref.get_task(task_id)
    return await asyncio.to_thread(ref.get_task, task_id)


@dataclass(eq=False)
class Session:
    id: str
    env_id: str
    env: Environment
    task: Task
    seed: int | None
    context: TrackedContext
    created_at: float = field(default_factory=time.time)
    started: float = field(default_factory=time.monotonic)
    last_active_at: float = field(default_factory=time.time)
    last_active: float = field(default_factory=time.monotonic)
    steps: int = 0
    status: EpisodeStatus = EpisodeStatus.running
    closed: bool = False
    busy: bool = False
    interrupted: str | None = None  # why the running step was cancelled: "closed" or "client_gone"
    hand_made: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    current: asyncio.Task[Any] | None = None
    close_task: asyncio.Task[None] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    ttl_s: float | None = None  # chosen at creation: reaped after this many idle seconds (see reap_ttl)

    def touch(self) -> None:
        self.last_active = time.monotonic()
        self.last_active_at = time.time()

    def state(self) -> SessionState:
        return SessionState(
            session_id=self.id,
            env=self.env_id,
            task_id=self.task.id,
            status=self.status,
            steps=self.steps,
            created_at=self.created_at,
            last_active_at=self.last_active_at,
            closed=self.closed,
            stepping=self.busy,
            timings=dict(self.timings),
        )


class EpisodeHost:
    """The table of sessions of one host, and every limit on them (``HostLimits``). All methods run
    on the host's event loop."""

    def __init__(self, config: HostLimits, context: TrackedContext, metrics: HostMetrics | None = None) -> None:
        self.config = config
        self.context = context
        self.metrics = metrics if metrics is not None else HostMetrics()
        self._sessions: dict[str, Session] = {}
        self._finished: dict[str, None] = {}  # ids of finished sessions still in the table, oldest first
        self.loaded_families: dict[str, type[Environment]] = {}  # for /readyz
        self._open = 0  # slots held by open sessions and by creations in progress
        self._closing: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._shutting_down = False
        self._ttl_added = asyncio.Event()

    # ------------------------------------------------------------------ inspection
    @property
    def open_count(self) -> int:
        """Sessions holding a slot (open episodes, creations in progress, closes not yet finished)."""
        return self._open

    @property
    def known_count(self) -> int:
        """Sessions in the table, tombstones included."""
        return len(self._sessions)

    def get(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise UnknownSession(
                f"no session {session_id!r}: it never existed, was deleted, or was closed after "
                f"{self.config.idle_timeout_s:g} s idle; create a new one with POST /v1/sessions",
                details={"session_id": session_id},
            )
        return session

    # ------------------------------------------------------------------ lifecycle
    async def create(self, request: SessionCreate, session_id: str | None = None) -> tuple[Session, ResetResult]:
        """Build the environment and reset it. ``session_id`` lets a WebSocket client name its session."""
        if session_id is None:
            session_id = uuid.uuid4().hex
        elif not SESSION_ID_RE.match(session_id):
            raise InvalidRequest(
                "a session id is 8 to 128 characters from A-Z a-z 0-9 _ -", details={"session_id": session_id}
            )
        if session_id in self._sessions:
            raise InvalidRequest(f"session {session_id!r} already exists", details={"session_id": session_id})
        ref = resolve(request.env)
        self.loaded_families.setdefault(ref.family, ref.cls)
        task = request.task if request.task is not None else await load_task(ref, request.task_id or "")
        if self._shutting_down:
            raise CapacityExhausted("the server is shutting down", retry_after=self.config.retry_after_s)
        if self._open >= self.config.max_sessions:
            raise CapacityExhausted(
                f"all {self.config.max_sessions} session slots are in use; retry later, close finished sessions, "
                "or start the server with a higher --max-sessions",
                details={"max_sessions": self.config.max_sessions},
                retry_after=self.config.retry_after_s,
            )
        self._open += 1  # reserve before the first await so concurrent creations cannot overshoot
        hand_made = request.task is not None
        context = self.context.child(self.config.task_caps if hand_made else None)
        try:
            env = ref.cls(ref.suite, context=context, options=request.options)
        except BaseException as exc:
            self._open -= 1
            await context.close_sandboxes()
            if isinstance(exc, EnvgymError) or not isinstance(exc, Exception):
                raise
            raise EnvironmentFailed(f"creating {request.env} failed: {type(exc).__name__}: {exc}") from exc
        session = Session(
            id=session_id, env_id=ref.id, env=env, task=task, seed=request.seed, context=context, hand_made=hand_made
        )
        started = time.perf_counter()
        try:
            result = await self.run_limited(env.reset(task, request.seed), f"reset of {ref.id}/{task.id}")
        except BaseException as exc:
            session.status = EpisodeStatus.timeout if isinstance(exc, StepTimeout) else EpisodeStatus.env_error
            await asyncio.shield(self._end(session, session.status))
            if isinstance(exc, EnvgymError) or not isinstance(exc, Exception):
                raise
            if request.options or hand_made:
                # Most likely the caller's options or hand-made task do not fit the environment.
                raise InvalidRequest(
                    f"reset of {ref.id}/{task.id} with the given options/task failed: {type(exc).__name__}: "
                    f"{exc}; check them against GET /v1/environments/{ref.id}",
                    details={"options": request.options},
                ) from exc
            raise EnvironmentFailed(f"reset of {ref.id}/{task.id} failed: {type(exc).__name__}: {exc}") from exc
        elapsed = time.perf_counter() - started
        session.timings["reset_s"] = elapsed
        self.metrics.session_created(ref.id, elapsed)
        if session_id in self._sessions:  # a concurrent creation took the same id while we awaited
            await asyncio.shield(self._end(session, EpisodeStatus.env_error))
            raise InvalidRequest(f"session {session_id!r} already exists", details={"session_id": session_id})
        self._sessions[session_id] = session
        if request.ttl_s:
            session.ttl_s = min(request.ttl_s, self.config.idle_timeout_s)
            self._ttl_added.set()
        return session, result

    async def step(
        self, session_id: str, action: Action, transport: str = "rest", on_suspend: Callable[[], Any] | None = None
    ) -> StepResult:
        """One step. ``on_suspend`` is called if the environment's step waits for something (the
        transports start watching for their client's disconnect then)."""
        session = self.get(session_id)
        # Steps of one session run one at a time, in arrival order (acquire/release rather than
        # ``async with``: one coroutine less on the hot path).
        await session.lock.acquire()
        try:
            if session.closed:
                raise SessionClosed(
                    f"session {session_id!r} has ended ({session.status.value}); create a new session",
                    details={"session_id": session_id, "status": session.status.value},
                )
            session.busy = True
            # The step runs in the request's own task (no extra task per step: this is the hot
            # path); a timeout or a DELETE cancels this task while it is inside env.step.
            session.current = asyncio.current_task()
            started = time.perf_counter()
            deadline = asyncio.get_running_loop().time() + self.config.step_timeout_s
            try:
                # run_until(step, deadline, on_suspend) inlined (envgym.host.deadline): the step runs
                # up to its first wait; only then are the timeout (asyncio.timeout_at) and the
                # transport's disconnect watch armed. A step that swallows the cancellation still times out.
                finished, result = run_to_first_wait(session.env.step(action))
                if not finished:
                    if on_suspend is not None:
                        on_suspend()
                    result = await within(result, deadline)
            except TimeoutError:
                await asyncio.shield(self._end(session, EpisodeStatus.timeout))
                raise StepTimeout(
                    f"step {session.steps + 1} of session {session_id} took longer than the server's step timeout of "
                    f"{self.config.step_timeout_s:g} s and was cancelled; the session ended with status 'timeout' "
                    "and its resources were released",
                    details={"timeout_s": self.config.step_timeout_s, "status": EpisodeStatus.timeout.value},
                ) from None
            except asyncio.CancelledError:
                if session.interrupted:
                    # DELETE, shutdown or the client's disconnect cancelled this step; answer instead of
                    # dropping the request, and keep this task usable (a WebSocket handler goes on
                    # serving its socket).
                    task = asyncio.current_task()
                    if task is not None:
                        task.uncancel()
                    reason, session.interrupted = session.interrupted, None
                    if reason == "client_gone":
                        log.info(
                            "the client of session %s went away during step %d; the step was cancelled and the "
                            "session ended",
                            session_id,
                            session.steps + 1,
                        )
                        await asyncio.shield(self._end(session, EpisodeStatus.agent_error))
                        message = f"session {session_id!r} ended: its client went away while this step was running"
                    else:
                        message = f"session {session_id!r} was closed while this step was running"
                    raise SessionClosed(
                        message, details={"session_id": session_id, "status": session.status.value}
                    ) from None
                raise
            finally:
                session.busy = False
                session.current = None
                session.touch()
            elapsed = time.perf_counter() - started
            session.steps += 1
            session.timings["last_step_s"] = elapsed
            session.timings["steps_s"] = session.timings.get("steps_s", 0.0) + elapsed
            self.metrics.step_done(transport, elapsed)
            if result.done or session.env.done:
                # The episode's sandboxes are released before the last step is answered.
                await asyncio.shield(self._end(session, session.env.status))
            step_result: StepResult = result  # run_to_first_wait hands back Any: env.step's StepResult
            return step_result
        finally:
            session.lock.release()

    def cancel_step(self, session_id: str) -> bool:
        """Cancel the step running on a session (its client went away); True if one was running."""
        session = self._sessions.get(session_id)
        return session is not None and self._interrupt(session, "client_gone")

    async def close(self, session_id: str) -> bool:
        """Close and forget a session; True if it existed. Idempotent."""
        session = self._sessions.pop(session_id, None)
        if session is None:
            return False
        self._finished.pop(session_id, None)
        self._interrupt(session)
        await asyncio.shield(self._end(session, None))
        return True

    @staticmethod
    def _interrupt(session: Session, reason: str = "closed") -> bool:
        """Cancel the step running on ``session``, if any (it then answers ``session_closed``)."""
        if session.current is not None and not session.current.done() and session.interrupted is None:
            session.interrupted = reason
            session.current.cancel()
            return True
        return False

    def _end(self, session: Session, status: EpisodeStatus | None) -> asyncio.Task[None]:
        """Mark the session ended and release its resources in a task of its own (awaited by callers
        that must not return before the release, and by shutdown)."""
        if session.close_task is not None:
            return session.close_task
        session.closed = True
        if status is not None and status is not EpisodeStatus.running:
            session.status = status
        task = asyncio.ensure_future(self._release(session))
        session.close_task = task
        if self._sessions.get(session.id) is session:
            self._remember_finished(session.id)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return task

    def _remember_finished(self, session_id: str) -> None:
        """Keep at most ``max_finished_sessions`` tombstones: the oldest are forgotten first."""
        self._finished[session_id] = None
        while len(self._finished) > self.config.max_finished_sessions:
            oldest = next(iter(self._finished))
            del self._finished[oldest]
            self._sessions.pop(oldest, None)

    async def _release(self, session: Session) -> None:
        try:
            await asyncio.wait_for(session.env.close(), self.config.close_timeout_s)
        except Exception as exc:  # noqa: BLE001 — a broken on_close must not keep the sandboxes alive
            log.error("closing session %s (%s) failed: %s: %s", session.id, session.env_id, type(exc).__name__, exc)
        forced = await session.context.close_sandboxes(self.config.close_timeout_s)
        if forced:
            log.warning("session %s left %d sandbox(es) open; closed them", session.id, forced)
        if session.status is EpisodeStatus.running:
            session.status = session.env.status if session.env.status.is_finished else EpisodeStatus.truncated
        self._open -= 1
        self.metrics.session_closed(session.status.value)

    async def run_limited(self, work: Awaitable[T], what: str) -> T:
        """Run ``work`` with the step timeout; on overrun cancel it and raise ``StepTimeout``."""
        task = work if isinstance(work, asyncio.Future) else asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait((task,), timeout=self.config.step_timeout_s)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if done:
            return task.result()
        task.cancel()
        _, pending = await asyncio.wait((task,), timeout=CANCEL_GRACE_S)
        if pending:
            log.error("%s ignored cancellation for %.0f s; abandoning it", what, CANCEL_GRACE_S)
        raise StepTimeout(
            f"{what} took longer than the server's step timeout of {self.config.step_timeout_s:g} s and was cancelled",
            details={"timeout_s": self.config.step_timeout_s},
        )

    # ------------------------------------------------------------------ reaping and shutdown
    def start_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = asyncio.ensure_future(self._reap_forever())

    def _reap_delay(self) -> float:
        # A session created with a short ttl_s is reaped within about a quarter of it, not after the
        # server-wide interval.
        ttls = [s.ttl_s for s in self._sessions.values() if s.ttl_s]
        return max(0.05, min([self.config.reaper_interval, *(t / 4 for t in ttls)]))

    async def reap_ttl(self) -> int:
        """Close and forget sessions idle for longer than the ``ttl_s`` their client chose at creation
        (trainers that never close their sessions get the sandboxes back quickly); returns how many."""
        now = time.monotonic()
        expired = [s for s in self._sessions.values() if s.ttl_s and not s.busy and s.last_active < now - s.ttl_s]
        for session in expired:
            self.metrics.session_reaped()
            log.info(
                "reaping session %s (%s), idle for more than its ttl of %g s", session.id, session.env_id, session.ttl_s
            )
            await self.close(session.id)
        return len(expired)

    async def _reap_forever(self) -> None:
        while True:
            try:  # a new session with a ttl_s wakes the reaper so it can shorten its wait
                await asyncio.wait_for(self._ttl_added.wait(), self._reap_delay())
            except TimeoutError:
                pass
            self._ttl_added.clear()
            try:
                await self.reap_idle()
                await self.reap_ttl()
            except Exception:  # noqa: BLE001 — the reaper must keep running
                log.exception("idle reaper failed")

    async def reap_idle(self) -> int:
        """Close and forget sessions idle for longer than ``idle_timeout_s`` (never one whose step is
        running) and sessions older than ``max_session_lifetime_s`` (ended as ``timeout``, a running
        step cancelled); returns how many."""
        now = time.monotonic()
        cutoff = now - self.config.idle_timeout_s
        expired = [s for s in self._sessions.values() if now - s.started > self.config.max_session_lifetime_s]
        idle = [s for s in self._sessions.values() if not s.busy and s.last_active < cutoff and s not in expired]
        for session in expired + idle:
            self._sessions.pop(session.id, None)
            self._finished.pop(session.id, None)
        for session in idle:
            self.metrics.session_reaped()
            log.info(
                "reaping session %s (%s), idle for more than %g s",
                session.id,
                session.env_id,
                self.config.idle_timeout_s,
            )
        for session in expired:
            self.metrics.session_reaped()
            log.info(
                "ending session %s (%s): older than the server's session lifetime of %g s",
                session.id,
                session.env_id,
                self.config.max_session_lifetime_s,
            )
            self._interrupt(session)
        ends = [self._end(s, None) for s in idle] + [self._end(s, EpisodeStatus.timeout) for s in expired]
        if ends:
            await asyncio.shield(asyncio.gather(*ends))
        return len(ends)

    async def aclose(self) -> None:
        """Shutdown: refuse new sessions, close every session (and so every sandbox), then the providers."""
        self._shutting_down = True
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
            self._reaper = None
        sessions = list(self._sessions.values())
        self._sessions.clear()
        self._finished.clear()
        for session in sessions:
            self._interrupt(session)
            self._end(session, None)
        if self._closing:
            await asyncio.gather(*list(self._closing), return_exceptions=True)
        await self.context.aclose()
