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
import secrets
from dataclasses import dataclass, field

from envgym.errors import SandboxError
from envgym.sandbox.base import Sandbox

DROPPED_NAMES = ("conftest.py", "sitecustomize.py", "usercustomize.py", "*.pth", "*.pyc", "pytest.ini", "tox.ini",
                 "setup.cfg", "pyproject.toml", ".envgym-snapshot-*")
DROPPED_DIRS = ("__pycache__", ".pytest_cache", ".git", ".mypy_cache", ".hypothesis", "node_modules")

_WALK = r'''
import base64, json, os, stat, sys
root, out, max_file, max_total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
skip_dirs, inline_cap = set(json.loads(sys.argv[5])), int(sys.argv[6])
files, skipped, total = {}, [], 0
for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
    keep = []
    for d in dirnames:
        full = os.path.join(dirpath, d)
        if os.path.islink(full):
            skipped.append([os.path.relpath(full, root), "symlink"])
        elif d not in skip_dirs:
            keep.append(d)
    dirnames[:] = sorted(keep)
    for name in sorted(filenames):
        full = os.path.join(dirpath, name)
        rel = os.path.relpath(full, root)
        if full == out:
            continue
        st = os.lstat(full)
        if stat.S_ISLNK(st.st_mode):
            skipped.append([rel, "symlink -> " + os.readlink(full)[:200]])
        elif not stat.S_ISREG(st.st_mode):
            skipped.append([rel, "not a regular file"])
        elif st.st_size > max_file or total + st.st_size > max_total:
            skipped.append([rel, "too large (%d bytes)" % st.st_size])
        else:
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(max_file + 1)
            total += len(data)
            files[rel] = base64.b64encode(data).decode()
data = json.dumps({"files": files, "skipped": skipped})
if len(data) < inline_cap:
    sys.stdout.write(data)
else:
    with open(out, "w") as fh:
        fh.write(data)
'''


def is_dropped(path: str) -> bool:
    parts = path.split("/")
    if any(p in DROPPED_DIRS for p in parts[:-1]):
        return True
    return any(fnmatch.fnmatch(parts[-1], pattern) for pattern in DROPPED_NAMES)


@dataclass
class Snapshot:
    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (path, why)
    dropped: list[str] = field(default_factory=list)

    @property
    def tamper_signals(self) -> list[str]:
        """Things an honest solution has no reason to leave behind (reported, never rewarded)."""
        signals = [f"{p}: {why}" for p, why in self.skipped if why.startswith("symlink")]
        signals += [p for p in self.dropped if not any(d in p.split("/") for d in DROPPED_DIRS) and not p.endswith(".pyc")]
        return signals


async def take_snapshot(sandbox: Sandbox, *, python: str = "/usr/bin/python3", workdir: str | None = None,
                        max_file_bytes: int = 1_000_000, max_total_bytes: int = 8_000_000) -> Snapshot:
    """Kill the agent's processes, then copy the workspace's regular files out of ``sandbox``."""
    try:
        await sandbox.kill_all()  # a daemon left behind must not rewrite files while we read them
    except NotImplementedError:
        pass
    root = workdir or sandbox.spec.workdir
    out_name = f".envgym-snapshot-{secrets.token_hex(8)}.json"
    # Small workspaces come back on stdout (one round trip); bigger ones through a file in the workspace.
    inline_cap = max(0, sandbox.spec.output_bytes - 1024)
    result = await sandbox.exec([python, "-I", "-S", "-c", _WALK, root, f"{root}/{out_name}", str(max_file_bytes),
                                 str(max_total_bytes), json.dumps(list(DROPPED_DIRS)), str(inline_cap)], timeout=60)
    if result.exit_code != 0 or result.truncated:
        raise SandboxError(f"could not read the workspace for grading: {result.stderr[-500:]}")
    if result.stdout:
        raw = json.loads(result.stdout)
    else:
        try:
            raw = json.loads(await asyncio.wait_for(sandbox.read_file(out_name), 120))
        except asyncio.TimeoutError:
            raise SandboxError("reading the workspace snapshot out of the sandbox timed out") from None
    snap = Snapshot(skipped=[tuple(s) for s in raw["skipped"]])
    for rel, b64 in raw["files"].items():
        if is_dropped(rel):
            snap.dropped.append(rel)
        else:
            snap.files[rel] = base64.b64decode(b64)
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
