"""The verifier's trusted area on bwrap (envgym/sandbox/trusted.py) in the template model.

Every sandbox is a fork of its provider's template; the template sees the host directory of all its
sandboxes' areas, each sandbox only its own, at /.envgym. What the tests hold the design to: a
sandbox's processes cannot list or write its area, never reach another sandbox's, the host removes
an area when its sandbox closes (whatever the sandbox left in it) and the template's directory when
the provider closes, and what a killed envgym process left is removed by the next recover() while a
live process's never is.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from sandbox_helpers import eventually

from envgym.protocol.errors import SandboxError
from envgym.sandbox import get_provider, trusted
from envgym.sandbox.owners import owner_tag, start_time
from envgym.sandbox.trusted import HOST_BASE, TEMPLATE_MOUNT, fresh_name, remove_orphans, remove_tree

SANDBOX_UID = 65534  # what bwrap runs as when envgym is root


@pytest.fixture
async def bwrap():
    provider = get_provider("bwrap")
    ok, why = provider.available()
    if not ok:
        pytest.skip(why)
    yield provider
    await provider.aclose()


def archive(files: dict[str, str], sandbox_dirs: tuple[str, ...] = ()) -> bytes:
    """A verifier-style archive: ``files`` owned by the trusted owner, ``sandbox_dirs`` by the sandbox."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in sandbox_dirs:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.uname = tarfile.DIRTYPE, 0o755, "sandbox"
            tar.addfile(info)
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(text.encode()), 0o644
            tar.addfile(info, io.BytesIO(text.encode()))
    return buf.getvalue()


def trusted_mounts(mountinfo: str) -> list[tuple[str, str]]:
    """(root within its filesystem, mount point) of every mount that shows a part of HOST_BASE."""
    marker = "/" + HOST_BASE.name
    return [(f[3], f[4]) for f in (line.split() for line in mountinfo.splitlines()) if f[3].startswith(marker)]


async def test_a_sandbox_sees_only_its_own_area_and_cannot_list_or_change_it(bwrap):
    name = fresh_name()
    first, second = await bwrap.create(), await bwrap.create()
    try:
        assert first.trusted_protected == (os.geteuid() == 0)
        mine = await first.install_trusted(name, archive({"hidden.txt": "first's secret"}))
        theirs = await second.install_trusted(name, archive({"hidden.txt": "second's own"}))
        assert mine == theirs == f"/.envgym/{name}"
        # Control: a process that knows the name gets in, in its own sandbox.
        assert (await first.exec(f"cat {mine}/hidden.txt")).stdout == "first's secret"
        assert (await second.exec(f"cat {theirs}/hidden.txt")).stdout == "second's own"
        await second.remove_trusted(theirs)
        probe = await second.exec(f"cat {mine}/hidden.txt; ls -d {TEMPLATE_MOUNT}; cat /proc/self/mountinfo")
        assert "secret" not in probe.stdout and "No such file" in probe.stderr, probe
        # Exactly one mount shows a part of the host directory: this sandbox's own area, at /.envgym.
        own = "/" + os.path.relpath(second._trusted.host, HOST_BASE.parent)
        assert trusted_mounts(probe.stdout) == [(own, "/.envgym")], probe.stdout
        if first.trusted_protected:
            attack = await first.exec(
                "ls /.envgym; mkdir /.envgym/x; touch /.envgym/reward.txt; "
                f"chmod 777 /.envgym {mine}; mv {mine} /.envgym/y; rm -rf {mine}; ls {mine}"
            )
            assert attack.stderr.count("Permission denied") + attack.stderr.count("not permitted") >= 6, attack
            assert (await first.read_trusted(f"{mine}/hidden.txt", 100)) == b"first's secret"
            assert sorted(os.listdir(first._trusted.host)) == [name]
            assert os.stat(first._trusted.host).st_mode & 0o777 == 0o711
    finally:
        await first.close()
        await second.close()


async def test_closing_removes_the_area_whatever_the_sandbox_left_in_it(bwrap):
    box = await bwrap.create()
    template = bwrap._template
    path = await box.install_trusted(
        fresh_name(), archive({"test.sh": "exit 0"}, sandbox_dirs=("logs",)), {"tools/bash": "/usr/bin/bash"}
    )
    left = await box.exec(
        f"cd {path}/logs && mkdir -p a/b && echo 1 > a/b/reward.txt && mkfifo pipe "
        "&& ln -s / root && chmod 000 a && echo ok"
    )
    assert left.stdout == "ok\n", left
    host = box._trusted.host
    assert os.path.isdir(host)
    await box.close()
    assert not os.path.lexists(host)
    base = template.trusted.host
    assert os.path.isdir(base) and os.listdir(base) == []
    await bwrap.aclose()
    assert not os.path.lexists(base)


KILLED_OWNER = textwrap.dedent("""
    import asyncio, io, json, sys, tarfile
    from pathlib import Path
    from envgym.sandbox import get_provider, trusted

    trusted.HOST_BASE = Path(sys.argv[1])

    async def main():
        provider = get_provider("bwrap")
        box = await provider.create()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            info = tarfile.TarInfo("tests/test.sh")
            info.size = 6
            tar.addfile(info, io.BytesIO(b"exit 0"))
        await box.install_trusted("k" * 32, buf.getvalue())
        print(json.dumps({"base": provider._template.trusted.host, "area": box._trusted.host,
                          "template": provider._template.pid}), flush=True)
        sys.stdin.read()  # until killed

    asyncio.run(main())
""")


async def test_what_a_killed_envgym_process_left_goes_at_the_next_recover_and_never_before(bwrap, monkeypatch, request):
    # A base of its own: any other envgym process on this host (a parallel test run) that recovers
    # would rightly remove the dead owner's files from the shared base before this test looks.
    # Under /dev/shm, not tmp_path: the template runs as the sandbox user, who must reach it.
    base = Path("/dev/shm") / f"envgym-trusted-test-{fresh_name()}"
    monkeypatch.setattr(trusted, "HOST_BASE", base)
    request.addfinalizer(lambda: remove_tree(str(base)))
    owner = subprocess.Popen(
        [sys.executable, "-c", KILLED_OWNER, str(base)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        line = await asyncio.wait_for(asyncio.to_thread(owner.stdout.readline), 120)
        made = json.loads(line)
        assert os.path.isdir(made["area"]) and made["area"].startswith(made["base"] + "/")
        assert made["base"] not in await bwrap.recover()  # its owner is alive: never touched
        assert os.path.isdir(made["area"])
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
    # --die-with-parent: the template (and every sandbox it made) dies with its owner; the files stay.
    await eventually(lambda: not os.path.exists(f"/proc/{made['template']}"), what="the template's end")
    assert os.path.isdir(made["area"])
    removed = await bwrap.recover()
    assert made["base"] in removed and not os.path.lexists(made["base"])


@pytest.mark.skipif(os.geteuid() != 0, reason="as root, bwrap runs as the sandbox user; otherwise as this user")
async def test_a_template_that_cannot_start_says_why(bwrap, monkeypatch, tmp_path):
    # The sandbox user cannot enter pytest's 0700 tmp_path, so bwrap cannot mount the trusted base.
    # The reason is bwrap's own stderr (it was lost once: read after the descriptor was closed).
    monkeypatch.setattr(trusted, "HOST_BASE", tmp_path / "trusted")
    with pytest.raises(SandboxError, match=r"template failed to start: it exited — bwrap: .*Permission denied"):
        await bwrap.create()


def test_remove_orphans_knows_a_reused_pid_and_spares_live_owners(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    alive = subprocess.Popen(["sleep", "300"])
    try:
        names = {
            "dead owner": f"{dead.pid}.{start_time(os.getpid())}-{fresh_name()}",
            "pid reused by another process": f"{alive.pid}.1-{fresh_name()}",
            "older version, dead owner": f"{dead.pid}-{fresh_name()}",
            "live owner": f"{alive.pid}.{start_time(alive.pid)}-{fresh_name()}",
            "this process": f"{owner_tag()}-{fresh_name()}",
            "older version, live owner": f"{alive.pid}-{fresh_name()}",
            "not ours": "something-else",
        }
        for name in names.values():
            (tmp_path / name / "area").mkdir(parents=True)
            (tmp_path / name / "area" / "reward.txt").write_text("1")
        removed = {Path(p).name for p in remove_orphans(tmp_path)}
        gone = {what for what, name in names.items() if name in removed}
        assert gone == {"dead owner", "pid reused by another process", "older version, dead owner"}
        assert all((tmp_path / name).exists() == (name not in removed) for name in names.values())
    finally:
        alive.kill()
        alive.wait()


REMOVE_LOCKED_TREE = textwrap.dedent("""
    import os, sys
    from envgym.sandbox.trusted import remove_tree
    root = sys.argv[1]
    os.makedirs(root + "/a/b/c")
    open(root + "/a/b/c/f", "w").close()
    os.mkfifo(root + "/a/fifo")
    os.symlink("/", root + "/a/root")
    os.chmod(root + "/a/b/c", 0)
    os.chmod(root + "/a/b", 0o100)
    os.chmod(root + "/a", 0o500)
    os.chmod(root, 0)
    remove_tree(root)
    print(os.path.lexists(root))
""")


def test_an_unprotected_area_is_removed_even_where_the_sandbox_locked_it(tmp_path):
    """As an ordinary user, bwrap runs as that user and a sandbox owns its area: it can take the
    permissions away from what it made; its owner on the host still removes all of it."""
    parent = Path(os.environ.get("TMPDIR", "/tmp")) / f"envgym-locked-{fresh_name()}"
    parent.mkdir(mode=0o777)
    parent.chmod(0o777)
    try:
        done = subprocess.run(
            [sys.executable, "-c", REMOVE_LOCKED_TREE, str(parent / "area")],
            capture_output=True,
            text=True,
            timeout=60,
            user=SANDBOX_UID if os.geteuid() == 0 else None,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "False\n"
    finally:
        remove_tree(str(parent))
