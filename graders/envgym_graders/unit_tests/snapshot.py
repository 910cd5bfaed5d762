"""Copying what the agent left in its sandbox into plain data, without trusting any of it.

The walk runs inside the agent's sandbox (after ``kill_all``) under ``python3 -I -S`` so no file of the
agent's can change how it runs, never follows symlinks, and keeps only regular files: symlinks,
FIFOs and devices are listed in ``skipped`` and never copied into the grading sandbox. Files that
would change how Python or pytest start (``conftest.py``, ``sitecustomize.py``, ``usercustomize.py``,
``*.pth``) and caches are dropped too and reported, so the grading sandbox sees only ordinary sources.

Example:
    >>> is_dropped("pkg/conftest.py"), is_dropped("pkg/core.py")
    (True, False)
"""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import json
from dataclasses import dataclass, field

from envgym.protocol.errors import SandboxError
from envgym.sandbox.base import Sandbox

DROPPED_NAMES = (
    "conftest.py",
    "sitecustomize.py",
    "usercustomize.py",
    "*.pth",
    "*.pyc",
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
    "pyproject.toml",
)
DROPPED_DIRS = ("__pycache__", ".pytest_cache", ".git", ".mypy_cache", ".hypothesis", "node_modules")

# Runs in the agent's sandbox after kill_all, under ``python3 -I -S`` from ``/``: it writes nothing (the
# disk may be full, /tmp and the workspace may be read-only), never follows a symlink, never blocks on
# a FIFO, and turns everything the agent can arrange (unreadable files and directories, deep nesting,
# millions of entries, odd names) into a reason in ``skipped`` instead of an error. Its output stays
# under ``out_cap``: contents that do not fit are listed in ``later`` and fetched one by one.
_WALK = r"""
import base64, itertools, json, os, stat, sys
root, max_file, max_total, max_entries, out_cap = sys.argv[1], *map(int, sys.argv[2:6])
skip_dirs = set(json.loads(sys.argv[6]))
files, later, skipped = {}, [], []
total = entries = 0
room = out_cap - 200
MAX_REASONS = 200


def skip(rel, why):
    global room
    if len(skipped) < MAX_REASONS:
        skipped.append([rel, why])
        room -= len(rel) + len(why) + 8


stack = [""]
while stack:
    rel_dir = stack.pop()
    try:
        with os.scandir(os.path.join(root, rel_dir)) as it:
            listing = sorted(itertools.islice(it, max_entries - entries + 1), key=lambda e: e.name)
    except OSError as exc:
        skip(rel_dir or ".", "unreadable directory (%s)" % exc.strerror)
        continue
    for entry in listing:
        rel = os.path.join(rel_dir, entry.name) if rel_dir else entry.name
        entries += 1
        if entries > max_entries or room < 1000:
            skip(rel_dir or ".", "too many files: the rest of the workspace was left out")
            stack = []
            break
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            skip(rel, "unreadable (%s)" % exc.strerror)
            continue
        if stat.S_ISLNK(st.st_mode):
            try:
                target = os.readlink(entry.path)[:200]
            except OSError:
                target = "?"
            skip(rel, "symlink -> " + target)
        elif stat.S_ISDIR(st.st_mode):
            if entry.name not in skip_dirs:
                stack.append(rel)
        elif not stat.S_ISREG(st.st_mode):
            skip(rel, "not a regular file")
        elif st.st_size > max_file or total + st.st_size > max_total:
            skip(rel, "too large (%d bytes)" % st.st_size)
        else:
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError as exc:
                skip(rel, "unreadable (%s)" % exc.strerror)
                continue
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(max_file + 1) if st.st_size * 4 // 3 + len(rel) + 8 < room - 1000 else None
            total += st.st_size
            if data is None:
                later.append(rel)
                room -= len(rel) + 8
            else:
                files[rel] = base64.b64encode(data).decode()
                room -= len(files[rel]) + len(rel) + 8
sys.stdout.write(json.dumps({"files": files, "later": later, "skipped": skipped}))
"""


def is_dropped(path: str) -> bool:
    parts = path.split("/")
    if any(p in DROPPED_DIRS for p in parts[:-1]):
        return True
    return any(fnmatch.fnmatch(parts[-1], pattern) for pattern in DROPPED_NAMES)


@dataclass
class Snapshot:
    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    dropped: list[str] = field(default_factory=list)

    @property
    def tamper_signals(self) -> list[str]:
        """Things an honest solution has no reason to leave behind (reported, never rewarded)."""
        signals = [f"{p}: {why}" for p, why in self.skipped if why.startswith(("symlink", "unreadable"))]
        signals += [
            p for p in self.dropped if not any(d in p.split("/") for d in DROPPED_DIRS) and not p.endswith(".pyc")
        ]
        return signals


async def take_snapshot(
    sandbox: Sandbox,
    *,
    python: str = "/usr/bin/python3",
    workdir: str | None = None,
    max_file_bytes: int = 1_000_000,
    max_total_bytes: int = 8_000_000,
    max_entries: int = 20_000,
) -> Snapshot:
    """Kill the agent's processes, then copy the workspace's regular files out of ``sandbox``."""
    try:
        await sandbox.kill_all()  # a daemon left behind must not rewrite files while we read them
    except NotImplementedError:
        pass
    root = workdir or sandbox.spec.workdir
    out_cap = max(4096, sandbox.spec.output_bytes - 1024)
    result = await sandbox.exec(
        [
            python,
            "-I",
            "-S",
            "-c",
            _WALK,
            root,
            str(max_file_bytes),
            str(max_total_bytes),
            str(max_entries),
            str(out_cap),
            json.dumps(list(DROPPED_DIRS)),
        ],
        timeout=120,
        cwd="/",
    )
    if result.exit_code != 0 or result.truncated:
        # Nothing the agent left can get here (see _WALK): the sandbox itself failed.
        raise SandboxError(f"could not read the workspace for grading: {result.stderr[-500:]}")
    raw = json.loads(result.stdout)
    for rel in raw["later"]:
        try:
            raw["files"][rel] = await asyncio.wait_for(sandbox.read_file(f"{root}/{rel}", max_file_bytes), 120)
        except asyncio.TimeoutError:
            raise SandboxError("reading the workspace out of the sandbox timed out") from None
    snap = Snapshot(skipped=[tuple(s) for s in raw["skipped"]])
    for rel, content in raw["files"].items():
        if is_dropped(rel):
            snap.dropped.append(rel)
        else:
            snap.files[rel] = base64.b64decode(content) if isinstance(content, str) else content
    return snap


def snapshot_from_files(files: dict[str, str | bytes]) -> Snapshot:
    """The same filtering for files given directly (``POST /v1/grade`` with ``submission.files``)."""
    snap = Snapshot()
    for rel, content in files.items():
        rel = rel[2:] if rel.startswith("./") else rel
        if rel.startswith("/") or ".." in rel.split("/"):
            snap.skipped.append((rel, "path outside the workspace"))
        elif is_dropped(rel):
            snap.dropped.append(rel)
        else:
            snap.files[rel] = content.encode() if isinstance(content, str) else content
    return snap
