"""docker_server_loss.server_taken_down decides, on evidence only, whether a container's command
server was taken down from inside the container. These run without Docker: the engine's answers
are scripted."""

from __future__ import annotations

import os

from envgym.sandbox import docker_server_loss
from envgym.sandbox.docker_server_loss import server_taken_down


class _Container:
    id = "c0ffee"
    status = "running"

    def reload(self) -> None:
        pass


class _Api:
    """``exec_inspect`` answers from a script; the last answer repeats."""

    def __init__(self, *answers: dict) -> None:
        self.answers = list(answers)
        self.calls = 0

    def exec_inspect(self, exec_id: str) -> dict:
        self.calls += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_a_server_killed_a_moment_ago_is_judged_by_its_exit_status_once_docker_sees_it(monkeypatch):
    # The race seen in CI: SIGKILL from a root command, the process already gone, Docker still
    # reporting the exec as running for a few polls. That is the agent's doing, not an error.
    monkeypatch.setattr(docker_server_loss, "_host_state", lambda pid, cid: None)
    api = _Api({"Running": True, "Pid": 4242}, {"Running": True, "Pid": 4242}, {"Running": False, "ExitCode": 137})
    assert (
        server_taken_down(api, _Container(), "e1")
        == "the container's command server was killed by signal 9 from inside the container"
    )
    assert api.calls == 3
    zombie = _Api({"Running": True, "Pid": 4242}, {"Running": False, "ExitCode": 143})
    monkeypatch.setattr(docker_server_loss, "_host_state", lambda pid, cid: "Z")
    assert "killed by signal 15" in server_taken_down(zombie, _Container(), "e1")


def test_no_evidence_stays_an_error(monkeypatch):
    monkeypatch.setattr(docker_server_loss, "_host_state", lambda pid, cid: None)
    # An exec that ended normally (the server crashed or was ended by us): no signal, no evidence.
    assert server_taken_down(_Api({"Running": False, "ExitCode": 1}), _Container(), "e1") is None
    # Still running and alive (the channel broke for another reason): not the agent's doing.
    monkeypatch.setattr(docker_server_loss, "_host_state", lambda pid, cid: "S")
    assert server_taken_down(_Api({"Running": True, "Pid": os.getpid()}), _Container(), "e1") is None
    # Gone but Docker never reports the end within the bound: no evidence.
    monkeypatch.setattr(docker_server_loss, "_host_state", lambda pid, cid: None)
    monkeypatch.setattr(docker_server_loss, "_when_ended", lambda api, exec_id, wait_s=10.0: None)
    assert server_taken_down(_Api({"Running": True, "Pid": 4242}), _Container(), "e1") is None
    stopped = _Container()
    stopped.status = "exited"
    assert server_taken_down(_Api({"Running": False, "ExitCode": 137}), stopped, "e1") is None
