"""1,000 concurrent sessions against a real uvicorn server: open, step and close with zero errors,
and the session count back to zero afterwards (the check of issue 2, on this 2-core machine)."""

from __future__ import annotations

import asyncio
import resource

from envgym.client import AsyncClient
from envgym.protocol import Action
from server_proc import ServerProcess

SESSIONS = 1000
STEPS = 3


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def test_thousand_concurrent_sessions_open_step_close():
    _raise_fd_limit()
    with ServerProcess(max_sessions=SESSIONS) as server:
        async with AsyncClient(server.url, max_connections=SESSIONS, timeout=120) as client:
            increment = Action.call("increment")
            opened = asyncio.Event()
            live = 0

            async def one(i: int) -> float:
                nonlocal live
                created = await client.create_session("debug/counter", task_id="count-to-3", seed=i)
                live += 1
                if live == SESSIONS:
                    opened.set()
                await opened.wait()  # all 1,000 are open at the same time before anyone steps
                for _ in range(STEPS):
                    await client.step(created.session_id, increment)
                result = await client.step(created.session_id, Action.call("submit"))
                assert await client.close_session(created.session_id)
                return result.reward

            results = await asyncio.gather(*(one(i) for i in range(SESSIONS)), return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            assert not errors, f"{len(errors)} errors, first: {errors[0]!r}"
            assert results == [1.0] * SESSIONS
            health = await client.healthz()
            assert health["sessions_open"] == 0 and health["sessions_known"] == 0
            metrics = await client.metrics()
            assert "envgym_errors_total{" not in metrics
            assert f'envgym_steps_total{{transport="rest"}} {float(SESSIONS * (STEPS + 1))}' in metrics


def _young_collections(metrics_text: str) -> float:
    for line in metrics_text.splitlines():
        if line.startswith('python_gc_collections_total{generation="0"}'):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError("python_gc_collections_total is missing from /metrics")


async def test_thousand_steps_in_flight_run_no_young_collection():
    """A step in flight holds up to about 20 tracked objects; with CPython's default threshold (700)
    a thousand of them trigger young collections that promote them, and the full collections that
    follow walk every open session (issue 2: the server's CPU per step grew with open sessions).
    ``envgym serve`` sizes the young generation for max_sessions in-flight steps."""
    _raise_fd_limit()
    with ServerProcess(max_sessions=SESSIONS) as server:
        async with AsyncClient(server.url, max_connections=SESSIONS, timeout=120) as client:
            created = await asyncio.gather(
                *(client.create_session("debug/counter", task_id="count-to-8") for _ in range(SESSIONS))
            )
            before = _young_collections(await client.metrics())
            increment = Action.call("increment")
            for _ in range(2):
                await asyncio.gather(*(client.step(c.session_id, increment) for c in created))
            after = _young_collections(await client.metrics())
            assert after == before, f"{after - before:g} young collections during {2 * SESSIONS} concurrent steps"
