"""The built-in agents that need no model: ``nop`` and ``oracle``.

* ``nop`` does nothing useful: it ends the episode at once (calls ``submit``/``done`` when the
  episode offers such a tool, otherwise answers with empty text). Every task must score 0 with it.
* ``oracle`` plays the task's reference solution through the environment family's
  ``oracle_policy``. Every shipped task must score 1 with it.

Example:
    >>> from envgym.builtin.debug import DebugEnvironment
    >>> task = DebugEnvironment.get_task("echo", "echo-0")
    >>> OracleAgent().start_episode(task, DebugEnvironment, []) is not None
    True
"""

from __future__ import annotations

from envgym.agents.base import Agent, AgentEpisode, PolicyEpisode, ScriptedEpisode
from envgym.kernel.environment import Environment
from envgym.protocol import Action, Observation, Task, Tool
from envgym.protocol.errors import InvalidRequest

FINISH_TOOLS = ("submit", "done", "answer", "finish")


class NopEpisode(AgentEpisode):
    def __init__(self, tools: list[Tool]) -> None:
        super().__init__()
        names = [t.function.name for t in tools]
        finisher = next((n for n in FINISH_TOOLS if n in names), None)
        self._action = Action.call(finisher) if finisher else Action(content="")

    async def act(self, observation: Observation) -> Action:
        return self._action


class NopAgent(Agent):
    name = "nop"
    summary = "Ends every episode at once without attempting the task (every task must score 0)."

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        return NopEpisode(tools)


class OracleAgent(Agent):
    name = "oracle"
    summary = "Plays each task's reference solution (every shipped task must score 1)."

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        policy = env_cls.oracle_policy(task)
        if policy is None:
            raise InvalidRequest(
                f"{env_cls.family or env_cls.__name__} offers no reference solution for task {task.id!r}"
            )
        return PolicyEpisode(policy)


__all__ = ["NopAgent", "OracleAgent", "ScriptedEpisode"]
