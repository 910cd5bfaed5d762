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
import os
import shutil
import signal
import tempfile
from pathlib import Path

from envgym.errors import SandboxError
from envgym.sandbox.base import ExecResult, Sandbox, SandboxProvider, SandboxSpec
from envgym.sandbox.runner import BASE_ENV, rlimit_preexec, run_process


class ProcessSandbox(Sandbox):
    def __init__(self, spec: SandboxSpec, root: Path) -> None:
        self.spec = spec
        self.root = root
        self.workspace = root / "workspace"
        self.tmp = root / "tmp"
        self._closed = False
        self._pgids: set[int] = set()

    @property
    def closed(self) -> bool:
        return self._closed

    def _host_path(self, path: str) -> Path:
        if path.startswith(self.spec.workdir + "/") or path == self.spec.workdir:
            path = os.path.relpath(path, self.spec.workdir)
        elif path.startswith("/tmp/"):
            return self.tmp / os.path.relpath(path, "/tmp")
        elif os.path.isabs(path):
            raise SandboxError(f"the process sandbox only maps {self.spec.workdir} and /tmp, not {path!r}")
        full = (self.workspace / path).resolve()
        if not str(full).startswith(str(self.workspace.resolve())):
            raise SandboxError(f"path {path!r} leaves the workspace")
        return full

    async def exec(self, cmd, *, stdin=None, timeout=None, cwd=None, env=None) -> ExecResult:
        if self._closed:
            raise SandboxError("the sandbox is closed")
        argv = ["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        run_env = {**BASE_ENV, "HOME": str(self.workspace), "TMPDIR": str(self.tmp), **self.spec.env, **(env or {})}
        workdir = self._host_path(cwd) if cwd else self.workspace
        return await run_process(
            argv, stdin=stdin, timeout=timeout or self.spec.wall_timeout_s, cwd=str(workdir), env=run_env,
            output_bytes=self.spec.output_bytes, preexec_fn=rlimit_preexec(self.spec, nproc=False), track=self._pgids,
        )

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
        for pgid in list(self._pgids):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
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
        box = ProcessSandbox(spec, root)
        for rel, content in spec.files.items():
            await box.write_file(rel, content)
        return box
