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
from envgym.sandbox.docker_sandbox import LABEL, OWNER_LABEL, context_hash

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


async def test_warm_pool_hands_out_ready_containers_and_never_dirty(docker_ready):
    provider = get_provider("docker", warm_pool=2, reuse=True)
    try:
        await provider.fill_pool()
        assert len(provider._pool) == 2
        box = await provider.create()
        await box.exec("echo secret > leftover.txt; echo tmp > /tmp/t; sleep 1000 &")
        first_id = box.container.id
        await box.close()
        # The reused container comes back wiped: no files, no processes.
        seen = set()
        boxes = [await provider.create() for _ in range(3)]
        for b in boxes:
            seen.add(b.container.id)
            listing = await b.exec("ls -A /workspace /tmp; pgrep -u 1000 sleep || true")
            assert "leftover" not in listing.stdout and "/tmp/t" not in listing.stdout and "\nt\n" not in listing.stdout
        assert first_id in seen or len(seen) == 3
        for b in boxes:
            await b.close()
    finally:
        await provider.aclose()


async def test_dockerfile_image_built_once_by_content_hash(docker_provider, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM envgym-base:bookworm\nRUN echo built > /opt/marker\n")
    tag = await asyncio.to_thread(docker_provider.build_image, tmp_path)
    assert tag == f"envgym-task:{context_hash(tmp_path)}"
    started = time.monotonic()
    assert await asyncio.to_thread(docker_provider.build_image, tmp_path) == tag  # cached: no rebuild
    box = await docker_provider.create(SandboxSpec(build_context=str(tmp_path)))
    try:
        assert (await box.exec("cat /opt/marker")).stdout == "built\n"
    finally:
        await box.close()
    (tmp_path / "Dockerfile").write_text("FROM envgym-base:bookworm\nRUN echo v2 > /opt/marker\n")
    assert context_hash(tmp_path) != tag.split(":")[1]


def test_orphans_of_a_killed_process_are_swept(docker_ready, tmp_path):
    """A process that created containers dies by SIGKILL; the next provider start removes them."""
    script = tmp_path / "holder.py"
    script.write_text(textwrap.dedent("""
        import asyncio, sys
        from envgym.sandbox import get_provider
        async def main():
            p = get_provider("docker")
            boxes = [await p.create() for _ in range(2)]
            print("ready", flush=True)
            await asyncio.sleep(3600)
        asyncio.run(main())
    """))
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
