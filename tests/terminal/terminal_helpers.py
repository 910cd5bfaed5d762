"""Helpers for the terminal environment's tests: which sandbox to use (bwrap when it works here, else
the unisolated process provider) and writing Harbor-layout task directories."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from envgym.sandbox import get_provider


def _bwrap_works() -> bool:
    try:
        ok, _why = get_provider("bwrap").available()
    except Exception:  # noqa: BLE001 — provider missing or broken: fall back to process
        return False
    return ok


BWRAP = _bwrap_works()
# ENVGYM_TEST_SANDBOX=process forces the unisolated provider (to tell an environment bug from a provider bug).
SANDBOX = os.environ.get("ENVGYM_TEST_SANDBOX") or ("bwrap" if BWRAP else "process")
needs_bwrap = pytest.mark.skipif(
    SANDBOX != "bwrap", reason="needs the bwrap sandbox (isolation the process provider lacks)"
)


def write_task(
    root: Path,
    name: str,
    *,
    instruction: str = "Do the thing.",
    toml: str = "",
    test_sh: str,
    solve_sh: str | None = None,
    setup_sh: str | None = None,
    files: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> Path:
    """Write a Harbor-layout task directory (only what the test needs)."""
    task = root / name
    (task / "tests").mkdir(parents=True)
    (task / "instruction.md").write_text(instruction)
    (task / "task.toml").write_text(textwrap.dedent(toml) or 'version = "1.0"\n')
    (task / "tests" / "test.sh").write_text(textwrap.dedent(test_sh))
    if solve_sh is not None:
        (task / "solution").mkdir()
        (task / "solution" / "solve.sh").write_text(textwrap.dedent(solve_sh))
    if setup_sh is not None:
        (task / "environment").mkdir(exist_ok=True)
        (task / "environment" / "setup.sh").write_text(textwrap.dedent(setup_sh))
    for rel, content in (files or {}).items():
        path = task / "environment" / "files" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    for rel, content in (extra or {}).items():
        path = task / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return task
