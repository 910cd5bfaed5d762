"""The ``bwrap`` provider: each sandbox is a fork of one bubblewrap template, with a long-lived init inside.

The provider starts ``bwrap`` once (the *template*, ``bwrap_template.py``) and ``create()`` asks it for
a sandbox: a fork that makes new user, PID, IPC, mount, UTS, cgroup and (unless ``spec.network ==
"host"``) network namespaces, a root filesystem that is a single size-limited tmpfs
(``spec.disk_mb``) with the host's ``/usr`` (and ``/bin``, ``/lib*``) read-only and a minimal ``/etc``,
makes everything but the workspace, ``/tmp``, ``$HOME`` and ``/dev/shm`` read-only, drops every
capability and then, as PID 1 (``bwrap_init.py``), runs commands on request. A sandbox therefore costs
a fork, not a bwrap and interpreter start, and still shares nothing with any other. Every ``exec`` is
supervised by a child subreaper that kills whatever the command leaves behind (daemons included)
when it ends or times out. Files live only inside the sandbox's mount namespace, so nothing is
written to the host's disk and nothing survives ``close``. See docs/sandbox.md for the model and the
measurements behind this design.

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
import concurrent.futures
import contextlib
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
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

from envgym.protocol.errors import SandboxError
from envgym.sandbox import bwrap_etc
from envgym.sandbox.base import ExecResult, Sandbox, SandboxProvider, SandboxSpec, command_argv, with_files
from envgym.sandbox.bwrap_spawner import LAUNCHER, SandboxProcess, Template, first_reply
from envgym.sandbox.cgroups import SandboxCgroup, sweep_stale_cgroups
from envgym.sandbox.runner import BASE_ENV
from envgym.sandbox.trusted import TEMPLATE_MOUNT, HostTrustedArea, TrustedBase, remove_orphans

SANDBOX_PYTHON = "/usr/bin/python3"  # Debian's interpreter runs the template and init; it is in the read-only /usr
HOME = "/root"  # commands run as uid 0 of the sandbox's user namespace, with no capabilities
COMMAND_ENV = {**BASE_ENV, "HOME": HOME, "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash", "TMPDIR": "/tmp"}
UNPRIVILEGED_ID = 65534  # when envgym runs as root, bwrap runs as nobody (see _spawn_preexec)
INIT_MEMORY_MB = 64  # the in-sandbox init and its per-exec supervisors, on top of spec.memory_mb
INIT_PIDS = 8  # the init and concurrent supervisors, on top of spec.max_processes
TEMPLATE_DISK_BYTES = 16 << 20  # the template's own root: its copy of the allowlisted /etc (about 0.5 MB)
# Standard modules the template imports once: every sandbox's init is a fork of it, so a Python
# program started by ``exec_python`` (the grading harness, a solution's workers) finds them loaded.
PRELOAD = ("typing", "collections", "functools", "itertools", "math", "re", "heapq", "string", "bisect", "traceback")
# Loads the init and the template into one namespace from argv (nothing of ours is a file in there).
BOOT = (
    "import sys\nns = {'__name__': 'envgym_sandbox'}\n"
    "exec(compile(sys.argv[1], 'bwrap_init.py', 'exec'), ns)\n"
    "exec(compile(sys.argv[2], 'bwrap_template.py', 'exec'), ns)\n"
    "sys.exit(ns['main'](sys.argv[3]))\n"
)

FILE_OP_TIMEOUT_S = 120.0  # a read_file/write_file helper that hangs this long has been wedged
MAX_INLINE_REQUEST = 48_000  # bigger requests (long scripts, big env) go through a pipe
_ids = itertools.count(1)


@lru_cache(maxsize=1)
def _sources() -> tuple[str, str]:
    here = Path(__file__).parent
    return (here / "bwrap_init.py").read_text(), (here / "bwrap_template.py").read_text()


def _spawn_preexec(run_as: int | None) -> Callable[[], None] | None:
    """What the bwrap child does before exec when envgym runs as root: become an unprivileged user.

    The kernel never applies RLIMIT_NPROC to processes of host uid 0 (so without a pids cgroup a
    fork bomb would not be stopped), and an unprivileged bwrap holds no more power than that user.
    The child is forked from a process with threads, so it only makes raw system calls.
    """
    if run_as is None:
        return None

    def preexec() -> None:
        os.setgroups([])
        os.setgid(run_as)
        os.setuid(run_as)

    return preexec


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


# What the availability probe and the template both ask of bwrap (the probe tries what the template does):
# its own user, PID and IPC namespaces, root with every capability in the user namespace, and a root of its own.
_NAMESPACE_ROOT = ("--unshare-user", "--unshare-pid", "--unshare-ipc", "--uid", "0", "--gid", "0", "--cap-add", "ALL")


def _fresh_root(size_bytes: int) -> list[str]:
    """A tmpfs root of ``size_bytes`` with the host's system directories read-only, /proc and /dev."""
    return ["--size", str(size_bytes), "--tmpfs", "/", *_system_dir_args(), "--proc", "/proc", "--dev", "/dev"]


def _check_workdir(spec: SandboxSpec) -> str:
    workdir = posixpath.normpath(spec.workdir)
    if not workdir.startswith("/") or workdir in ("/", "/tmp") or _allowed(workdir, ["/usr", "/etc", "/proc", "/dev"]):
        raise SandboxError(f"workdir must be an absolute path of its own, not {spec.workdir!r}")
    return workdir


def _allowed(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


class _LoopPipe:
    """One end of a pipe, watched by the event loop; ``done`` resolves when it is closed.

    It owns ``fd`` from construction on and ``close()`` (idempotent; call it on every path)
    unregisters it from the loop *before* closing it. Raw descriptors instead of
    ``loop.connect_read_pipe(file object)``: when that call is cancelled, uvloop closes the
    descriptor but leaves the file object open, and its later garbage collection closes whatever
    pipe or socket has reused the number by then.
    """

    def __init__(self, fd: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.fd = fd
        self.done: asyncio.Future[None] = self.loop.create_future()
        self._open = True
        self._unwatch: Callable[[int], object] | None = None  # the loop's remove_reader or remove_writer
        os.set_blocking(fd, False)

    def close(self) -> None:
        if self._open:
            self._open = False
            if self._unwatch is not None:
                self._unwatch(self.fd)
            os.close(self.fd)
        if not self.done.done():
            self.done.set_result(None)


class _PipeReader(_LoopPipe):
    """Drains the read end of a pipe, keeping at most ``cap`` bytes but reading all of it (so the
    command never blocks on a full pipe); ``done`` resolves at end of file."""

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(fd)
        self.cap = cap
        self.kept = bytearray()
        self.truncated = False
        self.loop.add_reader(fd, self._readable)
        self._unwatch = self.loop.remove_reader

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
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept += data[:room]
        if len(data) > max(room, 0):
            self.truncated = True


class _PipeWriter(_LoopPipe):
    """Writes ``data`` into the write end of a pipe, then closes it (EOF); ``done`` resolves when all
    is written or the reader went away."""

    def __init__(self, fd: int, data: bytes) -> None:
        super().__init__(fd)
        self.left = memoryview(data)
        if self.left:
            self.loop.add_writer(fd, self._writable)
            self._unwatch = self.loop.remove_writer
        else:
            self.close()

    def _writable(self) -> None:
        try:
            self.left = self.left[os.write(self.fd, self.left) :]
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
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.broken: str | None = None
        self.closed = False
        self._send_waiters: list[asyncio.Future[None]] = []
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.fd, self._on_readable)
        self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
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
            msg_id = msg.get("id")
            fut = self.pending.pop(msg_id, None) if isinstance(msg_id, int) else None
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
        if self._send_waiters:
            self._loop.remove_writer(self.fd)
        self.closed = True
        self.sock.close()
        self.fail_all(why)
        waiters, self._send_waiters = self._send_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_exception(SandboxError(self.broken or why))

    def _on_writable(self) -> None:
        self._loop.remove_writer(self.fd)
        waiters, self._send_waiters = self._send_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _writable(self) -> None:
        """Wait until the socket has room (several senders may wait at once: all are woken)."""
        fut: asyncio.Future[None] = self._loop.create_future()
        if not self._send_waiters:
            self._loop.add_writer(self.fd, self._on_writable)
        self._send_waiters.append(fut)
        try:
            await fut
        finally:
            if fut in self._send_waiters:  # cancelled while waiting
                self._send_waiters.remove(fut)
                if not self._send_waiters and not self.closed:
                    self._loop.remove_writer(self.fd)

    def expect(self, req_id: int) -> asyncio.Future[dict[str, Any]]:
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[req_id] = fut
        return fut

    async def send(self, msg: dict[str, Any], fds: dict[str, int] | None = None) -> None:
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

    async def call(self, msg: dict[str, Any], fds: dict[str, int] | None = None) -> dict[str, Any]:
        fut = self.expect(msg["id"])
        try:
            await self.send(msg, fds)
        except BaseException:
            self.pending.pop(msg["id"], None)
            raise
        return await fut


class BwrapSandbox(Sandbox):
    """One bubblewrap sandbox. Use ``BwrapProvider().create(spec)`` to make one."""

    def __init__(
        self,
        spec: SandboxSpec,
        proc: SandboxProcess,
        channel: _Channel,
        cgroup: SandboxCgroup | None,
        template: Template,
        trusted: HostTrustedArea,
    ) -> None:
        self.spec = spec
        self._trusted = trusted
        self.trusted_root, self.trusted_protected = trusted.mount, trusted.protected
        self.cgroup = cgroup  # None where the host gives no cgroups: then only per-process rlimits apply
        # The init enforces every exec's wall time (and continues a supervisor the command stopped);
        # the host only steps in this much later (a wedged sandbox), cancelling the exec and raising
        # SandboxError.
        self.stall_grace_s = 10.0
        self._proc = proc
        self._channel = channel
        self._template = template  # kept alive while this sandbox is: its death would end the sandbox
        self._roots = [posixpath.normpath(spec.workdir), "/tmp"]

    @property
    def pid(self) -> int:
        """Host PID of the sandbox's PID 1 (its init): every process of the sandbox descends from it."""
        return self._proc.pid

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError("the sandbox is closed")
        if self._channel.broken:
            raise SandboxError(self._channel.broken)

    def _path(self, path: str) -> str:
        """The absolute in-sandbox path for a user-given one; only the workdir and /tmp may be named."""
        if not path:
            raise SandboxError("empty path")
        full = posixpath.normpath(path if path.startswith("/") else posixpath.join(self.spec.workdir, path))
        if not _allowed(full, self._roots):
            raise SandboxError(f"path {path!r} is outside the sandbox's workspace ({self.spec.workdir}) and /tmp")
        return full

    def _env(self, env: dict[str, str] | None) -> dict[str, str]:
        return {**COMMAND_ENV, **self.spec.env, **(env or {})}

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

    async def exec(
        self,
        cmd: str | list[str],
        *,
        stdin: str | bytes | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        argv = command_argv(cmd)
        if not argv:
            raise SandboxError("empty command")
        return await self._run({"argv": argv}, stdin=stdin, timeout=timeout, cwd=cwd, env=env)

    async def exec_python(
        self,
        source: str,
        args: Sequence[str] = (),
        *,
        python: str = SANDBOX_PYTHON,
        stdin: str | bytes | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        """``python -I -S -c source *args``; with the sandbox's own ``/usr/bin/python3`` it runs in a fork
        of the sandbox's init (an interpreter already started, common modules imported) instead."""
        argv = [python, "-I", "-S", "-c", source, *map(str, args)]
        what: dict[str, Any] = {"argv": argv}
        if python == SANDBOX_PYTHON:
            what["py"] = {"source": source, "args": argv[5:]}
        return await self._run(what, stdin=stdin, timeout=timeout, cwd=cwd, env=env)

    async def _run(
        self,
        what: dict[str, Any],
        *,
        stdin: str | bytes | None,
        timeout: float | None,
        cwd: str | None,
        env: dict[str, str] | None,
    ) -> ExecResult:
        self._check_open()
        workdir = posixpath.normpath(posixpath.join(self.spec.workdir, cwd)) if cwd else self.spec.workdir
        wall = float(timeout if timeout is not None else self.spec.wall_timeout_s)
        req_id = next(_ids)
        request = {
            "op": "exec",
            "id": req_id,
            **what,
            "cwd": workdir,
            "env": self._env(env),
            "timeout": wall,
            "rlimits": self._rlimits(),
        }
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
                if in_w is not None and stdin is not None:
                    feeder = _PipeWriter(in_w, stdin.encode() if isinstance(stdin, str) else stdin)
                    in_w = None
                # The init enforces the wall time; the margin only guards against a wedged sandbox.
                msg = await asyncio.wait_for(reply_fut, wall + self.stall_grace_s)
            except asyncio.CancelledError:
                await self._cancel(req_id)
                raise
            except asyncio.TimeoutError as exc:
                await self._cancel(req_id)
                raise SandboxError(
                    f"the sandbox stopped answering (exec did not finish {self.stall_grace_s:g} s after its timeout)"
                ) from exc
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
                await asyncio.wait_for(asyncio.gather(out.done, err.done), 5)
            except asyncio.TimeoutError:
                raise SandboxError("the command's output pipes stayed open after it was killed") from None
        finally:
            out.close()
            err.close()
        timed_out = bool(msg.get("timed_out"))
        return ExecResult(
            exit_code=124 if timed_out else int(msg["exit_code"]),
            stdout=bytes(out.kept).decode("utf-8", "replace"),
            stderr=bytes(err.kept).decode("utf-8", "replace"),
            timed_out=timed_out,
            truncated=out.truncated or err.truncated,
            duration_s=time.monotonic() - started,
            killed_by_signal=msg.get("signal"),
        )

    async def _cancel(self, target: int) -> None:
        if self._closed or self._channel.broken:
            return
        req_id = next(_ids)
        with contextlib.suppress(SandboxError, asyncio.TimeoutError):
            await asyncio.wait_for(self._channel.call({"op": "cancel", "id": req_id, "target": target}), 5)

    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        self._check_open()
        target = self._path(path)
        payload = data.encode() if isinstance(data, str) else bytes(data)
        src_r, src_w = os.pipe()
        req_id, reply_fut = await self._send_file_op(
            {"op": "write", "path": target, "mode": mode & 0o7777}, src_r, src_w
        )
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
        req_id, reply_fut = await self._send_file_op(
            {"op": "read", "path": target, "max_bytes": max_bytes}, dst_w, dst_r
        )
        collected = _PipeReader(dst_r, max_bytes if max_bytes is not None else 1 << 62)
        try:
            msg = await self._file_reply(reply_fut, req_id)
            if msg.get("ok"):
                # The helper wrote everything and exited before answering: end of file is pending.
                await asyncio.wait_for(collected.done, FILE_OP_TIMEOUT_S)
        finally:
            collected.close()
        if not msg.get("ok"):
            raise SandboxError(msg.get("error", "the file helper was killed"))
        return bytes(collected.kept)

    async def _send_file_op(
        self, request: dict[str, Any], box_end: int, host_end: int
    ) -> tuple[int, asyncio.Future[dict[str, Any]]]:
        """Send a read or write request with ``box_end`` of its data pipe (closed by the send); the
        host keeps ``host_end``, closed here if the request cannot be sent."""
        req_id = next(_ids)
        reply_fut = self._channel.expect(req_id)
        try:
            await self._channel.send({**request, "id": req_id, "roots": self._roots}, {"data": box_end})
        except BaseException:
            os.close(host_end)
            self._channel.pending.pop(req_id, None)
            raise
        return req_id, reply_fut

    async def _file_reply(self, reply_fut: asyncio.Future[dict[str, Any]], req_id: int) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(reply_fut, FILE_OP_TIMEOUT_S)
        except asyncio.TimeoutError:
            self._channel.pending.pop(req_id, None)
            raise SandboxError(f"file transfer did not finish within {FILE_OP_TIMEOUT_S:.0f} s") from None

    async def install_trusted(self, name: str, tar_gz: bytes, exec_only: dict[str, str] | None = None) -> str:
        self._check_open()
        return await asyncio.to_thread(self._trusted.install, name, tar_gz, dict(exec_only or {}))

    async def read_trusted(self, path: str, max_bytes: int) -> bytes | None:
        self._check_open()
        return await asyncio.to_thread(self._trusted.read, path, max_bytes)

    async def remove_trusted(self, path: str) -> None:
        if not self._closed:
            await asyncio.to_thread(self._trusted.remove, path)

    async def kill_all(self) -> None:
        """Kill every process in the sandbox (running execs return as killed); files stay."""
        self._check_open()
        await self._channel.call({"op": "kill_all", "id": next(_ids)})

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Killing PID 1 ends the sandbox's PID namespace (every process) and its mount namespace
        # (the tmpfs: every file); the pidfd turns readable once the kernel has done both.
        self._proc.kill()
        self._channel.close("the sandbox was closed")
        try:
            await self._proc.wait()
        finally:
            self._proc.close()
            if not self._trusted.destroy_if_empty():
                await asyncio.to_thread(self._trusted.destroy)
            if self.cgroup is not None:
                await self.cgroup.remove_soon()


class BwrapProvider(SandboxProvider):
    """Creates bubblewrap sandboxes (the default provider on Linux).

    ``bwrap``: path of the bubblewrap binary; ``run_as``: host uid/gid bwrap runs as when envgym
    runs as root (default 65534, ``nobody``); ``cgroups``: give each sandbox a memory + pids cgroup
    when the host allows it (default on; see envgym/sandbox/cgroups.py).

    The first ``create()`` starts the provider's template (one bwrap process, ~12 MB); ``aclose()``
    closes every sandbox the provider made and stops it.
    """

    name = "bwrap"
    isolated = True

    def __init__(self, bwrap: str | None = None, run_as: int | None = None, cgroups: bool = True) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or "/usr/bin/bwrap"
        self.run_as = (UNPRIVILEGED_ID if run_as is None else run_as) if os.geteuid() == 0 else None
        self.cgroups = cgroups
        self._available: tuple[bool, str] | None = None
        self._lock = threading.Lock()  # the template is shared by every event loop using this provider
        self._template: Template | None = None
        self._starting: tuple[object, concurrent.futures.Future[Template]] | None = None
        self._generation = 0  # aclose() starts a new one: a template that finishes starting after it is stopped
        self._live: weakref.WeakSet[BwrapSandbox] = weakref.WeakSet()

    def available(self) -> tuple[bool, str]:
        if self._available is None:
            self._available = self._probe()
        return self._available

    def _probe(self) -> tuple[bool, str]:
        if not os.path.exists(self.bwrap):
            return False, (
                "bubblewrap is not installed: run `apt-get install bubblewrap` "
                "(or choose the unisolated 'process' provider for trusted code only)"
            )
        if not os.path.exists(SANDBOX_PYTHON):
            return False, f"the bwrap provider runs its init with {SANDBOX_PYTHON}: `apt-get install python3`"
        argv = [self.bwrap, *_NAMESPACE_ROOT, "--unshare-net", *_fresh_root(1 << 20), "--", "/usr/bin/true"]
        try:
            done = subprocess.run(
                argv, capture_output=True, timeout=20, cwd="/", preexec_fn=_spawn_preexec(self.run_as)
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return False, f"cannot run {self.bwrap}: {exc}"
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip()
            return False, (
                f"bwrap cannot create user namespaces here ({why}). Enable unprivileged user "
                "namespaces (`sysctl -w kernel.unprivileged_userns_clone=1`, and on Ubuntu 24.04+ "
                "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or in a container "
                "run it with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined`; "
                "otherwise use the 'docker' provider"
            )
        return True, ""

    def _template_argv(self, ctl_fd: int, trusted: TrustedBase) -> list[str]:
        init_source, template_source = _sources()
        config = {
            "ctl_fd": ctl_fd,
            "preload": list(PRELOAD),
            "etc": {
                "entries": list(bwrap_etc.ETC_ALLOWLIST),
                "hostnet_entries": list(bwrap_etc.HOST_NET_ENTRIES),
                "synthetic": bwrap_etc.SYNTHETIC_ETC,
                "isolated": bwrap_etc.ISOLATED_NET_ETC,
            },
        }
        # No --unshare-net: the template never runs sandboxed code, and each sandbox makes its own
        # network namespace unless it asked for the host's.
        argv = [self.bwrap, *_NAMESPACE_ROOT, "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
        argv += ["--die-with-parent", "--as-pid-1", "--new-session"]
        argv += ["--clearenv", "--setenv", "PATH", BASE_ENV["PATH"], "--setenv", "LANG", "C.UTF-8"]
        argv += [*_fresh_root(TEMPLATE_DISK_BYTES), "--ro-bind", "/etc", "/.host-etc", "--dir", "/newroot"]
        argv += ["--bind", trusted.host, TEMPLATE_MOUNT, "--chdir", "/"]
        python = [SANDBOX_PYTHON, "-I", "-S", "-c", BOOT, init_source, template_source, marshal.dumps(config).hex()]
        return [*argv, "--", *python]

    def _start_template(self, key: object) -> Template:
        # The trusted roots of the template's sandboxes live in one host directory bound into it;
        # each sandbox binds only its own (trusted.py). Removed when the template is stopped.
        trusted = TrustedBase(self.run_as)
        try:
            host_end, box_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            ctl_fd = box_end.detach()
            return Template.start(
                self._template_argv(ctl_fd, trusted), ctl_fd, host_end, key, _spawn_preexec(self.run_as), trusted
            )
        except BaseException:
            trusted.destroy()
            raise

    async def _current_template(self) -> Template:
        """The running template, started (or restarted: it died, or a host /etc entry changed) if needed."""
        key = bwrap_etc.host_signature()
        with self._lock:
            template = self._template
            if template is not None and template.alive and template.key == key:
                return template
            if self._starting is None or self._starting[0] != key:
                generation = self._generation
                starting = LAUNCHER.submit(lambda: self._start_template(key))
                self._starting = (key, starting)
                starting.add_done_callback(lambda fut: self._started(fut, generation))
            starting = self._starting[1]
        # Shielded: one create giving up must not stop the start the others wait for.
        return await asyncio.shield(asyncio.wrap_future(starting))

    def _started(self, fut: concurrent.futures.Future[Template], generation: int) -> None:
        """On the launcher thread, once a start ended: the new template replaces the old one, which
        lives on while its sandboxes do and is stopped with the last of them."""
        with self._lock:
            if self._starting is not None and self._starting[1] is fut:
                self._starting = None
            if fut.cancelled() or fut.exception() is not None:
                return
            if generation == self._generation:
                self._template = fut.result()
                return
        fut.result().close()  # the provider was closed while it started

    async def create(self, spec: SandboxSpec | None = None) -> Sandbox:
        spec = spec or SandboxSpec()
        ok, why = self.available()
        if not ok:
            raise SandboxError(why, details={"provider": "bwrap"})
        workdir = _check_workdir(spec)  # before anything is started
        template = await self._current_template()
        cgroup = None
        if self.cgroups:
            # Everything in the sandbox together: its processes' memory plus its tmpfs files
            # (which are RAM), plus room for the init; and its processes, init and supervisors too.
            cgroup = SandboxCgroup.create(
                uuid.uuid4().hex[:12],
                memory_bytes=(spec.memory_mb + spec.disk_mb + INIT_MEMORY_MB) << 20,
                max_pids=spec.max_processes + INIT_PIDS,
            )
        host_end, box_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        host_end.setblocking(False)
        fds = {"ctl": box_end.detach()}
        proc: SandboxProcess | None = None
        trusted: HostTrustedArea | None = None
        try:
            trusted = template.trusted.area()  # made before the fork: the sandbox binds it as it starts
            config = {
                "disk_bytes": int(spec.disk_mb) << 20,
                "isolated_network": spec.network != "host",
                "writable": [workdir, "/tmp", HOME, "/dev/shm"],
                "trusted": (trusted.source, trusted.mount),
            }
            if cgroup is not None:
                fds.update(cgroup.open_procs())
            handed, fds = fds, {}
            await template.spawn(config, handed)  # closes them, whatever happens
            msg, passed = await first_reply(host_end)
            if passed:
                proc = SandboxProcess(passed[0])
                for fd in passed[1:]:
                    os.close(fd)
            if "error" in msg or proc is None:
                raise SandboxError(f"the bwrap sandbox failed to start: {msg.get('error', 'no init process')}")
        except BaseException:
            for fd in fds.values():
                with contextlib.suppress(OSError):
                    os.close(fd)
            host_end.close()  # an init that is still starting sees its host gone, and exits
            if proc is not None:
                proc.kill()
                proc.close()
            if trusted is not None:
                trusted.destroy()  # empty: nothing was installed yet
            if cgroup is not None:
                await asyncio.shield(cgroup.remove_soon())
            raise
        box = BwrapSandbox(spec, proc, _Channel(host_end), cgroup, template, trusted)
        self._live.add(box)
        return await with_files(box, spec.files)

    async def recover(self) -> list[str]:
        """Remove what dead envgym processes on this host left: empty sandbox cgroups, trusted areas
        (trusted.py) and /etc templates (older versions kept one in /dev/shm). Never anything of a
        live process."""
        removed = await asyncio.to_thread(sweep_stale_cgroups)
        removed += await asyncio.to_thread(remove_orphans)
        return removed + await asyncio.to_thread(bwrap_etc.sweep_stale_templates)

    async def aclose(self) -> None:
        """Close every sandbox this provider made, then stop its template."""
        await asyncio.gather(*(box.close() for box in list(self._live)), return_exceptions=True)
        with self._lock:
            self._generation += 1
            template, self._template = self._template, None
            self._starting = None
        if template is not None:
            template.close()
