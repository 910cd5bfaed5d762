"""Lint, layout and types as part of the suite: ruff (check and format --check) over the whole repository and mypy over the configured
packages, both with the configuration in pyproject.toml (docs/testing.md, "Lint and types"). The
tools come from the venv (the `test` extra pins them); a missing tool fails, it is never skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(tool: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    exe = BIN / tool
    assert exe.is_file(), f"{exe} is missing: scripts/setup.sh installs it (the `test` extra of pyproject.toml)"
    env = dict(os.environ, NO_COLOR="1")
    try:
        return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        pytest.fail(f"{tool} did not finish within {timeout:g} s; its output so far:\n{out}")


def test_ruff_finds_nothing():
    done = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".", timeout=300)
    assert done.returncode == 0, f"ruff check reported (exit {done.returncode}):\n{done.stdout}{done.stderr}"


def test_ruff_format_would_change_nothing():
    # Layout is ruff format's everywhere but task data ([tool.ruff.format] exclude): a diff here means
    # `.venv/bin/ruff format .` was not run on a change.
    done = _run("ruff", "format", "--check", "--no-cache", "--output-format", "concise", ".", timeout=300)
    assert done.returncode == 0, (
        f"ruff format --check would reformat (exit {done.returncode}):\n{done.stdout}{done.stderr}"
    )


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_mypy_finds_nothing():
    # The packages and the cache directory (.mypy_cache, git-ignored) are those of [tool.mypy] in
    # pyproject.toml. A cold strict run takes one to four minutes on 2 cores, depending on their
    # load, a warm one seconds; the subprocess gives up inside this test's own timeout (longer than
    # the suite's 600 s), showing mypy's output so far.
    done = _run("mypy", timeout=1080)
    assert done.returncode == 0, f"mypy reported (exit {done.returncode}):\n{done.stdout}{done.stderr}"
