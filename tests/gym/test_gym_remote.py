"""envgym.make(..., url=...): the same gymnasium.Env, with episodes running in an envgym server."""

from __future__ import annotations

import json
import warnings

import httpx
import pytest
from gymnasium.utils.env_checker import check_env

import envgym
from envgym.protocol import Action, Grade, Observation
from envgym.protocol.errors import SessionClosed


def open_sessions(url: str) -> float:
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith("envgym_sessions_open"):
            return float(line.split()[-1])
    raise AssertionError("the server exposes no envgym_sessions_open metric")


@pytest.mark.parametrize("env_id", ["debug/echo", "debug/counter", "reasoning/chain_sum"])
def test_check_env_passes_over_http(server_url: str, env_id: str) -> None:
    if env_id.startswith("reasoning"):
        pytest.importorskip("envgym_reasoning")
    env = envgym.make(env_id, url=server_url, render_mode="ansi")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(env, skip_render_check=False)
    finally:
        env.close()


def test_remote_and_local_draw_the_same_tasks(server_url: str) -> None:
    remote, local = envgym.make("debug/echo", url=server_url), envgym.make("debug/echo")
    for seed in range(5):
        r_obs, r_info = remote.reset(seed=seed)
        l_obs, l_info = local.reset(seed=seed)
        assert (r_obs, r_info["task_id"]) == (l_obs, l_info["task_id"])
        assert r_info["session_id"]
    remote.close()
    local.close()


def test_a_remote_episode_with_tool_calls(server_url: str) -> None:
    env = envgym.make("debug/counter.count-to-2", url=server_url)
    obs, info = env.reset(seed=0)
    assert info["task_id"] == "count-to-2" and [t["function"]["name"] for t in info["tools"]] == ["increment", "submit"]
    call = {
        "role": "assistant",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "increment", "arguments": '{"by": 2}'}}],
    }
    obs, reward, terminated, truncated, info = env.step(json.dumps(call))
    assert obs == "[tool c1]\ncounter = 2" and isinstance(info["observation"], Observation)
    obs, reward, terminated, truncated, info = env.step(Action.call("submit"))
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["status"] == "completed" and Grade.model_validate(info["grade"]).passed
    with pytest.raises(SessionClosed):
        env.step("more")
    env.close()


def test_sessions_are_closed_at_reset_and_close(server_url: str) -> None:
    before = open_sessions(server_url)
    env = envgym.make("debug/echo", url=server_url, max_turns=1)
    for seed in range(3):
        env.reset(seed=seed)
        assert open_sessions(server_url) == before + 1
    env.close()
    assert open_sessions(server_url) == before
