"""The docker sandbox provider against a real engine: isolation settings, lifecycle, images,
warm pool, crash recovery. The shared conformance and escape battery in tests/sandbox also run
against this provider."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from envgym.sandbox import SandboxSpec, get_provider
from envgym.sandbox.docker_build import prepare_context
from envgym.sandbox.docker_sandbox import LABEL, OWNER_LABEL

pytestmark = pytest.mark.docker


async def test_container_hardening(docker_provider):
    box = await docker_provider.create(SandboxSpec(memory_mb=256, max_processes=64))
    try:
        attrs = box.container.attrs["HostConfig"]
        assert attrs["ReadonlyRootfs"] is True
        assert attrs["NetworkMode"] == "none"
        assert "no-new-privileges" in attrs["SecurityOpt"]
        assert attrs["CapDrop"] == ["ALL"] and "SYS_ADMIN" not in (attrs["CapAdd"] or [])
        assert attrs["Memory"] == 256 * 1024 * 1024
        assert box.container.labels[LABEL] == "1" and box.container.labels[OWNER_LABEL] == docker_provider.owner
        who = await box.exec("id -u; cat /proc/self/status | grep CapEff")
        uid, capeff = who.stdout.split("\n")[:2]
        assert uid == "1000" and capeff.split()[-1] == "0000000000000000"
        assert (await box.exec("touch /usr/x")).exit_code != 0
        assert (await box.exec("touch /workspace/x /tmp/y")).exit_code == 0
    finally:
        await box.close()


async def test_files_persist_and_close_removes_container(docker_provider):
    box = await docker_provider.create(SandboxSpec(files={"src/a.py": "print('hi')"}))
    await box.exec("python3 src/a.py > out.txt")
    assert (await box.read_file("out.txt")) == b"hi\n"
    cid = box.container.id
    await box.close()
    await box.close()
    import docker

    with pytest.raises(docker.errors.NotFound):
        docker.from_env().containers.get(cid)


async def test_timeout_kills_whole_tree_and_daemons(docker_provider):
    box = await docker_provider.create()
    try:
        result = await box.exec("(sleep 300 &) ; setsid sleep 301 & sleep 302", timeout=1)
        assert result.timed_out and result.exit_code == 124
        left = await box.exec("ps -eo user,comm | grep -c '^sandbox.*sleep' || true")
        assert left.stdout.strip() == "0"
        daemon = await box.exec("nohup sleep 303 >/dev/null 2>&1 & disown; echo ok")
        assert daemon.stdout.strip() == "ok"
        assert (await box.exec("pgrep -u 1000 -x sleep || echo none")).stdout.strip() == "none"
    finally:
        await box.close()


async def test_output_cap_and_exit_codes(docker_provider):
    box = await docker_provider.create(SandboxSpec(output_bytes=1000))
    try:
        result = await box.exec("yes | head -c 100000; exit 3")
        assert result.exit_code == 3 and result.truncated and len(result.stdout) == 1000
    finally:
        await box.close()


async def test_exec_mode_exec_matches_server_mode(docker_ready):
    provider = get_provider("docker", exec_mode="exec")
    try:
        box = await provider.create(SandboxSpec(files={"a.txt": "x"}))
        result = await box.exec("cat a.txt; id -u")
        assert result.stdout == "x1000\n"
        assert (await box.exec("sleep 5", timeout=1)).timed_out
        await box.close()
    finally:
        await provider.aclose()


async def test_warm_pool_hands_out_ready_containers_and_never_a_used_one(docker_ready):
    with pytest.warns(UserWarning, match="reuse option was removed"):
        provider = get_provider("docker", warm_pool=2, reuse=True)
    try:
        await provider.fill_pool()
        assert provider.spares() == 2
        box = await provider.create()
        await box.exec("echo secret > leftover.txt; echo tmp > /tmp/t; sleep 1000 &")
        first = box.container
        await box.close()
        # A closed container is removed, never wiped and handed out again (reuse is ignored).
        import docker

        with pytest.raises(docker.errors.NotFound):
            await asyncio.to_thread(first.reload)
        boxes = [await provider.create() for _ in range(3)]
        assert first.id not in {b.container.id for b in boxes} and len({b.container.id for b in boxes}) == 3
        for b in boxes:
            listing = await b.exec("ls -A /workspace /tmp; pgrep -u 1000 sleep || true")
            assert "leftover" not in listing.stdout and "\nt\n" not in listing.stdout, listing
            assert listing.stdout.rstrip().endswith("/workspace:"), listing  # no sleep's pid after it
        for b in boxes:
            await b.close()
    finally:
        await provider.aclose()


async def test_dockerfile_image_built_once_by_content_hash(docker_provider, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM envgym-base:bookworm\nRUN echo built > /opt/marker\n")
    tag = await asyncio.to_thread(docker_provider.build_image, tmp_path)
    assert tag == f"envgym-task:{prepare_context(tmp_path).digest()}"
    assert await asyncio.to_thread(docker_provider.build_image, tmp_path) == tag  # cached: no rebuild
    box = await docker_provider.create(SandboxSpec(build_context=str(tmp_path)))
    try:
        assert (await box.exec("cat /opt/marker")).stdout == "built\n"
    finally:
        await box.close()
    (tmp_path / "Dockerfile").write_text("FROM envgym-base:bookworm\nRUN echo v2 > /opt/marker\n")
    assert prepare_context(tmp_path).digest() != tag.split(":")[1]


def test_orphans_of_a_killed_process_are_swept(docker_ready, tmp_path):
    """A process that created containers dies by SIGKILL; the next provider start removes them."""
    script = tmp_path / "holder.py"
    script.write_text(
        textwrap.dedent("""
        import asyncio, sys
        from envgym.sandbox import get_provider
        async def main():
            p = get_provider("docker")
            boxes = [await p.create() for _ in range(2)]
            print("ready", flush=True)
            await asyncio.sleep(3600)
        asyncio.run(main())
    """)
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        import docker

        client = docker.from_env()
        owner = f"{os.uname().nodename}:{proc.pid}"
        assert len(client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={owner}"})) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        removed = get_provider("docker").sweep_orphans()
        assert len(removed) >= 2
        assert client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={owner}"}) == []
    finally:
        if proc.poll() is None:
            proc.kill()


async def test_shutdown_during_a_pool_refill_leaves_no_container(docker_ready):
    """aclose() while a refill thread is starting a container: the container it starts is removed too
    (a cancelled refill cannot stop a thread already inside `docker run`)."""
    import threading

    provider = get_provider("docker", warm_pool=1)
    real_start = provider._start_container
    in_docker_run = threading.Event()

    def slow_start(spec):
        box = real_start(spec)  # the container exists now...
        in_docker_run.set()
        deadline = time.monotonic() + 10
        while not getattr(provider, "_closing", False) and time.monotonic() < deadline:
            time.sleep(0.01)  # ...and is handed over only once shutdown has begun
        return box

    box = await provider.create()  # schedules the refill of the pool
    provider._start_container = slow_start
    assert await asyncio.to_thread(in_docker_run.wait, 60)
    await box.close()
    await provider.aclose()
    client = provider._docker()
    left = client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={provider.owner}"})
    assert left == [], [c.id for c in left]


async def test_a_root_command_taking_the_command_server_down_is_a_killed_command(docker_provider):
    """Image mode, commands as root: a command can signal the command server (an ordinary process of
    the container, unlike its PID 1). INT/TERM/HUP do nothing to it; after SIGKILL or SIGSTOP the
    command counts as killed (the agent's doing, scored like any killed command), what it printed
    before is kept, and the sandbox goes on with a new server, nothing of the command left running.
    The control: the same sandbox's next command runs as usual."""
    box = await docker_provider.create(SandboxSpec(workdir="/app", user="root", keep_image_files=True))
    try:
        res = await box.exec("kill -INT -1; kill -TERM -1; kill -HUP -1; echo survived", timeout=5)
        assert (res.exit_code, res.stdout) == (0, "survived\n"), res
        for attack, how in (
            ("echo before; setsid sleep 300 & kill -KILL -1; sleep 5", "killed by signal 9"),
            ("echo before; setsid sleep 300 & kill -STOP -1; sleep 1", "stopped (SIGSTOP)"),
        ):
            res = await box.exec(attack, timeout=1)
            assert (res.exit_code, res.killed_by_signal) == (137, 9) and how in res.stderr, res
            # What the server read before it was taken down is kept (what was still in its pipe is not).
            assert res.stdout in ("before\n", ""), res
            after = await box.exec("echo ok; ps -eo comm")
            assert after.stdout.startswith("ok\n") and "sleep" not in after.stdout, after
    finally:
        await box.close()
