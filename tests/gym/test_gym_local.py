"""envgym.make(...) in-process: a gymnasium.Env that passes Gymnasium's own checker."""

from __future__ import annotations

import json
import uuid
import warnings
from pathlib import Path
from typing import Sequence

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env

import envgym
from envgym.adapters.gym import parse_action, render_observation
from envgym.adapters.gym_spaces import fit_text, model_charset, unicode_text
from envgym.kernel import registry
from envgym.kernel.environment import Environment
from envgym.protocol import Action, Grade, Message, Observation, StepResult, SuiteInfo, Task
from envgym.protocol.errors import InvalidRequest, SessionClosed, UnknownEnvironment, UnknownTask
from envgym.sandbox.base import SandboxSpec


def strict_check_env(env: gymnasium.Env) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Gymnasium reports most problems as warnings
        check_env(env, skip_render_check=False)


@pytest.mark.parametrize("env_id", ["debug/echo", "debug/counter", "reasoning/word_sorting"])
def test_check_env_passes(env_id: str) -> None:
    if env_id.startswith("reasoning"):
        pytest.importorskip("envgym_reasoning")
    env = envgym.make(env_id, render_mode="ansi")
    try:
        strict_check_env(env)
    finally:
        env.close()


def test_spaces_are_unicode_text() -> None:
    env = envgym.make("debug/echo")
    assert isinstance(env.observation_space, gymnasium.spaces.Text)
    assert isinstance(env.action_space, gymnasium.spaces.Text)
    for text in ["Hello, world!\n\tdef f(x): return {'a': [1, 2]}  # ok?", "naïve café — 東京 😀 ∑ x² ≤ π", ""]:
        assert env.observation_space.contains(text) and env.action_space.contains(text)
    assert not env.observation_space.contains("ansi \x1b[31m red")
    env.close()


def test_fit_text_replaces_foreign_characters_and_truncates_with_a_marker() -> None:
    assert fit_text("a\x1b[0mb\x00", 100) == "a\ufffd[0mb\ufffd"
    long = fit_text("x" * 5000, 1000)
    assert len(long) == 1000 and long.endswith("characters]") and unicode_text(1000).contains(long)
    assert "\U000e0001" not in model_charset() and "😀" in model_charset() and "\n" in model_charset()


def test_reset_samples_tasks_with_np_random_and_seeds_reproduce() -> None:
    env = envgym.make("debug/echo")
    first = [env.reset(seed=s)[1]["task_id"] for s in range(12)]
    again = [env.reset(seed=s)[1]["task_id"] for s in range(12)]
    assert first == again and len(set(first)) > 3
    env.close()
    seeded = envgym.make("debug/echo", seed=5)
    assert seeded.reset()[1]["task_id"] == first[5]
    seeded.close()


def test_pinned_tasks() -> None:
    by_id = envgym.make("debug/echo.echo-3")
    by_kwarg = envgym.make("debug", suite="echo", task_id="echo-3")
    for env in (by_id, by_kwarg):
        assert all(env.reset(seed=s)[1]["task_id"] == "echo-3" for s in range(3))
        assert env.reset(options={"task_id": "echo-1"})[1]["task_id"] == "echo-1"
        env.close()
    with pytest.raises(UnknownTask):
        envgym.make("debug/echo", task_id="nope")
    with pytest.raises(UnknownEnvironment):
        envgym.make("no-such-family-xyz")
    with pytest.raises(InvalidRequest):
        envgym.make("debug/echo", suite="counter")


def test_step_returns_the_step_result_and_info() -> None:
    env = envgym.make("debug/echo", task_id="echo-3", render_mode="ansi")
    obs, info = env.reset(seed=0)
    assert obs == "Reply with exactly this word and nothing else: delta" == env.render()
    assert isinstance(info["observation"], Observation) and info["status"] == "running" and info["grade"] is None
    obs, reward, terminated, truncated, info = env.step("delta")
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["status"] == "completed" and Grade.model_validate(info["grade"]).passed
    with pytest.raises(SessionClosed):
        env.step("again")
    env.close()


def test_json_encoded_tool_calls_and_max_turns() -> None:
    env = envgym.make("debug/counter", task_id="count-to-2")
    obs, info = env.reset(seed=0)
    assert [t["function"]["name"] for t in info["tools"]] == ["increment", "submit"]
    call = {
        "role": "assistant",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "increment", "arguments": '{"by": 2}'}}],
    }
    obs, reward, terminated, truncated, info = env.step(json.dumps(call))
    assert obs == "[tool c1]\ncounter = 2" and info["messages"][0]["role"] == "tool" and not terminated
    obs, reward, terminated, *_ = env.step(Action.call("submit"))
    assert (reward, terminated) == (1.0, True)
    env.close()

    limited = envgym.make("debug/counter", task_id="count-to-5", max_turns=2)
    limited.reset(seed=0)
    assert limited.step(Action.call("increment"))[3] is False
    _, _, terminated, truncated, info = limited.step(Action.call("increment"))
    assert truncated and not terminated and info["status"] == "truncated"
    limited.close()


def test_parse_action_reads_text_unless_it_is_an_assistant_message() -> None:
    assert parse_action("hello").content == "hello"
    assert parse_action('{"answer": 4}').content == '{"answer": 4}'  # JSON, but not a message: plain text
    assert parse_action('{"role": "assistant", "content": "hi"}').content == "hi"
    assert parse_action({"role": "assistant", "content": "x"}).content == "x"
    with pytest.raises(InvalidRequest):
        parse_action(42)


def test_render_observation_tags_tool_results() -> None:
    obs = Observation(
        messages=[Message(role="tool", tool_call_id="c9", content="ok"), Message(role="user", content="next")]
    )
    assert render_observation(obs) == "[tool c9]\nok\n\nnext"


class Boxed(Environment):
    """Opens a sandbox per episode; records every instance so the test can see the lifecycle."""

    instances: list["Boxed"] = []

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main")]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [Task(id=f"t{i}", suite=suite, prompt=f"task {i}") for i in range(3)]

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        Boxed.instances.append(self)
        self.box = await self.context.create_sandbox(SandboxSpec())
        self.closed = False
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        result = await self.box.exec("echo -n $((6*7))")
        return self.finish(Grade.binary(result.stdout == action.text()))

    async def on_close(self) -> None:
        self.closed = True
        await self.box.close()


@pytest.fixture
def boxed():
    name = f"gym-boxed-{uuid.uuid4().hex[:6]}"
    registry.register("environments", name, Boxed)
    Boxed.instances.clear()
    yield name
    registry.unregister("environments", name)


def test_one_environment_per_episode_closed_at_the_next_reset_and_at_close(boxed: str) -> None:
    env = envgym.make(boxed, sandbox="process")
    env.reset(seed=1)
    first = Boxed.instances[-1]
    assert type(first.box).__name__ == "ProcessSandbox" and Path(first.box.root).exists()
    assert env.step("42")[1] == 1.0
    env.reset(seed=2)
    second = Boxed.instances[-1]
    assert second is not first and first.closed and not Path(first.box.root).exists()
    env.close()
    assert second.closed and not Path(second.box.root).exists()
    env.close()  # idempotent


def test_gymnasium_make_builds_it_through_the_registered_id() -> None:
    env = gymnasium.make("envgym/Env-v0", env_id="debug/echo", task_id="echo-3", render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert obs.endswith("delta") and env.step("delta")[1] == 1.0
    env.close()
    again = gymnasium.make(envgym.make("debug/echo.echo-1").spec)
    assert again.reset()[1]["task_id"] == "echo-1"
    again.close()


@pytest.mark.parametrize("vector", ["sync", "async"])
def test_vector_envs(vector: str) -> None:
    fns = [lambda: envgym.make("debug/echo.echo-8"), lambda: envgym.make("debug/echo.echo-4")]
    venv = (
        gymnasium.vector.SyncVectorEnv(fns)
        if vector == "sync"
        else gymnasium.vector.AsyncVectorEnv(fns, shared_memory=False)
    )  # see docs/gym.md
    try:
        obs, info = venv.reset(seed=0)
        assert [o.rsplit(" ", 1)[1] for o in obs] == ["india", "echo"]
        _, rewards, terminated, _, _ = venv.step(("india", "echo"))
        assert list(rewards) == [1.0, 1.0] and all(terminated)
    finally:
        venv.close()
