"""The sandbox interface (DESIGN.md §6): providers create isolated places where untrusted code runs.

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
from typing import Literal

from pydantic import BaseModel, Field


class SandboxSpec(BaseModel):
    """Limits and contents of one sandbox. Every limit is on by default."""

    wall_timeout_s: float = 60.0          # default per-exec wall clock limit
    cpu_seconds: int = 60                 # RLIMIT_CPU per exec
    memory_mb: int = 1024                 # address-space / cgroup memory limit
    max_processes: int = 128              # RLIMIT_NPROC (bwrap: counted in the sandbox's own user namespace)
    max_file_mb: int = 256                # RLIMIT_FSIZE: largest file a command may write
    disk_mb: int = 512                    # size of the writable workspace + /tmp
    output_bytes: int = 1_000_000         # stdout and stderr are each capped at this many bytes
    network: Literal["none", "host"] = "none"
    env: dict[str, str] = Field(default_factory=dict)  # nothing of the host's environment leaks in
    image: str | None = None              # docker image / root filesystem, where the provider uses one
    build_context: str | None = None      # a directory with a Dockerfile: providers that build images use it
    workdir: str = "/workspace"
    files: dict[str, str] = Field(default_factory=dict)  # initial files (relative to workdir)


@dataclass
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    truncated: bool = False
    duration_s: float = 0.0
    killed_by_signal: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class Sandbox(abc.ABC):
    """One episode's isolated place. Files persist across ``exec`` calls; nothing survives ``close``."""

    spec: SandboxSpec

    @abc.abstractmethod
    async def exec(self, cmd: str | list[str], *, stdin: str | bytes | None = None, timeout: float | None = None,
                   cwd: str | None = None, env: dict[str, str] | None = None) -> ExecResult:
        """Run ``cmd`` (a shell string run by ``bash -c``, or an argv list) inside the sandbox."""

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
    @abc.abstractmethod
    def closed(self) -> bool: ...

    async def kill_all(self) -> None:
        """Kill every process still running in the sandbox (e.g. an agent's daemons before grading),
        keeping its files. Providers override this; the default closes nothing and raises."""
        raise NotImplementedError(f"{type(self).__name__} cannot kill its processes without closing")

    async def wipe(self) -> bool:
        """Return the sandbox to its freshly created state for reuse: kill every process and delete
        everything in its writable places, System V IPC objects included. True only when verified;
        a sandbox that cannot be wiped must be closed, never reused. The default says it cannot
        (an unisolated provider shares /tmp with the host, so "delete everything" is not its to do)."""
        return False

    async def __aenter__(self) -> "Sandbox":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


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
