"""A third-party author's whole path (issue 16): a plugin written outside this repository (by
``envgym new``), installed into a directory of its own, goes through ``list``, ``info``, ``check``,
``demo``, ``eval`` and ``serve``; a client that does not have the plugin plays episodes on that
server. Nothing in envgym names the plugin."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from envgym import Action
from envgym.agents.base import Agent, AgentEpisode, ScriptedEpisode
from envgym.agents.loop import run_episode
from envgym.cli.new_cmd import Names
from envgym.client import AsyncClient
from envgym.kernel import registry
from envgym.protocol import EpisodeStatus, Task, Tool

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PlumCounter(Agent):
    """What a model would do on task ``plums``: look the count up, then submit it."""

    def start_episode(self, task: Task, env_cls: type, tools: list[Tool]) -> AgentEpisode:
        assert {t.function.name for t in tools} == {"list_items", "count", "submit"}
        return ScriptedEpisode([Action.call("count", item="plums"), Action.call("submit", answer="30")])


def test_a_plugin_from_outside_the_repository_through_every_command(tmp_path: Path, pip, envgym_cli) -> None:
    assert REPO not in tmp_path.parents
    name = f"outside-{uuid.uuid4().hex[:6]}"
    names = Names.of(name)
    created = envgym_cli("new", name, "--dir", str(tmp_path / "author"), "--template", "tool")
    assert created.returncode == 0, created.stderr
    site = tmp_path / "site"  # not the shared venv: only the processes given PYTHONPATH=site see it
    pip(
        "install",
        "--no-build-isolation",
        "--no-deps",
        "--target",
        str(site),
        str(tmp_path / "author" / names.distribution),
    )

    def run(*args: str):  # type: ignore[no-untyped-def]
        result = envgym_cli(*args, pythonpath=site, cwd=tmp_path)
        assert result.returncode == 0, f"envgym {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    rows = {r["name"]: r for r in json.loads(run("list", "environments", "--json").stdout)}
    assert (rows[name]["package"], rows[name]["conflict"]) == (names.distribution, False)
    info = run("info", name).stdout
    assert f"from package {names.distribution}" in info and "tools of stock: list_items, count, submit" in info
    check = run("check", name)
    assert "passes every check" in check.stdout and "warn" not in (check.stdout + check.stderr).lower()
    demo = run("demo", "--only", name, "--tasks", "1", "--sandbox", "process", "--out", str(tmp_path / "demo")).stdout
    assert f"{name}/stock" in demo and "✓" in demo and "✗" not in demo, demo
    evaluated = json.loads(
        run("eval", name, "--agent", "oracle", "-n", "3", "--json", "--out", str(tmp_path / "eval")).stdout
    )
    assert (evaluated["episodes"], evaluated["mean_reward"], evaluated["errors"]) == (3, 1.0, 0)

    # serve: this test process has no such plugin, as a remote trainer would not
    assert name not in {p.name for p in registry.list_plugins("environments")}
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(site))
    server = subprocess.Popen(
        [str(BIN / "envgym"), "serve", "--port", str(port), "--sandbox", "process"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "envgym serve did not come up"
            time.sleep(0.2)

        async def remote() -> None:
            async with AsyncClient(url) as client:
                detail = await client.environment(name)
                assert (detail.package, [s.name for s in detail.suites]) == (names.distribution, ["stock"])
                record = await run_episode(client.episode(f"{name}/stock"), PlumCounter(), "plums")
                assert record.status is EpisodeStatus.completed and record.reward == 1.0, record.error
                assert record.turns == 2 and record.messages[2].content == "plums: 30"

        asyncio.run(remote())
        # and eval --server from a process without the plugin
        remote_eval = envgym_cli(
            "eval", name, "--server", url, "--agent", "nop", "-n", "2", "--json", "--out", str(tmp_path / "remote")
        )
        assert remote_eval.returncode == 0, remote_eval.stdout + remote_eval.stderr
        summary = json.loads(remote_eval.stdout)
        assert (summary["episodes"], summary["mean_reward"], summary["errors"]) == (2, 0.0, 0)
    finally:
        server.terminate()
        server.wait(timeout=30)
