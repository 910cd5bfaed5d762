"""The orphan sweep against an engine whose answers are scripted (no Docker needed): it removes the
containers of dead envgym processes on this host, leaves every other one alone, and a container that
vanishes while the sweep runs (another process's episode ending) is not an error.

The race seen in CI: the SDK's ``containers.list`` lists, then inspects each container it listed; one
removed in between raised NotFound out of the sweep, and the ``create`` that ran it ended ``env_error``."""

from __future__ import annotations

import os
import socket

import docker
import pytest
from docker.errors import NotFound

from envgym.sandbox.docker_sandbox import LABEL, OWNER_LABEL, DockerProvider

HOST = socket.gethostname()
DEAD_PID = 2**22 + 1  # above the kernel's pid_max: never a live process


class _ScriptedEngine:
    """The engine's container table; ``vanishing`` containers are listed, then gone when asked for."""

    def __init__(self, owners: dict[str, str], vanishing: set[str]) -> None:
        self.owners = owners
        self.vanishing = vanishing
        self.removed: list[str] = []

    def containers(self, all: bool = False, filters: dict | None = None, **_: object) -> list[dict]:
        assert all and filters == {"label": LABEL}
        return [{"Id": cid, "Labels": {LABEL: "1", OWNER_LABEL: owner}} for cid, owner in self.owners.items()]

    def inspect_container(self, cid: str) -> dict:
        if cid in self.vanishing:
            raise NotFound(f"No such container: {cid}")
        return {"Id": cid, "Config": {"Labels": {LABEL: "1", OWNER_LABEL: self.owners[cid]}}}

    def remove_container(self, cid: str, force: bool = False) -> None:
        if cid in self.vanishing:
            raise NotFound(f"No such container: {cid}")
        self.removed.append(cid)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch):
    def make(owners: dict[str, str], vanishing: set[str] = frozenset()) -> tuple[DockerProvider, _ScriptedEngine]:
        provider = DockerProvider()
        client = docker.DockerClient(base_url="unix:///nonexistent.sock", version="1.41")
        scripted = _ScriptedEngine(owners, set(vanishing))
        for name in ("containers", "inspect_container", "remove_container"):
            monkeypatch.setattr(client.api, name, getattr(scripted, name))
        provider._client = client
        return provider, scripted

    return make


def test_the_sweep_removes_only_the_containers_of_dead_processes_on_this_host(engine):
    provider, scripted = engine(
        {
            "orphan": f"{HOST}:{DEAD_PID}",
            "ours": f"{HOST}:{os.getpid()}",
            "live": f"{HOST}:1",  # pid 1 is always alive
            "elsewhere": f"another-host:{DEAD_PID}",  # a shared engine: not ours to judge
        }
    )
    assert provider.sweep_orphans() == ["orphan"]
    assert scripted.removed == ["orphan"]


def test_a_container_that_vanishes_during_the_sweep_is_not_an_error(engine):
    provider, scripted = engine(
        {"finished": f"{HOST}:1", "gone": f"{HOST}:{DEAD_PID}", "orphan": f"{HOST}:{DEAD_PID + 1}"},
        vanishing={"finished", "gone"},
    )
    assert provider.sweep_orphans() == ["orphan"]
    assert scripted.removed == ["orphan"]
