"""Running one child process with a deadline, capped output and whole-process-group kill (the
``process`` provider's commands), and ``BASE_ENV``, the environment every provider's commands start with.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import time
from typing import Callable

from envgym.sandbox.base import ExecResult, SandboxSpec

# The only environment a sandboxed command starts with: nothing of the host's leaks in.
BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
}


# Dispositions a child inherits across exec when they are "ignored" (a caught signal is reset by
# exec, an ignored one is not): whatever the host process had ignored at the moment of the spawn.
_RESET_SIGNALS = tuple(s for s in signal.Signals if s not in (signal.SIGKILL, signal.SIGSTOP))


def rlimit_preexec(spec: SandboxSpec) -> Callable[[], None]:
    """A ``preexec_fn`` that applies the spec's rlimits in the child, before exec, and gives it the
    default disposition and an empty mask for every signal, as a fresh shell's command would have
    (not the host process's: a library may ignore or block SIGINT in it while it spawns).
    ``max_processes`` is not applied: RLIMIT_NPROC counts every process of the host user, not the command's."""

    cpu = max(1, int(spec.cpu_seconds))
    mem = int(spec.memory_mb) * 1024 * 1024
    fsize = int(spec.max_file_mb) * 1024 * 1024

    def apply() -> None:
        for number in _RESET_SIGNALS:
            # not settable here (e.g. a real-time signal of the C library)
            with contextlib.suppress(OSError, ValueError):
                signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


async def _read_capped(stream: asyncio.StreamReader, cap: int) -> tuple[bytes, bool]:
    """Read everything (so the child never blocks on a full pipe) but keep only ``cap`` bytes."""
    kept = bytearray()
    truncated = False
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return bytes(kept), truncated
        room = cap - len(kept)
        if room > 0:
            kept += chunk[:room]
        if len(chunk) > max(room, 0):
            truncated = True


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class _ExitAwareProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Signals when the process exits, even while a leftover child still holds its pipes open
    (``Process.wait()`` in Python 3.11 waits for the pipes too, so a daemon would stall it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=2**16, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


async def run_process(
    argv: list[str],
    *,
    stdin: str | bytes | None,
    timeout: float,
    cwd: str | None,
    env: dict[str, str],
    output_bytes: int,
    preexec_fn: Callable[[], None] | None = None,
    track: set[int] | None = None,
    spawned: asyncio.Future[None] | None = None,
) -> ExecResult:
    """Run ``argv`` in a new session (its own process group), kill the group on timeout.
    ``track`` gets the group's id while it runs; ``spawned`` resolves once it is in ``track`` (or the
    start failed), so a caller that kills tracked groups can wait for commands still starting."""
    started = time.monotonic()
    loop = asyncio.get_running_loop()
    try:
        transport, protocol = await loop.subprocess_exec(
            lambda: _ExitAwareProtocol(loop),
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
        proc = asyncio.subprocess.Process(transport, protocol, loop)
        pgid = proc.pid
        if track is not None:
            track.add(pgid)
    finally:
        if spawned is not None and not spawned.done():
            spawned.set_result(None)
    if stdin is not None:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        assert proc.stdin is not None
        try:
            proc.stdin.write(data)
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            proc.stdin.close()
    assert proc.stdout is not None and proc.stderr is not None
    readers = asyncio.gather(_read_capped(proc.stdout, output_bytes), _read_capped(proc.stderr, output_bytes))
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.shield(protocol.exited), timeout)
    except asyncio.TimeoutError:
        timed_out = True
    except asyncio.CancelledError:
        _kill_group(pgid)
        readers.cancel()
        # Retrieved here, or asyncio logs "exception was never retrieved" with a traceback for an
        # ordinary cancellation (a step timeout, a client that went away).
        readers.add_done_callback(lambda f: f.cancelled() or f.exception())
        raise
    # The command is done (or late): kill whatever it left in its group so pipes close and nothing lingers.
    _kill_group(pgid)
    await proc.wait()
    try:
        (out, out_trunc), (err, err_trunc) = await asyncio.wait_for(readers, 5)
    except asyncio.TimeoutError:
        # A process that escaped the group still holds the pipes; give up on the rest of the output.
        readers.cancel()
        out, err, out_trunc, err_trunc = b"", b"", True, True
    if track is not None:
        track.discard(pgid)
    code = proc.returncode if proc.returncode is not None else -9
    signal_no = -code if code < 0 else None
    if timed_out:
        code = 124
    return ExecResult(
        exit_code=code,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        timed_out=timed_out,
        truncated=out_trunc or err_trunc,
        duration_s=time.monotonic() - started,
        killed_by_signal=signal_no,
    )
