"""Running envgym's async code from synchronous callers: the one sync bridge.

Async resources (subprocesses, sockets, browsers) belong to the event loop that created them, so a
sync facade must keep using one loop for its whole life. ``LoopThread`` is that loop, in a daemon
thread, which also works when the caller itself is inside a running loop (Jupyter). ``Blocking`` is
the base of every blocking facade (``Client``, ``EnvPool``, ``SyncEnvironment``), ``SyncEpisode``
the blocking form of any ``envgym.kernel.episode.Episode`` and ``run_blocking`` runs one coroutine to its end.

Example:
    >>> import asyncio
    >>> loop = LoopThread()
    >>> loop.run(asyncio.sleep(0, result=42))
    42
    >>> loop.stop()
"""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import TYPE_CHECKING, Any, Callable, Concatenate, Coroutine, ParamSpec, Self, TypeVar, cast

if TYPE_CHECKING:
    from envgym.kernel.episode import Episode
    from envgym.protocol import Action, ResetResult, StepResult, Task

T = TypeVar("T")
P = ParamSpec("P")


class LoopThread:
    def __init__(self, name: str = "envgym-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if self._loop.is_closed():
            coro.close()
            raise RuntimeError("this LoopThread was stopped")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()


_shared: LoopThread | None = None
_shared_lock = threading.Lock()


def shared_loop() -> LoopThread:
    """A process-wide loop thread for sync facades that do not need their own."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.loop.is_closed():
            _shared = LoopThread("envgym-shared-loop")
        return _shared


def run_blocking(coro: Coroutine[Any, Any, T], name: str = "envgym-loop") -> T:
    """Run ``coro`` to its end on a loop thread of its own (so it also works inside a running loop).

    Example:
        >>> run_blocking(asyncio.sleep(0, result="done"))
        'done'
    """
    loop = LoopThread(name)
    try:
        return loop.run(coro)
    finally:
        loop.stop()


def blocking_form(
    coro_fn: Callable[P, Coroutine[Any, Any, T]], name: str
) -> Callable[[Callable[..., Any]], Callable[P, T]]:
    """Turn the decorated stub (its name and docstring) into the blocking form of ``coro_fn``: the
    same parameters, its coroutine run to its end by ``run_blocking`` on a thread called ``name``.

    Example:
        >>> async def double_async(x: int) -> int:
        ...     return 2 * x
        >>> @blocking_form(double_async, "envgym-double")
        ... def double() -> None:
        ...     "Twice ``x``, from synchronous code."
        >>> double(21), double.__name__
        (42, 'double')
    """

    def decorate(stub: Callable[..., Any]) -> Callable[P, T]:
        def blocking(*args: P.args, **kwargs: P.kwargs) -> T:
            return run_blocking(coro_fn(*args, **kwargs), name)

        # The stub's name, module and docstring; the signature (``__wrapped__``) of ``coro_fn``.
        return functools.update_wrapper(functools.update_wrapper(blocking, stub), coro_fn, assigned=())

    return decorate


class Blocking:
    """The base of envgym's blocking facades: an async object driven on a ``LoopThread``, its own
    (stopped by ``close``) or one it shares (``loop=``). ``close`` awaits ``_aclose`` on that loop."""

    def __init__(self, loop: LoopThread | None = None, name: str = "envgym-loop") -> None:
        self._owns_loop, self._closed = loop is None, False
        self._loop = loop if loop is not None else LoopThread(name)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coro)

    def _build(self, factory: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``factory(*args, **kwargs)`` called on the facade's loop: the async object it drives."""

        async def build() -> T:
            return factory(*args, **kwargs)

        return self._run(build())

    async def _aclose(self) -> None:
        """What ``close`` releases on the loop before it stops it."""

    def close(self) -> None:
        """Release the async object, then stop the loop if it is this facade's; idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self._aclose())
        finally:
            if self._owns_loop:
                self._loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def blocking_method(
    async_method: Callable[Concatenate[Any, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Any, P], T]:
    """A method of a blocking facade that runs the async method of the same name of its ``aio``
    object on the facade's loop: ``step = blocking_method(AsyncEnvPool.step)`` (same parameters).

    Example:
        >>> class AsyncCounter:
        ...     async def add(self, n: int) -> int:
        ...         return n + 1
        >>> class Counter(Blocking):
        ...     aio = AsyncCounter()
        ...     add = blocking_method(AsyncCounter.add)
        >>> with Counter() as counter:
        ...     counter.add(41)
        42
    """
    name = async_method.__name__

    def method(facade: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        result: T = facade._run(getattr(facade.aio, name)(*args, **kwargs))
        return result

    functools.update_wrapper(method, async_method)  # its name, docstring and (help) signature
    return method


class SyncEpisode(Blocking):
    """Blocking ``reset``/``step``/``close`` over any async ``Episode`` (``envgym.kernel.episode``): an
    ``Environment`` in this process, a server's session (``Client.episode``), a Ray pool's.
    ``loop``: the loop the episode's resources live on (a ``Client``'s); else one of its own.

    Example:
        >>> from envgym.builtin.debug import DebugEnvironment
        >>> episode = SyncEpisode(DebugEnvironment("echo"))
        >>> episode.reset(DebugEnvironment.get_task("echo", "echo-1")).info["task_id"]
        'echo-1'
        >>> episode.step("bravo").reward
        1.0
        >>> episode.close()
    """

    def __init__(self, episode: Episode, loop: LoopThread | None = None) -> None:
        super().__init__(loop, f"envgym-{type(episode).__name__}")
        self.episode = episode

    @property
    def session_id(self) -> str | None:
        """The server session of a remote episode (None for an episode in this process)."""
        session_id: str | None = getattr(self.episode, "session_id", None)
        return session_id

    def reset(self, task: Task | str, seed: int | None = None) -> ResetResult:
        """Start the episode (a ``str`` is a task id, for episodes that reset by id)."""
        result: ResetResult = self._run(cast(Any, self.episode).reset(task, seed))
        return result

    def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        result: StepResult = self._run(cast(Any, self.episode).step(action))
        return result

    async def _aclose(self) -> None:
        await self.episode.close()
