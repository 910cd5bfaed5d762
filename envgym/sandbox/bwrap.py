"""The ``bwrap`` provider: each sandbox is one bubblewrap container with a long-lived init inside.

``create()`` starts ``bwrap`` once with new user, PID, IPC, UTS, cgroup and (unless
``spec.network == "host"``) network namespaces, a root filesystem that is a single size-limited
tmpfs (``spec.disk_mb``) with the host's ``/usr`` (and ``/bin``, ``/lib*``) bound read-only and a
minimal ``/etc``; ``envgym/sandbox/bwrap_init.py`` runs as PID 1, makes everything but the
workspace, ``/tmp``, ``$HOME`` and ``/dev/shm`` read-only, drops every capability, and then runs
commands on request. Every ``exec`` is supervised by a child subreaper that kills whatever the
command leaves behind (daemons included) when it ends or times out. Files live only inside the
sandbox's mount namespace, so nothing is written to the host's disk and nothing survives ``close``.
See docs/sandbox.md for the model and the measurements behind this design.

Example:
    >>> import asyncio
    >>> async def demo():
    ...     async with await BwrapProvider().create(SandboxSpec(network="none")) as box:
    ...         await box.write_file("hello.py", "print(6 * 7)")
    ...         return (await box.exec(["/usr/bin/python3", "hello.py"])).stdout
    >>> asyncio.run(demo())  # doctest: +SKIP
    '42\\n'
"""

from __future__ import annotations

import asyncio
import itertools
import marshal
import os
import posixpath
import shutil
import socket
import subprocess
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Callable

from envgym.errors import SandboxError
from envgym.sandbox.base import ExecResult, Sandbox, SandboxProvider, SandboxSpec
from envgym.sandbox.bwrap_etc import etc_template_path
from envgym.sandbox.cgroups import SandboxCgroup
from envgym.sandbox.runner import BASE_ENV

INIT_SOURCE_PATH = Path(__file__).with_name("bwrap_init.py")
SANDBOX_PYTHON = "/usr/bin/python3"  # Debian's interpreter runs the init; it is in the read-only /usr
HOME = "/root"  # commands run as uid 0 of the sandbox's user namespace, with no capabilities
UNPRIVILEGED_ID = 65534  # when envgym runs as root, bwrap runs as nobody (see _spawn_preexec)
INIT_MEMORY_MB = 64  # the in-sandbox init and its per-exec supervisors, on top of spec.memory_mb
INIT_PIDS = 8  # bwrap, its init and concurrent supervisors, on top of spec.max_processes

FILE_OP_TIMEOUT_S = 120.0  # a read_file/write_file helper that hangs this long has been wedged
MAX_INLINE_REQUEST = 48_000  # bigger requests (long scripts, big env) go through a pipe
_ids = itertools.count(1)


@lru_cache(maxsize=1)
def _init_source() -> str:
    return INIT_SOURCE_PATH.read_text()


def _spawn_preexec(cgroup: SandboxCgroup | None, run_as: int | None) -> Callable[[], None] | None:
    """What the bwrap child does before exec: join the sandbox's cgroup (needs root), then, when
    envgym runs as root, become an unprivileged user.

    The kernel never applies RLIMIT_NPROC to processes of host uid 0 (so without a pids cgroup a
    fork bomb would not be stopped), and an unprivileged bwrap holds no more power than that user.
    The child is forked from a process with threads (bwrap is spawned from a worker thread), so it
    does raw system calls on paths computed here, nothing that could wait for another thread's lock.
    """
    if cgroup is None and run_as is None:
        return None
    procs_files = [str(path / "cgroup.procs") for path in cgroup.paths] if cgroup is not None else []

    def preexec() -> None:
        pid = str(os.getpid()).encode()
        for procs in procs_files:
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        if run_as is not None:
            os.setgroups([])
            os.setgid(run_as)
            os.setuid(run_as)

    return preexec


class _HostProcess:
    """The bwrap process, started from a worker thread so the event loop never waits for a fork
    (and for the child's cgroup move, which can take tens of milliseconds); waited for through a
    pidfd, so no thread is kept per sandbox as asyncio's child watcher would."""

    def __init__(self, popen: subprocess.Popen, stderr_fd: int) -> None:
        self.popen = popen
        self.pid = popen.pid
        self.stderr = _PipeReader(stderr_fd, 4096, keep="tail")

    @classmethod
    async def spawn(cls, argv: list[str], pass_fd: int, preexec: Callable[[], None] | None) -> "_HostProcess":
        loop = asyncio.get_running_loop()
        err_r, err_w = os.pipe()

        def start() -> subprocess.Popen:
            try:
                return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err_w,
                                        pass_fds=(pass_fd,), cwd="/", start_new_session=True, preexec_fn=preexec)
            finally:
                os.close(err_w)

        started = loop.run_in_executor(None, start)
        try:
            popen = await asyncio.shield(started)
        except asyncio.CancelledError:
            # The thread goes on; whatever it starts must not outlive the cancelled create.
            started.add_done_callback(lambda fut: fut.cancelled() or fut.exception() or _reap_killed(fut.result()))
            os.close(err_r)
            raise
        except BaseException:
            os.close(err_r)
            raise
        return cls(popen, err_r)

    def kill(self) -> None:
        if self.popen.returncode is None:
            try:
                self.popen.kill()
            except ProcessLookupError:
                pass

    async def wait(self) -> int:
        if self.popen.poll() is None:
            loop = asyncio.get_running_loop()
            exited: asyncio.Future[None] = loop.create_future()
            pidfd = os.pidfd_open(self.pid)
            loop.add_reader(pidfd, lambda: exited.done() or exited.set_result(None))
            try:
                await exited
            finally:
                loop.remove_reader(pidfd)
                os.close(pidfd)
        return self.popen.wait()


def _reap_killed(popen: subprocess.Popen) -> None:
    popen.kill()
    threading.Thread(target=popen.wait, daemon=True).start()


@lru_cache(maxsize=1)
def _system_dir_args() -> tuple[str, ...]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{name}"]
    return tuple(args)


def _check_workdir(spec: SandboxSpec) -> str:
    workdir = posixpath.normpath(spec.workdir)
    if not workdir.startswith("/") or workdir in ("/", "/tmp") or _allowed(workdir, ["/usr", "/etc", "/proc", "/dev"]):
        raise SandboxError(f"workdir must be an absolute path of its own, not {spec.workdir!r}")
    return workdir


def _allowed(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


class _PipeReader:
    """Drains the read end of a pipe from the event loop, keeping at most ``cap`` bytes but reading
    all of it (so the command never blocks on a full pipe); ``eof`` resolves at end of file.

    It owns ``fd`` from construction on and ``close()`` (idempotent; call it on every path)
    unregisters it from the loop *before* closing it. Raw descriptors instead of
    ``loop.connect_read_pipe(file object)``: when that call is cancelled, uvloop closes the
    descriptor but leaves the file object open, and its later garbage collection closes whatever
    pipe or socket has reused the number by then.
    """

    def __init__(self, fd: int, cap: int, keep: str = "head") -> None:
        self.loop = asyncio.get_running_loop()
        self.fd = fd
        self.cap = cap
        self.keep_tail = keep == "tail"
        self.kept = bytearray()
        self.truncated = False
        self.eof: asyncio.Future[None] = self.loop.create_future()
        self._open = True
        os.set_blocking(fd, False)
        self.loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, 1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        if self.keep_tail:
            self.kept = (self.kept + data)[-self.cap:]
            return
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept += data[:room]
        if len(data) > max(room, 0):
            self.truncated = True

    def close(self) -> None:
        if self._open:
            self._open = False
            self.loop.remove_reader(self.fd)
            os.close(self.fd)
        if not self.eof.done():
            self.eof.set_result(None)


class _PipeWriter:
    """Writes ``data`` into the write end of a pipe from the event loop, then closes it (EOF);
    ``done`` resolves when all is written or the reader went away. Owns ``fd`` like _PipeReader."""

    def __init__(self, fd: int, data: bytes) -> None:
        self.loop = asyncio.get_running_loop()
        self.fd = fd
        self.left = memoryview(data)
        self.done: asyncio.Future[None] = self.loop.create_future()
        self._open = True
        self._watching = False
        os.set_blocking(fd, False)
        if self.left:
            self.loop.add_writer(fd, self._writable)
            self._watching = True
        else:
            self.close()

    def _writable(self) -> None:
        try:
            self.left = self.left[os.write(self.fd, self.left):]
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EPIPE: nothing reads it any more (the command exited or was killed)
            self.left = self.left[:0]
        if not self.left:
            self.close()

    async def wait(self) -> None:
        """Until everything is written (or cannot be); closes the pipe if the caller is cancelled."""
        try:
            await asyncio.shield(self.done)
        finally:
            self.close()

    def close(self) -> None:
        if self._open:
            self._open = False
            if self._watching:
                self.loop.remove_writer(self.fd)
            os.close(self.fd)
        if not self.done.done():
            self.done.set_result(None)


class _Channel:
    """Request/reply over the SOCK_SEQPACKET socket to the sandbox's init (replies come in any order).

    The channel registers its socket with the event loop itself (``add_reader``/``add_writer``) and
    ``close()`` unregisters it *before* closing the socket. Closing a descriptor the loop still
    watches (as an abandoned ``loop.sock_recv`` would leave it) drops it from the kernel's epoll
    set but not from asyncio's selector map; the next pipe that reuses the number is then "already
    registered" and never polled, so an exec's output collector never sees EOF.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.pending: dict[int, asyncio.Future[dict]] = {}
        self.broken: str | None = None
        self.closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reading = False
        self._send_waiters: list[asyncio.Future[None]] = []

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.fd, self._on_readable)
        self._reading = True

    def _stop_reading(self) -> None:
        if self._reading and self._loop is not None:
            self._reading = False
            self._loop.remove_reader(self.fd)

    def _on_readable(self) -> None:
        while not self.closed:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self.broken = self.broken or f"lost the sandbox's control channel: {exc}"
                data = b""
            if not data:
                self._stop_reading()
                self.fail_all(self.broken or "the sandbox's init exited")
                return
            try:
                # marshal, not json: the init is our own code and the only writer of this socket
                # (no command inherits it), and json's import would cost every sandbox's start-up.
                msg = marshal.loads(data)
                if not isinstance(msg, dict):
                    raise ValueError(f"a {type(msg).__name__} instead of a reply")
            except (ValueError, EOFError, TypeError) as exc:
                self._stop_reading()
                self.fail_all(f"lost the sandbox's control channel: {exc}")
                return
            fut = self.pending.pop(msg.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result(msg)

    def fail_all(self, why: str) -> None:
        """Fail every pending request (the sandbox died or was closed) and refuse new ones."""
        self.broken = self.broken or why
        pending, self.pending = self.pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(SandboxError(self.broken))

    def close(self, why: str) -> None:
        """Unregister the socket from the event loop, then close it, failing whatever is pending."""
        if self.closed:
            return
        self._stop_reading()
        if self._send_waiters and self._loop is not None:
            self._loop.remove_writer(self.fd)
        self.closed = True
        self.sock.close()
        self.fail_all(why)
        waiters, self._send_waiters = self._send_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_exception(SandboxError(self.broken or why))

    def _on_writable(self) -> None:
        assert self._loop is not None
        self._loop.remove_writer(self.fd)
        waiters, self._send_waiters = self._send_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _writable(self) -> None:
        """Wait until the socket has room (several senders may wait at once: all are woken)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        if not self._send_waiters:
            loop.add_writer(self.fd, self._on_writable)
        self._send_waiters.append(fut)
        try:
            await fut
        finally:
            if fut in self._send_waiters:  # cancelled while waiting
                self._send_waiters.remove(fut)
                if not self._send_waiters and not self.closed:
                    loop.remove_writer(self.fd)

    def expect(self, req_id: int) -> asyncio.Future[dict]:
        fut: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
        self.pending[req_id] = fut
        return fut

    async def send(self, msg: dict, fds: dict[str, int] | None = None) -> None:
        """Send one request with ``fds`` attached. The descriptors are closed here as soon as they
        are sent (or the send failed), before anything is awaited: a write end the host keeps
        open would be copied into any process forked meanwhile (a concurrent ``create``), and
        the command's output would not reach end of file until that process execs."""
        fds = dict(fds or {})
        if self.broken:
            for fd in fds.values():
                os.close(fd)
            raise SandboxError(self.broken)
        data = marshal.dumps({**msg, "fds": list(fds)})
        spill: tuple[int, bytes] | None = None
        if len(data) > MAX_INLINE_REQUEST:
            big = {k: v for k, v in msg.items() if k not in ("op", "id")}
            spill_r, spill_w = os.pipe()
            fds["spill"] = spill_r
            spill = (spill_w, marshal.dumps(big))
            data = marshal.dumps({"op": msg["op"], "id": msg["id"], "fds": list(fds)})
        try:
            while True:
                if self.broken:
                    raise SandboxError(self.broken)
                try:
                    socket.send_fds(self.sock, [data], list(fds.values()))
                    break
                except BlockingIOError:
                    await self._writable()
        except BaseException as exc:
            if spill:
                os.close(spill[0])
            if isinstance(exc, OSError):
                raise SandboxError(f"cannot reach the sandbox's init: {exc}") from exc
            raise
        finally:
            for fd in fds.values():
                os.close(fd)
        if spill:
            await _PipeWriter(*spill).wait()

    async def call(self, msg: dict, fds: dict[str, int] | None = None) -> dict:
        fut = self.expect(msg["id"])
        try:
            await self.send(msg, fds)
        except BaseException:
            self.pending.pop(msg["id"], None)
            raise
        return await fut


class BwrapSandbox(Sandbox):
    """One bubblewrap sandbox. Use ``BwrapProvider().create(spec)`` to make one."""

    def __init__(self, spec: SandboxSpec, proc: _HostProcess, channel: _Channel,
                 cgroup: SandboxCgroup | None = None) -> None:
        self.spec = spec
        self.cgroup = cgroup  # None where the host gives no cgroups: then only per-process rlimits apply
        # The init enforces every exec's wall time; the host only steps in this much later (a
        # command that SIGSTOPs its supervisor), cancelling the exec and raising SandboxError.
        self.stall_grace_s = 10.0
        self._proc = proc
        self._channel = channel
        self._closed = False
        self._roots = [posixpath.normpath(spec.workdir), "/tmp"]

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pid(self) -> int:
        """Host PID of the bwrap process holding this sandbox."""
        return self._proc.pid

    @property
    def _stderr_tail(self) -> bytes:
        return bytes(self._proc.stderr.kept)

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError("the sandbox is closed")
        if self._channel.broken:
            tail = self._stderr_tail.decode("utf-8", "replace").strip()
            raise SandboxError(f"{self._channel.broken}{': ' + tail if tail else ''}")

    def _path(self, path: str) -> str:
        """The absolute in-sandbox path for a user-given one; only the workdir and /tmp may be named."""
        if not path:
            raise SandboxError("empty path")
        full = posixpath.normpath(path if path.startswith("/") else posixpath.join(self.spec.workdir, path))
        if not _allowed(full, self._roots):
            raise SandboxError(f"path {path!r} is outside the sandbox's workspace ({self.spec.workdir}) and /tmp")
        return full

    def _env(self, env: dict[str, str] | None) -> dict[str, str]:
        return {**BASE_ENV, "HOME": HOME, "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash",
                "TMPDIR": "/tmp", **self.spec.env, **(env or {})}

    def _rlimits(self) -> dict[str, int]:
        spec = self.spec
        return {
            "cpu": max(1, int(spec.cpu_seconds)),
            "as": int(spec.memory_mb) * 1024 * 1024,
            "fsize": int(spec.max_file_mb) * 1024 * 1024,
            "core": 0,
            # Counted over the whole sandbox (its own user namespace), init and supervisors included.
            "nproc": int(spec.max_processes),
        }

    async def exec(self, cmd: str | list[str], *, stdin: str | bytes | None = None, timeout: float | None = None,
                   cwd: str | None = None, env: dict[str, str] | None = None) -> ExecResult:
        self._check_open()
        argv = ["bash", "-c", cmd] if isinstance(cmd, str) else [str(a) for a in cmd]
        if not argv:
            raise SandboxError("empty command")
        workdir = posixpath.normpath(posixpath.join(self.spec.workdir, cwd)) if cwd else self.spec.workdir
        wall = float(timeout if timeout is not None else self.spec.wall_timeout_s)
        req_id = next(_ids)
        request = {"op": "exec", "id": req_id, "argv": argv, "cwd": workdir, "env": self._env(env),
                   "timeout": wall, "rlimits": self._rlimits()}
        started = time.monotonic()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        child_fds = {"stdout": out_w, "stderr": err_w}
        in_w = None
        if stdin is not None:
            in_r, in_w = os.pipe()
            child_fds["stdin"] = in_r
        out = _PipeReader(out_r, self.spec.output_bytes)
        err = _PipeReader(err_r, self.spec.output_bytes)
        feeder = None
        try:
            try:
                reply_fut = self._channel.expect(req_id)
                await self._channel.send(request, child_fds)  # closes child_fds
                if in_w is not None:
                    feeder = _PipeWriter(in_w, stdin.encode() if isinstance(stdin, str) else stdin)
                    in_w = None
                # The init enforces the wall time; the margin only guards against a wedged sandbox.
                msg = await asyncio.wait_for(reply_fut, wall + self.stall_grace_s)
            except asyncio.CancelledError:
                await self._cancel(req_id)
                raise
            except asyncio.TimeoutError as exc:
                await self._cancel(req_id)
                raise SandboxError(f"the sandbox stopped answering (exec did not finish {self.stall_grace_s:g} s "
                                   "after its timeout)") from exc
            finally:
                self._channel.pending.pop(req_id, None)
                if in_w is not None:
                    os.close(in_w)
                if feeder is not None:
                    feeder.close()  # the command is gone: whatever it did not read is dropped
            if "error" in msg:
                raise SandboxError(msg["error"])
            # Everything that held the pipes' write ends is dead by the time the init answers, so
            # end of file is already pending; the wait only covers the event loop getting to it.
            try:
                await asyncio.wait_for(asyncio.gather(out.eof, err.eof), 5)
            except asyncio.TimeoutError:
                raise SandboxError("the command's output pipes stayed open after it was killed") from None
        finally:
            out.close()
            err.close()
        timed_out = bool(msg.get("timed_out"))
        return ExecResult(
            exit_code=124 if timed_out else int(msg["exit_code"]),
            stdout=bytes(out.kept).decode("utf-8", "replace"), stderr=bytes(err.kept).decode("utf-8", "replace"),
            timed_out=timed_out, truncated=out.truncated or err.truncated,
            duration_s=time.monotonic() - started, killed_by_signal=msg.get("signal"),
        )

    async def _cancel(self, target: int) -> None:
        if self._closed or self._channel.broken:
            return
        req_id = next(_ids)
        try:
            await asyncio.wait_for(self._channel.call({"op": "cancel", "id": req_id, "target": target}), 5)
        except (SandboxError, asyncio.TimeoutError):
            pass

    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        self._check_open()
        target = self._path(path)
        payload = data.encode() if isinstance(data, str) else bytes(data)
        src_r, src_w = os.pipe()
        req_id = next(_ids)
        reply_fut = self._channel.expect(req_id)
        try:
            await self._channel.send({"op": "write", "id": req_id, "path": target, "mode": mode & 0o7777,
                                      "roots": self._roots}, {"data": src_r})
        except BaseException:
            os.close(src_w)
            self._channel.pending.pop(req_id, None)
            raise
        writer = _PipeWriter(src_w, payload)
        try:
            msg = await self._file_reply(reply_fut, req_id)
        finally:
            writer.close()
        if not msg.get("ok"):
            raise SandboxError(f"cannot write {path!r}: {msg.get('error', 'the file helper was killed')}")

    async def read_file(self, path: str, max_bytes: int | None = None) -> bytes:
        self._check_open()
        target = self._path(path)
        dst_r, dst_w = os.pipe()
        req_id = next(_ids)
        reply_fut = self._channel.expect(req_id)
        try:
            await self._channel.send({"op": "read", "id": req_id, "path": target, "max_bytes": max_bytes,
                                      "roots": self._roots}, {"data": dst_w})
        except BaseException:
            os.close(dst_r)
            self._channel.pending.pop(req_id, None)
            raise
        collected = _PipeReader(dst_r, max_bytes if max_bytes is not None else 1 << 62)
        try:
            msg = await self._file_reply(reply_fut, req_id)
            if msg.get("ok"):
                # The helper wrote everything and exited before answering: end of file is pending.
                await asyncio.wait_for(collected.eof, FILE_OP_TIMEOUT_S)
        finally:
            collected.close()
        if not msg.get("ok"):
            raise SandboxError(msg.get("error", "the file helper was killed"))
        return bytes(collected.kept)

    async def _file_reply(self, reply_fut: asyncio.Future[dict], req_id: int) -> dict:
        try:
            return await asyncio.wait_for(reply_fut, FILE_OP_TIMEOUT_S)
        except asyncio.TimeoutError:
            self._channel.pending.pop(req_id, None)
            raise SandboxError(f"file transfer did not finish within {FILE_OP_TIMEOUT_S:.0f} s") from None

    async def kill_all(self) -> None:
        """Kill every process in the sandbox (running execs return as killed); files stay."""
        self._check_open()
        await self._channel.call({"op": "kill_all", "id": next(_ids)})

    async def wipe(self) -> bool:
        """Kill every process and empty every writable place (workspace, /tmp, $HOME, /dev/shm) and
        System V IPC objects, in the init: no command is started for it. True when verifiably clean."""
        self._check_open()
        req_id = next(_ids)
        reply_fut = self._channel.expect(req_id)
        try:
            await self._channel.send({"op": "wipe", "id": req_id})
        except BaseException:
            self._channel.pending.pop(req_id, None)
            raise
        msg = await self._file_reply(reply_fut, req_id)
        return bool(msg.get("clean"))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Killing bwrap takes its PID 1 with it (--die-with-parent), and with PID 1 the whole PID
        # namespace and the mount namespace holding the tmpfs: every process and file is gone.
        self._proc.kill()
        self._channel.close("the sandbox was closed")
        try:
            await self._proc.wait()
            await asyncio.wait_for(asyncio.shield(self._proc.stderr.eof), 2)
        except asyncio.TimeoutError:
            pass
        finally:
            self._proc.stderr.close()
        if self.cgroup is not None:
            await self.cgroup.remove_soon()


class BwrapProvider(SandboxProvider):
    """Creates bubblewrap sandboxes (the default provider on Linux).

    ``bwrap``: path of the bubblewrap binary; ``run_as``: host uid/gid bwrap runs as when envgym
    runs as root (default 65534, ``nobody``); ``cgroups``: give each sandbox a memory + pids cgroup
    when the host allows it (default on; see envgym/sandbox/cgroups.py).
    """

    name = "bwrap"
    isolated = True

    def __init__(self, bwrap: str | None = None, run_as: int | None = None, cgroups: bool = True) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or "/usr/bin/bwrap"
        self.run_as = (UNPRIVILEGED_ID if run_as is None else run_as) if os.geteuid() == 0 else None
        self.cgroups = cgroups
        self._available: tuple[bool, str] | None = None

    def available(self) -> tuple[bool, str]:
        if self._available is None:
            self._available = self._probe()
        return self._available

    def _probe(self) -> tuple[bool, str]:
        if not os.path.exists(self.bwrap):
            return False, ("bubblewrap is not installed: run `apt-get install bubblewrap` "
                           "(or choose the unisolated 'process' provider for trusted code only)")
        if not os.path.exists(SANDBOX_PYTHON):
            return False, f"the bwrap provider runs its init with {SANDBOX_PYTHON}: `apt-get install python3`"
        argv = [self.bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--uid", "0",
                "--gid", "0", "--cap-add", "ALL", "--size", "1048576", "--tmpfs", "/", *_system_dir_args(),
                "--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=20, cwd="/",
                                  preexec_fn=_spawn_preexec(None, self.run_as))
        except (OSError, subprocess.SubprocessError) as exc:
            return False, f"cannot run {self.bwrap}: {exc}"
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip()
            return False, (f"bwrap cannot create user namespaces here ({why}). Enable unprivileged user "
                           "namespaces (`sysctl -w kernel.unprivileged_userns_clone=1`, and on Ubuntu 24.04+ "
                           "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or in a container "
                           "run it with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined`; "
                           "otherwise use the 'docker' provider")
        return True, ""

    def _argv(self, spec: SandboxSpec, ctl_fd: int) -> list[str]:
        workdir = _check_workdir(spec)
        args = [self.bwrap, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--uid", "0", "--gid", "0", "--cap-add", "ALL",
                "--hostname", "sandbox", "--die-with-parent", "--as-pid-1", "--new-session",
                "--clearenv", "--setenv", "PATH", BASE_ENV["PATH"], "--setenv", "LANG", "C.UTF-8",
                "--size", str(int(spec.disk_mb) * 1024 * 1024), "--tmpfs", "/",
                *_system_dir_args(), "--proc", "/proc", "--dev", "/dev",
                "--ro-bind", etc_template_path(spec.network != "host"), "/etc"]
        if spec.network != "host":
            args.append("--unshare-net")
        config = {"ctl_fd": ctl_fd, "files": {}, "writable": [workdir, "/tmp", HOME, "/dev/shm"]}
        return [*args, "--chdir", "/", "--", SANDBOX_PYTHON, "-I", "-S", "-c", _init_source(),
                marshal.dumps(config).hex()]

    async def create(self, spec: SandboxSpec | None = None) -> Sandbox:
        spec = spec or SandboxSpec()
        ok, why = self.available()
        if not ok:
            raise SandboxError(why, details={"provider": "bwrap"})
        _check_workdir(spec)  # before anything is started
        cgroup = None
        if self.cgroups:
            # Everything in the sandbox together: its processes' memory plus its tmpfs files
            # (which are RAM), plus room for the init; and its processes, init and supervisors too.
            cgroup = SandboxCgroup.create(uuid.uuid4().hex[:16],
                                          memory_bytes=(spec.memory_mb + spec.disk_mb + INIT_MEMORY_MB) << 20,
                                          max_pids=spec.max_processes + INIT_PIDS)
        host_end, box_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        host_end.setblocking(False)
        try:
            proc = await _HostProcess.spawn(self._argv(spec, box_end.fileno()), box_end.fileno(),
                                            _spawn_preexec(cgroup, self.run_as))
        except BaseException:
            host_end.close()
            if cgroup is not None:
                cgroup.remove_now()
            raise
        finally:
            box_end.close()
        channel = _Channel(host_end)
        ready = channel.expect(0)
        channel.start()
        box = BwrapSandbox(spec, proc, channel, cgroup)
        try:
            msg = await asyncio.wait_for(ready, 30)
            if "error" in msg:
                raise SandboxError(msg["error"])
            for rel, content in spec.files.items():
                await box.write_file(rel, content)
        except BaseException as exc:
            await box.close()
            if isinstance(exc, (SandboxError, asyncio.TimeoutError)):
                tail = box._stderr_tail.decode("utf-8", "replace").strip()
                raise SandboxError(f"the bwrap sandbox failed to start: {exc}{' — ' + tail if tail else ''}") from exc
            raise
        return box
