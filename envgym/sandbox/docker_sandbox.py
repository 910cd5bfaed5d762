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
import contextlib
import itertools
import json
import os
import shlex
import socket
import struct
import threading
import time
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal

from envgym.protocol.errors import SandboxError
from envgym.sandbox.base import ExecResult, Sandbox, SandboxProvider, SandboxSpec, command_argv, with_files
from envgym.sandbox.docker_server_loss import server_taken_down
from envgym.sandbox.owners import process_alive
from envgym.sandbox.runner import BASE_ENV
from envgym.sandbox.trusted import TRUSTED_MOUNT, TrustedFileError

DEFAULT_IMAGE = "envgym-base:bookworm"
LABEL = "envgym.sandbox"
OWNER_LABEL = "envgym.owner"
_AGENT_SOURCE = (Path(__file__).with_name("container_agent.py")).read_text()
# The container's main process, run as its PID 1 (no Docker init): it only reaps orphans. A process
# of the container cannot signal the PID namespace's init with a signal it has no handler for (SIGKILL
# and SIGSTOP included; Python's SIGINT handler is taken away), so a command running as root cannot
# take the container down with `kill -KILL -1`; with Docker's init, the main command would be its
# child, and killing that ends the container.
MAIN_PROCESS = (
    "import os, signal\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)  # no handler: the kernel drops it for an init\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])\n"
    "while True:\n"
    "    try:\n"
    "        while os.waitpid(-1, os.WNOHANG)[0]:\n"
    "            pass\n"
    "    except ChildProcessError:\n"
    "        pass\n"
    "    signal.sigtimedwait([signal.SIGCHLD], 60)\n"
)
# Capabilities the root command server needs to demote to uid 1000 and to kill that user's processes;
# everything else of Docker's default set is dropped. Commands themselves run with no capabilities.
_KEEP_CAPS = ["SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER"]
_NEEDS_PYTHON = (
    ". envgym's docker provider runs commands through a small Python program, so the image needs python3 (>= 3.7) "
    "on its PATH"
)


class _Channel:
    """Newline-delimited JSON over the hijacked, multiplexed socket of one ``docker exec``.

    Requests carry ids and may overlap (a ``kill_all`` while a command runs, several commands in
    one sandbox); one reader thread hands each reply to the future waiting for its id.
    """

    def __init__(self, sock: Any, exec_id: str | None = None) -> None:
        self.exec_id = exec_id  # the server's ``docker exec``
        self._raw = getattr(sock, "_sock", sock)
        self._raw.setblocking(True)
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiters: dict[int, concurrent.futures.Future[dict[str, Any]]] = {}
        self._partials: dict[int, list[bytearray]] = {}  # request id -> [stdout, stderr] streamed so far
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
                    if reply.get("partial") in (1, 2):  # output a running command printed so far
                        with self._waiters_lock:
                            kept = self._partials.get(reply.get("id"))
                        if kept is not None:
                            kept[reply["partial"] - 1] += base64.b64decode(reply["data"])
                        continue
                    with self._waiters_lock:
                        fut = self._waiters.pop(reply.get("id"), None)
                    if fut is not None and not fut.done():
                        fut.set_result(reply)
        except (EOFError, OSError, ValueError) as exc:
            self.broken = (
                "the container's command server went away (container stopped or killed)"
                if isinstance(exc, (EOFError, OSError))
                else f"garbled reply from the container: {exc}"
            )
        with self._waiters_lock:
            waiters, self._waiters = list(self._waiters.values()), {}
        for fut in waiters:
            if not fut.done():
                fut.set_exception(SandboxError(self.broken or "connection closed"))

    async def request(
        self, payload: dict[str, Any], timeout: float, partial: list[bytearray] | None = None
    ) -> dict[str, Any]:
        """The reply to ``payload``; ``partial`` ([stdout, stderr]) collects the output the server
        streams while an exec runs (image mode), which stays there if the server is lost."""
        if self.broken:
            raise SandboxError(self.broken)
        req_id = next(self._ids)
        fut: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        with self._waiters_lock:
            self._waiters[req_id] = fut
            if partial is not None:
                self._partials[req_id] = partial
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
                self._partials.pop(req_id, None)
        if not reply.get("ok"):
            raise SandboxError(f"container command server: {reply.get('error')}")
        return reply

    def close(self) -> None:
        # shutdown() wakes the reader thread blocked in recv(); close() alone would not.
        for step in (lambda: self._raw.shutdown(socket.SHUT_RDWR), self._raw.close):
            with contextlib.suppress(OSError):
                step()


class DockerSandbox(Sandbox):
    trusted_root = TRUSTED_MOUNT

    def __init__(self, provider: "DockerProvider", spec: SandboxSpec, container: Any, channel: _Channel) -> None:
        self.spec = spec
        self.provider = provider
        self.container = container
        self._channel = channel
        self._owned = True  # False for a container started elsewhere (attach): closing leaves it running
        self._restart_lock = asyncio.Lock()
        self.user = spec.user  # who the next commands run as (set_user)
        self.networked = spec.network != "none"

    @property
    def trusted_protected(self) -> bool:  # type: ignore[override]
        # The trusted tmpfs belongs to root: out of reach of uid 1000 on envgym's read-only root, not of
        # root, and not in image mode, where an earlier root command may have left a setuid program.
        return self.user == "sandbox" and not self.spec.image_defaults

    def set_user(self, user: str) -> None:
        """Run the following commands as ``user`` (see ``SandboxSpec.user``); Harbor runs the agent
        and the tests of one container as different users."""
        self.user = self.provider.image_user(self.spec) if user == "image" else user

    async def set_network(self, on: bool) -> None:
        """Connect the container to (or cut it off from) the bridge network; only a container created
        with ``network="host"`` can be connected again (Harbor's per-phase network modes)."""
        if on == self.networked:
            return
        if on and self.spec.network == "none":
            raise SandboxError("this container was created without a network and cannot be connected")
        api = self.provider._docker().api
        await asyncio.to_thread(
            api.connect_container_to_network if on else api.disconnect_container_from_network,
            self.container.id,
            "bridge",
        )
        self.networked = on

    @property
    def id(self) -> str:
        return str(self.container.id)

    def _env(self, env: dict[str, str] | None) -> dict[str, str]:
        if self.spec.image_defaults:  # the command server adds the image's environment and the user's HOME
            return {**self.spec.env, **(env or {})}
        return {**BASE_ENV, "HOME": self.spec.workdir, "TMPDIR": "/tmp", **self.spec.env, **(env or {})}

    async def _request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self._closed:
            raise SandboxError("the sandbox is closed")
        channel = self._channel
        partial = [bytearray(), bytearray()]
        try:
            return await channel.request(payload, timeout, partial)
        except SandboxError as exc:
            # Only a lost or silent server is looked into; an error it answered is the request's.
            lost = channel.broken is not None or isinstance(exc.__cause__, asyncio.TimeoutError)
            why = await self._server_taken_down(channel) if lost else None
            if why is None:
                raise
        await self._restart_server(channel)
        if payload["op"] == "exec":
            # As bwrap answers an exec whose supervisor was killed: the command was killed.
            note = f"\nenvgym: {why}; the command was killed\n".encode()
            out, err = (bytes(b[: self.spec.output_bytes]) for b in partial)
            return {
                "ok": True,
                "exit_code": 137,
                "signal": 9,
                "timed_out": False,
                "truncated": False,
                "duration_s": 0.0,
                "stdout": base64.b64encode(out).decode(),
                "stderr": base64.b64encode(err + note).decode(),
            }
        return await self._channel.request(payload, timeout)

    async def _server_taken_down(self, channel: "_Channel") -> str | None:
        """Why the command server is gone through a command of the sandbox, if commands run as root
        (image mode: they can signal it) and it can be shown (docker_server_loss.py); else None."""
        root = self.user in ("root", "0") or self.user.split(":")[0] in ("root", "0")
        if not (root and (self.spec.keep_image_files or self.spec.image_defaults) and channel.exec_id):
            return None
        return await asyncio.to_thread(server_taken_down, self.provider._docker().api, self.container, channel.exec_id)

    async def _restart_server(self, lost: "_Channel") -> None:
        """A new command server in place of ``lost`` (once, however many requests saw it go), started
        after every process the commands left (a daemon that would take the new one down too) is killed."""
        async with self._restart_lock:
            if self._channel is lost:
                lost.close()

                def restart() -> _Channel:
                    self.provider.sweep_container(self.container)
                    return self.provider.start_server(self.container, self.spec)

                try:
                    self._channel = await asyncio.to_thread(restart)
                except Exception as exc:  # noqa: BLE001
                    raise SandboxError(f"the container's command server could not be started again: {exc}") from exc

    async def exec(
        self,
        cmd: str | list[str],
        *,
        stdin: str | bytes | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        timeout = float(timeout or self.spec.wall_timeout_s)
        if self.provider.exec_mode == "exec":
            return await self._exec_per_command(cmd, stdin=stdin, timeout=timeout, cwd=cwd, env=env)
        data = stdin.encode() if isinstance(stdin, str) else stdin
        reply = await self._request(
            {
                "op": "exec",
                "argv": command_argv(cmd),
                "cwd": cwd or self.spec.workdir,
                "env": self._env(env),
                "user": self.user,
                "inherit_env": self.spec.image_defaults,
                "timeout": timeout,
                "output_bytes": self.spec.output_bytes,
                "stdin": base64.b64encode(data).decode() if data is not None else None,
                "limits": {
                    "cpu_seconds": self.spec.cpu_seconds,
                    "max_file_mb": self.spec.max_file_mb,
                    "memory_mb": self.spec.memory_mb,
                },
            },
            timeout + 30,
        )
        return ExecResult(
            exit_code=reply["exit_code"],
            stdout=base64.b64decode(reply["stdout"]).decode("utf-8", "replace"),
            stderr=base64.b64decode(reply["stderr"]).decode("utf-8", "replace"),
            timed_out=reply["timed_out"],
            truncated=reply["truncated"],
            duration_s=reply["duration_s"],
            killed_by_signal=reply.get("signal"),
        )

    async def _exec_per_command(
        self,
        cmd: str | list[str],
        *,
        stdin: str | bytes | None,
        timeout: float,
        cwd: str | None,
        env: dict[str, str] | None,
    ) -> ExecResult:
        """One ``docker exec`` per command (the slower path, kept to measure against)."""
        if stdin is not None:
            raise SandboxError("exec_mode='exec' does not support stdin; use the default exec_mode='server'")
        started = time.monotonic()
        limits = f"ulimit -t {self.spec.cpu_seconds}; ulimit -f {self.spec.max_file_mb * 1024};"
        inner = limits + " exec timeout -s KILL " + str(int(timeout)) + " " + shlex.join(command_argv(cmd))

        def run() -> Any:
            user = "1000:1000" if self.user == "sandbox" else self.user
            return self.container.exec_run(
                ["bash", "-c", inner],
                user=user,
                workdir=cwd or self.spec.workdir,
                environment=self._env(env),
                demux=True,
            )

        result = await asyncio.to_thread(run)
        await self.kill_all()
        out, err = result.output
        out, err = out or b"", err or b""
        cap = self.spec.output_bytes
        return ExecResult(
            exit_code=124 if result.exit_code == 137 else result.exit_code,
            stdout=out[:cap].decode("utf-8", "replace"),
            stderr=err[:cap].decode("utf-8", "replace"),
            timed_out=result.exit_code == 137,
            truncated=len(out) > cap or len(err) > cap,
            duration_s=time.monotonic() - started,
        )

    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        raw = data.encode() if isinstance(data, str) else data
        await self._request(
            {"op": "write", "path": path, "data": base64.b64encode(raw).decode(), "mode": mode, "user": self.user}, 60
        )

    async def read_file(self, path: str, max_bytes: int | None = None) -> bytes:
        reply = await self._request({"op": "read", "path": path, "max_bytes": max_bytes}, 60)
        return base64.b64decode(reply["data"])

    async def install_trusted(self, name: str, tar_gz: bytes, exec_only: dict[str, str] | None = None) -> str:
        reply = await self._request(
            {
                "op": "trusted_install",
                "name": name,
                "data": base64.b64encode(tar_gz).decode(),
                "exec_only": dict(exec_only or {}),
                "user": self.user,
            },
            120,
        )
        path: str = reply["path"]
        return path

    async def read_trusted(self, path: str, max_bytes: int) -> bytes | None:
        reply = await self._request({"op": "trusted_read", "path": path, "max_bytes": max_bytes}, 60)
        if reply.get("bad"):
            raise TrustedFileError(f"{reply['bad']} is not a plain regular file")
        return None if reply.get("missing") else base64.b64decode(reply["data"])

    async def remove_trusted(self, path: str) -> None:
        if not self._closed:
            await self._request({"op": "trusted_remove", "path": path}, 60)

    async def kill_all(self) -> None:
        await self._request({"op": "kill_all"}, 30)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.provider._release(self)


class DockerProvider(SandboxProvider):
    """Options: ``image`` (default ``envgym-base:bookworm``, built by scripts/build-base-image.sh),
    ``warm_pool`` (containers kept started ahead for ``create``, per sandbox shape: the default one and
    the ``pool_shapes`` most recently created ones; a spare is never used twice), ``exec_mode``
    (``server`` or ``exec``), ``cpus`` (default CPU quota per container).

    A closed container is always removed, never wiped and handed out again: it would keep its PID
    namespace (whose counter shows what ran before) and its POSIX message queues, so it is not
    indistinguishable from a new one (``wipe()`` says False, as on every provider). The ``reuse``
    option that did that is accepted and ignored, with a warning."""

    name = "docker"
    isolated = True

    def __init__(
        self,
        image: str = DEFAULT_IMAGE,
        warm_pool: int = 0,
        reuse: bool = False,
        exec_mode: Literal["server", "exec"] = "server",
        cpus: float = 1.0,
        base_url: str | None = None,
        pool_shapes: int = 4,
    ) -> None:
        self.image = image
        self.warm_pool = int(warm_pool)
        if reuse:
            warnings.warn(
                "the docker provider's reuse option was removed and is ignored: a closed container is "
                "removed (a wiped one keeps its PID counter and POSIX message queues, so it would "
                "carry state from one sandbox to the next)",
                stacklevel=2,
            )
        self.exec_mode = exec_mode
        self.cpus = float(cpus)
        self.base_url = base_url
        self.pool_shapes = max(1, int(pool_shapes))
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._client: Any = None
        # Pools by sandbox shape (the spec without its files), most recently used last. Containers
        # are started in worker threads, which put them in a pool (or _live) themselves under _state,
        # so shutting down while a start is in flight cannot lose one (see aclose).
        self._pools: OrderedDict[str, list[DockerSandbox]] = OrderedDict()
        self._live: set[DockerSandbox] = set()
        self._refills: dict[str, asyncio.Task[None]] = {}
        self._starting: set[concurrent.futures.Future[Any]] = set()
        self._state = threading.Lock()
        self._closing = False
        self._swept = False
        self._image_users: dict[str, str] = {}

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
        from docker.errors import APIError

        api = self._docker().api
        host = socket.gethostname()
        removed = []
        # One listing with the labels in it: the SDK's `containers.list` inspects each listed container
        # afterwards, and raises if any of them (another live process's, finished meanwhile) is gone.
        for entry in api.containers(all=True, filters={"label": LABEL}):
            owner = (entry.get("Labels") or {}).get(OWNER_LABEL, "")
            owner_host, _, pid = owner.rpartition(":")
            if owner_host != host or owner == self.owner:
                continue  # another machine's container on a shared engine, or one of ours
            if pid.isdigit() and process_alive(int(pid)):
                continue  # a live envgym process on this host owns it
            try:
                api.remove_container(entry["Id"], force=True)
            except APIError:
                continue  # gone already, or another sweep is removing it
            removed.append(entry["Id"])
        return removed

    async def recover(self) -> list[str]:
        removed = await asyncio.to_thread(self.sweep_orphans)
        self._swept = True
        return removed

    def build_image(self, context_dir: str | Path, **options: Any) -> str:
        """Build (once per content hash) the image of a directory with a Dockerfile; ``options`` are
        ``docker_build.build_image``'s (dockerfile, build_args, from_aliases, timeout_s, progress...)."""
        from envgym.sandbox.docker_build import build_image

        self._docker()
        return build_image(context_dir, base_url=self.base_url, **options)

    def image_config(self, image: str) -> dict[str, Any]:
        """The image's run configuration (``User``, ``WorkingDir``, ``Env``, ...); {} if unknown."""
        try:
            return dict(self._docker().api.inspect_image(image).get("Config") or {})
        except Exception:  # noqa: BLE001
            return {}

    def image_user(self, spec: SandboxSpec) -> str:
        """The user ``user="image"`` means: the image's USER, root when it names none."""
        image = spec.image or self.image
        if image not in self._image_users:
            self._image_users[image] = str(self.image_config(image).get("User") or "root")
        return self._image_users[image]

    # ------------------------------------------------------------------ containers
    def runtime_volume(self) -> str:
        """The volume with envgym's own Python for the command server (docker_runtime.py)."""
        from envgym.sandbox.docker_runtime import ensure_volume

        return ensure_volume(self._docker())

    def server_argv(self, spec: SandboxSpec, source: str, *args: str) -> list[str]:
        """How to start a Python program in the container: the image's python3 on envgym's own
        base image, envgym's bundled interpreter in a task's image (which may have none)."""
        if spec.image_defaults:
            from envgym.sandbox.docker_runtime import server_argv

            return server_argv(source, *args)
        return ["python3", "-c", source, *args]

    def _run_options(self, spec: SandboxSpec) -> dict[str, Any]:
        """Container options shared by plain containers and the main service of a compose project."""
        if spec.image_defaults:
            # As `docker run IMAGE` would, plus envgym's limits: the image's files, WORKDIR and ENV on a
            # writable root, Docker's default capabilities (apt-get, sudo and chown work), and
            # envgym's Python for the command server on a read-only volume.
            from envgym.sandbox.docker_runtime import RUNTIME_MOUNT

            tmpfs = {TRUSTED_MOUNT: f"size={spec.disk_mb}m,mode=0711,exec"}
            extra: dict[str, Any] = {"volumes": {self.runtime_volume(): {"bind": RUNTIME_MOUNT, "mode": "ro"}}}
        else:
            # One disk budget split between the workspace (3/4) and /tmp (1/4): Docker cannot back two
            # mounts with one tmpfs, and the budget is what the spec promises for both together.
            work_mb = max(4, spec.disk_mb * 3 // 4)
            tmp_mb = max(4, spec.disk_mb - work_mb)
            tmpfs = {
                spec.workdir: f"size={work_mb}m,uid=1000,gid=1000,mode=0755,exec",
                "/tmp": f"size={tmp_mb}m,mode=1777,exec",
            }
            if spec.keep_image_files:  # the image's repository stays where it is, on a writable root
                tmpfs = {"/tmp": f"size={spec.disk_mb}m,mode=1777,exec"}
            tmpfs[TRUSTED_MOUNT] = f"size={spec.disk_mb}m,mode=0711,exec"  # the verifier's place (trusted.py)
            extra = {"cap_drop": ["ALL"], "cap_add": _KEEP_CAPS, "security_opt": ["no-new-privileges"]}
        return dict(
            labels={LABEL: "1", OWNER_LABEL: self.owner},
            mem_limit=f"{spec.memory_mb}m",
            memswap_limit=f"{spec.memory_mb}m",
            pids_limit=spec.max_processes + 3,
            nano_cpus=int((spec.cpus or self.cpus) * 1e9),
            read_only=not (spec.keep_image_files or spec.image_defaults),
            init=False,
            user="0:0",
            tmpfs=tmpfs,
            stop_signal="SIGKILL",
            **extra,
        )

    def _start_container(self, spec: SandboxSpec) -> DockerSandbox:
        client = self._docker()
        image = self.build_image(spec.build_context) if spec.build_context else (spec.image or self.image)
        try:
            container = client.containers.run(
                image,
                entrypoint=self.server_argv(spec, MAIN_PROCESS),
                command=[],
                detach=True,
                network_mode="none" if spec.network == "none" else "bridge",
                working_dir=spec.workdir,
                environment={},
                **self._run_options(spec),
            )
        except Exception as exc:  # noqa: BLE001
            raise SandboxError(f"could not start a container from {image!r}: {exc}") from exc
        try:
            return self._attach(container, spec)
        except BaseException:
            container.remove(force=True)
            raise

    def attach(self, container: Any, spec: SandboxSpec) -> DockerSandbox:
        """A sandbox over a running container started elsewhere (a compose project's main service):
        starts the command server in it. Blocking. The container stays the caller's to remove."""
        box = self._attach(container, spec)
        box._owned = False
        with self._state:
            self._live.add(box)
        return box

    def _attach(self, container: Any, spec: SandboxSpec) -> DockerSandbox:
        api = self._docker().api
        image = spec.image or self.image
        # The command server also handles files and process sweeps in exec_mode="exec"; only
        # commands then go through a per-command `docker exec`.
        try:
            if spec.keep_image_files and spec.user == "sandbox" and not spec.image_defaults:
                chown = api.exec_create(container.id, ["chown", "-R", "1000:1000", spec.workdir], user="0:0")["Id"]
                out = api.exec_start(chown)
                if api.exec_inspect(chown)["ExitCode"] != 0:
                    raise SandboxError(f"chown of {spec.workdir} failed: {out.decode(errors='replace')[:300]}")
            channel = self.start_server(container, spec)
        except Exception as exc:  # noqa: BLE001
            hint = "" if spec.image_defaults else _NEEDS_PYTHON  # image mode brings envgym's own Python
            raise SandboxError(f"the command server did not start in {image!r}: {exc}{hint}") from exc
        box = DockerSandbox(self, spec, container, channel)
        if spec.user == "image":
            box.set_user("image")
        return box

    def sweep_container(self, container: Any, attempts: int = 5) -> None:
        """SIGKILL every process of ``container`` but its PID 1 (which no process of the container can
        signal), from a root ``docker exec`` of ``kill -KILL -1``: one system call, done before a
        daemon still looping over signals can stop it (one that does ends the attempt with a signal
        status, and another is made). Blocking."""
        api = self._docker().api
        for _ in range(attempts):
            exec_id = api.exec_create(container.id, ["sh", "-c", "kill -KILL -1; kill -KILL -1"], user="0:0")["Id"]
            api.exec_start(exec_id)
            code = api.exec_inspect(exec_id).get("ExitCode")
            if code is not None and code < 128:
                return
        raise SandboxError(f"could not clear the container's processes in {attempts} attempts")

    def start_server(self, container: Any, spec: SandboxSpec) -> "_Channel":
        """Start the command server in ``container`` and wait until it answers. Blocking."""
        client = self._docker()
        # Image mode sweeps every process (a root command can start them as anyone); the uid is
        # the one swept otherwise.
        argv = self.server_argv(spec, _AGENT_SOURCE, "0" if spec.user == "root" else "1000")
        if spec.keep_image_files or spec.image_defaults:
            argv.append("all")
        exec_id = client.api.exec_create(container.id, argv, stdin=True, user="0:0")["Id"]
        channel = _Channel(client.api.exec_start(exec_id, socket=True), exec_id)
        asyncio.run(channel.request({"op": "ping"}, 30))  # in a worker thread: no event loop here
        return channel

    @staticmethod
    def _pool_of(spec: SandboxSpec) -> tuple[SandboxSpec, str]:
        """The spec a pool's containers start from (``spec`` without its files, which ``create``
        writes into the container it takes) and the pool's key (that spec's shape)."""
        template = spec.model_copy(update={"files": {}})
        return template, template.model_dump_json()

    async def _sweep_once(self) -> None:
        if not self._swept:
            await asyncio.to_thread(self.sweep_orphans)
            self._swept = True

    def _submit(self, fn: Any, *args: Any) -> concurrent.futures.Future[Any]:
        """Run ``fn`` in a thread of its own; the future stays in ``_starting`` until it is done, so
        ``aclose`` can wait for every start in flight (a cancelled await does not stop a thread)."""
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()
        fut.set_running_or_notify_cancel()  # running from now on: a cancelled waiter cannot cancel it

        def run() -> None:
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 — handed to the waiter
                fut.set_exception(exc)
            finally:
                with self._state:
                    self._starting.discard(fut)

        with self._state:
            self._starting.add(fut)
        threading.Thread(target=run, name="envgym-docker-start", daemon=True).start()
        return fut

    def _start_live(self, spec: SandboxSpec) -> DockerSandbox:
        box = self._start_container(spec)
        with self._state:
            if not self._closing:
                self._live.add(box)
                return box
        self._remove(box)
        raise SandboxError("the docker provider was shut down while the container started")

    def _start_spare(self, shape: str, spec: SandboxSpec) -> None:
        box = self._start_container(spec)
        with self._state:
            if not self._closing and shape in self._pools:
                self._pools[shape].append(box)
                return
        self._remove(box)  # shut down, or the shape left the pool while this one started

    async def create(self, spec: SandboxSpec | None = None) -> Sandbox:
        spec = spec or SandboxSpec()
        await self._sweep_once()
        template, shape = self._pool_of(spec)
        box: DockerSandbox | None = None
        with self._state:
            pool = self._pools.get(shape)
            if pool:
                box = pool.pop(0)
                self._live.add(box)
        if box is None:
            fut = self._submit(self._start_live, spec)
            try:
                started: DockerSandbox = await asyncio.wrap_future(fut)
            except asyncio.CancelledError:
                # The caller went away; the container its thread is starting is removed when it is up.
                fut.add_done_callback(self._discard_started)
                raise
            box = started
        if self.warm_pool > 0:
            self._schedule_refill(shape, template)
        return await with_files(box, spec.files)

    def _discard_started(self, fut: concurrent.futures.Future[DockerSandbox]) -> None:
        if fut.exception() is None:
            self._discard(fut.result())

    def _discard(self, box: DockerSandbox) -> None:
        with self._state:
            self._live.discard(box)
        box._closed = True
        self._remove(box)

    def _schedule_refill(self, shape: str, template: SandboxSpec) -> None:
        evicted: list[DockerSandbox] = []
        with self._state:
            if self._closing:
                return
            self._pools.setdefault(shape, [])
            self._pools.move_to_end(shape)
            while len(self._pools) > self.pool_shapes:  # least recently used shape leaves the pool
                _old, spares = self._pools.popitem(last=False)
                evicted += spares
        for box in evicted:
            self._submit(self._discard, box)
        task = self._refills.get(shape)
        if task is not None and not task.done():
            return

        async def refill() -> None:
            while True:
                with self._state:
                    pool = self._pools.get(shape)
                    if self._closing or pool is None or len(pool) >= self.warm_pool:
                        return
                await asyncio.wrap_future(self._submit(self._start_spare, shape, template))

        self._refills[shape] = asyncio.get_running_loop().create_task(refill())

    async def fill_pool(self, spec: SandboxSpec | None = None) -> None:
        """Start the warm pool of ``spec``'s shape now and wait until it is full (e.g. at server start)."""
        await self._sweep_once()
        if self.warm_pool <= 0:
            return
        template, shape = self._pool_of(spec or SandboxSpec())
        self._schedule_refill(shape, template)
        task = self._refills.get(shape)
        if task is not None:
            await task

    def spares(self, spec: SandboxSpec | None = None) -> int:
        """How many started containers wait in the pool of ``spec``'s shape (all shapes when None)."""
        with self._state:
            if spec is None:
                return sum(len(p) for p in self._pools.values())
            return len(self._pools.get(self._pool_of(spec)[1], []))

    async def _release(self, box: DockerSandbox) -> None:
        with self._state:
            self._live.discard(box)
        await asyncio.to_thread(self._remove, box)

    def _remove(self, box: DockerSandbox) -> None:
        box._channel.close()
        if not box._owned:
            return
        with contextlib.suppress(Exception):  # already removed
            box.container.remove(force=True)

    async def aclose(self) -> None:
        with self._state:
            self._closing = True
            boxes = [b for pool in self._pools.values() for b in pool] + list(self._live)
            self._pools.clear()
            self._live.clear()
        refills, self._refills = list(self._refills.values()), {}
        for task in refills:
            task.cancel()
        await asyncio.gather(*refills, return_exceptions=True)
        # Starts still in flight see _closing when their container is up and remove it themselves;
        # wait for them so that nothing is left once aclose returns.
        with self._state:
            starting = list(self._starting)
        if starting:
            await asyncio.to_thread(concurrent.futures.wait, starting)
        for box in boxes:
            box._closed = True
        await asyncio.gather(*(asyncio.to_thread(self._remove, b) for b in boxes))
        with self._state:
            self._closing = False  # the provider may be used again
