"""envgym.adapters.verifiers with the real verifiers package (0.4.0, ``verifiers.v1``): the
plugin id ``envgym_verifiers`` resolves through verifiers' own loaders, the taskset lists a live
server's tasks, and a whole episode runs through ``Env.run_episode`` — verifiers' null harness in its
subprocess runtime (prepared with uv) calling the stand-in model server through verifiers' eval
client — against a live envgym session. prime-rl's training client (vLLM's /inference/v1/generate)
needs vLLM and did not run."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import httpx
import pytest

vf = pytest.importorskip("verifiers.v1")
pytest.importorskip("transformers")

from verifiers.v1.harnesses.null import NullHarnessConfig  # noqa: E402
from verifiers.v1.utils.loaders import environment_class, load_environment, taskset_class  # noqa: E402

from envgym.adapters.verifiers import EnvgymEnv, EnvgymEnvConfig, EnvgymTaskset, EnvgymTasksetConfig  # noqa: E402
from envgym.testing.local_model import LocalModel, scripted_calls, tiny_model, tiny_tokenizer  # noqa: E402
from envgym.testing.openai_server import OpenAIServer  # noqa: E402


def config(server, **taskset):
    return EnvgymEnvConfig(
        taskset=EnvgymTasksetConfig(id="envgym_verifiers", url=server.url, env="debug/counter", **taskset),
        player=vf.AgentConfig(harness=NullHarnessConfig(id="null"), runtime=vf.SubprocessConfig()),
    )


def test_plugin_id_resolves_and_the_taskset_lists_the_servers_tasks(envgym_server):
    assert taskset_class("envgym_verifiers") is EnvgymTaskset
    assert environment_class("envgym_verifiers") is EnvgymEnv
    env = load_environment(config(envgym_server, limit=3))
    tasks = list(env.taskset)
    assert [t.data.info["task_id"] for t in tasks] == ["count-to-1", "count-to-2", "count-to-3"]
    assert tasks[0].data.prompt.startswith("Use the increment tool until the counter is 1")


@pytest.mark.skipif(
    shutil.which("uv") is None and not (Path(sys.executable).parent / "uv").exists(),
    reason="verifiers' subprocess runtime prepares the harness program with uv (pip install uv)",
)
def test_an_episode_through_verifiers_run_episode(envgym_server, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("ENVGYM_TEST_KEY", "unused")
    tokenizer = tiny_tokenizer("qwen2_5")
    backend = LocalModel(
        tiny_model(tokenizer), tokenizer, script=scripted_calls(tokenizer, "increment", "oops", "submit")
    )
    with OpenAIServer.serving(backend) as policy:
        env = load_environment(config(envgym_server, limit=1))
        task = next(iter(env.taskset))
        ctx = vf.ModelContext(
            model="tiny", client=vf.EvalClientConfig(base_url=policy.base_url, api_key_var="ENVGYM_TEST_KEY")
        )

        async def play():
            async with env.serving():
                return await env.run_episode(task, ctx)

        episode = asyncio.run(play())
    assert episode.ok, episode.errors
    trace = episode.traces[0]
    assert trace.info["envgym_status"] == "completed" and trace.rewards["envgym_reward"].score == 1.0
    chats = [r for r in policy.requests if "_route" not in r]
    assert len(chats) == 3
    # The environment's answers reached the model as user turns (the unknown tool was the agent's mistake).
    last = chats[-1]["messages"]
    assert any("counter = 1" in str(m.get("content")) for m in last)
    assert any("unknown tool 'oops'" in str(m.get("content")) for m in last)
    assert httpx.get(f"{envgym_server.url}/healthz").json()["sessions_open"] == 0
