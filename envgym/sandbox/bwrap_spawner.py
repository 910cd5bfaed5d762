"""The host's side of the bwrap template: starting it, asking it for sandboxes, holding their init.

The template (``bwrap_template.py``) is one long-lived ``bwrap`` process per provider that forks a
new sandbox on request (new namespaces, new root; see that file). Here:

* ``Template.start`` launches it from one thread (``LAUNCHER``) that lives until the interpreter
  exits: ``bwrap --die-with-parent`` follows the *thread* that forked it, and the template must not
  die with an event loop's executor thread;
* ``Template.spawn`` sends one request with the sandbox's control socket and cgroup descriptors
  attached; the sandbox's PID 1 answers on that socket, with a pidfd of itself
  (``first_reply``), which ``SandboxProcess`` uses to kill it and to wait for its end;
* a template nobody references any more is killed (and with it, PID 1 of its PID namespace, every
  sandbox it made), and the host directory of its sandboxes' trusted areas (trusted.py) removed.

Example:
    >>> pid_of_pidfd(os.pidfd_open(os.getpid())) == os.getpid()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import marshal
import os
import signal
import socket
import subprocess
import threading
import time
import weakref
from typing import Any, Callable

from envgym.protocol.errors import SandboxError
from envgym.sandbox.trusted import TrustedBase

START_TIMEOUT_S = 60.0
REPLY_TIMEOUT_S = 30.0

# One thread runs every start-up call (forks of bwrap) for the whole process, and is never replaced:
# ``--die-with-parent`` follows the thread that forked bwrap.
LAUNCHER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="envgym-bwrap-launcher")


def _kill_template(popen: subprocess.Popen[bytes], sock: socket.socket, stderr_fd: int, trusted: TrustedBase) -> None:
    if popen.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            popen.kill()
    sock.close()
    with contextlib.suppress(OSError):
        os.close(stderr_fd)
    # Here, not on the reaping thread: at interpreter exit (this runs as an atexit finalizer too)
    # daemon threads never finish. Its sandboxes have removed their own areas when they closed.
    trusted.destroy()
    # Reaped off the caller's thread: the kernel may take a moment to tear many sandboxes down.
    threading.Thread(target=popen.wait, daemon=True).start()


class Template:
    """A running template process and the socket its spawn requests go through."""

    def __init__(
        self, popen: subprocess.Popen[bytes], sock: socket.socket, stderr_fd: int, key: Any, trusted: TrustedBase
    ) -> None:
        self.popen = popen
        self.pid = popen.pid
        self.key = key  # what it was built from (the host /etc entries): a change means a new template
        self.trusted = trusted  # the host directory bound into it, holding its sandboxes' trusted areas
        self._sock = sock
        self._send_lock = threading.Lock()
        self.broken: str | None = None
        self._finalizer = weakref.finalize(self, _kill_template, popen, sock, stderr_fd, trusted)

    @classmethod
    def start(
        cls,
        argv: list[str],
        ctl_fd: int,
        host_end: socket.socket,
        key: Any,
        preexec: Callable[[], None] | None,
        trusted: TrustedBase,
    ) -> "Template":
        """Start bwrap with the template and wait until it is ready (runs on the launcher thread).
        ``trusted`` (bound into it by ``argv``) is the template's from then on: removed when it stops."""
        err_r, err_w = os.pipe()
        try:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err_w,
                pass_fds=(ctl_fd,),
                cwd="/",
                start_new_session=True,
                preexec_fn=preexec,
            )
        except BaseException:
            os.close(err_r)
            host_end.close()
            raise
        finally:
            os.close(err_w)
            os.close(ctl_fd)
        template = cls(popen, host_end, err_r, key, trusted)
        host_end.settimeout(START_TIMEOUT_S)
        try:
            data = host_end.recv(1 << 16)
        except OSError as exc:
            data, why = b"", str(exc)
        else:
            why = "it exited"
        msg = marshal.loads(data) if data else {"error": why}
        if not msg.get("ready"):
            tail = _stderr_tail(popen, err_r)  # before close(), which closes err_r
            template.close()
            raise SandboxError(
                f"the bwrap sandbox template failed to start: {msg.get('error')}{' — ' + tail if tail else ''}"
            )
        host_end.setblocking(False)
        return template

    @property
    def alive(self) -> bool:
        return self.broken is None and self.popen.poll() is None

    async def spawn(self, config: dict[str, Any], fds: dict[str, int]) -> None:
        """Ask for one sandbox; ``fds`` (its control socket end, its cgroups' procs files) are closed here."""
        data = marshal.dumps({"op": "spawn", "config": config, "fds": list(fds)})
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        try:
            while True:
                try:
                    with self._send_lock:
                        socket.send_fds(self._sock, [data], list(fds.values()))
                    return
                except BlockingIOError:
                    # A burst of creates filled the socket: the template forks ~1 per millisecond.
                    if time.monotonic() > deadline:
                        raise SandboxError("the bwrap sandbox template stopped taking requests") from None
                    await asyncio.sleep(0.001)
                except OSError as exc:
                    self.broken = f"the bwrap sandbox template is gone ({exc})"
                    raise SandboxError(self.broken) from exc
        finally:
            for fd in fds.values():
                os.close(fd)

    def close(self) -> None:
        """Kill the template, and with it every sandbox it made. Idempotent."""
        self.broken = self.broken or "the provider was closed"
        self._finalizer()


def _stderr_tail(popen: subprocess.Popen[bytes], fd: int) -> str:
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(5)
    os.set_blocking(fd, False)
    try:
        data = os.read(fd, 1 << 16)
    except OSError:
        data = b""
    return data.decode("utf-8", "replace").strip()[-2000:]


def pid_of_pidfd(pidfd: int) -> int:
    """The process's PID in this process's PID namespace (the kernel translates it in fdinfo)."""
    with open(f"/proc/self/fdinfo/{pidfd}") as fh:
        for line in fh:
            if line.startswith("Pid:"):
                return int(line.split()[1])
    raise SandboxError("the kernel did not say which process a pidfd refers to")


def _resolve(fut: asyncio.Future[None]) -> None:
    """A reader callback: the descriptor is readable (it may be called again before it is removed)."""
    if not fut.done():
        fut.set_result(None)


async def _readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    loop.add_reader(fd, _resolve, ready)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


class SandboxProcess:
    """A sandbox's PID 1, held through a pidfd: killing it ends the sandbox's PID and mount
    namespaces (every process and every file), and the pidfd turns readable once that is done."""

    def __init__(self, pidfd: int) -> None:
        self.pidfd: int | None = pidfd
        self.pid = pid_of_pidfd(pidfd)

    def kill(self) -> None:
        if self.pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    async def wait(self) -> None:
        if self.pidfd is not None:
            await _readable(self.pidfd)

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


async def first_reply(sock: socket.socket, timeout: float = REPLY_TIMEOUT_S) -> tuple[dict[str, Any], list[int]]:
    """The sandbox's first message on its new control socket ("ready" and a pidfd, or an error)."""
    try:
        await asyncio.wait_for(_readable(sock.fileno()), timeout)
    except asyncio.TimeoutError:
        raise SandboxError(f"the new sandbox did not answer within {timeout:.0f} s") from None
    try:
        data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 1)
    except OSError as exc:
        raise SandboxError(f"lost the new sandbox's control socket: {exc}") from exc
    if not data:
        raise SandboxError("the new sandbox's init exited before it was ready")
    return marshal.loads(data), fds
