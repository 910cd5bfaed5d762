"""One episode as a session of an ``EpisodeHost``, behind the episode port (``envgym.kernel.episode.Episode``):
how a host plays whole episodes for its own callers (the server's ``/v1/rollouts``, a Ray worker's
``rollout``) under the same limits as the sessions its clients open.

Example:
    >>> import asyncio
    >>> from envgym.agents.builtin import OracleAgent
    >>> from envgym.builtin.debug import DebugEnvironment
    >>> from envgym.host import EpisodeHost, HostLimits, TrackedContext
    >>> from envgym.agents.loop import run_episode
    >>> async def demo():
    ...     host = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"))
    ...     episode = HostEpisode(host, "debug/counter")
    ...     task = DebugEnvironment.get_task("counter", "count-to-2")
    ...     record = await run_episode(episode, OracleAgent(), task, DebugEnvironment)
    ...     await host.aclose()
    ...     return record.reward, record.status.value, host.open_count
    >>> asyncio.run(demo())
    (1.0, 'completed', 0)
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from envgym.host.sessions import EpisodeHost
from envgym.protocol import Action, ResetResult, SessionCreate, StepResult, Task
from envgym.protocol.errors import CapacityExhausted


class HostEpisode:
    """``reset`` opens a session of ``host`` for the task (by id: the host loads it from its suite),
    waiting up to ``capacity_wait_s`` for a free slot; ``step`` and ``close`` go to that session."""

    def __init__(
        self, host: EpisodeHost, env_id: str, options: dict[str, Any] | None = None, capacity_wait_s: float = 30.0
    ) -> None:
        self.host = host
        self.env_id = env_id
        self.options = dict(options or {})
        self.capacity_wait_s = capacity_wait_s
        self.session_id: str | None = None

    async def reset(self, task: Task, seed: int | None = None) -> ResetResult:
        deadline = time.monotonic() + self.capacity_wait_s
        request = SessionCreate(env=self.env_id, task_id=task.id, seed=seed, options=self.options)
        while True:
            try:
                session, result = await self.host.create(request)
            except CapacityExhausted as exc:
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(exc.retry_after or 0.5)
            else:
                self.session_id = session.id
                return result

    async def step(self, action: Action) -> StepResult:
        assert self.session_id is not None, "reset() first"
        return await self.host.step(self.session_id, action)

    async def close(self) -> None:
        session_id, self.session_id = self.session_id, None
        if session_id is not None:
            await self.host.close(session_id)
