"""Start and stop a real envgym server (uvicorn) in a subprocess, by PID."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

SCRIPT = Path(__file__).with_name("serve_testenvs.py")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, **config: Any) -> None:
        config.setdefault("host", "127.0.0.1")
        config.setdefault("port", free_port(config["host"]))
        config.setdefault("sandbox", "process")
        self.config = config
        self.url = f"http://{config['host']}:{config['port']}"
        self.proc: subprocess.Popen | None = None

    # A guard against a server that never comes up, not a timing check: generous, so a start under
    # heavy CPU load (imports alone take seconds there) is not mistaken for a broken server.
    def start(self, timeout: float = 300.0) -> "ServerProcess":
        env = {k: v for k, v in os.environ.items() if k != "ENVGYM_TOKEN"}
        self.proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), json.dumps(self.config)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.proc.stdout.read().decode()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become healthy in time")

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM (graceful shutdown) and wait; returns the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def output(self) -> str:
        assert self.proc is not None and self.proc.poll() is not None
        return self.proc.stdout.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
