"""The sandbox cgroups (envgym/sandbox/cgroups.py) against a fake cgroup tree: the caps written where
the kernel reads them, nothing left behind when a cap cannot be set, the owner in each name, and the
sweep that removes only what dead processes left. No root, no real cgroup and no sandbox needed:
the bwrap tests (tests/sandbox/test_bwrap_provider.py) check the same code against the kernel."""

from __future__ import annotations

import asyncio
import errno
import os
import time
import types
from pathlib import Path
from typing import Any

import pytest

from envgym.sandbox import cgroups
from envgym.sandbox.owners import owner_tag

MB = 1 << 20


class FakeCgroupFs:
    """A directory tree standing in for cgroupfs. A directory made under it gets the interface files
    the kernel would create (``interface``, each holding "max"); rmdir removes a cgroup that holds
    only those, as the kernel does, and refuses one holding anything else (here a stray file stands
    for a process still inside). Writes to the files named in ``refuse`` fail as the kernel's EINVAL."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, interface: set[str]) -> None:
        self.root, self.interface, self.refuse = root, interface, set[str]()
        real_mkdir, real_rmdir, real_write = Path.mkdir, Path.rmdir, Path.write_text

        def mkdir(path: Path, *args: Any, **kwargs: Any) -> None:
            real_mkdir(path, *args, **kwargs)
            if self.owns(path):
                for name in self.interface:
                    real_write(path / name, "max\n")

        def rmdir(path: Path) -> None:
            if self.owns(path) and path.is_dir():
                if any(p.name not in self.interface for p in path.iterdir()):
                    raise OSError(errno.EBUSY, "Device or resource busy", str(path))
                for name in self.interface:
                    (path / name).unlink(missing_ok=True)
            real_rmdir(path)

        def write_text(path: Path, data: str, *args: Any, **kwargs: Any) -> int:
            if self.owns(path.parent) and path.name in self.refuse:
                raise OSError(errno.EINVAL, "Invalid argument", str(path))
            return real_write(path, data, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", mkdir)
        monkeypatch.setattr(Path, "rmdir", rmdir)
        monkeypatch.setattr(Path, "write_text", write_text)

    def owns(self, path: Path) -> bool:
        return path.is_relative_to(self.root) and path.name.startswith(cgroups.PREFIX)

    def groups(self) -> list[Path]:
        return sorted(p for p in self.root.rglob(cgroups.PREFIX + "*") if p.is_dir())


@pytest.fixture
def root_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 0)


def v2_tree(tmp_path: Path, controllers: str = "cpu io memory pids", enabled: str = "") -> Path:
    """A cgroup v2 root with ``controllers`` available and ``enabled`` for its children; envgym's
    parent group exists (its subtree_control file, as the kernel makes it, empty)."""
    root = tmp_path / "v2"
    (root / "envgym").mkdir(parents=True)
    (root / "cgroup.controllers").write_text(controllers + "\n")
    (root / "cgroup.subtree_control").write_text(enabled + "\n")
    (root / "envgym" / "cgroup.subtree_control").write_text("\n")
    return root


@pytest.fixture
def v2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_user: None) -> FakeCgroupFs:
    root = v2_tree(tmp_path)
    monkeypatch.setattr(cgroups, "V2_ROOT", root)
    monkeypatch.setattr(cgroups, "_v1_controller_dir", lambda controller: pytest.fail("v1 consulted on a v2 host"))
    return FakeCgroupFs(root, monkeypatch, {"cgroup.procs", "memory.max", "memory.swap.max", "pids.max", "memory.peak"})


@pytest.fixture
def v1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_user: None) -> FakeCgroupFs:
    monkeypatch.setattr(cgroups, "V2_ROOT", tmp_path / "no-v2")
    dirs = {"memory": tmp_path / "v1" / "memory", "pids": tmp_path / "v1" / "pids"}
    for d in dirs.values():
        d.mkdir(parents=True)
    monkeypatch.setattr(cgroups, "_v1_controller_dir", dirs.get)
    interface = {
        "cgroup.procs",
        "memory.limit_in_bytes",
        "memory.memsw.limit_in_bytes",
        "memory.max_usage_in_bytes",
        "pids.max",
    }
    return FakeCgroupFs(tmp_path / "v1", monkeypatch, interface)


# --------------------------------------------------------------------------- the caps


def test_v2_caps_memory_swap_and_processes_in_one_group_named_after_its_owner(v2: FakeCgroupFs) -> None:
    group = cgroups.SandboxCgroup.create("box1", memory_bytes=256 * MB, max_pids=64)
    assert group is not None
    [path] = group.paths
    assert path == cgroups.V2_ROOT / "envgym" / f"envgym-{owner_tag()}-box1"
    assert (path / "memory.max").read_text() == str(256 * MB)
    assert (path / "memory.swap.max").read_text() == "0"  # no escaping the memory cap into swap
    assert (path / "pids.max").read_text() == "64"
    assert not cgroups._stale(path, 0.0)  # its owner (this process) lives: a sweep keeps it


def test_v2_without_swap_accounting_writes_no_swap_file(v2: FakeCgroupFs) -> None:
    v2.interface.discard("memory.swap.max")
    group = cgroups.SandboxCgroup.create("box", memory_bytes=64 * MB, max_pids=8)
    assert group is not None
    assert not (group.paths[0] / "memory.swap.max").exists()
    assert (group.paths[0] / "memory.max").read_text() == str(64 * MB)


def test_v2_enables_the_memory_and_pids_controllers_for_the_sandbox_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = v2_tree(tmp_path)
    monkeypatch.setattr(cgroups, "V2_ROOT", root)
    assert cgroups._v2_parent() == root / "envgym"
    assert (root / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert (root / "envgym" / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert cgroups._v2_parent() == root / "envgym"  # the parent group already there is reused


@pytest.mark.parametrize("enabled", ["memory pids", "cpu memory pids"])
def test_v2_leaves_controllers_already_enabled_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: str
) -> None:
    root = v2_tree(tmp_path, controllers="memory pids", enabled=enabled)  # exactly the two it needs: enough
    (root / "envgym" / "cgroup.subtree_control").write_text(enabled + "\n")
    monkeypatch.setattr(cgroups, "V2_ROOT", root)
    assert cgroups._v2_parent() == root / "envgym"
    assert (root / "cgroup.subtree_control").read_text() == enabled + "\n"
    assert (root / "envgym" / "cgroup.subtree_control").read_text() == enabled + "\n"


@pytest.mark.parametrize("controllers", ["cpu io pids", "cpu memory", ""])
def test_v2_without_both_controllers_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, controllers: str
) -> None:
    root = v2_tree(tmp_path, controllers=controllers)
    monkeypatch.setattr(cgroups, "V2_ROOT", root)
    assert cgroups._v2_parent() is None
    assert (root / "cgroup.subtree_control").read_text() == "\n"  # nothing enabled that cannot be used


def test_no_v2_hierarchy_or_one_envgym_cannot_configure_means_no_v2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cgroups, "V2_ROOT", tmp_path / "not-mounted")
    assert cgroups._v2_parent() is None
    root = v2_tree(tmp_path)
    (root / "envgym" / "cgroup.subtree_control").unlink()  # unreadable: an OSError, not a crash
    monkeypatch.setattr(cgroups, "V2_ROOT", root)
    assert cgroups._v2_parent() is None


def test_v1_caps_memory_swap_and_processes_in_the_two_hierarchies(v1: FakeCgroupFs, tmp_path: Path) -> None:
    group = cgroups.SandboxCgroup.create("box2", memory_bytes=128 * MB, max_pids=32)
    assert group is not None
    name = f"envgym-{owner_tag()}-box2"
    memory, pids = group.paths
    assert (memory, pids) == (tmp_path / "v1" / "memory" / name, tmp_path / "v1" / "pids" / name)
    assert (memory / "memory.limit_in_bytes").read_text() == str(128 * MB)
    assert (memory / "memory.memsw.limit_in_bytes").read_text() == str(128 * MB)  # memory + swap: the same cap
    assert (pids / "pids.max").read_text() == "32"
    assert (memory / "pids.max").read_text() == "max\n" and (pids / "memory.limit_in_bytes").read_text() == "max\n"


def test_v1_without_swap_accounting_writes_no_memsw_file(v1: FakeCgroupFs) -> None:
    v1.interface.discard("memory.memsw.limit_in_bytes")
    group = cgroups.SandboxCgroup.create("box", memory_bytes=64 * MB, max_pids=8)
    assert group is not None
    assert not (group.paths[0] / "memory.memsw.limit_in_bytes").exists()


@pytest.mark.parametrize("missing", ["memory", "pids"])
def test_v1_needs_both_controllers(v1: FakeCgroupFs, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    found = {c: d for c, d in {"memory": v1.root / "memory", "pids": v1.root / "pids"}.items() if c != missing}
    monkeypatch.setattr(cgroups, "_v1_controller_dir", found.get)
    assert cgroups.SandboxCgroup.create("box", memory_bytes=64 * MB, max_pids=8) is None
    assert v1.groups() == []


@pytest.mark.parametrize("refused", ["memory.max", "memory.swap.max", "pids.max"])
def test_v2_a_cap_that_cannot_be_set_means_no_group_and_nothing_left(v2: FakeCgroupFs, refused: str) -> None:
    v2.refuse.add(refused)
    assert cgroups.SandboxCgroup.create("box", memory_bytes=64 * MB, max_pids=8) is None
    assert v2.groups() == []


@pytest.mark.parametrize("refused", ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "pids.max"])
def test_v1_a_cap_that_cannot_be_set_means_no_group_and_nothing_left(v1: FakeCgroupFs, refused: str) -> None:
    v1.refuse.add(refused)
    assert cgroups.SandboxCgroup.create("box", memory_bytes=64 * MB, max_pids=8) is None
    assert v1.groups() == []


def test_without_root_no_group_is_made_and_nothing_is_swept(
    v2: FakeCgroupFs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 1000)
    assert cgroups.SandboxCgroup.create("box", memory_bytes=64 * MB, max_pids=8) is None
    assert v2.groups() == []
    dead = tmp_path / "parent" / f"envgym-{os.getpid()}.1-x"
    dead.mkdir(parents=True)
    monkeypatch.setattr(cgroups, "_parents", lambda: [tmp_path / "parent"])
    assert cgroups.sweep_stale_cgroups() == [] and dead.exists()


# --------------------------------------------------------------------------- moving in, reading, removing


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_open_procs_gives_one_write_only_descriptor_per_hierarchy(tmp_path: Path) -> None:
    paths = [tmp_path / "memory", tmp_path / "pids"]
    for p in paths:
        p.mkdir()
        (p / "cgroup.procs").write_text("")
    fds = cgroups.SandboxCgroup(paths).open_procs()
    try:
        assert sorted(fds) == ["cgroup0", "cgroup1"]
        for key, path in zip(["cgroup0", "cgroup1"], paths):
            fd = fds[key]
            assert os.stat(fd).st_ino == (path / "cgroup.procs").stat().st_ino
            import fcntl

            assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
            assert not os.get_inheritable(fd)  # not handed to the commands the sandbox runs
    finally:
        for fd in fds.values():
            os.close(fd)


def test_open_procs_that_fails_closes_what_it_opened(tmp_path: Path) -> None:
    good, gone = tmp_path / "memory", tmp_path / "pids"
    good.mkdir()
    (good / "cgroup.procs").write_text("")
    before = open_fds()
    with pytest.raises(FileNotFoundError):
        cgroups.SandboxCgroup([good, gone]).open_procs()
    assert open_fds() == before


def test_peak_memory_is_read_from_v1_or_v2_and_none_without_it(tmp_path: Path) -> None:
    v1_mem, v1_pids, v2, bad = (tmp_path / n for n in ("mem", "pids", "v2", "bad"))
    for d in (v1_mem, v1_pids, v2, bad):
        d.mkdir()
    (v1_mem / "memory.max_usage_in_bytes").write_text("4096\n")
    assert cgroups.SandboxCgroup([v1_mem, v1_pids]).peak_memory_bytes() == 4096
    (v2 / "memory.peak").write_text("8192\n")
    assert cgroups.SandboxCgroup([v2]).peak_memory_bytes() == 8192
    (bad / "memory.peak").write_text("max\n")  # not a number: skipped, the next file is read
    assert cgroups.SandboxCgroup([bad, v2]).peak_memory_bytes() == 8192
    assert cgroups.SandboxCgroup([v1_pids]).peak_memory_bytes() is None
    assert cgroups.SandboxCgroup([bad]).peak_memory_bytes() is None


def test_remove_now_removes_what_it_can_and_says_whether_all_is_gone(tmp_path: Path) -> None:
    gone, busy, empty = tmp_path / "gone", tmp_path / "busy", tmp_path / "empty"
    busy.mkdir()
    (busy / "a process").write_text("")
    empty.mkdir()
    assert cgroups.SandboxCgroup([gone, busy, empty]).remove_now() is False
    assert busy.exists() and not empty.exists()  # one busy hierarchy does not keep the others
    (busy / "a process").unlink()
    assert cgroups.SandboxCgroup([gone, busy]).remove_now() is True  # already gone counts as removed
    assert not busy.exists()


class FakeClock:
    """time.monotonic for cgroups: one second passes at each reading; sleeps are recorded and
    take no time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now, self.sleeps = 1000.0, list[float]()
        monkeypatch.setattr(cgroups, "time", types.SimpleNamespace(monotonic=self.monotonic, time=cgroups.time.time))
        real_sleep = asyncio.sleep

        async def sleep(delay: float) -> None:
            self.sleeps.append(delay)
            await real_sleep(0)

        monkeypatch.setattr(
            cgroups,
            "asyncio",
            types.SimpleNamespace(sleep=sleep, get_running_loop=asyncio.get_running_loop),
        )

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


class Busy(cgroups.SandboxCgroup):
    """A cgroup whose processes leave after ``busy_for`` removal attempts (forever when None)."""

    def __init__(self, busy_for: int | None) -> None:
        super().__init__([])
        self.busy_for, self.attempts = busy_for, 0

    def remove_now(self) -> bool:
        self.attempts += 1
        return self.busy_for is not None and self.attempts > self.busy_for


async def test_remove_retries_until_the_group_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(monkeypatch)
    group = Busy(busy_for=2)
    assert await group.remove(wait_s=10.0) is True
    assert group.attempts == 3  # stops at the first success
    assert clock.sleeps and all(0 < s <= 0.1 for s in clock.sleeps)  # retried promptly


async def test_remove_gives_up_after_its_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeClock(monkeypatch)
    group = Busy(busy_for=None)
    assert await group.remove(wait_s=3.0) is False
    assert group.attempts == 3  # tried at 1 s, 2 s and 3 s after the start (the clock reads +1 s each time)
    default = Busy(busy_for=None)
    assert await default.remove() is False
    assert default.attempts == 3  # the default wait is 3 s


async def test_remove_soon_keeps_trying_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeClock(monkeypatch)
    quick = Busy(busy_for=0)
    await quick.remove_soon()
    assert quick.attempts == 1 and not cgroups._BACKGROUND
    stuck = Busy(busy_for=None)
    await stuck.remove_soon()
    assert stuck.attempts == 3  # 3 s in the foreground, then in the background
    [task] = cgroups._BACKGROUND
    assert await task is False  # never emptied: given up after its 60 s
    assert stuck.attempts == 3 + 60
    await asyncio.sleep(0)  # the done callback runs
    assert not cgroups._BACKGROUND  # a finished retry is not kept


# --------------------------------------------------------------------------- the sweep


def test_stale_means_a_dead_owner_or_an_old_group_without_one(tmp_path: Path) -> None:
    def group(name: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        return path

    mine = group(f"envgym-{owner_tag()}-box")
    assert not cgroups._stale(mine, 0.0)
    assert cgroups._stale(group(f"envgym-{os.getpid()}.1-box"), 0.0)  # this pid, another start: a dead owner
    for old_style in ("envgym-box", f"envgym-{os.getpid()}-box", "envgym-.5-box"):
        path = group(old_style)
        made = path.stat().st_mtime
        assert not cgroups._stale(path, made + cgroups.STALE_AFTER_S)
        assert cgroups._stale(path, made + cgroups.STALE_AFTER_S + 0.5)


def test_sweep_removes_only_empty_groups_of_dead_owners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 0)
    memory, pids = tmp_path / "memory", tmp_path / "pids"
    dead = f"envgym-{os.getpid()}.1"
    made = {}
    for parent in (memory, pids):
        for key, name in {
            "dead": f"{dead}-a",
            "busy": f"{dead}-b",
            "live": f"envgym-{owner_tag()}-c",
            "other": f"other-{os.getpid()}.1-d",
        }.items():
            made[parent.name, key] = parent / name
            (parent / name).mkdir(parents=True)
        (parent / f"{dead}-b" / "a process").write_text("")
        (parent / f"{dead}-file").write_text("not a group")
        # An older envgym's groups name no owner: judged by their age.
        for key, age in (("old", cgroups.STALE_AFTER_S + 60), ("recent", 0.0)):
            made[parent.name, key] = parent / f"envgym-{key}"
            made[parent.name, key].mkdir()
            os.utime(made[parent.name, key], (time.time() - age, time.time() - age))

    class Unreadable:
        def glob(self, pattern: str) -> list[Path]:
            raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(cgroups, "_parents", lambda: [Unreadable(), memory, pids])
    removed = cgroups.sweep_stale_cgroups()
    gone = [("memory", "dead"), ("memory", "old"), ("pids", "dead"), ("pids", "old")]
    assert sorted(removed) == sorted(str(made[key]) for key in gone)
    assert sorted(key for key, path in made.items() if not path.exists()) == gone
    assert (memory / f"{dead}-file").exists()


def test_parents_are_the_v2_group_or_the_v1_hierarchies_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    v1 = {"memory": tmp_path / "memory", "pids": tmp_path / "pids"}
    monkeypatch.setattr(cgroups, "_v1_controller_dir", v1.get)
    monkeypatch.setattr(cgroups, "_v2_parent", lambda: tmp_path / "v2")
    assert cgroups._parents() == [tmp_path / "v2"]
    monkeypatch.setattr(cgroups, "_v2_parent", lambda: None)
    assert cgroups._parents() == [tmp_path / "memory", tmp_path / "pids"]
    del v1["memory"]
    assert cgroups._parents() == [tmp_path / "pids"]
