"""The server image (server/Dockerfile via server/build-image.sh): it builds FROM the base image
with no registry, and the container serves /healthz and a whole session with the token. Needs a
Docker Engine and envgym-base:bookworm (scripts/docker-up.sh); skipped with the reason otherwise."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BASE = "envgym-base:bookworm"
TOKEN = "test-" + uuid.uuid4().hex
# What docs/deployment.md asks for: bwrap needs namespaces (seccomp) and a mountable /proc.
RUN_OPTS = [
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "systempaths=unconfined",
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/workspace:uid=1000,gid=1000",
]


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    if subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode != 0:
        reason = REPO / ".docker-state" / "reason"
        return "no Docker Engine answers" + (f" ({reason.read_text().strip()})" if reason.exists() else "")
    if subprocess.run(["docker", "image", "inspect", BASE], capture_output=True, timeout=60).returncode != 0:
        return f"the base image {BASE} is missing (scripts/build-base-image.sh)"
    return None


@pytest.fixture(scope="module")
def image():
    reason = unavailable()
    if reason:
        pytest.skip(f"server image tests skipped: {reason}")
    tag = f"envgym-server:test-{uuid.uuid4().hex[:8]}"
    # The default image (core, server, graders, coding/terminal/reasoning/rubric environments).
    done = subprocess.run(
        ["bash", str(REPO / "server" / "build-image.sh"), "--tag", tag], capture_output=True, text=True, timeout=1500
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        yield tag
    finally:
        docker("image", "rm", "-f", tag, check=False)


@pytest.fixture(scope="module")
def server(image):
    cid = docker("run", "-d", "-p", "127.0.0.1::8000", "-e", f"ENVGYM_TOKEN={TOKEN}", *RUN_OPTS, image).stdout.strip()
    try:
        port = docker("port", cid, "8000/tcp").stdout.splitlines()[0].rsplit(":", 1)[1]
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            state = docker("inspect", "-f", "{{.State.Running}}", cid).stdout.strip()
            if state != "true" or time.monotonic() > deadline:
                pytest.fail(
                    f"the container did not become healthy:\n{docker('logs', cid, check=False).stdout}"
                    f"{docker('logs', cid, check=False).stderr}"
                )
            time.sleep(0.5)
        yield cid, url
    finally:
        docker("rm", "-f", cid, check=False)


def test_healthz_needs_no_token(server):
    _, url = server
    body = httpx.get(f"{url}/healthz", timeout=5).json()
    assert body["status"] == "ok"


def test_sessions_need_the_token(server):
    from envgym.client import Client
    from envgym.protocol.errors import Unauthorized

    _, url = server
    with Client(url, token="wrong") as client:
        with pytest.raises(Unauthorized):
            client.create_session("debug/counter", task_id="count-to-1")


def test_one_session_round_trip_with_the_token(server):
    from envgym.client import Client
    from envgym.protocol import Action

    _, url = server
    with Client(url, token=TOKEN) as client:
        episode = client.episode("debug/counter")
        reset = episode.reset("count-to-1")
        assert "counter is 1" in reset.observation.messages[-1].text()
        assert episode.step(Action.call("increment")).reward == 0.0
        final = episode.step(Action.call("submit"))
        assert final.terminated and final.reward == 1.0
        episode.close()
        assert client.healthz()["sessions_open"] == 0


def test_runs_as_the_unprivileged_user(server):
    cid, _ = server
    assert docker("exec", cid, "id", "-u").stdout.strip() == "1000"


def test_bwrap_sandbox_works_inside_the_container(server):
    cid, _ = server
    if docker("exec", cid, "sh", "-c", "command -v bwrap", check=False).returncode != 0:
        pytest.skip(
            f"{BASE} predates bubblewrap in scripts/build-base-image.sh: rebuild it with "
            "ENVGYM_REBUILD=1 scripts/build-base-image.sh"
        )
    code = (
        "import asyncio\n"
        "from envgym.sandbox.bwrap import BwrapProvider\n"
        "from envgym.sandbox.base import SandboxSpec\n"
        "async def main():\n"
        "    async with await BwrapProvider().create(SandboxSpec(network='none')) as box:\n"
        "        await box.write_file('hello.py', 'print(6 * 7)')\n"
        "        print((await box.exec(['/usr/bin/python3', 'hello.py'])).stdout.strip())\n"
        "asyncio.run(main())\n"
    )
    done = docker("exec", cid, "python3", "-c", code, check=False, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("42"), done.stdout + done.stderr


@pytest.mark.parametrize("agent, reward", [("oracle", 1.0), ("nop", 0.0)])
async def test_sandboxed_coding_episode_is_graded_inside_the_container(server, tmp_path, agent, reward):
    """A coding task's reference solution scores 1 and doing nothing scores 0: the hidden tests ran
    in a bwrap sandbox inside the container."""
    pytest.importorskip("envgym_coding", reason="the coding plugin is not installed here (the oracle needs its tasks)")
    from envgym.eval.runner import EvalConfig, EvalRunner

    _, url = server
    cfg = EvalConfig(env="coding/humaneval", agent=agent, out=tmp_path / agent, server=url, token=TOKEN, tasks=1)
    result = await EvalRunner(cfg).run()
    assert [(r.status.value, r.reward) for r in result.records] == [("completed", reward)], [
        r.error for r in result.records
    ]


def test_refuses_to_listen_without_a_token(image):
    done = docker("run", "--rm", image, check=False, timeout=120)
    assert done.returncode != 0
    assert "ENVGYM_TOKEN" in done.stdout + done.stderr
