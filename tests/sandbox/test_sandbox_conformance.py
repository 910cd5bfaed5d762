"""What every sandbox provider must do the same way (parametrised over ``PROVIDERS`` in conftest)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import uuid
from pathlib import Path

import pytest
from channels import plant, probe
from sandbox_helpers import eventually, file_exists

from envgym.protocol.errors import SandboxError

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
    # Had the command run to its end, "never" would be printed: the timeout killed it.
    res = await box.exec("sleep 30; echo never", timeout=0.5)
    assert res.timed_out and res.exit_code == 124 and not res.ok
    assert "never" not in res.stdout
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
    running = asyncio.ensure_future(box.exec("touch started; sleep 60"))
    await eventually(lambda: file_exists(box, "started"), what="the command's start")
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
    running = asyncio.ensure_future(box.exec("touch started; sleep 60; echo finished"))
    await eventually(lambda: file_exists(box, "started"), what="the command's start")
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
    # Stopped by the CPU limit (SIGXCPU, then SIGKILL at the hard limit), not by the wall clock.
    assert not res.ok and not res.timed_out
    assert res.killed_by_signal in (signal.SIGXCPU, signal.SIGKILL), res


async def test_debian_python_and_pytest_run(provider, make_box):
    box = await make_box(provider)
    await box.write_file("test_x.py", "def test_ok():\n    assert 1 + 1 == 2\n")
    res = await box.exec([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_x.py"])
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "1 passed" in res.stdout


async def test_a_claimed_wipe_leaves_nothing_of_before(isolated, make_box):
    """``wipe()`` may answer False (every built-in provider does: bwrap's new sandbox costs a fork,
    and neither it nor docker can reset a PID counter). When it answers True, nothing of before may
    remain: processes, files (locked directories too), System V and POSIX IPC, keyrings, and the PID
    counter must be where a new sandbox's is (channels.py)."""
    token = uuid.uuid4().hex[:12]
    pristine = await probe(await make_box(isolated), token)
    box = await make_box(isolated)
    locked = await box.exec(
        "mkdir -p deep/locked && echo x > deep/locked/f && ln -s /etc/passwd link "
        "&& chmod 000 deep/locked deep && echo ok"
    )
    assert locked.stdout == "ok\n", locked
    planted = await plant(box, token)
    running = asyncio.ensure_future(box.exec("touch started; sleep 60; echo finished"))
    await eventually(lambda: file_exists(box, "started"), what="the command's start")
    if not await box.wipe():
        return
    stopped = await asyncio.wait_for(running, 10)
    assert not stopped.ok and "finished" not in stopped.stdout
    after = await box.exec("ls -A . /tmp ~ /dev/shm | grep -v ':$' | grep -v '^$'")
    assert after.stdout == "", after
    found = await probe(box, token)
    assert [c for c, v in planted.items() if v == "PLANTED" and found[c] != "ABSENT"] == [], found
    assert found["PID"] == pristine["PID"], (found, pristine)


async def test_no_built_in_provider_claims_a_wipe(provider, make_box):
    """A wipe cannot make bwrap's or docker's sandbox indistinguishable from a new one (the PID
    counter; docker also keeps POSIX message queues), nor the unisolated provider's (it shares the
    host's /tmp): each says so and leaves the sandbox as it was, to be closed."""
    box = await make_box(provider)
    await box.write_file("kept.txt", "kept")
    assert await box.wipe() is False
    assert await box.read_file("kept.txt") == b"kept"


EXEC_PYTHON_PROBE = """
import os, signal, sys
print(__name__, sys.argv[1:], sys.flags.isolated, sys.flags.no_site, os.getcwd().endswith("sub"))
print(sorted(int(fd) for fd in os.listdir("/proc/self/fd") if int(fd) > 2 and os.path.exists(f"/proc/self/fd/{fd}")))
print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
print(os.environ.get("FROM_CALL"), "ENVGYM_HOST_ONLY_VAR" in os.environ, sys.stdin.read())
sys.exit(int(sys.argv[1]))
"""


async def test_a_command_starts_with_default_signals_whatever_the_host_ignores(provider, make_box):
    """A library of the host process may ignore or block SIGINT while it spawns (exec keeps an ignored
    disposition): a sandboxed command still starts as a fresh shell's would (CI saw the process
    provider's python start with SIGINT ignored under load)."""
    box = await make_box(provider)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    try:
        res = await box.exec_python(
            "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, "
            "sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))"
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    assert res.stdout == "True []\n", res


async def test_exec_python_runs_like_python_minus_c(provider, make_box, monkeypatch):
    """Whatever a provider does to start it faster (bwrap: a fork of the sandbox's interpreter), a
    program run by exec_python sees what ``python3 -I -S -c`` would give it, and nothing more."""
    monkeypatch.setenv("ENVGYM_HOST_ONLY_VAR", "host-value")
    box = await make_box(provider)
    await box.exec("mkdir sub")
    res = await box.exec_python(EXEC_PYTHON_PROBE, ["3", "x y"], stdin="piped", cwd="sub", env={"FROM_CALL": "call"})
    # The listing opens one descriptor itself (os.listdir's), which is gone by the time it is checked.
    assert res.stdout.splitlines() == ["__main__ ['3', 'x y'] 1 1 True", "[]", "True True", "call False piped"], res
    assert res.exit_code == 3
    failed = await box.exec_python("raise ValueError('boom')")
    assert failed.exit_code == 1 and "ValueError: boom" in failed.stderr
    assert (await box.exec_python("import sys; sys.exit('bye')")).exit_code == 1
    slow = await box.exec_python("import time; time.sleep(30)", timeout=0.5)
    assert slow.timed_out and slow.exit_code == 124
