"""A remote trainer plays episodes with ``run_episode`` by task id, without the plugin installed
where it runs (issue 16): no family class, no task record, tools from the first observation."""

from __future__ import annotations

import re

import pytest

from envgym import Action, Task, Tool
from envgym.agents.base import Agent, AgentEpisode, ScriptedEpisode
from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.client import AsyncClient
from envgym.kernel.families import resolve
from envgym.protocol import EpisodeStatus
from envgym.protocol.errors import InvalidRequest


class Counting(Agent):
    """Reads the target from the prompt and the tool names from the tools it is given."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[Task, str, list[str]]] = []

    def start_episode(self, task: Task, env_cls: type, tools: list[Tool]) -> AgentEpisode:
        self.seen.append((task, env_cls.family, [t.function.name for t in tools]))
        found = re.search(r"counter is (\d+)", task.prompt)
        assert found, task.prompt
        return ScriptedEpisode([Action.call("increment")] * int(found.group(1)) + [Action.call("submit")])


@pytest.mark.parametrize("websocket", [False, True])
async def test_run_episode_by_task_id_needs_no_family_class(live_server, websocket: bool) -> None:
    async with AsyncClient(live_server.url) as client:
        agent = Counting()
        record = await run_episode(client.episode("debug/counter", websocket=websocket), agent, "count-to-2")
        assert record.status is EpisodeStatus.completed and record.reward == 1.0, record.error
        assert (record.env, record.task_id, record.turns) == ("debug/counter", "count-to-2", 3)
        task, family, tools = agent.seen[0]
        assert (task.id, task.suite, family, tools) == ("count-to-2", "counter", "debug", ["increment", "submit"])
        assert task.private == {}  # the server kept the task's private part
        # The oracle's reference solution is the family's: without the class it is a clear agent error.
        oracle = await run_episode(client.episode("debug/counter"), OracleAgent(), "count-to-1")
        assert oracle.status is EpisodeStatus.agent_error and "offers no reference solution" in oracle.error["message"]
        assert (await client.healthz())["sessions_open"] == 0  # every episode closed its session


async def test_a_local_environment_takes_a_task_id_too_and_needs_a_family_otherwise() -> None:
    debug = resolve("debug/echo").cls  # the installed class, named by its entry point
    record = await run_episode(debug("echo"), OracleAgent(), "echo-1")
    assert record.reward == 1.0 and record.env == "debug/echo", record.error

    class Anonymous:
        async def reset(self, task: object, seed: int | None = None) -> None: ...
        async def step(self, action: Action) -> None: ...
        async def close(self) -> None: ...

    with pytest.raises(InvalidRequest, match="run_episode needs the family"):
        await run_episode(Anonymous(), Counting(), "t1")  # type: ignore[arg-type]
