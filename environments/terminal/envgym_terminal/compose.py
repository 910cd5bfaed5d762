"""docker-compose environments (``environment/docker-compose.yaml``) run through Docker Compose.

As in Harbor, the task's compose file is laid over a base that defines the ``main`` service (the
agent's container): its image is the task's ``docker_image`` or the image built from
``environment/Dockerfile`` (by envgym/sandbox/docker_build.py, so it is cached by content hash and
offline base-image aliases apply). envgym adds one more file for ``main``: its limits, the
provider's labels and a main process that reaps orphans as the PID namespace's init (docker_sandbox.MAIN_PROCESS); the docker provider then
attaches its command server to that container, and every other service runs as the task says.
Without network access the project's network is ``internal``: services reach each other, nothing
reaches the outside. The variables Harbor gives compose files (``MAIN_IMAGE_NAME``,
``CONTEXT_DIR``, ``PREBUILT_IMAGE_NAME``, ``CPUS``, ``MEMORY``, ``HOST_/ENV_*_LOGS_PATH``) are set.

Docker Compose v2 (``docker compose``) is used when present, else v1 (``docker-compose``,
Debian's package), which scripts/docker-up.sh installs.

Example:
    >>> compose_command() is None or compose_command()[0].startswith("docker")
    True
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envgym.protocol.errors import SandboxError

MAIN = "main"
_found: list[list[str] | None] = []
_found_lock = threading.Lock()


def compose_command() -> list[str] | None:
    """``["docker", "compose"]`` (v2), ``["docker-compose"]`` (v1) or None when neither is installed."""
    with _found_lock:
        if not _found:
            cmd: list[str] | None = None
            if (
                shutil.which("docker")
                and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
            ):
                cmd = ["docker", "compose"]
            elif shutil.which("docker-compose"):
                cmd = ["docker-compose"]
            _found.append(cmd)
        return _found[0]


def service_names(compose_file: Path) -> list[str]:
    """The services a compose file defines (empty when it cannot be read)."""
    import yaml

    try:
        data = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    services = data.get("services") if isinstance(data, dict) else None
    return [str(name) for name in services] if isinstance(services, dict) else []


@dataclass
class ComposeProject:
    """One episode's compose project. ``up`` and ``down`` block: call them from a worker thread."""

    environment_dir: Path
    main_image: str
    labels: dict[str, str]
    network: bool
    memory_mb: int
    cpus: float
    max_processes: int
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=lambda: ["python3", "-c", "import signal; signal.pause()"])
    volumes: dict[str, str] = field(default_factory=dict)  # named volume -> mount point (read-only), for main
    name: str = field(default_factory=lambda: f"envgym-{secrets.token_hex(6)}")
    _tmp: tempfile.TemporaryDirectory | None = None

    @property
    def compose_file(self) -> Path:
        return self.environment_dir / "docker-compose.yaml"

    def _override(self, logs: Path) -> dict[str, Any]:
        services: dict[str, Any] = {name: {"labels": self.labels} for name in service_names(self.compose_file)}
        services[MAIN] = {
            **services.get(MAIN, {}),
            "image": self.main_image,
            "init": False,
            "user": "0:0",
            "labels": self.labels,
            "entrypoint": self.entrypoint,
            "volumes": [f"{volume}:{target}:ro" for volume, target in self.volumes.items()],
            "mem_limit": f"{self.memory_mb}m",
            "memswap_limit": f"{self.memory_mb}m",
            "cpus": self.cpus,
            "pids_limit": self.max_processes + 3,
            "environment": self.env,
            "stop_signal": "SIGKILL",
            "tmpfs": ["/.envgym:mode=0711,exec"],
        }
        doc: dict[str, Any] = {"services": services}
        if self.volumes:
            doc["volumes"] = {volume: {"external": True} for volume in self.volumes}
        if not self.network:
            doc["networks"] = {"default": {"internal": True}}
        return doc

    def _base(self) -> dict[str, Any]:
        # Harbor's base file: main built from environment/ (or the prebuilt image), kept running.
        return {"services": {MAIN: {"image": self.main_image}}}

    def _env(self, logs: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG", "LANG")}
        env.update(
            MAIN_IMAGE_NAME=self.main_image,
            CONTEXT_DIR=str(self.environment_dir),
            PREBUILT_IMAGE_NAME=self.main_image,
            CPUS=str(self.cpus),
            MEMORY=f"{self.memory_mb}M",
            COMPOSE_PROJECT_NAME=self.name,
        )
        for part, name in (("verifier", "VERIFIER_LOGS"), ("agent", "AGENT_LOGS"), ("artifacts", "ARTIFACTS")):
            (logs / part).mkdir(parents=True, exist_ok=True)
            env[f"HOST_{name}_PATH"] = str(logs / part)
            env[f"ENV_{name}_PATH"] = f"/logs/{part}"
        return env

    def _run(self, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
        cmd = compose_command()
        if cmd is None:
            raise SandboxError(
                "this task's environment is a docker-compose.yaml, and neither `docker compose` nor "
                "`docker-compose` is installed (scripts/docker-up.sh installs Debian's docker-compose)"
            )
        assert self._tmp is not None
        tmp = Path(self._tmp.name)
        files = ["-f", str(tmp / "base.json"), "-f", str(self.compose_file), "-f", str(tmp / "envgym.json")]
        return subprocess.run(
            [*cmd, "--project-name", self.name, "--project-directory", str(self.environment_dir), *files, *args],
            cwd=self.environment_dir,
            env=self._env(tmp / "logs"),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def up(self, timeout_s: float) -> None:
        """Build what the task's services build and start every service."""
        self._tmp = tempfile.TemporaryDirectory(prefix="envgym-compose-")
        tmp = Path(self._tmp.name)
        (tmp / "base.json").write_text(json.dumps(self._base()))
        (tmp / "envgym.json").write_text(json.dumps(self._override(tmp / "logs")))
        try:
            done = self._run("up", "-d", "--build", "--remove-orphans", timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.down()
            raise SandboxError(
                f"docker compose up did not finish within the build timeout of {timeout_s:g} s"
            ) from None
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()[-3000:]
            self.down()
            raise SandboxError(
                f"docker compose up failed for {self.compose_file}:\n{output}",
                details={"compose_file": str(self.compose_file)},
            )

    def container(self, client: Any, service: str = MAIN) -> Any:
        """The running container of ``service`` (Docker SDK object)."""
        found = client.containers.list(
            all=True,
            filters={"label": [f"com.docker.compose.project={self.name}", f"com.docker.compose.service={service}"]},
        )
        if not found:
            raise SandboxError(f"compose service {service!r} has no container (is it in {self.compose_file.name}?)")
        return found[0]

    def exec(
        self, client: Any, service: str, command: str, timeout_s: float, user: str | None = None
    ) -> tuple[int, str]:
        """Run ``command`` with ``sh -c`` in a service's container; (exit code, output)."""
        container = self.container(client, service)
        wrapped = ["timeout", "-s", "KILL", str(max(1, int(timeout_s))), "sh", "-c", command]
        try:
            result = container.exec_run(wrapped, user=str(user or ""), demux=False)
        except Exception as exc:  # noqa: BLE001
            raise SandboxError(f"exec in compose service {service!r} failed: {exc}") from exc
        return int(result.exit_code), (result.output or b"").decode("utf-8", "replace")

    def down(self) -> None:
        if self._tmp is None:
            return
        try:
            self._run("down", "--volumes", "--remove-orphans", "--timeout", "0", timeout=120)
        except (subprocess.TimeoutExpired, SandboxError):
            pass
        finally:
            self._tmp.cleanup()
            self._tmp = None
