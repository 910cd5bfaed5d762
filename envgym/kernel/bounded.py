"""CPU work on untrusted input, run where a deadline can stop it (docs/architecture.md §7).

A grader or parser that computes on an agent's or a client's text (a third-party scorer, a parser
without a proven bound) must not run unbounded on the event loop: one pathological answer would
stall every session of the server. ``run_bounded(fn, *args)`` runs ``fn`` in a small pool of
worker processes instead, with a budget of **CPU seconds** per call: the worker that overruns is
killed and replaced, and the caller gets ``OverBudget``. The budget counts the worker's CPU time,
not wall time, so a loaded machine does not turn a correct answer into an overrun; a separate
wall-clock backstop (``wall_factor`` × budget) ends calls that cannot make progress at all
(``WorkerTimeout``). Cancelling the awaiting task (a step timeout, a client that went away) kills
the worker too.

Work with a proven bound stays on the fast path: ``run_bounded(fn, ..., inline=True)`` calls ``fn``
directly (about 1 µs instead of the ~0.1 ms round trip to a worker). Callers pass ``inline`` when
the input is small enough that the algorithm's bound makes the call cheap (see the graders).

Workers are fresh interpreters (nothing of the parent, its threads or its ``__main__`` leaks
into them), started in the background; they import what they are asked to run on first use and
keep it imported, and a replacement worker imports the modules its predecessor had used before it
takes calls. Each worker's data segment is capped (``memory_mb``), so an input that makes it
allocate without end is an ``OverBudget`` too.

Example:
    >>> import asyncio, math
    >>> asyncio.run(run_bounded(math.factorial, 20))
    2432902008176640000
    >>> asyncio.run(run_bounded(math.factorial, 5, inline=True))
    120
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import pickle
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from typing import Any, Callable, TypeVar

log = logging.getLogger("envgym.bounded")
T = TypeVar("T")

DEFAULT_CPU_S = 5.0
DEFAULT_WALL_FACTOR = 10.0
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
_HEADER = struct.Struct("!Q")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class OverBudget(Exception):
    """The call used more CPU time than its budget (or more memory than the worker may have);
    its worker was killed. The input caused it: callers score it, they do not report an error."""

    def __init__(self, message: str, cpu_s: float, budget_s: float) -> None:
        super().__init__(message)
        self.cpu_s, self.budget_s = cpu_s, budget_s


class WorkerTimeout(Exception):
    """The call made too little progress within its wall-clock backstop (a machine too loaded to
    run it, not the input's fault): callers report this as an infrastructure error."""


class WorkerCrashed(Exception):
    """The worker process died during the call (killed from outside, a crash in C code)."""


# --------------------------------------------------------------------------- worker side


def _send(sock: socket.socket, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))  # a reset connection raises OSError, as EOF does below
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _portable_error(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError that carries its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 — any unpicklable exception is reported by its text
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _worker_entry() -> None:
    """``python -c 'from envgym.kernel.bounded import _worker_entry; _worker_entry()' FD``."""
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        sys_path, modules, memory_mb = pickle.loads(
            _recv_exact(sock, _HEADER.unpack(_recv_exact(sock, _HEADER.size))[0])
        )
        _worker_main(sock, sys_path, modules, memory_mb)
    except (EOFError, OSError):  # the parent went away: nothing left to serve
        return


def _worker_main(sock: socket.socket, sys_path: list[str], modules: list[str], memory_mb: int | None) -> None:
    """Serve calls until the parent closes the socket (or dies)."""
    sys.path[:] = sys_path
    if memory_mb:
        # An input that makes the worker allocate without end gets a MemoryError (-> OverBudget)
        # instead of the machine's memory.
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    for name in modules:
        with contextlib.suppress(Exception):  # a module that fails here fails again, visibly, in the call
            __import__(name)
    _send(sock, ("ready", os.getpid()))
    while True:
        try:
            size = _HEADER.unpack(_recv_exact(sock, _HEADER.size))[0]
            data = _recv_exact(sock, size)
        except (EOFError, OSError):
            return
        fn: Any = None
        try:
            fn, args, kwargs = pickle.loads(data)
            reply: tuple[Any, ...] = ("ok", fn(*args, **kwargs))
        except MemoryError:
            reply = ("memory", None)
        except BaseException as exc:  # noqa: BLE001 — every failure goes back to the caller
            exc.__traceback__ = None
            reply = ("error", _portable_error(exc), traceback.format_exc())
        try:
            _send(sock, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _send(sock, ("error", RuntimeError(f"the result of {fn!r} cannot be sent back: {exc}"), ""))


# --------------------------------------------------------------------------- parent side


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux ``/proc``), or None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


_LIVE_PIDS: set[int] = set()  # every worker of every pool of this process, until killed


def worker_pids() -> frozenset[int]:
    """PIDs of this process's bounded workers: a process-wide resource like a thread pool, which
    checks that count an episode's leftover processes (``envgym check``) leave out."""
    return frozenset(_LIVE_PIDS)


class _Worker:
    def __init__(self, process: Any, sock: socket.socket, pid: int) -> None:
        self.process, self.sock, self.pid = process, sock, pid
        _LIVE_PIDS.add(pid)

    def kill(self) -> None:
        _LIVE_PIDS.discard(self.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)
        self.sock.close()
        threading.Thread(target=self.process.wait, daemon=True).start()  # reap it off the event loop


class WorkerPool:
    """Worker processes for bounded calls, usable from any event loop (and from several loops in
    turn: the sockets are used through whichever loop awaits the call)."""

    def __init__(self, size: int = DEFAULT_WORKERS, *, memory_mb: int | None = 2048) -> None:
        self.size = size
        self.memory_mb = memory_mb
        self._idle: list[_Worker] = []
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._starting = 0
        self._busy = 0
        self._lock = threading.Lock()
        self._modules: dict[str, None] = {}  # modules callers needed so far, in first-use order
        self._closed = False

    # ------------------------------------------------------------------ workers
    def _start_worker(self) -> _Worker:
        """Start one worker and wait until it has imported its modules (blocking: call in a thread)."""
        parent, child = socket.socketpair()
        try:
            # A fresh interpreter, not a fork: nothing of this process (threads, sockets, the
            # caller's __main__) reaches the worker. Its own session: a Ctrl-C meant for the
            # server does not interrupt a call; it exits when this end of the socket closes.
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from envgym.kernel.bounded import _worker_entry; _worker_entry()",
                    str(child.fileno()),
                ],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            child.close()
        _LIVE_PIDS.add(process.pid)  # counted from its start: a worker still importing is the pool's too
        parent.settimeout(120)
        try:
            _send(parent, (list(sys.path), list(self._modules), self.memory_mb))
            _recv_exact(parent, _HEADER.unpack(_recv_exact(parent, _HEADER.size))[0])
        except (EOFError, OSError) as exc:
            parent.close()
            _LIVE_PIDS.discard(process.pid)
            process.kill()
            process.wait()
            raise WorkerCrashed(f"a bounded worker failed to start: {str(exc) or type(exc).__name__}") from exc
        parent.setblocking(False)
        return _Worker(process, parent, process.pid)

    def _refill(self) -> None:
        """Start workers in the background until the pool is full again."""
        with self._lock:
            missing = self.size - len(self._idle) - self._busy - self._starting
            if missing <= 0 or self._closed:
                return
            self._starting += missing
        for _ in range(missing):
            threading.Thread(target=self._start_one_in_background, daemon=True).start()

    def _start_one_in_background(self) -> None:
        try:
            worker = self._start_worker()
        except Exception as exc:  # noqa: BLE001 — keep serving with fewer workers; the next call retries
            log.error("could not start a bounded worker: %s", exc)
            return
        finally:
            with self._lock:
                self._starting -= 1
        self._release(worker)

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.kill()
                return
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.get_loop().call_soon_threadsafe(_hand_over, waiter, worker, self)
                    return
            self._idle.append(worker)

    async def _acquire(self) -> _Worker:
        with self._lock:
            if self._idle:
                self._busy += 1
                return self._idle.pop()
            waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
        self._refill()
        try:
            return await waiter  # _hand_over counted it as busy
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                with self._lock:  # handed over just as the caller was cancelled: give it back
                    self._busy -= 1
                self._release(waiter.result())
            raise

    # ------------------------------------------------------------------ calls
    async def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        cpu_s: float = DEFAULT_CPU_S,
        wall_factor: float = DEFAULT_WALL_FACTOR,
        what: str | None = None,
        **kwargs: Any,
    ) -> T:
        """``fn(*args, **kwargs)`` in a worker, with ``cpu_s`` CPU seconds; see the module docstring."""
        if self._closed:
            raise RuntimeError("this WorkerPool is closed")
        module = getattr(fn, "__module__", None) or getattr(type(getattr(fn, "__self__", None)), "__module__", None)
        if module and module != "__main__":
            self._modules.setdefault(module, None)
        payload = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        label: str = what if what else getattr(fn, "__qualname__", repr(fn))
        worker = await self._acquire()
        healthy = False
        try:
            result: T = await self._call(worker, payload, cpu_s, wall_factor, label)
            healthy = True
            return result
        finally:
            with self._lock:
                self._busy -= 1
            if healthy:
                self._release(worker)
            else:
                worker.kill()
                self._refill()

    async def _call(self, worker: _Worker, payload: bytes, cpu_s: float, wall_factor: float, what: str) -> Any:
        loop = asyncio.get_running_loop()
        start_cpu = _cpu_seconds(worker.pid)
        started = time.monotonic()
        await loop.sock_sendall(worker.sock, _HEADER.pack(len(payload)) + payload)
        reply = asyncio.ensure_future(_read_reply(loop, worker.sock))
        try:
            wait = cpu_s
            while True:
                done, _ = await asyncio.wait((reply,), timeout=wait)
                if done:
                    break
                used = (_cpu_seconds(worker.pid) or 0.0) - (start_cpu or 0.0)
                if start_cpu is None:  # no CPU clock here: fall back to wall time
                    used = time.monotonic() - started
                if used >= cpu_s:
                    raise OverBudget(
                        f"{what} used more than its budget of {cpu_s:g} CPU seconds and was stopped", used, cpu_s
                    )
                if time.monotonic() - started >= cpu_s * wall_factor:
                    raise WorkerTimeout(
                        f"{what} made too little progress: {used:.1f} CPU seconds in "
                        f"{time.monotonic() - started:.0f} s of wall time (the machine is overloaded)"
                    )
                wait = max(cpu_s - used, 0.05)
        finally:
            if not reply.done():
                reply.cancel()
        try:
            status, *rest = reply.result()
        except (EOFError, asyncio.IncompleteReadError, ConnectionError) as exc:
            raise WorkerCrashed(f"the worker running {what} died (exit code {worker.process.poll()})") from exc
        if status == "ok":
            return rest[0]
        if status == "memory":
            raise OverBudget(f"{what} needed more than the worker's {self.memory_mb} MB of memory", 0.0, cpu_s)
        raise rest[0]

    def close(self) -> None:
        """Kill every worker (idle ones at once; busy ones when their call ends)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            waiters, self._waiters = list(self._waiters), collections.deque()
        for worker in idle:
            worker.kill()
        for waiter in waiters:
            waiter.get_loop().call_soon_threadsafe(_fail_waiter, waiter)


async def _read_reply(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> Any:
    header = await _sock_recv_exact(loop, sock, _HEADER.size)
    return pickle.loads(await _sock_recv_exact(loop, sock, _HEADER.unpack(header)[0]))


async def _sock_recv_exact(loop: asyncio.AbstractEventLoop, sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = await loop.sock_recv(sock, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _hand_over(waiter: asyncio.Future[_Worker], worker: _Worker, pool: WorkerPool) -> None:
    if waiter.done():  # the caller gave up meanwhile: the worker goes back to the pool
        pool._release(worker)
        return
    with pool._lock:
        pool._busy += 1
    waiter.set_result(worker)


def _fail_waiter(waiter: asyncio.Future[_Worker]) -> None:
    if not waiter.done():
        waiter.set_exception(RuntimeError("the WorkerPool was closed"))


# --------------------------------------------------------------------------- the process-wide pool

_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The process's pool (``$ENVGYM_BOUNDED_WORKERS`` workers, default min(4, CPUs)), started lazily."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool._closed:
            _pool = WorkerPool(int(os.environ.get("ENVGYM_BOUNDED_WORKERS", DEFAULT_WORKERS)))
        return _pool


def configure(workers: int) -> None:
    """Set the size of the process's pool (a running pool is replaced; its busy calls finish)."""
    global _pool
    with _pool_lock:
        old, _pool = _pool, WorkerPool(workers)
    if old is not None:
        old.close()


def close_default_pool() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


async def run_bounded(
    fn: Callable[..., T],
    *args: Any,
    inline: bool = False,
    cpu_s: float = DEFAULT_CPU_S,
    what: str | None = None,
    **kwargs: Any,
) -> T:
    """``fn(*args, **kwargs)``: directly when ``inline`` (the caller vouches for a small bound),
    else in the default pool with a budget of ``cpu_s`` CPU seconds. ``fn`` and its arguments must
    pickle (a module-level function or a method of a module-level class)."""
    if inline:
        return fn(*args, **kwargs)
    return await default_pool().run(fn, *args, cpu_s=cpu_s, what=what, **kwargs)
