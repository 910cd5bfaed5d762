"""The ``process`` provider: NO isolation, for trusted code only. It must be asked for by name.

Commands run as ordinary child processes in a private temporary directory with a scrubbed
environment and rlimits; the process group is killed on timeout and on close. It exists for
platforms without bubblewrap and for debugging; never point it at model-written code you do not trust.

Example:
    >>> import asyncio
    >>> async def demo():
    ...     async with await ProcessProvider().create() as box:
    ...         return (await box.exec("echo hi")).stdout
    >>> asyncio.run(demo())
    'hi\\n'
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

from envgym.protocol.errors import SandboxError
from envgym.sandbox.base import ExecResult, Sandbox, SandboxProvider, SandboxSpec, command_argv, with_files
from envgym.sandbox.runner import BASE_ENV, rlimit_preexec, run_process


class ProcessSandbox(Sandbox):
    def __init__(self, spec: SandboxSpec, root: Path) -> None:
        self.spec = spec
        self.root = root
        self.workspace = root / "workspace"
        self.tmp = root / "tmp"
        self._pgids: set[int] = set()
        self._spawning: set[asyncio.Future[None]] = set()  # commands between their start and being tracked

    def _host_path(self, path: str) -> Path:
        """Map a sandbox path (relative, or absolute under the workdir or /tmp) to the host, refusing
        anything that leaves those two directories, through ``..`` or a symlink."""
        workdir = self.spec.workdir.rstrip("/")
        if not os.path.isabs(path):
            base, rel = self.workspace, path
        elif path == workdir or path.startswith(workdir + "/"):
            base, rel = self.workspace, os.path.relpath(path, workdir)
        elif path == "/tmp" or path.startswith("/tmp/"):
            base, rel = self.tmp, os.path.relpath(path, "/tmp")
        else:
            raise SandboxError(f"the process sandbox only maps {self.spec.workdir} and /tmp, not {path!r}")
        full = (base / rel).resolve()
        if not full.is_relative_to(base.resolve()):
            raise SandboxError(
                f"path {path!r} leaves the sandbox's {'workspace' if base is self.workspace else '/tmp'}"
            )
        return full

    async def exec(
        self,
        cmd: str | list[str],
        *,
        stdin: str | bytes | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        if self._closed:
            raise SandboxError("the sandbox is closed")
        argv = command_argv(cmd)
        run_env = {**BASE_ENV, "HOME": str(self.workspace), "TMPDIR": str(self.tmp), **self.spec.env, **(env or {})}
        # "/" is the host's root: this provider isolates nothing, and graders run from "/" everywhere.
        workdir = Path("/") if cwd == "/" else self._host_path(cwd) if cwd else self.workspace
        spawned: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._spawning.add(spawned)
        try:
            return await run_process(
                argv,
                stdin=stdin,
                timeout=timeout or self.spec.wall_timeout_s,
                cwd=str(workdir),
                env=run_env,
                output_bytes=self.spec.output_bytes,
                preexec_fn=rlimit_preexec(self.spec),
                track=self._pgids,
                spawned=spawned,
            )
        except (FileNotFoundError, PermissionError) as exc:
            if not workdir.is_dir():
                raise SandboxError(f"no directory {cwd!r} in the sandbox") from exc
            # Same shape as a shell's answer (and the bwrap provider's): 127 not found, 126 not runnable.
            code = 127 if isinstance(exc, FileNotFoundError) else 126
            return ExecResult(exit_code=code, stdout="", stderr=f"cannot run {argv[0]!r}: {exc.strerror}\n")
        finally:
            self._spawning.discard(spawned)

    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        target = self._host_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
        target.chmod(mode)

    async def read_file(self, path: str, max_bytes: int | None = None) -> bytes:
        target = self._host_path(path)
        try:
            with open(target, "rb") as fh:
                return fh.read(max_bytes if max_bytes is not None else -1)
        except FileNotFoundError as exc:
            raise SandboxError(f"no file {path!r} in the sandbox") from exc

    async def kill_all(self) -> None:
        # A command already running but not yet tracked would be missed: wait until it is.
        await asyncio.gather(*self._spawning, return_exceptions=True)
        for pgid in list(self._pgids):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self._pgids.clear()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.kill_all()
        await asyncio.to_thread(shutil.rmtree, self.root, True)


class ProcessProvider(SandboxProvider):
    name = "process"
    isolated = False

    def __init__(self, base_dir: str | None = None) -> None:
        self.base_dir = base_dir

    async def create(self, spec: SandboxSpec | None = None) -> Sandbox:
        spec = spec or SandboxSpec()
        root = Path(tempfile.mkdtemp(prefix="envgym-proc-", dir=self.base_dir))
        (root / "workspace").mkdir()
        (root / "tmp").mkdir()
        return await with_files(ProcessSandbox(spec, root), spec.files)
