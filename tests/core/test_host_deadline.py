"""``envgym.host.deadline.run_until``: ``asyncio.timeout_at`` semantics, the timer armed only for
work that suspends."""

from __future__ import annotations

import asyncio

import pytest

from envgym.host.deadline import run_until


def soon(seconds: float) -> float:
    return asyncio.get_running_loop().time() + seconds


@pytest.fixture
def armed(monkeypatch) -> list[float]:
    """Deadlines for which a timer was armed."""
    calls: list[float] = []
    real = asyncio.timeout_at

    def spy(when: float):
        calls.append(when)
        return real(when)

    monkeypatch.setattr(asyncio, "timeout_at", spy)
    return calls


async def test_work_that_never_suspends_needs_no_timer(armed):
    async def quick() -> str:
        return "done"

    async def fails() -> None:
        raise ValueError("from the work")

    assert await run_until(quick(), soon(1)) == "done"
    with pytest.raises(ValueError, match="from the work"):
        await run_until(fails(), soon(1))
    assert armed == []


async def test_work_that_suspends_runs_to_its_end_under_the_deadline(armed):
    events = []

    async def waits() -> int:
        await asyncio.sleep(0)  # a bare yield
        events.append("after the bare yield")
        await asyncio.sleep(0.01)  # a future
        return 7

    async def fails_later() -> None:
        await asyncio.sleep(0.01)
        raise KeyError("later")

    deadline = soon(5)
    assert await run_until(waits(), deadline) == 7 and events == ["after the bare yield"]
    with pytest.raises(KeyError):
        await run_until(fails_later(), deadline)
    assert armed == [deadline, deadline]


async def test_overrunning_work_is_cancelled_and_times_out():
    seen = []

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def swallows() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("swallowed")
        return "returned anyway"

    for work in (slow(), swallows()):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(run_until(work, soon(0.05)), 10)
    assert seen == ["cancelled", "swallowed"]
    assert asyncio.current_task().cancelling() == 0


async def test_a_deadline_already_past_at_the_first_suspension_times_out():
    async def busy_then_waits() -> None:
        await asyncio.sleep(30)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(run_until(busy_then_waits(), soon(-1)), 10)


async def test_a_cancellation_from_outside_is_not_a_timeout():
    async def slow() -> None:
        await asyncio.sleep(30)

    task = asyncio.ensure_future(run_until(slow(), soon(10)))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_awaitable_that_is_not_a_coroutine_is_awaited_the_plain_way():
    future = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_later(0.01, future.set_result, "from a future")
    assert await run_until(future, soon(5)) == "from a future"
    with pytest.raises(TimeoutError):
        await run_until(asyncio.get_running_loop().create_future(), soon(0.01))


async def test_on_suspend_is_called_once_and_only_for_work_that_waits():
    calls = []

    async def quick() -> str:
        return "quick"

    async def waits_twice() -> str:
        await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        return "waited"

    assert await run_until(quick(), soon(1), lambda: calls.append("quick")) == "quick"
    assert await run_until(waits_twice(), soon(1), lambda: calls.append("waits")) == "waited"
    assert calls == ["waits"]
