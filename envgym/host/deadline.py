"""``await coro`` under a deadline, the timer armed only if ``coro`` actually waits for something.

A timeout can only take effect where a coroutine suspends: code that runs straight through cannot be
interrupted by ``asyncio.timeout`` anyway. Most steps of simple environments never suspend, and
for them ``asyncio.timeout`` (a timer scheduled, cancelled and its bookkeeping) costs more than
half the step. So ``run_until`` runs the coroutine up to its first suspension first; if it finishes
there, no timer was needed. If it suspends, the rest runs under ``asyncio.timeout_at(deadline)`` in
the same task, exactly as ``async with asyncio.timeout_at(deadline): await coro`` would: same
deadline (taken before the coroutine started), same cancellation, same ``TimeoutError``.

Example:
    >>> import asyncio
    >>> async def quick():
    ...     return "no wait"
    >>> async def slow():
    ...     await asyncio.sleep(10)
    >>> async def demo():
    ...     loop = asyncio.get_running_loop()
    ...     first = await run_until(quick(), loop.time() + 0.01)
    ...     try:
    ...         await run_until(slow(), loop.time() + 0.01)
    ...     except TimeoutError:
    ...         return first, "timed out"
    >>> asyncio.run(demo())
    ('no wait', 'timed out')
"""

from __future__ import annotations

import asyncio
import types
from typing import Any, Awaitable, Callable, Coroutine, Generator, TypeVar

T = TypeVar("T")


async def run_until(work: Awaitable[T], deadline: float, on_suspend: Callable[[], Any] | None = None) -> T:
    """``await work``, raising ``TimeoutError`` (and cancelling it) at ``deadline`` (loop time). Work
    that swallows the cancellation and returns still raises ``TimeoutError``. ``on_suspend`` is
    called when the work first waits (the transports start their disconnect watch there: work that
    never waits cannot be cancelled anyway)."""
    finished, value = run_to_first_wait(work)
    if finished:
        result: T = value  # work's own result (run_to_first_wait returns it as Any)
        return result
    if on_suspend is not None:
        on_suspend()
    return await within(value, deadline)


def run_to_first_wait(work: Awaitable[T]) -> tuple[bool, Any]:
    """Run ``work`` up to its first suspension, in the caller's task: ``(True, its result)`` if it
    finished, else ``(False, an awaitable for the rest)`` to be awaited (with ``within``) at once.
    ``run_until`` in two halves, for a hot path that cannot afford the extra coroutine."""
    if not isinstance(work, types.CoroutineType):  # an awaitable we cannot step by hand: the plain way
        return False, work
    try:
        waiting_on = work.send(None)
    except StopIteration as finished:
        return True, finished.value  # never suspended: nothing could have timed out
    return False, _resume(work, waiting_on)


async def within(work: Awaitable[T], deadline: float) -> T:
    """``async with asyncio.timeout_at(deadline): await work``; still ``TimeoutError`` if ``work`` swallowed the cancellation."""
    async with asyncio.timeout_at(deadline) as limit:
        result = await work
    if limit.expired():  # the work caught the cancellation and returned anyway: still a timeout
        raise TimeoutError
    return result


@types.coroutine
def _resume(coro: Coroutine[Any, Any, T], waiting_on: Any) -> Generator[Any, Any, T]:
    """The rest of ``await coro`` for a coroutine already run up to a suspension, where it handed
    ``waiting_on`` (a future, or None for a bare yield) to the task: what ``await``/``yield from``
    does (PEP 380), passing the task's wake-ups and cancellations through to ``coro``."""
    while True:
        thrown: BaseException | None = None
        try:
            sent = yield waiting_on
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # the task throws in a cancellation (or another error)
            thrown = exc
        try:
            waiting_on = coro.send(sent) if thrown is None else coro.throw(thrown)
        except StopIteration as finished:
            value: T = finished.value  # what coro returned (StopIteration.value is Any)
            return value
