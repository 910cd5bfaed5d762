"""Behaviour specific to the bwrap provider (the shared contract is in test_sandbox_conformance.py)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest
from sandbox_helpers import eventually

from envgym.protocol.errors import SandboxError
from envgym.sandbox import SandboxSpec, cgroups, get_provider
from envgym.sandbox.bwrap import BwrapProvider
from envgym.sandbox.owners import owner_tag, start_time

PY = "/usr/bin/python3"


@pytest.fixture
async def bwrap():
    provider = get_provider("bwrap")
    ok, why = provider.available()
    if not ok:
        pytest.skip(why)
    yield provider
    await provider.aclose()


async def test_missing_bwrap_is_reported_with_a_fix():
    provider = BwrapProvider(bwrap="/nonexistent/bwrap")
    ok, why = provider.available()
    assert not ok and "apt-get install bubblewrap" in why
    with pytest.raises(SandboxError, match="apt-get install bubblewrap"):
        await provider.create(SandboxSpec())


async def test_unusable_namespaces_are_reported_with_a_fix():
    # Outside pytest's private tmp dir: bwrap runs as nobody when envgym runs as root.
    fake_dir = tempfile.mkdtemp(prefix="envgym-fake-bwrap-")
    os.chmod(fake_dir, 0o755)
    fake = Path(fake_dir) / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    provider = BwrapProvider(bwrap=str(fake))
    try:
        ok, why = provider.available()
    finally:
        shutil.rmtree(fake_dir)
    ok, why = provider.available()
    assert not ok and "No permissions to create new namespace" in why and "user namespaces" in why
    with pytest.raises(SandboxError, match="user namespaces"):
        await provider.create(SandboxSpec())


async def test_toolchain_in_usr_works(bwrap, make_box):
    box = await make_box(bwrap)
    await box.write_file("hello.c", '#include <stdio.h>\nint main(void){puts("compiled");return 0;}\n')
    await box.write_file("Makefile", "hello: hello.c\n\tgcc -o hello hello.c\n")
    res = await box.exec("make -s && ./hello")
    assert res.stdout == "compiled\n", res.stderr
    res = await box.exec(
        "git init -q repo && cd repo && git -c user.email=a@b -c user.name=n commit -q --allow-empty -m m "
        "&& git log --format=%s"
    )
    assert res.stdout == "m\n", res.stderr
    assert (await box.exec("echo '{\"a\": [1, 2]}' | jq -c '.a'")).stdout == "[1,2]\n"
    assert (await box.exec("sqlite3 :memory: 'select 6*7'")).stdout == "42\n"


async def test_no_capabilities_and_no_nested_namespaces(bwrap, make_box):
    box = await make_box(bwrap)
    caps = await box.exec("grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status")
    assert all(line.split()[1] == "0000000000000000" for line in caps.stdout.splitlines())
    assert (await box.exec("unshare -U true")).exit_code != 0
    assert (await box.exec("mount -t tmpfs none /workspace")).exit_code != 0
    assert (await box.exec("kill -INT 1; kill -TERM 1; kill -9 1; echo sent")).stdout == "sent\n"
    assert (await box.exec("echo init-survived")).stdout == "init-survived\n"
    # The init is not dumpable: its environment, file descriptors and memory are off limits.
    probe = "\n".join(
        [
            "import os",
            "opened = 0",
            "for pid in ('1', str(os.getppid())):",  # the init and this exec's supervisor
            "    for name in ['environ', 'mem'] + ['fd/' + n for n in os.listdir(f'/proc/{pid}/fd')]:",
            "        try:",
            "            os.close(os.open(f'/proc/{pid}/{name}', os.O_RDONLY)); opened += 1",
            "        except OSError:",
            "            pass",
            "print('opened', opened)",
        ]
    )
    assert (await box.exec([PY, "-c", probe])).stdout == "opened 0\n"


async def test_planted_fifos_do_not_wedge_file_transfers(bwrap, make_box):
    box = await make_box(bwrap)
    await box.exec("mkfifo pipe")
    with pytest.raises(SandboxError, match="regular file"):
        await box.read_file("pipe")
    with pytest.raises(SandboxError):
        await box.write_file("pipe", "data")
    await box.write_file("plain.txt", "long content")
    await box.write_file("plain.txt", "short")  # rewriting truncates
    assert await box.read_file("plain.txt") == b"short"


async def test_network_host_shares_the_network(bwrap, make_box):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(10)
    try:
        box = await make_box(bwrap, network="host")
        port = srv.getsockname()[1]
        res = await box.exec(
            [PY, "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5); print('ok')"]
        )
        assert res.stdout == "ok\n", res.stderr
        conn, _ = srv.accept()
        conn.close()
    finally:
        srv.close()


async def test_large_scripts_and_environments_are_delivered(bwrap, make_box):
    box = await make_box(bwrap)
    # ~90 KB of script plus 100 KB of environment: more than one socket packet carries. (One argv
    # string is capped at 128 KiB by the kernel's MAX_ARG_STRLEN, in or out of a sandbox.)
    script = "x=0\n" + "x=$((x + 1))\n" * 7_000 + "echo $x\n"
    res = await box.exec(script, env={"BIG": "y" * 100_000})
    assert res.stdout == "7000\n", res.stderr
    assert (await box.exec("echo ${#BIG}", env={"BIG": "y" * 100_000})).stdout == "100000\n"
    payload = os.urandom(3 * 1024 * 1024)
    await box.write_file("big.bin", payload)
    assert await box.read_file("big.bin") == payload


async def test_killing_the_supervisor_does_not_let_a_daemon_escape(bwrap, make_box, host_processes_with):
    marker = str(50000 + uuid.uuid4().int % 10000)
    box = await make_box(bwrap)
    # If the exec waited for its command instead of ending with its supervisor, "after" would print.
    res = await box.exec(f"setsid sleep {marker} & disown; kill -9 $PPID; sleep 30; echo after")
    assert not res.ok and not res.timed_out and "after" not in res.stdout
    assert "sleep" not in (await box.exec("ps -eo comm")).stdout
    assert host_processes_with(f"sleep {marker}") == []


async def test_stopping_every_process_is_undone_by_the_init(bwrap, make_box, host_processes_with):
    """The supervisor of an exec runs as the sandbox's user, so ``kill -STOP -1`` stops it; the init
    (immune: the PID namespace's init) continues it, so the exec still ends at its wall time, is
    reported as timed out (a result the agent caused, not a sandbox error) and leaves nothing."""
    marker = str(60000 + uuid.uuid4().int % 10000)
    box = await make_box(bwrap)
    box.stall_grace_s = 1.0  # the host's guard would turn a stopped supervisor into a SandboxError
    res = await box.exec(
        f"(while :; do kill -STOP -1; sleep 0.05; done) & setsid sleep {marker} & kill -STOP $PPID; sleep {marker}",
        timeout=1,
    )
    assert res.timed_out
    assert host_processes_with(f"sleep {marker}") == []
    # The control: the same stops from a command that ends on its own; its output and status arrive.
    res = await box.exec("kill -STOP $PPID; kill -STOP -1; echo done; exit 3", timeout=30)
    assert (res.stdout, res.exit_code, res.timed_out) == ("done\n", 3, False)
    res = await box.exec_python(
        "import os, signal; os.kill(os.getppid(), signal.SIGSTOP); os.kill(-1, signal.SIGSTOP); print('py done')",
        timeout=30,
    )
    assert (res.stdout, res.exit_code) == ("py done\n", 0)


async def test_cancelled_exec_kills_its_processes(bwrap, make_box, host_processes_with):
    marker = str(70000 + uuid.uuid4().int % 10000)
    box = await make_box(bwrap)
    task = asyncio.ensure_future(box.exec(f"sleep {marker}"))
    await eventually(lambda: host_processes_with(f"sleep {marker}"), what="the command's start")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert host_processes_with(f"sleep {marker}") == []


async def test_host_crash_takes_every_sandbox_down(tmp_path, host_processes_with):
    """If the process holding sandboxes dies without closing them, nothing is left behind."""
    if not BwrapProvider().available()[0]:
        pytest.skip("bwrap not available")
    marker = str(80000 + uuid.uuid4().int % 10000)
    script = textwrap.dedent(f"""
        import asyncio, json, os, sys
        from envgym.protocol.errors import SandboxError
        from envgym.sandbox.bwrap import BwrapProvider
        async def main():
            provider = BwrapProvider()
            box = await provider.create()
            asyncio.ensure_future(box.exec("setsid sleep {marker} & touch /tmp/both; sleep {marker}"))
            while True:
                try:
                    await box.read_file("/tmp/both")
                    break
                except SandboxError:
                    await asyncio.sleep(0.01)
            print(json.dumps({{"init": box.pid, "template": provider._template.pid}}), flush=True)
            await asyncio.Event().wait()
        asyncio.run(main())
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = json.loads(child.stdout.readline())
        await eventually(lambda: len(host_processes_with(f"sleep {marker}")) >= 2, what="both sleeps")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    await eventually(
        lambda: (
            not host_processes_with(f"sleep {marker}")
            and not any(os.path.exists(f"/proc/{pid}") for pid in pids.values())
        ),
        what="the end of every process the killed host had made",
    )


async def test_workdir_can_be_chosen(bwrap, make_box):
    box = await make_box(bwrap, workdir="/home/agent/project", files={"x.txt": "x"})
    assert (await box.exec("pwd; cat x.txt")).stdout == "/home/agent/project\nx"
    assert await box.read_file("/home/agent/project/x.txt") == b"x"
    with pytest.raises(SandboxError):
        await bwrap.create(SandboxSpec(workdir="/usr/lib"))


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def test_a_cancelled_create_leaves_no_sandbox_behind(bwrap):
    for delay in (0, 0.001, 0.003, 0.01, 0.03, 0.1):
        task = asyncio.ensure_future(bwrap.create(SandboxSpec()))
        await asyncio.sleep(delay)
        task.cancel()
        try:
            box = await task
        except asyncio.CancelledError:
            continue
        await box.close()  # it finished before the cancel arrived
    template = await bwrap._current_template()  # a cancelled create never stops the template's start
    (template_init,) = _children(template.pid)  # PID 1 of the template's namespace; sandboxes are its children
    await eventually(lambda: _children(template_init) == [], what="every started sandbox's end")
    mine = f"{cgroups.PREFIX}{owner_tag()}-*"
    await eventually(
        lambda: not [p for parent in cgroups._parents() for p in parent.glob(mine)],
        what="the removal of the cancelled sandboxes' cgroups",
    )


async def test_creating_sandboxes_does_not_stall_the_event_loop(bwrap):
    """The fork, the cgroup move and the exec of bwrap happen off the event loop's thread."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    boxes = await asyncio.gather(*(bwrap.create(SandboxSpec()) for _ in range(4)))
    profile.disable()
    await asyncio.gather(*(box.close() for box in boxes))
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    forked_here = [key for key in stats if "fork_exec" in key[2]]
    assert forked_here == [], "bwrap was forked on the event loop's thread"


async def test_recover_removes_only_what_dead_processes_left(bwrap, tmp_path, monkeypatch):
    """Several servers and test runs share a host: recover() removes sandbox cgroups and old /etc
    copies whose owner is gone, and never one of a live process (not even an empty one)."""
    from envgym.sandbox import bwrap_etc

    parents = cgroups._parents() if os.geteuid() == 0 else []
    dead = subprocess.Popen(["true"])
    dead.wait()
    alive = subprocess.Popen(["sleep", "300"])
    made: list[Path] = []
    try:
        for parent in parents:
            for owner in (f"{dead.pid}.12345", owner_tag(), f"{alive.pid}.{start_time(alive.pid)}"):
                made.append(parent / f"{cgroups.PREFIX}{owner}-{uuid.uuid4().hex[:8]}")
                made[-1].mkdir()
        shm = tmp_path / "shm"
        shm.mkdir()
        stale_etc, live_etc = shm / f"envgym-etc-{dead.pid}-isolated-1-x", shm / f"envgym-etc-{alive.pid}-isolated-1-y"
        stale_etc.mkdir()
        live_etc.mkdir()
        real_sweep = bwrap_etc.sweep_stale_templates
        monkeypatch.setattr(bwrap_etc, "sweep_stale_templates", lambda: real_sweep((shm,)))
        removed = await bwrap.recover()
        dead_groups = [p for p in made if p.name.startswith(f"{cgroups.PREFIX}{dead.pid}.")]
        # Other dead processes' leftovers may go too (a crashed run's); a live owner's never.
        assert {str(p) for p in dead_groups} | {str(stale_etc)} <= set(removed)
        owners = [Path(r).name.split("-")[1 if "etc" not in r else 2].split(".")[0] for r in removed]
        assert not any(os.path.exists(f"/proc/{pid}") for pid in owners if pid.isdigit()), removed
        assert all(not p.exists() for p in dead_groups) and not stale_etc.exists()
        assert all(p.exists() for p in made if p not in dead_groups) and live_etc.exists()
    finally:
        alive.kill()
        alive.wait()
        for path in made:
            if path.exists():
                path.rmdir()


async def test_aclose_closes_the_providers_sandboxes_and_stops_its_template():
    provider = BwrapProvider()
    if not provider.available()[0]:
        pytest.skip("bwrap not available")
    boxes = [await provider.create() for _ in range(2)]
    template = provider._template
    await provider.aclose()
    assert all(box.closed for box in boxes)
    await eventually(
        lambda: not os.path.exists(f"/proc/{template.pid}") or _state(template.pid) == "Z", what="the template's end"
    )
    again = await provider.create()  # a closed provider starts a new template when used again
    assert (await again.exec("echo ok")).stdout == "ok\n"
    await provider.aclose()


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat[stat.rfind(")") + 2]
