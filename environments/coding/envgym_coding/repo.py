"""Repository-level tasks, stored as package data: one directory per task under ``repo_tasks/``.

A task directory holds ``task.toml`` (``title``, ``kind`` = ``bugfix`` | ``feature``, ``prompt``,
optional ``max_turns``), ``repo/`` (the starting project, visible tests included), ``hidden/`` (the
hidden tests, in the ``unit_tests`` grader's project format) and ``solution.patch`` (the reference
change, a unified diff applied with ``patch -p1`` at the repository root). The starting files go in
the task's public ``payload``; the hidden tests and the patch only in ``private``, so they reach
nothing but the grader.

Example:
    >>> tasks = load()
    >>> len(tasks) >= 20
    True
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.abc import Traversable

from envgym.protocol import GraderSpec, Task

TASKS_PACKAGE = "envgym_coding"
TASKS_DIR = "repo_tasks"

PROMPT = """{prompt}

The project is in /workspace (your working directory). Tools: `list_files`, `read_file`, `write_file`, `bash` \
(Debian's python3 is /usr/bin/python3), `run_tests` (runs the visible tests in tests/), and `submit` when you are \
done. Hidden tests that you cannot see grade the final state of /workspace; keep the existing behaviour working."""


def _read_tree(root: Traversable, prefix: str = "") -> dict[str, str]:
    files: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name in ("__pycache__", ".pytest_cache"):
            continue
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            files.update(_read_tree(entry, rel + "/"))
        elif not entry.name.endswith(".pyc"):
            files[rel] = entry.read_text()
    return files


def task_dirs() -> list[Traversable]:
    base = resources.files(TASKS_PACKAGE).joinpath(TASKS_DIR)
    return sorted((d for d in base.iterdir() if d.is_dir() and d.joinpath("task.toml").is_file()), key=lambda d: d.name)


def load_dir(directory: Traversable, suite: str = "repo") -> Task:
    meta = tomllib.loads(directory.joinpath("task.toml").read_text())
    files = _read_tree(directory.joinpath("repo"))
    hidden = _read_tree(directory.joinpath("hidden"))
    patch = directory.joinpath("solution.patch").read_text()
    return Task(
        id=directory.name,
        suite=suite,
        prompt=PROMPT.format(prompt=meta["prompt"].strip()),
        payload={"files": files, "test_dir": "tests"},
        private={"hidden_tests": hidden, "reference_patch": patch},
        grader=GraderSpec(name="unit_tests", config={"kind": "project", "mode": "binary", "test_timeout_s": 20}),
        metadata={"title": meta["title"], "category": meta["kind"], "max_turns": int(meta.get("max_turns", 40))},
    )


def load(suite: str = "repo") -> list[Task]:
    return [load_dir(d, suite) for d in task_dirs()]
