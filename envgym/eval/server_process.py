"""Start ``envgym serve`` in a subprocess on a free loopback port, wait until it answers, stop it.

Used by ``envgym demo`` and by tests that need a real server process.

Example:
    >>> with ServerProcess(args=["--sandbox", "process"]) as server:    # doctest: +SKIP
    ...     print(server.url)                                         # http://127.0.0.1:PORT
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import httpx

from envgym.protocol.errors import EnvgymError


class ServerStartError(EnvgymError):
    code = "server_start_failed"
    http_status = 500


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def cli_command(*args: str) -> list[str]:
    """The ``envgym`` CLI of this interpreter, as an argv (independent of PATH)."""
    return [sys.executable, "-c", "from envgym.cli import main; main()", *args]


class ServerProcess:
    """``envgym serve --host 127.0.0.1 --port PORT [args]`` as a child process; its output goes to a log file."""

    def __init__(
        self,
        args: Sequence[str] = (),
        *,
        port: int | None = None,
        startup_timeout: float = 60.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.args = list(args)
        self.startup_timeout = startup_timeout
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="envgym-serve-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServerProcess":
        log = open(self.log_path, "wb")
        env = {**os.environ, **(self.env or {})}
        self.proc = subprocess.Popen(
            cli_command("serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", *self.args),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"`envgym serve` exited with code {self.proc.returncode} before answering:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise ServerStartError(
            f"`envgym serve` did not answer on {self.url} within {self.startup_timeout:g} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (graceful: the server closes its sessions), then SIGKILL if it lingers. Idempotent."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        return proc.returncode

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
