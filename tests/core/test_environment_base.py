"""Behaviour of the Environment base class invariants, using the built-in debug family."""

import pytest

from envgym import Action, EpisodeStatus
from envgym.builtin.debug import DebugEnvironment
from envgym.kernel.families import resolve
from envgym.protocol.errors import SessionClosed, UnknownEnvironment, UnknownTask


async def test_echo_rewards_exact_answer_only():
    for answer, reward in (("delta", 1.0), ("Delta", 0.0), ("", 0.0)):
        env = DebugEnvironment("echo")
        await env.reset(DebugEnvironment.get_task("echo", "echo-3"))
        result = await env.step(answer)
        assert result.terminated and result.reward == reward
        assert result.info["status"] == "completed"
        await env.close()


async def test_step_after_end_raises_session_closed():
    env = DebugEnvironment("echo")
    await env.reset(DebugEnvironment.get_task("echo", "echo-0"))
    await env.step("alpha")
    with pytest.raises(SessionClosed):
        await env.step("alpha")
    await env.close()
    await env.close()  # idempotent


async def test_invalid_action_is_an_observation_not_an_exception():
    env = DebugEnvironment("counter")
    await env.reset(DebugEnvironment.get_task("counter", "count-to-1"))
    result = await env.step("just text")
    assert not result.done and "Error" in result.observation.messages[0].text()
    assert result.info["error"]["code"] == "invalid_action"
    result = await env.step(Action.call("increment"))
    result = await env.step(Action.call("submit"))
    assert result.reward == 1.0 and result.status is EpisodeStatus.completed


async def test_turn_limit_truncates():
    env = DebugEnvironment("counter", options={"max_turns": 2})
    await env.reset(DebugEnvironment.get_task("counter", "count-to-5"))
    assert not (await env.step(Action.call("increment"))).done
    result = await env.step(Action.call("increment"))
    assert result.truncated and not result.terminated
    assert result.info["status"] == "truncated"


async def test_environment_bug_becomes_env_error():
    class Broken(DebugEnvironment):
        async def on_step(self, action):
            raise RuntimeError("boom")

    env = Broken("echo")
    await env.reset(DebugEnvironment.get_task("echo", "echo-0"))
    result = await env.step("x")
    assert result.terminated and result.info["status"] == "env_error"
    assert "boom" in result.info["error"]["message"]


def test_resolve_ids():
    assert resolve("debug").suite == "echo"
    assert resolve("debug/counter").suite == "counter"
    ref = resolve("debug/echo.echo-2")
    assert [t.id for t in ref.tasks()] == ["echo-2"]
    with pytest.raises(UnknownEnvironment):
        resolve("debug/nope")
    with pytest.raises(UnknownEnvironment):
        resolve("no-such-family/x")
    with pytest.raises(UnknownTask):
        resolve("debug/echo.no-such-task")


def test_sync_facade():
    env = DebugEnvironment("echo").sync()
    obs, info = env.reset(DebugEnvironment.get_task("echo", "echo-1"))
    assert "bravo" in obs.messages[0].text() and info["task_id"] == "echo-1"
    assert env.step("bravo").reward == 1.0
    env.close()
    env.close()  # idempotent, like every blocking facade's close


async def test_deeply_nested_tool_arguments_are_the_agents_mistake():
    from envgym.protocol import FunctionCall, ToolCall

    env = DebugEnvironment("counter")
    await env.reset(DebugEnvironment.get_task("counter", "count-to-1"))
    nested = Action(tool_calls=[ToolCall(id="c1", function=FunctionCall(name="increment", arguments="[" * 100_000))])
    result = await env.step(nested)
    assert not result.done and "nested too deeply" in result.observation.messages[0].text()
    await env.step(Action.call("increment"))
    result = await env.step(Action.call("submit"))
    assert result.reward == 1.0 and result.status is EpisodeStatus.completed
    await env.close()


@pytest.mark.parametrize("reward", [5.0, -1.0, float("nan")])
async def test_an_episode_ended_with_a_reward_outside_zero_one_is_a_grader_error(reward):
    from envgym.protocol import Grade

    class Generous(DebugEnvironment):
        async def on_step(self, action):
            return self.finish(Grade(reward=reward, passed=True))

    env = Generous("echo")
    await env.reset(DebugEnvironment.get_task("echo", "echo-0"))
    result = await env.step("x")
    assert (result.reward, result.info["status"]) == (0.0, "grader_error"), result.info
    assert "outside [0, 1]" in result.info["grade"]["error"] or "non-finite" in result.info["grade"]["error"]
    await env.close()


async def test_reset_takes_a_task_id_of_its_suite():
    env = DebugEnvironment("echo")
    with pytest.raises(UnknownTask):
        await env.reset("no-such-task")
    result = await env.reset("echo-1", seed=3)  # the unknown id did not use the instance up
    assert result.info["task_id"] == "echo-1" and env.task == DebugEnvironment.get_task("echo", "echo-1")
    await env.close()
