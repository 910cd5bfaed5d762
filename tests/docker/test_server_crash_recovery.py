"""A server killed with SIGKILL mid-episode leaves labelled containers; starting the server again
removes every one of them (issue: no container of the earlier run is left)."""

from __future__ import annotations

import pytest

from envgym import Client
from envgym.eval.server_process import ServerProcess
from envgym.sandbox.docker_sandbox import LABEL, OWNER_LABEL

pytestmark = pytest.mark.docker


def _containers_of(pid: int) -> list:
    import os

    import docker

    owner = f"{os.uname().nodename}:{pid}"
    return docker.from_env().containers.list(all=True, filters={"label": [LABEL, f"{OWNER_LABEL}={owner}"]})


def test_restart_after_sigkill_removes_the_earlier_runs_containers(docker_ready):
    first = ServerProcess(args=["--sandbox", "docker"]).start()
    pid = first.proc.pid
    try:
        with Client(first.url, timeout=120) as client:
            # The terminal family holds a container for the whole episode (the debug family holds none).
            envs = {e.id.split("/")[0] for e in client.environments()}
            if "terminal" not in envs:
                pytest.skip("the terminal family is not installed; it is the episode that holds a container")
            tasks = client.tasks("terminal/core", limit=2).tasks
            sessions = [client.create_session("terminal/core", task_id=t.id) for t in tasks]
            assert sessions
        assert len(_containers_of(pid)) >= len(sessions)
    finally:
        first.proc.kill()  # SIGKILL: no graceful shutdown, the containers stay behind
        first.proc.wait()
    assert _containers_of(pid), "the SIGKILLed server should have left its containers behind"
    second = ServerProcess(args=["--sandbox", "docker"]).start()
    try:
        assert _containers_of(pid) == []
    finally:
        second.stop()
