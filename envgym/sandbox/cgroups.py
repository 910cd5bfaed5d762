"""Sandbox-wide memory and process caps through a cgroup, where the host lets envgym make one.

Rlimits are per process: ``RLIMIT_AS`` stops one process from taking more than ``memory_mb``,
but a hundred processes could each take that much. When envgym can create cgroups (it runs as
root, on cgroup v1 or v2 with the memory and pids controllers available) each bwrap sandbox gets
its own cgroup capping the memory of everything in it together — its processes and its tmpfs
files — and its number of processes. Where it cannot, ``SandboxCgroup.create`` returns ``None``
and the rlimits alone apply (docs/sandbox.md says what that leaves open).

Example:
    >>> cg = SandboxCgroup.create("demo", memory_bytes=256 << 20, max_pids=64)  # doctest: +SKIP
    >>> cg.paths if cg else "no cgroups here"  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from functools import lru_cache
from pathlib import Path

from envgym.sandbox.owners import owner_tag, process_alive

PREFIX = "envgym-"
STALE_AFTER_S = 30.0  # an empty cgroup of an older envgym (no owner in its name) this old was left behind
V2_ROOT = Path("/sys/fs/cgroup")  # where a cgroup v2 hierarchy is mounted (tests point it at a fake tree)
_SWAP_FILES = ("memory.swap.max", "memory.memsw.limit_in_bytes")


@lru_cache(maxsize=None)
def _v1_controller_dir(controller: str) -> Path | None:
    """Where this process's cgroup for a v1 ``controller`` is, from mountinfo and /proc/self/cgroup."""
    mount = None
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        pre, _, post = line.partition(" - ")
        fields, post_fields = pre.split(), post.split()
        if post_fields[0] == "cgroup" and controller in post_fields[-1].split(","):
            mount = fields[3], fields[4]
            break
    if mount is None:
        return None
    mount_root, mount_point = mount
    own = None
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            own = path
    if own is None:
        return None
    rel = os.path.relpath(own, mount_root) if own.startswith(mount_root) else own.lstrip("/")
    base = Path(mount_point) / rel if rel != "." else Path(mount_point)
    return base if base.is_dir() else Path(mount_point)


def _v2_parent() -> Path | None:
    root = V2_ROOT
    if not (root / "cgroup.controllers").exists():
        return None
    parent = root / "envgym"
    try:
        parent.mkdir(exist_ok=True)
        wanted = {"memory", "pids"}
        if not wanted <= set((root / "cgroup.controllers").read_text().split()):
            return None
        for control in (root / "cgroup.subtree_control", parent / "cgroup.subtree_control"):
            if not wanted <= set(control.read_text().split()):
                control.write_text("+memory +pids")
    except OSError:
        return None
    return parent


def _parents() -> list[Path]:
    """Where this process's sandbox cgroups are created (v2: one directory; v1: memory and pids)."""
    v2 = _v2_parent()
    if v2 is not None:
        return [v2]
    return [base for base in (_v1_controller_dir("memory"), _v1_controller_dir("pids")) if base is not None]


def _stale(entry: Path, now: float) -> bool:
    owner = entry.name[len(PREFIX) :].split("-")[0]
    pid, _, start = owner.partition(".")
    if pid.isdigit() and start:
        return not process_alive(int(pid), start)
    return now - entry.stat().st_mtime > STALE_AFTER_S  # an older envgym's: no owner recorded


def sweep_stale_cgroups() -> list[str]:
    """Remove the sandbox cgroups that envgym processes which have died left behind (the bwrap
    provider's ``recover()``, at server start). A cgroup whose owner is alive is never touched, and
    rmdir refuses one that still holds a process."""
    if os.geteuid() != 0:
        return []
    removed = []
    now = time.time()
    for parent in _parents():
        try:
            entries = list(parent.glob(PREFIX + "*"))
        except OSError:
            continue
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_dir() and _stale(entry, now):
                    entry.rmdir()
                    removed.append(str(entry))
    return removed


class SandboxCgroup:
    """One sandbox's cgroup(s): a memory cap and a process cap over everything inside."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    @classmethod
    def create(cls, name: str, *, memory_bytes: int, max_pids: int) -> "SandboxCgroup | None":
        if os.geteuid() != 0:
            return None
        group = cls([])
        try:
            # Each hierarchy's directory and the caps written there. Swap files exist only with swap
            # accounting, and then swap is capped too (v1: memory + swap together, no escaping into it).
            caps: list[tuple[Path, dict[str, int]]]
            if (v2 := _v2_parent()) is not None:
                caps = [(v2, {"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": max_pids})]
            else:
                memory, pids = _v1_controller_dir("memory"), _v1_controller_dir("pids")
                if memory is None or pids is None:
                    return None
                v1_memory = {"memory.limit_in_bytes": memory_bytes, "memory.memsw.limit_in_bytes": memory_bytes}
                caps = [(memory, v1_memory), (pids, {"pids.max": max_pids})]
            for parent, files in caps:
                path = parent / f"{PREFIX}{owner_tag()}-{name}"
                path.mkdir()
                group.paths.append(path)
                for file, value in files.items():
                    if file not in _SWAP_FILES or (path / file).exists():
                        (path / file).write_text(str(value))
        except OSError:
            group.remove_now()
            return None
        return group

    def open_procs(self) -> dict[str, int]:
        """Write-only descriptors of the cgroup's ``cgroup.procs`` files, one per hierarchy. The kernel
        checks the opener's credentials, so the sandbox (an unprivileged process) moves itself in by
        writing "0" to them before it runs anything."""
        fds: dict[str, int] = {}
        try:
            for i, path in enumerate(self.paths):
                fds[f"cgroup{i}"] = os.open(path / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            for fd in fds.values():
                os.close(fd)
            raise
        return fds

    def peak_memory_bytes(self) -> int | None:
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            for path in self.paths:
                try:
                    return int((path / name).read_text())
                except (OSError, ValueError):
                    continue
        return None

    def remove_now(self) -> bool:
        ok = True
        for path in self.paths:
            try:
                path.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                ok = False
        return ok

    async def remove(self, wait_s: float = 3.0) -> bool:
        """Delete the cgroup once its last process is gone (the kernel tears a PID namespace down
        asynchronously, so the first attempts may find it busy). True if it is gone."""
        deadline = time.monotonic() + wait_s
        while not (gone := self.remove_now()) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return gone

    async def remove_soon(self) -> None:
        """Remove now if possible, else keep trying in the background (a loaded machine can take a
        while to reap a dead sandbox); whatever is still left is swept by a later ``create``."""
        if not await self.remove(3.0):
            task = asyncio.get_running_loop().create_task(self.remove(60.0))
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)


_BACKGROUND: set[asyncio.Task[bool]] = set()
