"""The sandbox interface (docs/architecture.md §6): providers create isolated places where untrusted code runs.

Example:
    >>> import asyncio
    >>> from envgym.sandbox import get_provider, SandboxSpec
    >>> async def demo():
    ...     async with await get_provider("bwrap").create(SandboxSpec()) as box:
    ...         return (await box.exec("echo hi")).stdout
    >>> asyncio.run(demo())  # doctest: +SKIP
    'hi\\n'
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

from pydantic import BaseModel, Field


class SandboxSpec(BaseModel):
    """Limits and contents of one sandbox. Every limit is on by default."""

    wall_timeout_s: float = 60.0  # default per-exec wall clock limit
    cpu_seconds: int = 60  # RLIMIT_CPU per exec
    memory_mb: int = 1024  # address-space / cgroup memory limit
    max_processes: int = 128  # RLIMIT_NPROC (bwrap: counted in the sandbox's own user namespace)
    max_file_mb: int = 256  # RLIMIT_FSIZE: largest file a command may write
    disk_mb: int = 512  # size of the writable workspace + /tmp
    output_bytes: int = 1_000_000  # stdout and stderr are each capped at this many bytes
    network: Literal["none", "host"] = "none"
    env: dict[str, str] = Field(default_factory=dict)  # nothing of the host's environment leaks in
    image: str | None = None  # docker image / root filesystem, where the provider uses one
    build_context: str | None = None  # a directory with a Dockerfile: providers that build images use it
    workdir: str = "/workspace"
    files: dict[str, str] = Field(default_factory=dict)  # initial files (relative to workdir)
    # docker: keep the image's files at `workdir` (no tmpfs over it) on a writable root; with
    # user="sandbox" the workdir is handed to uid 1000 at start. disk_mb then bounds /tmp only.
    keep_image_files: bool = False
    # Who commands run as (docker): "sandbox" (uid 1000), "root", "image" (the image's USER, root when
    # it has none), or a user name / uid / "user:group" of the image. DockerSandbox.set_user changes it.
    user: str = "sandbox"
    # docker: run the image as `docker run` would (Harbor tasks): its ENV, WORKDIR and files on a
    # writable root with no tmpfs over them, Docker's default capabilities, setuid programs working.
    image_defaults: bool = False
    cpus: float | None = None  # docker: CPU quota (None: the provider's default)


@dataclass
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    truncated: bool = False
    duration_s: float = 0.0
    killed_by_signal: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def command_argv(cmd: str | list[str]) -> list[str]:
    """The argv of an ``exec`` command: a string runs as ``bash -c`` runs it."""
    return ["bash", "-c", cmd] if isinstance(cmd, str) else [str(a) for a in cmd]


class Sandbox(abc.ABC):
    """One episode's isolated place. Files persist across ``exec`` calls; nothing survives ``close``."""

    spec: SandboxSpec
    _closed = False  # set by ``close()``

    @abc.abstractmethod
    async def exec(
        self,
        cmd: str | list[str],
        *,
        stdin: str | bytes | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        """Run ``cmd`` (a shell string run by ``bash -c``, or an argv list) inside the sandbox."""

    async def exec_python(
        self,
        source: str,
        args: Sequence[str] = (),
        *,
        python: str = "/usr/bin/python3",
        stdin: str | bytes | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        """Run a Python program as ``python -I -S -c source *args`` would (isolated mode, no site).

        Providers that can start it faster override this with the same result: bwrap runs it in a
        fork of an interpreter already running inside the sandbox (no interpreter start, common
        standard modules already imported) when ``python`` is the sandbox's own ``/usr/bin/python3``.
        """
        return await self.exec(
            [python, "-I", "-S", "-c", source, *map(str, args)], stdin=stdin, timeout=timeout, cwd=cwd, env=env
        )

    @abc.abstractmethod
    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        """Write a file; relative paths are relative to the workspace."""

    @abc.abstractmethod
    async def read_file(self, path: str, max_bytes: int | None = None) -> bytes:
        """Read a file; relative paths are relative to the workspace."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Kill everything inside and delete every file. Idempotent."""

    @property
    def closed(self) -> bool:
        return self._closed

    async def kill_all(self) -> None:
        """Kill every process still running in the sandbox (e.g. an agent's daemons before grading),
        keeping its files. Providers override this; the default closes nothing and raises."""
        raise NotImplementedError(f"{type(self).__name__} cannot kill its processes without closing")

    # The verifier's place (envgym/sandbox/trusted.py): an in-sandbox directory whose entries the
    # sandbox's processes cannot list or write. None where the provider has none.
    trusted_root: str | None = None
    trusted_protected: bool = False  # True only where the sandbox's user really cannot get in

    async def install_trusted(self, name: str, tar_gz: bytes, exec_only: dict[str, str] | None = None) -> str:
        """Unpack ``tar_gz`` into a new 0711 directory ``trusted_root/name`` (``name``: one path
        component the caller makes unguessable; an existing one is refused) and return its path.
        Members whose tar ``uname`` is ``"sandbox"`` belong to the sandbox's user; ``exec_only``
        maps a relative name to an in-sandbox executable copied there execute-only (mode 0111, so a
        process started from it is not dumpable); missing sources are skipped."""
        raise NotImplementedError(f"{type(self).__name__} has no trusted area")

    async def read_trusted(self, path: str, max_bytes: int) -> bytes | None:
        """The first ``max_bytes`` of a regular file under an installed directory (None if missing),
        never following a symlink or blocking on a FIFO; raises SandboxError for anything else."""
        raise NotImplementedError(f"{type(self).__name__} has no trusted area")

    async def remove_trusted(self, path: str) -> None:
        """Delete a directory ``install_trusted`` returned."""
        raise NotImplementedError(f"{type(self).__name__} has no trusted area")

    async def wipe(self) -> bool:
        """Return the sandbox to a state indistinguishable from a new sandbox's, for reuse: no process
        of before, nothing in its writable places, no System V or POSIX IPC object (shared memory,
        message queues, semaphores), no key in its keyrings, and a PID counter that does not show
        what ran before. True only when all of that is verified; a sandbox that cannot be wiped must
        be closed, never reused. The default says it cannot: an unisolated provider shares /tmp with
        the host, and bwrap cannot restore a PID counter (its new sandboxes cost a fork instead)."""
        return False

    async def __aenter__(self) -> "Sandbox":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def with_files(box: Sandbox, files: dict[str, str]) -> Sandbox:
    """``box`` with a new sandbox's initial files (``SandboxSpec.files``) written; closed if they cannot be."""
    try:
        for rel, content in files.items():
            await box.write_file(rel, content)
    except BaseException:
        await box.close()
        raise
    return box


class SandboxProvider(abc.ABC):
    """Creates sandboxes. Registered under the entry-point group ``envgym.sandboxes``."""

    name: str = ""
    isolated: bool = True

    @abc.abstractmethod
    async def create(self, spec: SandboxSpec | None = None) -> Sandbox: ...

    def available(self) -> tuple[bool, str]:
        """Whether this provider can run here, and if not, why (shown to users)."""
        return True, ""

    async def recover(self) -> list[str]:
        """Clean up what an earlier, crashed process of this host left behind (called once when a
        server starts). Returns what was removed. Providers without external state have nothing to do."""
        return []

    async def aclose(self) -> None:
        """Release provider-wide resources (pools, daemons)."""
