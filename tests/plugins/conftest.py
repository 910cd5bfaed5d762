"""Helpers for tests that pip-install plugin packages and run the `envgym` CLI in a subprocess
(a fresh process sees exactly what is installed, as a user's shell would)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BIN = Path(sys.executable).parent


def pip(*args: str) -> subprocess.CompletedProcess:
    # --no-build-isolation: build with the hatchling already in the venv (no download per test).
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"pip {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def envgym_cli(*args: str, pythonpath: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(BIN / "envgym"), *args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


@pytest.fixture(name="pip")
def pip_fixture():
    return pip


@pytest.fixture(name="envgym_cli")
def envgym_cli_fixture():
    return envgym_cli


@pytest.fixture(name="fixtures_dir")
def fixtures_dir_fixture() -> Path:
    return FIXTURES
