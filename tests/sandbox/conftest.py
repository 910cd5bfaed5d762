"""Sandbox test fixtures: every provider runs the conformance module; isolated ones also the escape battery.

A new provider joins by adding its name to ``PROVIDERS`` (and to ``ISOLATED_PROVIDERS`` if it claims
isolation) plus a ``leftovers`` entry that finds what a closed sandbox left on the host.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from envgym.sandbox import Sandbox, SandboxProvider, SandboxSpec, get_provider

PROVIDERS = ["bwrap", "process", "docker"]
ISOLATED_PROVIDERS = ["bwrap", "docker"]


def _bwrap_leftovers(box: Sandbox) -> list[str]:
    """Host-visible remains of a closed bwrap sandbox: its init process or anything under it. A
    zombie is not one: it runs nothing and holds nothing but its pid until the template, its
    parent, reaps it (close() returns once the init has exited, possibly just before that)."""
    pid = box.pid  # type: ignore[attr-defined]
    alive = [p for p in _host_pids() if (p == pid or pid in _ancestors(p)) and _state(p) not in ("Z", "gone")]
    cgroups = [str(p) for p in (box.cgroup.paths if box.cgroup else []) if p.exists()]  # type: ignore[attr-defined]
    trusted = box._trusted.host  # type: ignore[attr-defined]
    return (
        [f"process {p} still running" for p in alive]
        + [f"cgroup {c} still exists" for c in cgroups]
        + ([f"trusted area {trusted} still exists"] if os.path.lexists(trusted) else [])
    )


def _process_leftovers(box: Sandbox) -> list[str]:
    root = box.root  # type: ignore[attr-defined]
    return [f"directory {root} still exists"] if Path(root).exists() else []


def _docker_leftovers(box: Sandbox) -> list[str]:
    import docker

    try:
        docker.from_env().containers.get(box.id)  # type: ignore[attr-defined]
    except docker.errors.NotFound:
        return []
    return [f"container {box.id[:12]} still exists"]  # type: ignore[attr-defined]


LEFTOVERS: dict[str, Callable[[Sandbox], list[str]]] = {
    "bwrap": _bwrap_leftovers,
    "process": _process_leftovers,
    "docker": _docker_leftovers,
}


def _host_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return "gone"
    return stat[stat.rfind(b")") + 2 :].split()[0].decode()


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return int(stat[stat.rfind(b")") + 2 :].split()[1])


def _ancestors(pid: int) -> list[int]:
    out = []
    while (pid := _ppid(pid) or 0) > 1:
        out.append(pid)
    return out


@pytest.fixture
def host_processes_with() -> Callable[[str], list[int]]:
    return _host_processes_with


def _host_processes_with(marker: str) -> list[int]:
    """Host PIDs whose command line contains ``marker`` (to find what a sandbox left running)."""
    found = []
    for pid in _host_pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmdline and pid != os.getpid():
            found.append(pid)
    return found


def _provider(name: str) -> SandboxProvider:
    provider = get_provider(name)
    ok, why = provider.available()
    if not ok:
        pytest.skip(f"sandbox provider {name!r} is not available here: {why}")
    return provider


@pytest.fixture(params=PROVIDERS)
def provider_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def provider(provider_name: str):
    prov = _provider(provider_name)
    yield prov
    await prov.aclose()


@pytest.fixture(params=ISOLATED_PROVIDERS)
async def isolated(request: pytest.FixtureRequest):
    prov = _provider(request.param)
    yield prov
    await prov.aclose()


@pytest.fixture
def leftovers(provider_name: str) -> Callable[[Sandbox], list[str]]:
    return LEFTOVERS[provider_name]


@pytest.fixture
async def make_box():
    """``await make_box(provider, **spec)``: a sandbox that is closed at the end of the test."""
    boxes: list[Sandbox] = []

    async def make(provider: SandboxProvider, **spec) -> Sandbox:
        box = await provider.create(SandboxSpec(**spec))
        boxes.append(box)
        return box

    yield make
    for box in boxes:
        await box.close()
