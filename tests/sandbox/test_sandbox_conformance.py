"""What every sandbox provider must do the same way (parametrised over ``PROVIDERS`` in conftest)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from pathlib import Path

import pytest

from envgym.errors import SandboxError

PY = "/usr/bin/python3"


async def test_shell_string_and_argv(provider, make_box):
    box = await make_box(provider)
    res = await box.exec("echo $((6 * 7)) && echo err >&2")
    assert (res.exit_code, res.stdout, res.stderr, res.timed_out, res.truncated) == (0, "42\n", "err\n", False, False)
    res = await box.exec(["printf", "%s|", "a b", "c"])
    assert res.stdout == "a b|c|" and res.ok
    assert res.duration_s > 0


async def test_exit_codes_and_missing_command(provider, make_box):
    box = await make_box(provider)
    assert (await box.exec("exit 3")).exit_code == 3
    assert (await box.exec(["false"])).exit_code == 1
    killed = await box.exec("kill -9 $$")
    assert killed.exit_code != 0 and not killed.ok
    missing = await box.exec(["definitely-not-a-command-xyz"])
    assert missing.exit_code == 127


async def test_stdin_is_delivered_and_defaults_to_empty(provider, make_box):
    box = await make_box(provider)
    assert (await box.exec(["cat"], stdin="line1\nline2\n")).stdout == "line1\nline2\n"
    big = os.urandom(300_000)  # larger than a pipe buffer
    res = await box.exec([PY, "-c", "import sys; print(len(sys.stdin.buffer.read()))"], stdin=big)
    assert res.stdout.strip() == str(len(big))
    assert (await box.exec(["cat"])).stdout == ""


async def test_cwd_relative_and_absolute(provider, make_box):
    box = await make_box(provider)
    await box.exec("mkdir -p sub/dir")
    workdir = box.spec.workdir
    assert (await box.exec("pwd")).stdout.strip().endswith("workspace")
    rel = await box.exec("pwd", cwd="sub/dir")
    assert rel.stdout.strip().endswith("sub/dir")
    await box.write_file("sub/dir/marker.txt", "here")
    assert (await box.exec("cat marker.txt", cwd=f"{workdir}/sub/dir")).stdout == "here"


async def test_env_is_spec_plus_call_and_nothing_of_the_host(provider, make_box, monkeypatch):
    monkeypatch.setenv("ENVGYM_HOST_ONLY_VAR", "host-value")
    box = await make_box(provider, env={"FROM_SPEC": "spec", "SHARED": "spec"})
    res = await box.exec("env", env={"FROM_CALL": "call", "SHARED": "call"})
    env = dict(line.split("=", 1) for line in res.stdout.splitlines() if "=" in line)
    assert env["FROM_SPEC"] == "spec" and env["FROM_CALL"] == "call" and env["SHARED"] == "call"
    assert "ENVGYM_HOST_ONLY_VAR" not in env and "host-value" not in res.stdout
    assert env["PATH"] and env["HOME"]
    assert (await box.exec('touch "$HOME/.dotfile" && echo ok')).stdout == "ok\n"


async def test_timeout_kills_the_command_quickly(provider, make_box):
    box = await make_box(provider)
    res = await box.exec("sleep 30; echo never", timeout=0.5)
    assert res.timed_out and res.exit_code == 124 and not res.ok
    assert "never" not in res.stdout
    assert res.duration_s < 10
    # The spec's wall_timeout_s applies when no timeout is given.
    short = await make_box(provider, wall_timeout_s=0.5)
    assert (await short.exec("sleep 30")).timed_out


async def test_output_is_capped_and_flagged(provider, make_box):
    box = await make_box(provider, output_bytes=1000)
    res = await box.exec("head -c 100000 /dev/zero | tr '\\0' x; echo tail >&2")
    assert res.truncated and len(res.stdout) == 1000 and res.stdout == "x" * 1000
    assert res.stderr == "tail\n" and res.exit_code == 0
    assert not (await box.exec("echo small")).truncated


async def test_file_round_trip_binary_nested_and_mode(provider, make_box):
    box = await make_box(provider, files={"seed/initial.txt": "seeded"})
    assert await box.read_file("seed/initial.txt") == b"seeded"
    blob = bytes(range(256)) * 1000
    await box.write_file("a/b/c.bin", blob)
    assert await box.read_file("a/b/c.bin") == blob
    assert await box.read_file("a/b/c.bin", max_bytes=10) == blob[:10]
    await box.write_file("run.sh", "#!/bin/sh\necho ran\n", mode=0o755)
    assert (await box.exec("./run.sh")).stdout == "ran\n"
    assert (await box.exec(["sha256sum", "a/b/c.bin"])).stdout.split()[0] == hashlib.sha256(blob).hexdigest()
    await box.write_file(f"{box.spec.workdir}/abs.txt", "absolute")
    await box.write_file("/tmp/t.txt", "in tmp")
    assert await box.read_file("abs.txt") == b"absolute"
    assert await box.read_file("/tmp/t.txt") == b"in tmp"
    await box.exec("echo made-inside > inside.txt")
    assert await box.read_file("inside.txt") == b"made-inside\n"
    with pytest.raises(SandboxError):
        await box.read_file("no/such/file")


@pytest.fixture
def host_file():
    """A file on the host outside /tmp (which sandboxes map to their own private /tmp)."""
    path = Path.home() / f".envgym-test-{uuid.uuid4().hex}.txt"
    path.write_text("host secret")
    yield path
    path.unlink()


async def test_paths_outside_the_sandbox_are_refused(provider, make_box, host_file):
    box = await make_box(provider)
    for bad in ("../../etc/passwd", "/etc/passwd", "/usr/bin/true", "a/../../x", str(host_file)):
        with pytest.raises(SandboxError):
            await box.read_file(bad)
        with pytest.raises(SandboxError):
            await box.write_file(bad, "x")
    # A symlink planted by sandboxed code must not lead the host out of the sandbox.
    await box.exec(f"ln -s {host_file} leak; ln -s /etc/passwd leak2; ln -s /tmp/../.. leakdir")
    for link in ("leak", "leak2", "leakdir/etc/passwd"):
        with pytest.raises(SandboxError):
            await box.read_file(link)
    with pytest.raises(SandboxError):
        await box.write_file("leak", "overwritten")
    assert host_file.read_text() == "host secret"


async def test_files_persist_across_execs(provider, make_box):
    box = await make_box(provider)
    await box.exec("echo 1 > counter && mkdir -p d && touch d/f")
    await box.exec("echo $(( $(cat counter) + 1 )) > counter")
    assert (await box.exec("cat counter; ls d")).stdout == "2\nf\n"
    await box.exec("echo tmpdata > /tmp/keep")
    assert (await box.exec("cat /tmp/keep")).stdout == "tmpdata\n"


async def test_close_is_idempotent_and_leaves_nothing(provider, make_box, leftovers):
    box = await make_box(provider)
    await box.exec("echo data > f && (sleep 60 &) ; true")
    running = asyncio.ensure_future(box.exec("sleep 60"))
    await asyncio.sleep(0.3)
    await box.close()
    await box.close()
    assert box.closed
    res = await asyncio.wait_for(asyncio.gather(running, return_exceptions=True), 10)
    assert isinstance(res[0], SandboxError) or not res[0].ok
    with pytest.raises(SandboxError):
        await box.exec("true")
    with pytest.raises(SandboxError):
        await box.read_file("f")
    assert leftovers(box) == []


async def test_kill_all_stops_processes_but_keeps_files(provider, make_box):
    box = await make_box(provider)
    await box.write_file("keep.txt", "kept")
    running = asyncio.ensure_future(box.exec("sleep 60; echo finished"))
    await asyncio.sleep(0.5)
    await box.kill_all()
    res = await asyncio.wait_for(running, 10)
    assert not res.ok and "finished" not in res.stdout
    assert await box.read_file("keep.txt") == b"kept"
    assert (await box.exec("echo alive")).stdout == "alive\n"


async def test_concurrent_sandboxes_do_not_see_each_other(provider, make_box):
    a, b = await asyncio.gather(make_box(provider), make_box(provider))
    await asyncio.gather(a.write_file("same.txt", "from a"), b.write_file("same.txt", "from b"))
    ra, rb = await asyncio.gather(a.exec("cat same.txt; ls"), b.exec("cat same.txt; ls"))
    assert ra.stdout == "from asame.txt\n" and rb.stdout == "from bsame.txt\n"
    await a.exec("touch only-in-a")
    assert "only-in-a" not in (await b.exec("ls -a")).stdout
    # Many execs in flight at once in one sandbox and across sandboxes.
    results = await asyncio.gather(*(box.exec(f"echo {i}") for i in range(8) for box in (a, b)))
    assert sorted(int(r.stdout) for r in results) == sorted([i for i in range(8)] * 2)


async def test_file_size_limit(provider, make_box):
    box = await make_box(provider, max_file_mb=1)
    res = await box.exec("head -c 3000000 /dev/zero > big; echo rc=$?")
    assert "rc=0" not in res.stdout
    assert int((await box.exec("stat -c %s big")).stdout) <= 1024 * 1024


async def test_cpu_limit(provider, make_box):
    box = await make_box(provider, cpu_seconds=1)
    res = await box.exec([PY, "-c", "while True: pass"], timeout=60)
    assert not res.ok and not res.timed_out and res.duration_s < 30


async def test_debian_python_and_pytest_run(provider, make_box):
    box = await make_box(provider)
    await box.write_file("test_x.py", "def test_ok():\n    assert 1 + 1 == 2\n")
    res = await box.exec([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_x.py"])
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "1 passed" in res.stdout


async def test_wipe_returns_the_sandbox_to_its_new_state(isolated, make_box):
    box = await make_box(isolated)
    planted = await box.exec(
        "mkdir -p deep/locked && echo x > deep/locked/f && ln -s /etc/passwd link && chmod 000 deep/locked deep; "
        "echo t > /tmp/t; echo h > ~/h; echo s > /dev/shm/s; ipcmk -M 4096 >/dev/null && ipcmk -Q >/dev/null; "
        "ipcs -m -q | grep -c '^0x'")
    assert planted.stdout.strip() == "2", planted
    running = asyncio.ensure_future(box.exec("sleep 60; echo finished"))
    await asyncio.sleep(0.5)
    assert await box.wipe() is True
    stopped = await asyncio.wait_for(running, 10)
    assert not stopped.ok and "finished" not in stopped.stdout
    after = await box.exec("ls -A . /tmp ~ /dev/shm | grep -v ':$' | grep -v '^$'; ipcs -m -q | grep -c '^0x'")
    assert after.stdout.strip() == "0", after
    assert (await box.exec("echo alive > again.txt && cat again.txt")).stdout == "alive\n"


async def test_the_unisolated_provider_never_claims_a_wipe(make_box):
    from envgym.sandbox import get_provider

    box = await make_box(get_provider("process"))
    await box.write_file("kept.txt", "kept")
    assert await box.wipe() is False
    assert await box.read_file("kept.txt") == b"kept"
