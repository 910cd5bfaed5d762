"""The agent interface: one ``Agent`` (configuration, shared clients) makes one ``AgentEpisode``
per episode (conversation state, token usage).

Example:
    >>> class Parrot(Agent):
    ...     name = "parrot"
    ...     def start_episode(self, task, env_cls, tools):
    ...         return ScriptedEpisode([task.prompt])
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Sequence

from envgym.kernel.environment import Environment, ScriptedPolicy, call_act
from envgym.protocol import Action, EpisodeStatus, Observation, Task, Tool
from envgym.protocol.errors import EnvgymError


class AgentLimitReached(EnvgymError):
    """The agent stopped at a limit of its own (its context, turns or token budget): the episode
    ends ``truncated``, not in an error status (``run_episode`` reads ``details["status"]``)."""

    http_status = 400

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.details.setdefault("status", EpisodeStatus.truncated.value)


class AgentEpisode(abc.ABC):
    """One episode's worth of agent state."""

    def __init__(self) -> None:
        self.usage: dict[str, int] = {}
        self.extra: dict[str, Any] = {}  # per-episode facts to keep in the episode record (e.g. token ids)
        self.seed: int | None = None  # the episode's seed, set by the loop before the first act()

    @abc.abstractmethod
    async def act(self, observation: Observation) -> Action:
        """The next action, given the newest observation (the episode keeps its own history)."""

    async def aclose(self) -> None:
        """Release per-episode resources."""


class PolicyEpisode(AgentEpisode):
    """Asks a ``Policy`` (``act(observation)``, async or not) for every action."""

    def __init__(self, policy: Any) -> None:
        super().__init__()
        self._policy = policy

    async def act(self, observation: Observation) -> Action:
        return await call_act(self._policy, observation)  # a family's oracle may define act() without async


class ScriptedEpisode(PolicyEpisode):
    def __init__(self, actions: Sequence[Action | str], fallback: Action | None = None) -> None:
        super().__init__(ScriptedPolicy(actions, fallback))


class Agent(abc.ABC):
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def __init__(self, **config: Any) -> None:
        self.config = config

    @abc.abstractmethod
    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        """A fresh episode. ``task`` is the full task record when the agent runs where the plugin
        is installed (the oracle needs its reference solution); ``tools`` are the episode's tools."""

    async def aclose(self) -> None:
        """Release shared resources (HTTP clients)."""
