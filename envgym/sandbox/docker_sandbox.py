"""The ``docker`` sandbox provider: one container per sandbox, driven through the Docker SDK.

Each container runs with the spec's limits (memory, pids, CPUs), no network unless asked for, a
read-only root filesystem with tmpfs workspace and /tmp, dropped capabilities and
``no-new-privileges``. Commands run as the unprivileged user uid 1000 through a long-lived command
server inside the container (``container_agent.py``, started with one ``docker exec``), so a step
costs a round trip on an open socket instead of a new ``docker exec`` (``exec_mode="exec"`` keeps
the per-command ``docker exec`` path for comparison; see benchmarks/docker_sandbox.py).

Every container carries the labels ``envgym.sandbox=1`` and ``envgym.owner=<host>:<pid>``; on
start the provider removes containers whose owning process is gone (crash recovery), and
``aclose()`` removes its own (server shutdown).

Example:
    >>> import asyncio
    >>> async def demo():
    ...     provider = DockerProvider(image="envgym-base:bookworm")
    ...     async with await provider.create() as box:
    ...         out = (await box.exec("id -u")).stdout
    ...     await provider.aclose()
    ...     return out
    >>> asyncio.run(demo())  # doctest: +SKIP
    '1000\\n'
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import itertools
import json
import os
import shlex
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any, Literal

from envgym.errors import SandboxError
from envgym.sandbox.base import ExecResult, Sandbox, SandboxProvider, SandboxSpec
from envgym.sandbox.runner import BASE_ENV

DEFAULT_IMAGE = "envgym-base:bookworm"
LABEL = "envgym.sandbox"
OWNER_LABEL = "envgym.owner"
_AGENT_SOURCE = (Path(__file__).with_name("container_agent.py")).read_text()
# Capabilities the root command server needs to demote to uid 1000 and to kill that user's processes;
# everything else of Docker's default set is dropped. Commands themselves run with no capabilities.
_KEEP_CAPS = ["SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER"]


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ping(channel: "_Channel") -> None:
    """Wait (in a worker thread, without an event loop) until the command server answers."""
    asyncio.run(channel.request({"op": "ping"}, 30))


def context_hash(directory: str | Path) -> str:
    """Content hash of a build context (paths, modes and bytes), the cache key of its image."""
    root = Path(directory)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + oct(path.stat().st_mode & 0o777).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


class _Channel:
    """Newline-delimited JSON over the hijacked, multiplexed socket of one ``docker exec``.

    Requests carry ids and may overlap (a ``kill_all`` while a command runs, several commands in
    one sandbox); one reader thread hands each reply to the future waiting for its id.
    """

    def __init__(self, sock: Any) -> None:
        self._raw = getattr(sock, "_sock", sock)
        self._raw.setblocking(True)
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiters: dict[int, concurrent.futures.Future] = {}
        self._waiters_lock = threading.Lock()
        self.broken: str | None = None
        self._reader = threading.Thread(target=self._read_loop, name="envgym-docker-channel", daemon=True)
        self._reader.start()

    def _recv_exact(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            chunk = self._raw.recv(n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return bytes(out)

    def _read_loop(self) -> None:
        buf = bytearray()
        try:
            while True:
                header = self._recv_exact(8)
                stream, size = header[0], struct.unpack(">I", header[4:])[0]
                payload = self._recv_exact(size)
                if stream != 1:  # the command server's stderr: only tracebacks
                    continue
                buf += payload
                while b"\n" in buf:
                    line, _, rest = bytes(buf).partition(b"\n")
                    buf = bytearray(rest)
                    reply = json.loads(line)
                    with self._waiters_lock:
                        fut = self._waiters.pop(reply.get("id"), None)
                    if fut is not None and not fut.done():
                        fut.set_result(reply)
        except (EOFError, OSError, ValueError) as exc:
            self.broken = "the container's command server went away (container stopped or killed)" \
                if isinstance(exc, (EOFError, OSError)) else f"garbled reply from the container: {exc}"
        with self._waiters_lock:
            waiters, self._waiters = list(self._waiters.values()), {}
        for fut in waiters:
            if not fut.done():
                fut.set_exception(SandboxError(self.broken or "connection closed"))

    async def request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.broken:
            raise SandboxError(self.broken)
        req_id = next(self._ids)
        fut: concurrent.futures.Future = concurrent.futures.Future()
        with self._waiters_lock:
            self._waiters[req_id] = fut
        data = json.dumps({**payload, "id": req_id}).encode() + b"\n"

        def send() -> None:
            with self._send_lock:
                self._raw.sendall(data)

        try:
            await asyncio.to_thread(send)
            reply = await asyncio.wait_for(asyncio.wrap_future(fut), timeout)
        except asyncio.TimeoutError as exc:
            raise SandboxError(f"the container did not answer within {timeout:.0f} s") from exc
        except OSError as exc:
            raise SandboxError(f"lost the connection to the container: {exc}") from exc
        finally:
            with self._waiters_lock:
                self._waiters.pop(req_id, None)
        if not reply.get("ok"):
            raise SandboxError(f"container command server: {reply.get('error')}")
        return reply

    def close(self) -> None:
        # shutdown() wakes the reader thread blocked in recv(); close() alone would not.
        for step in (lambda: self._raw.shutdown(socket.SHUT_RDWR), self._raw.close):
            try:
                step()
            except OSError:
                pass


class DockerSandbox(Sandbox):
    def __init__(self, provider: "DockerProvider", spec: SandboxSpec, container: Any, channel: _Channel) -> None:
        self.spec = spec
        self.provider = provider
        self.container = container
        self._channel = channel
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def id(self) -> str:
        return self.container.id

    def _argv(self, cmd: str | list[str]) -> list[str]:
        return ["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd)

    def _env(self, env: dict[str, str] | None) -> dict[str, str]:
        return {**BASE_ENV, "HOME": self.spec.workdir, "TMPDIR": "/tmp", **self.spec.env, **(env or {})}

    async def _request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self._closed:
            raise SandboxError("the sandbox is closed")
        return await self._channel.request(payload, timeout)

    async def exec(self, cmd, *, stdin=None, timeout=None, cwd=None, env=None) -> ExecResult:
        timeout = float(timeout or self.spec.wall_timeout_s)
        if self.provider.exec_mode == "exec":
            return await self._exec_per_command(cmd, stdin=stdin, timeout=timeout, cwd=cwd, env=env)
        data = stdin.encode() if isinstance(stdin, str) else stdin
        reply = await self._request({
            "op": "exec", "argv": self._argv(cmd), "cwd": cwd or self.spec.workdir, "env": self._env(env),
            "timeout": timeout, "output_bytes": self.spec.output_bytes,
            "stdin": base64.b64encode(data).decode() if data is not None else None,
            "limits": {"cpu_seconds": self.spec.cpu_seconds, "max_file_mb": self.spec.max_file_mb,
                       "memory_mb": self.spec.memory_mb},
        }, timeout + 30)
        return ExecResult(exit_code=reply["exit_code"], stdout=base64.b64decode(reply["stdout"]).decode("utf-8", "replace"),
                          stderr=base64.b64decode(reply["stderr"]).decode("utf-8", "replace"), timed_out=reply["timed_out"],
                          truncated=reply["truncated"], duration_s=reply["duration_s"], killed_by_signal=reply.get("signal"))

    async def _exec_per_command(self, cmd, *, stdin, timeout, cwd, env) -> ExecResult:
        """One ``docker exec`` per command (the slower path, kept to measure against)."""
        if stdin is not None:
            raise SandboxError("exec_mode='exec' does not support stdin; use the default exec_mode='server'")
        started = time.monotonic()
        limits = f"ulimit -t {self.spec.cpu_seconds}; ulimit -f {self.spec.max_file_mb * 1024};"
        inner = limits + " exec timeout -s KILL " + str(int(timeout)) + " " + shlex.join(self._argv(cmd))

        def run() -> Any:
            return self.container.exec_run(["bash", "-c", inner], user="1000:1000", workdir=cwd or self.spec.workdir,
                                           environment=self._env(env), demux=True)

        result = await asyncio.to_thread(run)
        await self.kill_all()
        out, err = result.output
        out, err = out or b"", err or b""
        cap = self.spec.output_bytes
        return ExecResult(exit_code=124 if result.exit_code == 137 else result.exit_code,
                          stdout=out[:cap].decode("utf-8", "replace"), stderr=err[:cap].decode("utf-8", "replace"),
                          timed_out=result.exit_code == 137, truncated=len(out) > cap or len(err) > cap,
                          duration_s=time.monotonic() - started)

    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        raw = data.encode() if isinstance(data, str) else data
        await self._request({"op": "write", "path": path, "data": base64.b64encode(raw).decode(), "mode": mode}, 60)

    async def read_file(self, path: str, max_bytes: int | None = None) -> bytes:
        reply = await self._request({"op": "read", "path": path, "max_bytes": max_bytes}, 60)
        return base64.b64decode(reply["data"])

    async def kill_all(self) -> None:
        await self._request({"op": "kill_all"}, 30)

    async def wipe(self) -> bool:
        """Kill everything and delete every file; True when the container is verifiably clean."""
        reply = await self._request({"op": "wipe"}, 60)
        return bool(reply.get("clean"))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.provider._release(self)


class DockerProvider(SandboxProvider):
    """Options: ``image`` (default ``envgym-base:bookworm``, built by scripts/build-base-image.sh),
    ``warm_pool`` (containers kept ready for ``create``), ``reuse`` (wipe and re-pool closed
    containers instead of removing them), ``exec_mode`` (``server`` or ``exec``), ``cpus``."""

    name = "docker"
    isolated = True

    def __init__(self, image: str = DEFAULT_IMAGE, warm_pool: int = 0, reuse: bool = False,
                 exec_mode: Literal["server", "exec"] = "server", cpus: float = 1.0, base_url: str | None = None) -> None:
        self.image = image
        self.warm_pool = int(warm_pool)
        self.reuse = bool(reuse)
        self.exec_mode = exec_mode
        self.cpus = float(cpus)
        self.base_url = base_url
        self.owner = _owner_id()
        self._client: Any = None
        self._pool: list[DockerSandbox] = []
        self._live: set[DockerSandbox] = set()
        self._refill: asyncio.Task | None = None
        self._swept = False
        self._build_lock = threading.Lock()

    # ------------------------------------------------------------------ engine
    def _docker(self) -> Any:
        if self._client is None:
            try:
                import docker  # the SDK is an optional dependency: envgym[docker]
            except ImportError as exc:
                raise SandboxError("the docker provider needs the Docker SDK: pip install 'envgym[docker]'") from exc
            try:
                self._client = docker.DockerClient(base_url=self.base_url) if self.base_url else docker.from_env()
                self._client.ping()
            except Exception as exc:  # noqa: BLE001 — any failure here means "no engine"
                self._client = None
                raise SandboxError(f"no Docker Engine reachable ({exc}); start dockerd or set DOCKER_HOST") from exc
        return self._client

    def available(self) -> tuple[bool, str]:
        try:
            client = self._docker()
        except SandboxError as exc:
            return False, exc.message
        try:
            client.images.get(self.image)
        except Exception:  # noqa: BLE001
            return False, f"image {self.image!r} not found; build it with scripts/build-base-image.sh"
        return True, ""

    def sweep_orphans(self) -> list[str]:
        """Remove containers left by envgym processes that no longer run on this host (crash recovery)."""
        client = self._docker()
        host = socket.gethostname()
        removed = []
        for container in client.containers.list(all=True, filters={"label": LABEL}):
            owner = container.labels.get(OWNER_LABEL, "")
            owner_host, _, pid = owner.rpartition(":")
            if owner_host != host or owner == self.owner:
                continue  # another machine's container on a shared engine, or one of ours
            if pid.isdigit() and _pid_alive(int(pid)):
                continue  # a live envgym process on this host owns it
            try:
                container.remove(force=True)
                removed.append(container.id)
            except Exception:  # noqa: BLE001 — already gone
                pass
        return removed

    async def recover(self) -> list[str]:
        removed = await asyncio.to_thread(self.sweep_orphans)
        self._swept = True
        return removed

    def build_image(self, context_dir: str | Path) -> str:
        """Build (once) the image of a directory with a Dockerfile, tagged by its content hash."""
        client = self._docker()
        tag = f"envgym-task:{context_hash(context_dir)}"
        with self._build_lock:
            try:
                client.images.get(tag)
                return tag
            except Exception:  # noqa: BLE001 — not built yet
                pass
            try:
                client.images.build(path=str(context_dir), tag=tag, rm=True, network_mode="none", labels={LABEL: "1"})
            except Exception as exc:  # noqa: BLE001
                raise SandboxError(f"building the image of {context_dir} failed: {exc}") from exc
        return tag

    # ------------------------------------------------------------------ containers
    def _start_container(self, spec: SandboxSpec) -> DockerSandbox:
        client = self._docker()
        image = self.build_image(spec.build_context) if spec.build_context else (spec.image or self.image)
        # One disk budget split between the workspace (3/4) and /tmp (1/4): Docker cannot back two
        # mounts with one tmpfs, and the budget is what the spec promises for both together.
        work_mb = max(4, spec.disk_mb * 3 // 4)
        tmp_mb = max(4, spec.disk_mb - work_mb)
        try:
            container = client.containers.run(
                image, command=["python3", "-c", "import signal; signal.pause()"], detach=True, labels={LABEL: "1", OWNER_LABEL: self.owner},
                network_mode="none" if spec.network == "none" else "bridge",
                mem_limit=f"{spec.memory_mb}m", memswap_limit=f"{spec.memory_mb}m", pids_limit=spec.max_processes + 3,
                nano_cpus=int(self.cpus * 1e9), read_only=True, cap_drop=["ALL"], cap_add=_KEEP_CAPS,
                security_opt=["no-new-privileges"], init=True, user="0:0", working_dir=spec.workdir,
                tmpfs={spec.workdir: f"size={work_mb}m,uid=1000,gid=1000,mode=0755,exec", "/tmp": f"size={tmp_mb}m,mode=1777,exec"},
                environment={}, stop_signal="SIGKILL",
            )
        except Exception as exc:  # noqa: BLE001
            raise SandboxError(f"could not start a container from {image!r}: {exc}") from exc
        # The command server also handles files and process sweeps in exec_mode="exec"; only
        # commands then go through a per-command `docker exec`.
        try:
            exec_id = client.api.exec_create(container.id, ["python3", "-c", _AGENT_SOURCE], stdin=True, user="0:0")["Id"]
            channel = _Channel(client.api.exec_start(exec_id, socket=True))
            _ping(channel)
        except Exception as exc:  # noqa: BLE001
            container.remove(force=True)
            raise SandboxError(f"the command server did not start in {image!r} (does it have python3?): {exc}") from exc
        return DockerSandbox(self, spec, container, channel)

    def _pool_key(self, spec: SandboxSpec) -> bool:
        # Only sandboxes with the provider's default shape come from the warm pool.
        return spec.build_context is None and spec.image in (None, self.image) and spec.files == {}

    async def create(self, spec: SandboxSpec | None = None) -> Sandbox:
        spec = spec or SandboxSpec()
        if not self._swept:
            await asyncio.to_thread(self.sweep_orphans)
            self._swept = True
        box = None
        if self._pool and self._pool_key(spec) and self._pool[0].spec == spec.model_copy(update={"files": {}}):
            box = self._pool.pop(0)
        if box is None:
            box = await asyncio.to_thread(self._start_container, spec)
        self._live.add(box)
        self._schedule_refill(spec)
        for rel, content in spec.files.items():
            await box.write_file(rel, content)
        return box

    def _schedule_refill(self, spec: SandboxSpec) -> None:
        if self.warm_pool <= 0 or not self._pool_key(spec):
            return
        if self._refill is not None and not self._refill.done():
            return
        template = spec.model_copy(update={"files": {}})

        async def refill() -> None:
            while len(self._pool) < self.warm_pool:
                box = await asyncio.to_thread(self._start_container, template)
                self._pool.append(box)

        self._refill = asyncio.get_running_loop().create_task(refill())

    async def fill_pool(self, spec: SandboxSpec | None = None) -> None:
        """Start the warm pool now and wait until it is full (e.g. at server start)."""
        if not self._swept:
            await asyncio.to_thread(self.sweep_orphans)
            self._swept = True
        self._schedule_refill(spec or SandboxSpec())
        if self._refill is not None:
            await self._refill

    async def _release(self, box: DockerSandbox) -> None:
        self._live.discard(box)
        if self.reuse and len(self._pool) < self.warm_pool and self._pool_key(box.spec):
            try:
                if await box.wipe():
                    box._closed = False
                    self._pool.append(box)
                    return
            except SandboxError:
                pass  # a container that cannot prove it is clean is destroyed, never reused
        await asyncio.to_thread(self._remove, box)

    def _remove(self, box: DockerSandbox) -> None:
        box._channel.close()
        try:
            box.container.remove(force=True)
        except Exception:  # noqa: BLE001 — already removed
            pass

    async def aclose(self) -> None:
        if self._refill is not None:
            self._refill.cancel()
            try:
                await self._refill
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        boxes = list(self._pool) + list(self._live)
        self._pool.clear()
        self._live.clear()
        for box in boxes:
            box._closed = True
        await asyncio.gather(*(asyncio.to_thread(self._remove, b) for b in boxes))
