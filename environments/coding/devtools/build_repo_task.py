"""Maintainer tool: write one repository task directory from a Python description.

``python devtools/build_repo_task.py SPEC.py`` where SPEC.py defines ``NAME``, ``META`` (the task.toml
text), ``REPO`` ({path: content}, the starting project with its visible tests), ``FIXED`` ({path:
content}, the files the reference solution changes or adds) and ``HIDDEN`` ({file: source}). It writes
``envgym_coding/repo_tasks/NAME/`` with ``solution.patch`` computed as a unified diff (``patch -p1``).
"""

from __future__ import annotations

import difflib
import runpy
import shutil
import sys
from pathlib import Path

TASKS = Path(__file__).resolve().parent.parent / "envgym_coding" / "repo_tasks"


def unified_patch(before: dict[str, str], after: dict[str, str]) -> str:
    chunks = []
    for path in sorted(after):
        old, new = before.get(path), after[path]
        if old == new:
            continue
        for text in (old, new):
            if text is not None and not text.endswith("\n"):
                raise ValueError(f"{path}: every file must end with a newline")
        diff = difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile=f"b/{path}",
        )
        chunks.append("".join(diff))
    return "".join(chunks)


def write_task(spec: dict) -> Path:
    root = TASKS / spec["NAME"]
    if root.exists():
        shutil.rmtree(root)
    for sub, files in (("repo", spec["REPO"]), ("hidden", spec["HIDDEN"])):
        for rel, content in files.items():
            target = root / sub / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
    (root / "task.toml").write_text(spec["META"].lstrip())
    (root / "solution.patch").write_text(unified_patch(spec["REPO"], spec["FIXED"]))
    return root


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(write_task(runpy.run_path(path)))
