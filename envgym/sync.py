"""Running envgym's async code from synchronous callers.

Async resources (subprocesses, sockets, browsers) belong to the event loop that created them, so a
sync facade must keep using one loop for its whole life. ``LoopThread`` is that loop, in a daemon
thread, which also works when the caller itself is inside a running loop (Jupyter).

Example:
    >>> import asyncio
    >>> loop = LoopThread()
    >>> loop.run(asyncio.sleep(0, result=42))
    42
    >>> loop.stop()
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")


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
