"""Cancel a request's work when its client goes away, without paying for the watch on quick work.

Once a request's body has been read, the next ASGI ``receive()`` only ever reports the client's
disconnect, so awaiting it alongside the work tells us when nobody is left to read the answer. That
takes a Task (the receive has to be awaited by someone); created for every request it costs more
than a whole trivial step (a Task, a loop iteration to start it, another to cancel it). So:

* a step arms its watch only when the environment's step first waits for something (code that runs
  straight through cannot be cancelled anyway): ``EpisodeHost.step(on_suspend=...)``;
* an armed watch starts ``WATCH_AFTER_S`` later, so work that ends sooner never has one (arming is
  a timer); a client that left meanwhile is noticed then (the receive answers the disconnect at
  once), at most ``WATCH_AFTER_S`` late;
* other work (a reset, a grade: ``run_watching``) arms it when it begins.

Example:
    >>> import asyncio
    >>> async def demo():
    ...     async def receive():
    ...         await asyncio.sleep(3600)        # the client stays
    ...     return await run_watching(receive, asyncio.sleep(0, "done"), what="GET /demo")
    >>> asyncio.run(demo())
    'done'
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, MutableMapping, TypeVar

from envgym.protocol import Action, StepResult
from envgym.protocol.errors import SessionClosed

log = logging.getLogger("envgym_server")
T = TypeVar("T")

# How long work runs unwatched once armed. Short against any step a person would want cancelled
# (sandbox commands, model calls), long against a trivial step (tens of microseconds).
WATCH_AFTER_S = 0.005


class ClientGone(SessionClosed):
    """Raised in a request whose client has gone away; the answer is never read."""

    def __init__(self) -> None:
        super().__init__("the client went away")


class Watch:
    """Calls ``on_gone`` if ``receive`` reports ``disconnect`` (or fails), watching from
    ``WATCH_AFTER_S`` after ``arm()`` until ``stop()`` or ``take()``."""

    __slots__ = ("receive", "on_gone", "disconnect", "timer", "task", "gone")

    def __init__(
        self,
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        on_gone: Callable[[], Any],
        disconnect: str = "http.disconnect",
    ) -> None:
        self.receive, self.on_gone, self.disconnect = receive, on_gone, disconnect
        self.timer: asyncio.TimerHandle | None = None
        self.task: asyncio.Future[MutableMapping[str, Any]] | None = None
        self.gone = False

    def arm(self) -> None:
        if self.timer is None and self.task is None:
            self.timer = asyncio.get_running_loop().call_later(WATCH_AFTER_S, self._start)

    def _start(self) -> None:
        self.timer = None
        self.task = asyncio.ensure_future(self.receive())
        self.task.add_done_callback(self._check)

    def _check(self, message: asyncio.Future[MutableMapping[str, Any]]) -> None:
        if message.cancelled():
            return
        if message.exception() is None and message.result().get("type") != self.disconnect:
            return
        self.gone = True
        self.on_gone()

    def take(self) -> asyncio.Future[MutableMapping[str, Any]] | None:
        """Stop the timer and hand over the receive already started, if any (a WebSocket serves the
        frame it reads next); the watch can be armed again."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        task, self.task = self.task, None
        return task

    def stop(self) -> None:
        task = self.take()
        if task is not None:
            task.cancel()


async def step_watching(
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]], sessions: Any, session_id: str, action: Action
) -> StepResult:
    """``sessions.step`` for a REST request: if its client disconnects while the step waits, the step
    is cancelled (``cancel_step``: the session ends as ``agent_error``, the answer is a 409 nobody reads)."""
    watch = Watch(receive, lambda: sessions.cancel_step(session_id))
    try:
        result: StepResult = await sessions.step(session_id, action, on_suspend=watch.arm)
        return result
    finally:
        watch.stop()


async def run_watching(
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]], work: Awaitable[T], what: str = ""
) -> T:
    """Await ``work`` in the current task; if the client disconnects meanwhile, cancel this task (so
    ``work`` stops where it stands) and raise ``ClientGone``. ``receive`` is the request's ASGI
    receive, its body already read."""
    task = asyncio.current_task()
    assert task is not None
    watch = Watch(receive, task.cancel)
    watch.arm()
    try:
        return await work
    except asyncio.CancelledError:
        if not watch.gone:
            raise
        task.uncancel()
        log.info("%s: the client went away; its work was cancelled", what)
        raise ClientGone() from None
    finally:
        watch.stop()
