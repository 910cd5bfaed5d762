"""An agent's own limit ends the episode ``truncated``, not in an error status."""

from __future__ import annotations

from envgym.agents.base import Agent, AgentEpisode, AgentLimitReached
from envgym.agents.loop import run_episode
from envgym.builtin.debug import DebugEnvironment
from envgym.kernel.environment import Environment
from envgym.protocol import Action, EpisodeStatus, Observation, Task, Tool


class OutOfPatience(AgentLimitReached):
    code = "out_of_patience"


class Impatient(Agent):
    name = "impatient"

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        class Episode(AgentEpisode):
            async def act(self, observation: Observation) -> Action:
                raise OutOfPatience("this agent stops at its first turn")

        return Episode()


async def test_a_limit_of_the_agents_own_ends_the_episode_truncated() -> None:
    task = DebugEnvironment.get_task("echo", "echo-1")
    record = await run_episode(DebugEnvironment("echo"), Impatient(), task)
    assert record.status is EpisodeStatus.truncated
    assert record.error is not None and record.error["code"] == "out_of_patience"
