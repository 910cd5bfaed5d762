"""The Gymnasium-level recipes in examples/gymnasium/, run against a real `envgym serve` subprocess."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from envgym.eval.server_process import ServerProcess

RECIPES = Path(__file__).resolve().parents[2] / "examples" / "gymnasium"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", RECIPES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server():
    # A small session limit, so the many-sessions recipe has to live with capacity_exhausted.
    with ServerProcess(["--sandbox", "process", "--max-sessions", "4"]) as proc:
        yield proc
    assert proc.proc is None  # stopped by the context manager


def test_gym_loop_plays_counter_episodes_to_reward_one(server, capsys):
    summary = load("gym_loop").main(["--url", server.url, "--env", "debug/counter", "--episodes", "4"])
    assert summary == {"env": "debug/counter", "episodes": 4, "mean_return": 1.0, "statuses": {"completed": 4}}
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == summary


def test_gym_loop_single_turn_env(server):
    summary = load("gym_loop").run(server.url, "debug/echo", episodes=3)
    assert summary["mean_return"] == 1.0 and summary["statuses"] == {"completed": 3}


def test_many_sessions_beyond_the_server_limit_all_finish(server):
    summary = load("many_sessions").main(
        ["--url", server.url, "--env", "debug/counter", "--sessions", "24", "--concurrency", "12"]
    )
    assert summary["statuses"] == {"completed": 24}
    assert summary["mean_reward"] == 1.0
    # count-to-{1,2,3,5,8} takes target+1 steps; 24 episodes cycle through the 5 tasks
    targets = [1, 2, 3, 5, 8]
    assert summary["steps"] == sum(targets[i % 5] + 1 for i in range(24))


def test_server_sessions_are_all_closed_afterwards(server):
    import httpx

    load("many_sessions").main(["--url", server.url, "--sessions", "6", "--concurrency", "6"])
    metrics = httpx.get(f"{server.url}/metrics").text
    open_lines = [line for line in metrics.splitlines() if line.startswith("envgym_sessions_open")]
    assert open_lines and all(float(line.split()[-1]) == 0 for line in open_lines), open_lines
