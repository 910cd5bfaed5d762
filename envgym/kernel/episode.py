"""The episode port: ``Episode`` (one episode, wherever it runs) and ``EpisodeSource`` (where an
evaluation gets its episodes). Everything that plays episodes — ``run_episode`` (``envgym.agents.loop``),
eval, rollouts, the Gymnasium adapter, the trainer adapters — consumes only these.

Example:
    >>> import asyncio
    >>> from envgym.builtin.debug import DebugEnvironment
    >>> episode: Episode = DebugEnvironment("counter")
    >>> first = asyncio.run(episode.reset(DebugEnvironment.get_task("counter", "count-to-2")))
    >>> [tool.function.name for tool in first.observation.tools]
    ['increment', 'submit']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

from envgym.protocol import Action, ResetResult, StepResult, Task

if TYPE_CHECKING:
    from envgym.kernel.environment import Environment


class Episode(Protocol):
    """The episode port: one episode, wherever it runs. An ``Environment`` in this process, a server's
    session over HTTP or WebSocket (``client.episode``), a Ray pool's (``pool.episode``) and the
    conformance kit's checked episode all fit it; ``run_episode``, eval, rollouts and the trainer
    adapters consume only this."""

    async def reset(self, task: Task, seed: int | None = None) -> ResetResult: ...
    async def step(self, action: Action) -> StepResult: ...
    async def close(self) -> None: ...


EpisodeHandle = Episode  # the port's earlier name, kept for code written against it


class EpisodeSource(Protocol):
    """Where an evaluation gets its episodes: the tasks and family class of one environment id, and a
    new ``Episode`` per play (``eval.runner.LocalTarget``, ``eval.remote.RemoteTarget``,
    ``ray.RayTarget``)."""

    @property
    def env_id(self) -> str: ...
    @property
    def env_cls(self) -> type[Environment]: ...
    @property
    def tasks(self) -> Sequence[Task]: ...

    def new_episode(self) -> Episode: ...
    async def aclose(self) -> None: ...
