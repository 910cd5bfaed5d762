"""A user's own Harbor-layout task directories, written outside the project, run and are graded
with no Python: through the `terminal.tasks_dir` setting, the environment variable, the server and
the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from terminal_helpers import SANDBOX

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.kernel.context import EnvContext
from envgym.kernel.families import resolve
from envgym_terminal import TerminalEnvironment

ROOT = Path(__file__).resolve().parents[2]


def harbor_task(root: Path, name: str = "csv-total") -> Path:
    """A task as Harbor documents it: /tests and /logs/verifier paths, reward.json, a Dockerfile
    kept for Docker plus the setup script that lets it run without one."""
    task = root / name
    for sub in ("environment/files", "tests", "solution"):
        (task / sub).mkdir(parents=True)
    (task / "instruction.md").write_text("Write the sum of the `n` column of `numbers.csv` to `total.txt`.\n")
    (task / "task.toml").write_text(
        textwrap.dedent("""\
        version = "1.0"

        [metadata]
        author_name = "A User"
        difficulty = "easy"
        category = "data"

        [verifier]
        timeout_sec = 30.0

        [agent]
        timeout_sec = 120.0

        [environment]
        build_timeout_sec = 60.0
        memory_mb = 512
        storage_mb = 256
        """)
    )
    (task / "environment" / "Dockerfile").write_text(
        "FROM debian:bookworm\nWORKDIR /app\nCOPY files/ /app/\nRUN sh setup.sh\n"
    )
    (task / "environment" / "files" / "numbers.csv").write_text("n,label\n4,a\n5,b\n")
    (task / "environment" / "setup.sh").write_text("printf '6,c\\n' >> numbers.csv\n")
    (task / "tests" / "expected.txt").write_text("15\n")
    (task / "tests" / "test.sh").write_text(
        textwrap.dedent("""\
        #!/bin/bash
        echo "comparing total.txt with /tests/expected.txt"
        if diff -q <(tr -d '[:space:]' < total.txt 2>/dev/null) <(tr -d '[:space:]' < /tests/expected.txt) >/dev/null; then
          echo '{"reward": 1.0, "exact": 1.0}' > /logs/verifier/reward.json
        else
          echo '{"reward": 0.0, "exact": 0.0}' > /logs/verifier/reward.json
        fi
        """)
    )
    (task / "solution" / "solve.sh").write_text(
        "#!/bin/bash\nawk -F, 'NR > 1 {s += $1} END {print s}' numbers.csv > total.txt\n"
    )
    return task


async def test_setting_makes_a_suite_and_its_task_runs_and_is_graded(tmp_path):
    harbor_task(tmp_path / "my-tasks")
    ctx = EnvContext(sandbox=SANDBOX, settings={"terminal.tasks_dir": f"mine={tmp_path / 'my-tasks'}"})
    ref = resolve("terminal/mine")
    assert [t.id for t in ref.tasks()] == ["csv-total"]
    task = ref.get_task("csv-total")
    oracle = await run_episode(TerminalEnvironment("mine", context=ctx), OracleAgent(), task, TerminalEnvironment)
    nop = await run_episode(TerminalEnvironment("mine", context=ctx), NopAgent(), task, TerminalEnvironment)
    assert (oracle.status.value, oracle.reward) == ("completed", 1.0), oracle.grade
    assert (nop.status.value, nop.reward) == ("completed", 0.0), nop.grade
    assert "comparing total.txt" in oracle.grade.details["test_output"]
    assert {c.name for c in oracle.grade.components} == {"reward", "exact"}


@asynccontextmanager
async def server(**settings):
    from envgym_server import ServerConfig, create_app

    app = create_app(ServerConfig(sandbox=SANDBOX, settings=settings))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test", timeout=120) as client:
            yield client


async def test_through_the_http_api_commands_persist_and_the_grade_shows_test_output(tmp_path):
    pytest.importorskip("envgym_server")
    harbor_task(tmp_path / "srv-tasks")
    async with server(**{"terminal.tasks_dir": f"served={tmp_path / 'srv-tasks'}"}) as http:
        listing = (await http.get("/v1/environments/terminal/served/tasks")).json()
        assert [t["id"] for t in listing["tasks"]] == ["csv-total"] and "private" not in listing["tasks"][0]
        created = (await http.post("/v1/sessions", json={"env": "terminal/served", "task_id": "csv-total"})).json()
        sid = created["session_id"]

        async def bash(command):
            body = {
                "action": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "bash", "arguments": json.dumps({"command": command})},
                        }
                    ],
                }
            }
            reply = (await http.post(f"/v1/sessions/{sid}/step", json=body)).json()
            return reply["observation"]["messages"][0]["content"]

        assert "[exit code: 0]" in await bash("mkdir -p work && cd work")
        assert (await bash("pwd")).splitlines()[0].endswith("/work")
        # Relative paths from the directory the previous call left: the working directory persisted.
        assert "[exit code: 0]" in await bash("awk -F, 'NR > 1 {s += $1} END {print s}' ../numbers.csv > ../total.txt")
        assert (await bash("cat ../total.txt")).splitlines()[0] == "15"
        done = (
            await http.post(
                f"/v1/sessions/{sid}/step",
                json={
                    "action": {
                        "role": "assistant",
                        "tool_calls": [
                            {"id": "s", "type": "function", "function": {"name": "submit", "arguments": "{}"}}
                        ],
                    }
                },
            )
        ).json()
        assert done["terminated"] and done["reward"] == 1.0 and done["info"]["status"] == "completed"
        assert "comparing total.txt" in done["info"]["grade"]["details"]["test_output"]
        await http.delete(f"/v1/sessions/{sid}")


def test_cli_check_runs_a_user_task_dir_via_set(tmp_path):
    harbor_task(tmp_path / "cli-tasks")
    env = {k: v for k, v in os.environ.items() if k != "ENVGYM_TERMINAL_TASKS_DIR"}
    cmd = [
        sys.executable,
        "-c",
        "from envgym.cli import main; main()",
        "check",
        "terminal/local",
        "--sandbox",
        SANDBOX,
        "--set",
        f"terminal.tasks_dir={tmp_path / 'cli-tasks'}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    # The same directory through the environment variable (for hosts that take no --set).
    env["ENVGYM_TERMINAL_TASKS_DIR"] = str(tmp_path / "cli-tasks")
    cmd = [c for c in cmd if not c.startswith("terminal.tasks_dir=") and c != "--set"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_sixteen_sessions_at_once_through_the_server_are_graded_correctly():
    pytest.importorskip("envgym_server")
    import asyncio

    from envgym_terminal.environment import oracle_command

    task = TerminalEnvironment.get_task("core", "count-errors")

    def call(name, **args):
        return {
            "action": {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                ],
            }
        }

    async with server() as http:

        async def one(i: int):
            sid = (await http.post("/v1/sessions", json={"env": "terminal/core", "task_id": task.id})).json()[
                "session_id"
            ]
            try:
                if i % 2 == 0:  # half play the reference solution, half do nothing
                    reply = (
                        await http.post(f"/v1/sessions/{sid}/step", json=call("bash", command=oracle_command(task)))
                    ).json()
                    assert not reply["terminated"], reply["info"]
                done = (await http.post(f"/v1/sessions/{sid}/step", json=call("submit"))).json()
                return done["info"]["status"], done["reward"]
            finally:
                await http.delete(f"/v1/sessions/{sid}")

        results = await asyncio.gather(*(one(i) for i in range(16)))
    assert results == [("completed", 1.0), ("completed", 0.0)] * 8, results
