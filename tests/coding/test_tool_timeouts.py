"""A command that runs too long is killed inside its tool call, the agent is told, and the episode goes
on (envgym/kernel/step_budget.py): never an episode ended by the server's step timeout. Each test has the
control: the same episode, after the long command, solves the task and scores 1."""

from __future__ import annotations

import httpx
import pytest

from envgym.kernel.context import EnvContext
from envgym.kernel.step_budget import StepBudget
from envgym.protocol import Action
from envgym_coding import CodingEnvironment

envgym_server = pytest.importorskip("envgym_server", reason="the envgym-server distribution is not installed")

STEP_TIMEOUT_S = 26.0  # → a command budget of 6 s per step
FIX = "patch -p1 --no-backup-if-mismatch -s < .fix.patch"


@pytest.fixture
def short_ctx(ctx: EnvContext) -> EnvContext:
    return EnvContext(sandbox=ctx.sandbox, settings={"step_timeout_s": STEP_TIMEOUT_S})


def texts(result) -> list[str]:
    return [m.content for m in result.observation.messages]


async def fix_and_submit(env: CodingEnvironment, task) -> None:
    """The control: the same episode, after the long command, applies the reference fix and scores 1."""
    await env.step(Action.call("write_file", path=".fix.patch", content=task.private["reference_patch"]))
    fixed = await env.step(Action.call("bash", command=FIX))
    assert "exit code: 0" in texts(fixed)[0]
    final = await env.step(Action.call("submit"))
    assert (final.reward, final.info["status"]) == (1.0, "completed")


async def test_a_long_bash_command_is_killed_and_the_repo_episode_goes_on(short_ctx):
    task = CodingEnvironment.get_task("repo", "lru-cache-recency")
    env = CodingEnvironment("repo", context=short_ctx)
    try:
        await env.reset(task)
        budget = StepBudget.of(short_ctx).total
        long = await env.step(Action.call("bash", command="echo started; sleep 600", timeout=60))
        assert not long.done and long.info["status"] == "running"
        [text] = texts(long)
        assert text.startswith(f"timed out: the command was killed after {budget:g} s") and "started" in text
        await fix_and_submit(env, task)
    finally:
        await env.close()


async def test_calls_of_one_step_share_its_budget(short_ctx):
    task = CodingEnvironment.get_task("repo", "lru-cache-recency")
    env = CodingEnvironment("repo", context=short_ctx)
    try:
        await env.reset(task)
        step = await env.step(
            Action(
                tool_calls=[
                    Action.call("bash", command="sleep 600").tool_calls[0],
                    Action.call("bash", command="echo second").tool_calls[0],
                ]
            )
        )
        first, second = texts(step)
        assert first.startswith("timed out") and second.startswith("Error: this step's time budget is used up")
        again = await env.step(Action.call("bash", command="echo second"))
        assert "second" in texts(again)[0]
    finally:
        await env.close()


async def test_hanging_visible_tests_are_killed_and_the_episode_goes_on(short_ctx):
    task = CodingEnvironment.get_task("repo", "lru-cache-recency")
    env = CodingEnvironment("repo", context=short_ctx)
    try:
        await env.reset(task)
        await env.step(
            Action.call(
                "write_file", path="tests/test_hang.py", content="import time\ndef test_hang():\n    time.sleep(600)\n"
            )
        )
        hung = await env.step(Action.call("run_tests"))
        assert not hung.done and texts(hung)[0].startswith("timed out")
        await env.step(Action.call("bash", command="rm tests/test_hang.py"))
        await fix_and_submit(env, task)
    finally:
        await env.close()


async def test_run_python_that_never_ends_is_killed(short_ctx):
    task = CodingEnvironment.get_task("humaneval-tools", "HumanEval-2")
    env = CodingEnvironment("humaneval-tools", context=short_ctx)
    try:
        await env.reset(task)
        spin = await env.step(Action.call("run_python", code="while True:\n    pass\n", timeout=60))
        assert not spin.done and texts(spin)[0].startswith("timed out")
        fixed = task.payload["prompt"] + "    return number - int(number)\n"
        final = await env.step(Action.call("submit", code=fixed))
        assert (final.reward, final.info["status"]) == (1.0, "completed")
    finally:
        await env.close()


async def test_through_the_server_a_long_command_never_reaches_the_step_timeout(ctx):
    """The server publishes nothing yet, so the setting is given as the server's own settings."""
    config = envgym_server.ServerConfig(
        sandbox=ctx.sandbox, step_timeout_s=STEP_TIMEOUT_S, settings={"step_timeout_s": STEP_TIMEOUT_S}
    )
    app = envgym_server.create_app(config)
    task = CodingEnvironment.get_task("humaneval-tools", "HumanEval-2")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test", timeout=120) as client:
            sid = (
                await client.post("/v1/sessions", json={"env": "coding/humaneval-tools", "task_id": task.id})
            ).json()["session_id"]
            call = {
                "action": Action.call("run_python", code="import time\ntime.sleep(600)\n", timeout=60).model_dump(
                    exclude_none=True
                )
            }
            long = await client.post(f"/v1/sessions/{sid}/step", json=call)
            assert long.status_code == 200, long.text
            assert long.json()["observation"]["messages"][0]["content"].startswith("timed out")
            fixed = task.payload["prompt"] + "    return number - int(number)\n"
            submit = {"action": Action.call("submit", code=fixed).model_dump(exclude_none=True)}
            final = (await client.post(f"/v1/sessions/{sid}/step", json=submit)).json()
            await client.delete(f"/v1/sessions/{sid}")
    assert final["reward"] == 1.0 and final["info"]["status"] == "completed"
