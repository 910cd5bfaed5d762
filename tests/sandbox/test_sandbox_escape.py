"""Escape and exhaustion battery for isolated providers (``ISOLATED_PROVIDERS`` in conftest).

Each test attacks from inside, then checks three things: the attack failed inside, the host is
unchanged (asserted from the host side), and the sandbox and its provider still work afterwards.
Limits in the specs are small so exhaustion attempts end in seconds.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sandbox_helpers import eventually, file_exists

PY = "/usr/bin/python3"


async def still_works(provider, box) -> None:
    res = await box.exec("echo still-alive && touch alive-marker")
    assert res.stdout == "still-alive\n", res
    fresh = await provider.create()
    try:
        assert (await fresh.exec(["echo", "fresh"])).stdout == "fresh\n"
    finally:
        await fresh.close()


def _host_ip() -> str | None:
    """A non-loopback address of the host, if it has one (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") else ip


@pytest.fixture
def tcp_listener():
    """A TCP listener on the host (all interfaces); yields (port, accepted-connections counter)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", 0))
    srv.listen(16)
    srv.setblocking(False)

    def accepted() -> int:
        count = 0
        while True:
            try:
                conn, _ = srv.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    # Prove the listener really accepts, so "no connection" below means something.
    with socket.create_connection(("127.0.0.1", srv.getsockname()[1]), timeout=5):
        pass
    deadline = time.monotonic() + 10
    while (count := accepted()) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert count == 1
    yield srv.getsockname()[1], accepted
    srv.close()


async def test_tcp_egress_is_blocked(isolated, make_box, tcp_listener):
    port, accepted = tcp_listener
    box = await make_box(isolated)
    targets = ["127.0.0.1"] + ([ip] if (ip := _host_ip()) else [])
    for host in targets:
        res = await box.exec(
            [PY, "-c", f"import socket; socket.create_connection(({host!r}, {port}), timeout=3); print('CONNECTED')"]
        )
        assert res.exit_code != 0 and "CONNECTED" not in res.stdout
    # A local TCP handshake completes inside connect(): had one succeeded, it would be queued by now.
    assert accepted() == 0
    await still_works(isolated, box)


async def test_udp_egress_is_blocked(isolated, make_box):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("0.0.0.0", 0))
    receiver.settimeout(0.5)
    port = receiver.getsockname()[1]
    try:
        box = await make_box(isolated)
        targets = ["127.0.0.1"] + ([ip] if (ip := _host_ip()) else [])
        script = (
            "import socket\nsent = 0\n"
            f"for host in {targets!r}:\n"
            "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "    try:\n"
            f"        s.sendto(b'leak', (host, {port})); sent += 1\n"
            "    except OSError as exc:\n"
            "        print('blocked', host, exc)\n"
        )
        await box.exec([PY, "-c", script])
        # Whatever the sender believed, nothing may arrive on the host.
        with pytest.raises(socket.timeout):
            receiver.recvfrom(100)
        await still_works(isolated, box)
    finally:
        receiver.close()


async def test_dns_lookup_fails(isolated, make_box):
    box = await make_box(isolated)
    res = await box.exec([PY, "-c", "import socket; print(socket.getaddrinfo('pypi.org', 443))"], timeout=30)
    assert res.exit_code != 0 and "gaierror" in res.stderr
    res = await box.exec("getent hosts pypi.org || echo NO-DNS")
    assert "NO-DNS" in res.stdout
    # Only the loopback interface exists.
    ifaces = await box.exec([PY, "-c", "import socket; print(sorted(n for _, n in socket.if_nameindex()))"])
    assert ifaces.stdout.strip() == "['lo']"
    await still_works(isolated, box)


async def test_bash_dev_tcp_is_blocked(isolated, make_box, tcp_listener):
    port, accepted = tcp_listener
    box = await make_box(isolated)
    res = await box.exec(f"exec 3<>/dev/tcp/127.0.0.1/{port} && echo CONNECTED")
    assert res.exit_code != 0 and "CONNECTED" not in res.stdout
    assert accepted() == 0
    await still_works(isolated, box)


async def test_writes_outside_the_workspace_fail(isolated, make_box):
    marker = f"envgym-escape-{uuid.uuid4().hex}"
    box = await make_box(isolated)
    # Host directories that exist here; the sandbox's own writable dirs (workspace, /tmp, its
    # HOME=/root) are private to it, so a host path under them would not test anything.
    private = (Path("/root"), Path("/tmp"))
    host_dirs = [
        d
        for d in (Path.cwd(), Path.home(), Path("/var/tmp"), Path("/opt"), Path("/srv"))
        if d.is_dir() and not any(d == p or p in d.parents for p in private)
    ]
    targets = [
        f"/usr/{marker}",
        f"/usr/bin/{marker}",
        f"/etc/{marker}",
        f"/{marker}",
        f"/var/{marker}",
        f"/proc/{marker}",
        f"/dev/{marker}/x",
    ] + [f"{d}/{marker}" for d in host_dirs]
    for target in targets:
        res = await box.exec(f"mkdir -p $(dirname {target}) 2>/dev/null; echo x > {target} && echo WROTE")
        assert "WROTE" not in res.stdout, target
    res = await box.exec("echo x >> /etc/passwd && echo WROTE; rm -f /usr/bin/true && echo REMOVED")
    assert "WROTE" not in res.stdout and "REMOVED" not in res.stdout
    for target in targets:
        assert not Path(target).exists(), target
    assert Path("/usr/bin/true").exists()
    await still_works(isolated, box)


async def test_host_home_file_is_unreadable(isolated, make_box):
    token = uuid.uuid4().hex
    secret = Path.home() / f".envgym-secret-{uuid.uuid4().hex[:8]}"
    secret.write_text(f"SECRET-{token}")
    try:
        box = await make_box(isolated)
        res = await box.exec(
            f"cat {secret}; ls -a {Path.home()} ~ /root /home 2>&1; grep -rs {token} /etc /root /home /tmp /workspace"
        )
        assert token not in res.stdout and token not in res.stderr
        assert secret.read_text() == f"SECRET-{token}"
        await still_works(isolated, box)
    finally:
        secret.unlink()


async def test_host_environment_does_not_leak(isolated, make_box, monkeypatch):
    token = uuid.uuid4().hex
    monkeypatch.setenv("ENVGYM_HOST_SECRET", token)
    box = await make_box(isolated)
    res = await box.exec(
        "env; cat /proc/1/environ /proc/self/environ 2>/dev/null | tr '\\0' '\\n'; "
        "for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null; done"
    )
    assert token not in res.stdout and "ENVGYM_HOST_SECRET" not in res.stdout
    assert os.environ["ENVGYM_HOST_SECRET"] == token
    await still_works(isolated, box)


async def test_other_sandboxes_workspaces_are_invisible(isolated, make_box, host_processes_with):
    token = uuid.uuid4().hex
    victim = await make_box(isolated, files={"secret.txt": f"VICTIM-{token}"})
    # The token stays in the victim's command line (a shell would exec `sleep` and drop a comment).
    running = asyncio.ensure_future(victim.exec([PY, "-c", "import time; time.sleep(20)", token]))
    attacker = await make_box(isolated)
    await eventually(lambda: host_processes_with(token), what="the victim's command")
    try:
        res = await attacker.exec(
            f"grep -rs {token} /workspace /tmp /root /dev/shm; cat /proc/*/cmdline | grep -c {token}; "
            "ls /proc/*/root/workspace 2>&1; cat /workspace/secret.txt"
        )
        assert token not in res.stdout
        assert await victim.read_file("secret.txt") == f"VICTIM-{token}".encode()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    await still_works(isolated, attacker)


async def test_fork_bomb_is_contained(isolated, make_box, host_processes_with):
    marker = f"bomb-{uuid.uuid4().hex}"  # forked copies keep their parent's command line
    box = await make_box(isolated, max_processes=32)
    res = await box.exec(f":(){{ :|:& }};: ; sleep 2 # {marker}", timeout=4)
    assert "Resource temporarily unavailable" in res.stderr, res
    assert host_processes_with(marker) == []
    res = await box.exec(
        [
            PY,
            "-c",
            "\n".join(
                [
                    f"# {marker}",
                    "import os, time",
                    "n = 0",
                    "try:",
                    "    while True:",
                    "        if os.fork() == 0:",
                    "            time.sleep(60)",
                    "            os._exit(0)",
                    "        n += 1",
                    "except OSError as exc:",
                    "    print('capped', n, exc.errno)",
                ]
            ),
        ],
        timeout=20,
    )
    assert res.stdout.startswith("capped") and int(res.stdout.split()[1]) < 32, res
    # The whole bomb died with its exec: nothing of it remains, inside or on the host.
    assert host_processes_with(marker) == []
    assert marker not in (await box.exec("cat /proc/[0-9]*/cmdline")).stdout
    await still_works(isolated, box)


async def test_memory_bomb_is_stopped(isolated, make_box):
    box = await make_box(isolated, memory_mb=128)
    res = await box.exec([PY, "-c", "x = bytearray(1024 * 1024 * 1024); print('ALLOCATED', len(x))"], timeout=20)
    assert not res.ok and "ALLOCATED" not in res.stdout and "MemoryError" in res.stderr
    res = await box.exec(
        [
            PY,
            "-c",
            "\n".join(
                [
                    "chunks = []",
                    "try:",
                    "    while True: chunks.append(b'x' * (16 * 1024 * 1024))",
                    "except MemoryError: print('capped at', len(chunks) * 16, 'MB')",
                ]
            ),
        ],
        timeout=20,
    )
    assert "capped at" in res.stdout and int(res.stdout.split()[2]) <= 128
    await still_works(isolated, box)


async def test_memory_bomb_across_processes_is_capped(isolated, make_box):
    """Per-process limits are not enough: ten processes of 80 MB each must not get 800 MB."""
    box = await make_box(isolated, memory_mb=128, disk_mb=16, max_processes=32)
    cgroup = getattr(box, "cgroup", None)  # bwrap's, measured from the host; Docker caps the container itself
    if cgroup is None and isolated.name != "docker":
        pytest.skip(
            "this host gives envgym no cgroup (not root, or no memory controller): "
            "only the per-process memory limit applies"
        )
    bomb = "\n".join(
        [
            "import os, time",
            "kids = []",
            "for i in range(10):",
            "    pid = os.fork()",
            "    if pid == 0:",
            "        x = bytearray(80 * 1024 * 1024)",
            "        for j in range(0, len(x), 4096): x[j] = 1",
            "        print('allocated', flush=True)",
            "        time.sleep(3)",
            "        os._exit(0)",
            "    kids.append(pid)",
            "for k in kids: os.waitpid(k, 0)",
        ]
    )
    res = await box.exec([PY, "-c", bomb], timeout=60)
    assert res.stdout.count("allocated") < 10
    if cgroup is not None:
        limit = (128 + 16 + 64) << 20
        assert cgroup.peak_memory_bytes() <= limit  # measured on the host side
    await still_works(isolated, box)


async def test_disk_fill_is_capped(isolated, make_box):
    free_before = shutil.disk_usage(Path.home()).free
    box = await make_box(isolated, disk_mb=16, max_file_mb=1024)
    res = await box.exec(
        "dd if=/dev/zero of=fill bs=1M count=200 2>&1; dd if=/dev/zero of=/tmp/fill2 bs=1M count=200 2>&1; "
        "du -sm . /tmp | cut -f1"
    )
    assert "No space left on device" in res.stdout
    used = [int(x) for x in res.stdout.split()[-2:]]
    assert sum(used) <= 17  # workspace and /tmp share the one capped filesystem
    assert shutil.disk_usage(Path.home()).free > free_before - 150 * 1024 * 1024
    # Freeing space makes the sandbox usable again.
    await box.exec("rm -f fill /tmp/fill2")
    await still_works(isolated, box)


async def test_runaway_output_is_capped(isolated, make_box):
    box = await make_box(isolated, output_bytes=10_000)
    res = await box.exec("yes leak; ", timeout=2)
    assert res.truncated and res.timed_out and len(res.stdout) == 10_000
    res = await box.exec("head -c 50000000 /dev/zero >&2; echo done")
    assert res.truncated and len(res.stderr) == 10_000 and res.stdout == "done\n"
    await still_works(isolated, box)


async def test_daemons_do_not_outlive_their_command(isolated, make_box, host_processes_with):
    marker = str(40000 + int(uuid.uuid4().int % 10000))  # a unique sleep length to find leftovers by
    box = await make_box(isolated)
    res = await box.exec(
        f"setsid sleep {marker} & nohup sleep {marker} >/dev/null 2>&1 & (sleep {marker} &) ; "
        f'{PY} -c "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n'
        f"        os.execvp('sleep', ['sleep', '{marker}'])\n\" ; echo started"
    )
    assert res.stdout == "started\n"
    assert host_processes_with(f"sleep {marker}") == []
    assert "sleep" not in (await box.exec("ps -eo comm")).stdout
    # Same when the command is killed on timeout.
    res = await box.exec(f"setsid sleep {marker} & sleep 60", timeout=0.5)
    assert res.timed_out and host_processes_with(f"sleep {marker}") == []
    await still_works(isolated, box)


async def test_kill_all_before_grading(isolated, make_box):
    """A grader's view: kill_all leaves no process able to tamper with files copied in afterwards."""
    box = await make_box(isolated)
    running = asyncio.ensure_future(box.exec("while true; do echo tampered > /tmp/hidden_test.py; sleep 0.05; done"))
    await eventually(lambda: file_exists(box, "/tmp/hidden_test.py"), what="the tamperer's first write")
    await box.kill_all()
    res = await asyncio.wait_for(running, 10)
    assert not res.ok
    # Nothing is left that could write: the file copied in now stays as it was copied.
    assert "tampered" not in (await box.exec("ps -eo args")).stdout
    await box.write_file("/tmp/hidden_test.py", "assert True\n")
    assert await box.read_file("/tmp/hidden_test.py") == b"assert True\n"


async def test_signals_cannot_reach_host_processes(isolated, make_box):
    victim = subprocess.Popen(["sleep", "300"])
    try:
        box = await make_box(isolated)
        res = await box.exec(f"kill -9 {victim.pid} && echo KILLED; kill -9 -1; kill -STOP -1; echo done")
        assert "KILLED" not in res.stdout
        # A signal that got through would end it at once; it must still be running after a grace.
        with pytest.raises(subprocess.TimeoutExpired):
            victim.wait(timeout=0.2)
        state = Path(f"/proc/{victim.pid}/stat").read_text().split(")")[1].split()[0]
        assert state in {"S", "R"}
        assert os.getpid() in [int(p) for p in os.listdir("/proc") if p.isdigit()]
        await still_works(isolated, box)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
