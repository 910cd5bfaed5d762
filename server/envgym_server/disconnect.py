"""Cancel a request's work when its client goes away, without paying for the watch on quick work.

Once a request's body has been read, the next ASGI ``receive()`` only ever reports the client's
disconnect, so awaiting it alongside the work tells us when nobody is left to read the answer. That
takes a Task (the receive has to be awaited by someone); created for every request it costs more
than a whole trivial step (a Task, a loop iteration to start it, another to cancel it). So the
watch starts only when the work is still running ``WATCH_AFTER_S`` after it began: work that ends
sooner (most steps) never has one, and a client that left meanwhile is noticed at that moment (the
receive then answers the disconnect at once), at most ``WATCH_AFTER_S`` late.

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
from typing import Any, Awaitable, Callable, TypeVar

from envgym.errors import SessionClosed

log = logging.getLogger("envgym_server")
T = TypeVar("T")

# How long work runs unwatched. Short against any step a person would want cancelled (sandbox
# commands, model calls), long against a trivial step (tens of microseconds).
WATCH_AFTER_S = 0.005


class ClientGone(SessionClosed):
    """Raised in a request whose client has gone away; the answer is never read."""

    def __init__(self) -> None:
        super().__init__("the client went away")


async def run_watching(receive: Callable[[], Awaitable[dict[str, Any]]], work: Awaitable[T],
                       on_gone: Callable[[], Any] | None = None, what: str = "") -> T:
    """Await ``work`` in the current task; if the client disconnects meanwhile, call ``on_gone``
    (default: cancel this task, so ``work`` stops where it stands, and raise ``ClientGone``).
    ``receive`` is the request's ASGI receive, its body already read."""
    task = asyncio.current_task()
    assert task is not None
    gone = False
    watch: asyncio.Future | None = None

    def check(message: asyncio.Future) -> None:
        nonlocal gone
        if message.cancelled() or message.exception() is not None or message.result().get("type") != "http.disconnect":
            return
        gone = True
        if on_gone is not None:
            on_gone()
        else:
            task.cancel()

    def start_watch() -> None:
        nonlocal watch
        watch = asyncio.ensure_future(receive())
        watch.add_done_callback(check)

    timer = asyncio.get_running_loop().call_later(WATCH_AFTER_S, start_watch)
    try:
        return await work
    except asyncio.CancelledError:
        if not gone or on_gone is not None:
            raise
        task.uncancel()
        log.info("%s: the client went away; its work was cancelled", what)
        raise ClientGone() from None
    finally:
        timer.cancel()
        if watch is not None:
            watch.cancel()
