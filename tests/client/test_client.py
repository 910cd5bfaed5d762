"""envgym.AsyncClient and envgym.Client: every method, typed errors, remote episodes (REST and WebSocket)."""

from __future__ import annotations

import asyncio

import httpx
import pydantic
import pytest
from server_helpers import running_app
from server_proc import ServerProcess, free_port

import envgym
from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.builtin.debug import DebugEnvironment
from envgym.client import AsyncClient, Client, ClientTimeout, ServerUnreachable
from envgym.protocol import Action, Task
from envgym.protocol.errors import (
    CapacityExhausted,
    EnvgymError,
    InvalidRequest,
    SessionClosed,
    Unauthorized,
    UnknownEnvironment,
    UnknownSession,
    UnknownTask,
)


def test_lazy_exports():
    assert envgym.Client is Client and envgym.AsyncClient is AsyncClient


async def test_every_async_method_in_process():
    async with running_app() as (_, _, client):
        assert (await client.healthz())["status"] == "ok"
        assert "envgym_sessions_open" in await client.metrics()
        assert "debug/counter" in {e.id for e in await client.environments()}
        detail = await client.environment("debug/counter")
        assert detail.tools and detail.suites[1].name == "counter"
        page = await client.tasks("debug/counter", offset=0, limit=2)
        assert page.total == 5 and [t.id for t in page.tasks] == ["count-to-1", "count-to-2"]
        assert (await client.tasks("debug", suite="echo", limit=3)).env == "debug/echo"
        created = await client.create_session("debug/counter", task_id="count-to-1", seed=7, options={"max_turns": 5})
        assert created.info["max_turns"] == 5
        step = await client.step(created.session_id, Action.call("increment"))
        assert step.observation.data == {"counter": 1} and not step.done
        state = await client.get_session(created.session_id)
        assert state.steps == 1 and state.task_id == "count-to-1"
        final = await client.step(created.session_id, {"tool_calls": [{"function": {"name": "submit"}}]})
        assert final.reward == 1.0 and final.status.value == "completed" and final.grade.passed
        assert await client.close_session(created.session_id) is True
        assert await client.close_session(created.session_id) is False
        task = Task(id="t", suite="s", prompt="2+2?", private={"answer": "4"})
        grade = await client.grade(grader="exact_test", task=task, submission={"answer": "4"})
        assert grade.reward == 1.0
        custom = await client.create_session(
            "debug/echo", task=Task(id="c", suite="echo", prompt="p", private={"answer": "hi"})
        )
        assert (await client.step(custom.session_id, "hi")).reward == 1.0


async def test_server_errors_are_typed_exceptions():
    async with running_app(max_sessions=1) as (_, _, client):
        with pytest.raises(UnknownEnvironment):
            await client.environment("nope/x")
        with pytest.raises(UnknownTask):
            await client.create_session("debug/echo", task_id="nope")
        with pytest.raises(UnknownSession) as unknown:
            await client.step("no-such-session", "x")
        assert unknown.value.details["session_id"] == "no-such-session"
        with pytest.raises(InvalidRequest):
            await client.tasks("debug/echo", limit=0)
        first = await client.create_session("debug/echo", task_id="echo-0")
        with pytest.raises(CapacityExhausted) as full:
            await client.create_session("debug/echo", task_id="echo-0")
        assert full.value.retry_after is not None and full.value.retry_after >= 1
        await client.step(first.session_id, "alpha")
        with pytest.raises(SessionClosed):
            await client.step(first.session_id, "alpha")


async def test_invalid_input_and_unexpected_answers_are_envgym_errors_not_pydantic_ones():
    async with running_app() as (_, _, client):
        created = await client.create_session("debug/counter", task_id="count-to-1")
        with pytest.raises(
            InvalidRequest, match=r"the action is not valid \(tool_calls: Input should be a valid list\)"
        ) as bad:
            await client.step(created.session_id, {"tool_calls": "increment"})
        assert not isinstance(bad.value, pydantic.ValidationError) and bad.value.details["errors"][0]["loc"] == (
            "tool_calls",
        )
        with pytest.raises(InvalidRequest, match="the session request is not valid"):
            await client.create_session("debug/counter", task_id="count-to-1", seed="seven")  # type: ignore[arg-type]
        with pytest.raises(InvalidRequest, match="the grade request is not valid"):
            await client.grade(grader="exact_test", submission={"answer": 4})
        assert (await client.get_session(created.session_id)).steps == 0  # nothing invalid was sent

    def not_envgym(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hello": "world"})

    async with AsyncClient("http://other", transport=httpx.MockTransport(not_envgym)) as other:
        with pytest.raises(
            EnvgymError,
            match=r"POST http://other/v1/sessions/s1/step answered with a body that is not a "
            r"valid StepResult .*of a version this client speaks",
        ):
            await other.step("s1", "hi")


async def test_unauthorized_is_typed():
    async with running_app(token="abc") as (app, _, _):
        transport = httpx.ASGITransport(app)
        async with AsyncClient("http://test", transport=transport, token="wrong") as client:
            with pytest.raises(Unauthorized):
                await client.environments()
        async with AsyncClient("http://test", transport=transport, token="abc") as client:
            assert await client.environments()


async def test_token_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("ENVGYM_TOKEN", "from-env")
    async with AsyncClient("http://127.0.0.1:1") as client:
        assert client.token == "from-env"


async def test_unreachable_server_is_an_actionable_error():
    async with AsyncClient(f"http://127.0.0.1:{free_port()}", timeout=5) as client:
        with pytest.raises(ServerUnreachable, match="envgym serve"):
            await client.healthz()


async def test_client_timeout(live_server):
    async with AsyncClient(live_server.url, timeout=0.5) as client:
        created = await client.create_session("slowtest/main", task_id="t1")
        with pytest.raises(ClientTimeout):
            await client.step(created.session_id, "sleep")
        await client.close_session(created.session_id)


async def test_client_timeout_over_websocket(live_server):
    async with AsyncClient(live_server.url, timeout=0.5) as client:
        episode = client.episode("slowtest/main", websocket=True)
        await episode.reset("t1")
        session_id = episode.session_id
        with pytest.raises(ClientTimeout, match="WebSocket"):
            await episode.step("sleep")
        await episode.close()
        # The server reads the socket only between steps, so the close is seen once the step ends;
        # DELETE ends the sleeping step now (other tests count open sessions on this server).
        await client.close_session(session_id)
        assert (await client.healthz())["sessions_open"] == 0


@pytest.mark.parametrize("websocket", [False, True])
async def test_run_episode_remotely(live_server, websocket):
    task = DebugEnvironment.get_task("counter", "count-to-3")
    async with AsyncClient(live_server.url) as client:
        record = await run_episode(
            client.episode("debug/counter", websocket=websocket), OracleAgent(), task, DebugEnvironment
        )
        assert record.status.value == "completed" and record.reward == 1.0 and record.turns == 4
        nop = await run_episode(
            client.episode("debug/echo", websocket=websocket),
            NopAgent(),
            DebugEnvironment.get_task("echo", "echo-1"),
            DebugEnvironment,
        )
        assert nop.reward == 0.0
        assert (await client.healthz())["sessions_open"] == 0


async def test_websocket_episode_errors_are_typed(live_server):
    async with AsyncClient(live_server.url) as client:
        episode = client.episode("debug/echo", websocket=True)
        with pytest.raises(UnknownTask):
            await episode.reset("no-such-task")
        await episode.reset("echo-2")
        assert (await episode.step("charlie")).reward == 1.0
        with pytest.raises(SessionClosed):
            await episode.step("charlie")
        await episode.close()
        await episode.close()


async def test_websocket_episode_unauthorized():
    with ServerProcess(token="t0k") as server:
        async with AsyncClient(server.url, token="bad") as client:
            with pytest.raises(Unauthorized):
                await client.episode("debug/echo", websocket=True).reset("echo-0")
        async with AsyncClient(server.url, token="t0k") as client:
            episode = client.episode("debug/echo", websocket=True)
            await episode.reset("echo-0")
            await episode.close()


def test_sync_client_mirrors_the_async_one(live_server):
    with Client(live_server.url) as client:
        assert client.healthz()["status"] == "ok"
        assert "debug/echo" in {e.id for e in client.environments()}
        assert client.environment("debug/echo").suites
        assert client.tasks("debug/echo", limit=1).tasks[0].id == "echo-0"
        created = client.create_session("debug/echo", task_id="echo-3")
        assert client.get_session(created.session_id).status.value == "running"
        assert client.step(created.session_id, "delta").reward == 1.0
        assert client.close_session(created.session_id)
        task = Task(id="t", suite="s", prompt="?", private={"answer": "yes"})
        assert client.grade(grader="exact_test", task=task, submission={"answer": "yes"}).passed
        with pytest.raises(UnknownSession):
            client.step(created.session_id, "x")
        for websocket in (False, True):
            with client.episode("debug/echo", websocket=websocket) as episode:
                episode.reset(DebugEnvironment.get_task("echo", "echo-4"))
                assert episode.step("echo").reward == 1.0


async def test_many_concurrent_episodes_share_one_pool(live_server):
    async with AsyncClient(live_server.url, max_connections=50) as client:

        async def one(i: int) -> float:
            episode = client.episode("debug/echo")
            await episode.reset(f"echo-{i % 10}")
            result = await episode.step(DebugEnvironment.get_task("echo", f"echo-{i % 10}").private["answer"])
            await episode.close()
            return result.reward

        assert await asyncio.gather(*(one(i) for i in range(100))) == [1.0] * 100


def test_eval_of_a_family_on_a_server_runs_the_suites_the_server_lists(live_server, tmp_path):
    import json

    from typer.testing import CliRunner

    from envgym.cli import app

    result = CliRunner().invoke(
        app,
        [
            "eval",
            "debug",
            "--server",
            live_server.url,
            "--agent",
            "oracle",
            "-n",
            "1",
            "--json",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert {env: s["mean_reward"] for env, s in json.loads(result.output).items()} == {
        "debug/echo": 1.0,
        "debug/counter": 1.0,
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter", "echo"]
