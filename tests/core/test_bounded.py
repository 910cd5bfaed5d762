"""envgym.bounded: CPU work on untrusted input runs where a CPU budget can stop it."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from envgym.bounded import OverBudget, WorkerPool, _cpu_seconds, run_bounded


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (killed but not yet reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def spin() -> None:
    while True:
        pass


def huge_power() -> int:
    return 10**30_000_000  # one C call that never checks for signals


def sleep_then(value: int, seconds: float) -> int:
    time.sleep(seconds)  # wall time, no CPU
    return value


def allocate() -> bytearray:
    return bytearray(8 * 1024**3)


def pid() -> int:
    return os.getpid()


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(a)
        self.b = b


def raise_unpicklable() -> None:
    raise Unpicklable("bad", lambda: 0)


@pytest.fixture
async def pool():
    pool = WorkerPool(2)
    yield pool
    pool.close()


@pytest.fixture
async def single():
    pool = WorkerPool(1)
    yield pool
    pool.close()


async def test_result_comes_back_from_a_worker(pool):
    assert await pool.run(pow, 3, 4) == 81
    assert await pool.run(pid) != os.getpid()


@pytest.mark.parametrize("work", [spin, huge_power])
async def test_overrun_is_stopped_and_the_worker_replaced(single, work):
    pool = single  # one worker: the next call surely runs in the worker whose pid was taken
    worker_pid = await pool.run(pid)
    with pytest.raises(OverBudget, match="budget of 0.5 CPU seconds"):
        await pool.run(work, cpu_s=0.5)
    for _ in range(200):  # the killed worker is gone (bounded polling)
        if not _running(worker_pid):
            break
        await asyncio.sleep(0.05)
    assert not _running(worker_pid)
    assert await pool.run(pow, 2, 10) == 1024  # the pool still serves


async def test_the_budget_is_cpu_time_not_wall_time(pool):
    # A call that waits longer than its CPU budget without using the CPU (as on a loaded machine) finishes.
    assert await pool.run(sleep_then, 7, 1.5, cpu_s=0.5) == 7


async def test_cancelling_the_caller_kills_the_worker(single):
    pool = single
    worker_pid = await pool.run(pid)
    call = asyncio.ensure_future(pool.run(spin, cpu_s=600))
    for _ in range(400):
        if (_cpu_seconds(worker_pid) or 0) > 0.3:
            break
        await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    for _ in range(200):
        if not _running(worker_pid):
            break
        await asyncio.sleep(0.05)
    assert not _running(worker_pid)


async def test_memory_is_capped():
    pool = WorkerPool(1, memory_mb=512)
    try:
        with pytest.raises(OverBudget, match="memory"):
            await pool.run(allocate)
        assert await pool.run(pow, 2, 3) == 8
    finally:
        pool.close()


async def test_errors_come_back_even_when_they_do_not_pickle(pool):
    with pytest.raises(ZeroDivisionError):
        await pool.run(divmod, 1, 0)
    with pytest.raises(RuntimeError, match="Unpicklable: bad"):
        await pool.run(raise_unpicklable)


async def test_more_calls_than_workers_queue(pool):
    assert await asyncio.gather(*(pool.run(pow, i, 2) for i in range(20))) == [i * i for i in range(20)]


async def test_inline_runs_in_this_process():
    assert await run_bounded(pid, inline=True) == os.getpid()
