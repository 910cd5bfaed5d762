"""What a third-party plugin author runs into (issue 16): nameless tool calls, oracles with a plain
``act``, demo hooks on the Environment."""

from __future__ import annotations

import pytest

from envgym import Action
from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.builtin.debug import DebugEnvironment
from envgym.kernel.environment import DemoSetup, Policy, call_act
from envgym.protocol import EpisodeStatus, Observation


async def test_a_tool_call_without_a_name_is_answered_like_an_unknown_tool_and_counts_as_a_turn():
    env = DebugEnvironment("counter")
    await env.reset(DebugEnvironment.get_task("counter", "count-to-1"))
    action = Action.model_validate({"tool_calls": [{"id": "c1", "function": {"arguments": "{}"}}]})
    result = await env.step(action)
    reply = result.observation.messages[0]
    assert not result.done and result.info["turn"] == 1 and result.info["status"] == "running"
    assert (reply.role, reply.tool_call_id, reply.text()) == ("tool", "c1", "Error: unknown tool ''")
    nulled = await env.step({"tool_calls": [{"id": "c2", "function": {"name": None}}]})
    assert nulled.observation.messages[0].text() == "Error: unknown tool ''"
    # control: the same episode still solves the task with named calls
    await env.step(Action.call("increment"))
    final = await env.step(Action.call("submit"))
    assert final.reward == 1.0 and final.info["status"] == "completed"
    await env.close()


class _SyncOracle:
    """An oracle written without ``async`` (as a newcomer would)."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def act(self, observation: Observation) -> Action:
        return Action(content=self.answer)


class _SyncOracleEcho(DebugEnvironment):
    @classmethod
    def oracle_policy(cls, task):  # type: ignore[override]
        return _SyncOracle(task.private["answer"])


async def test_an_oracle_with_a_plain_act_method_plays_its_episode():
    task = _SyncOracleEcho.get_task("echo", "echo-2")
    record = await run_episode(_SyncOracleEcho("echo"), OracleAgent(), task, _SyncOracleEcho)
    assert record.status is EpisodeStatus.completed and record.reward == 1.0, record.error


async def test_an_act_that_returns_the_wrong_type_is_named_in_the_error():
    class Wrong(Policy):
        async def act(self, observation):  # type: ignore[override]
            return 42

    with pytest.raises(TypeError, match=r"Wrong\.act returned int; it must return an envgym.protocol.Action"):
        await call_act(Wrong(), Observation())
    with pytest.raises(TypeError, match="has no act"):
        await call_act(object(), Observation())


def test_demo_hooks_default_to_the_first_suite_and_no_setup():
    class Plain(DebugEnvironment):
        @classmethod
        def demo_suites(cls):
            return super(DebugEnvironment, cls).demo_suites()  # the base class's default

    assert Plain.demo_suites() == [("echo", 2)]
    with Plain.demo_setup() as setup:
        assert setup == DemoSetup()
