"""Every place one sandbox could leave something for another to find, as a plant and a probe.

``PROBE`` is a Python program run inside a sandbox (``plant TOKEN`` or ``probe TOKEN``). Planting puts
TOKEN in each channel and prints ``PLANTED <channel>`` (or ``UNAVAILABLE <channel>`` where the provider
forbids the call, e.g. Docker's seccomp profile and keyrings); probing prints ``FOUND``/``ABSENT`` per
channel, and the probe's own PID (the PID counter is a channel too: a sandbox that forks N processes
moves the next PID another one sees, unless each has a PID namespace of its own).

Channels: files in the workspace, /tmp, $HOME and /dev/shm; System V shared memory, message queues and
semaphores; POSIX message queues and named semaphores; the user and user-session keyrings; and, while
the planting sandbox is alive, an abstract Unix socket and a TCP port on the loopback.
"""

from __future__ import annotations

import asyncio

from envgym.sandbox import Sandbox

PY = "/usr/bin/python3"
PROBE = r"""
import ctypes, os, socket, subprocess, sys, zlib
mode, token = sys.argv[1], sys.argv[2]
hold = len(sys.argv) > 3  # keep the plant's sockets open until killed (a live neighbour)
libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.restype = ctypes.c_int
libc.sem_open.restype = ctypes.c_void_p
NR = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}[os.uname().machine]
key = zlib.crc32(token.encode()) & 0x7FFFFFFF
name = ("/probe-" + token).encode()
plant = mode == "plant"
CREAT = 0o1000 if plant else 0  # IPC_CREAT (System V)
O_CREAT, O_RDWR = os.O_CREAT if plant else 0, os.O_RDWR


def files():
    paths = [os.path.expanduser("~/probe-" + token), "/tmp/probe-" + token, "/dev/shm/probe-" + token,
             os.path.join(os.getcwd(), "probe-" + token)]
    if plant:
        for path in paths:
            with open(path, "w") as fh:
                fh.write(token)
        return True
    return any(os.path.exists(p) for p in paths)


def sysv():
    found = [libc.shmget(key, 4096, CREAT | 0o600), libc.msgget(key, CREAT | 0o600), libc.semget(key, 1, CREAT | 0o600)]
    return any(i >= 0 for i in found) if not plant else all(i >= 0 for i in found)


def mqueue():
    fd = libc.mq_open(name, O_CREAT | O_RDWR, 0o600, None)
    if fd >= 0 and plant:
        libc.mq_send(fd, token.encode(), len(token), 0)
    return fd >= 0


def semaphore():
    sem = libc.sem_open(name, O_CREAT, 0o600, 1)
    return sem not in (None, ctypes.c_void_p(-1).value)


def keyrings():
    desc = ("probe-" + token).encode()
    hits = []
    for ring in (-4, -5):  # KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING
        if plant:
            hits.append(libc.syscall(NR["add_key"], b"user", desc, token.encode(), len(token), ring) >= 0)
        else:
            hits.append(libc.syscall(NR["keyctl"], 10, ring, b"user", desc, 0) >= 0)  # KEYCTL_SEARCH
    if plant and not all(hits) and ctypes.get_errno() in (1, 38):  # EPERM/ENOSYS: a seccomp filter says no
        return None
    return all(hits) if plant else any(hits)


def abstract_socket():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if plant:
        s.bind(b"\0probe-" + token.encode())
        s.listen(1)
        KEEP.append(s)
        return True
    try:
        s.connect(b"\0probe-" + token.encode())
        return True
    except OSError:
        return False


def loopback_port():
    port = 20000 + key % 20000
    s = socket.socket()
    if plant:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        KEEP.append(s)
        return True
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False


KEEP = []
CHANNELS = [files, sysv, mqueue, semaphore, keyrings] + ([abstract_socket, loopback_port] if hold or not plant else [])
if plant:
    for channel in CHANNELS:
        ok = channel()
        print(("PLANTED" if ok else "UNAVAILABLE" if ok is None else "FAILED"), channel.__name__, flush=True)
    for _ in range(300):  # move the PID counter
        subprocess.run(["/bin/true"])
    if hold:
        open("/tmp/planted-" + token, "w").close()
        import time
        time.sleep(600)
else:
    for channel in CHANNELS:
        print(("FOUND" if channel() else "ABSENT"), channel.__name__)
    print("PID", os.getpid())
"""


def parse(output: str) -> dict[str, str]:
    """``{channel: PLANTED|UNAVAILABLE|FAILED|FOUND|ABSENT}`` plus ``{"PID": n}`` from the program's output."""
    found = {}
    for line in output.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("PLANTED", "UNAVAILABLE", "FAILED", "FOUND", "ABSENT"):
            found[rest] = word
        elif word == "PID":
            found["PID"] = rest
    return found


async def plant(box: Sandbox, token: str) -> dict[str, str]:
    res = await box.exec([PY, "-c", PROBE, "plant", token], timeout=60)
    assert res.exit_code == 0, res
    return parse(res.stdout)


async def plant_and_hold(box: Sandbox, token: str) -> asyncio.Future:
    """Plant with the planting program kept alive (sockets open); returns its running exec."""
    running = asyncio.ensure_future(box.exec([PY, "-c", PROBE, "plant", token, "hold"], timeout=120))
    return running


async def probe(box: Sandbox, token: str) -> dict[str, str]:
    res = await box.exec([PY, "-c", PROBE, "probe", token], timeout=60)
    assert res.exit_code == 0, res
    return parse(res.stdout)
