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
