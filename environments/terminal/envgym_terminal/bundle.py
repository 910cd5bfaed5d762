"""Task files in transit: a directory packed as a gzipped tar (base64 inside the Task record), and
Harbor's fixed paths rewritten to the places envgym uses.

Files reach the sandbox as a tar stream on the stdin of one command, so they land exactly where
that command's shell sees them, whatever the sandbox provider maps where.

Example:
    >>> rewrite_paths("cat /tests/expected.txt > /logs/verifier/reward.txt", {"/tests": "/tmp/g/tests"})
    'cat /tmp/g/tests/expected.txt > /logs/verifier/reward.txt'
"""

from __future__ import annotations

import base64
import io
import re
import tarfile
from pathlib import Path
from typing import Callable

from envgym_terminal.taskfmt import MAX_BUNDLE_BYTES, TaskFormatError

IGNORE_FILE = ".harborignore"


def _ignored(root: Path) -> "Callable[[str], bool]":
    """Harbor's ``.harborignore`` files under ``root`` (gitignore rules, each for its own directory)
    as a predicate on paths relative to ``root``; the ignore files themselves are left out too."""
    from pathspec import GitIgnoreSpec

    specs = []
    for ignore in sorted(root.rglob(IGNORE_FILE)):
        base = ignore.parent.relative_to(root).as_posix()
        lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
        specs.append(("" if base == "." else base + "/", GitIgnoreSpec.from_lines(lines)))

    def ignored(rel: str, is_dir: bool = False) -> bool:
        if rel.rsplit("/", 1)[-1] == IGNORE_FILE:
            return True
        for base, spec in specs:
            if rel.startswith(base) and spec.match_file(rel[len(base) :] + ("/" if is_dir else "")):
                return True
        return False

    return ignored


def pack_dirs(*roots: Path | None, exclude: tuple[str, ...] = ()) -> str:
    """Directories laid over one another (a later one's files replace an earlier one's), as base64
    of a gzipped tar with paths relative to each root; modes kept, ``.harborignore`` rules applied."""
    members: dict[str, Path] = {}
    for root in roots:
        if root is None or not root.is_dir():
            continue
        ignored = _ignored(root)
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            parts = rel.split("/")
            if parts[0] in exclude or "__pycache__" in parts:
                continue
            if any(ignored("/".join(parts[:i]), True) for i in range(1, len(parts))) or ignored(rel, path.is_dir()):
                continue
            if path.is_symlink() or path.is_file() or path.is_dir():
                members[rel] = path
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6) as tar:
        for rel in sorted(members):
            path = members[rel]
            info = tar.gettarinfo(str(path), arcname=rel)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0  # the same directory always packs to the same bytes
            if info.isfile():
                with open(path, "rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    data = buf.getvalue()
    if len(data) > MAX_BUNDLE_BYTES:
        where = ", ".join(str(r) for r in roots if r is not None)
        raise TaskFormatError(
            f"{where}: {len(data)} bytes packed, more than the {MAX_BUNDLE_BYTES} a task may carry",
            details={"file": where, "field": None},
        )
    return base64.b64encode(data).decode("ascii")


def pack_dir(root: Path, *, exclude: tuple[str, ...] = ()) -> str:
    """One directory as base64 of a gzipped tar (see ``pack_dirs``)."""
    return pack_dirs(root, exclude=exclude)


def _prefix_re(prefix: str) -> re.Pattern[str]:
    # The prefix must start a path (not be the tail of /app/tests) and end at a path boundary.
    return re.compile(r"(?<![\w./~$-])" + re.escape(prefix) + r"(?=/|\b|$)")


def rewrite_paths(text: str, mapping: dict[str, str]) -> str:
    """Replace absolute path prefixes (``/tests``, ``/logs``, ``/solution``) where they start a path."""
    for prefix, target in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
        text = _prefix_re(prefix).sub(lambda _m, t=target: t, text)
    return text


def unpack_rewritten(b64: str, mapping: dict[str, str]) -> bytes:
    """Re-pack a bundle with Harbor's fixed paths rewritten in its text files (binary files are kept)."""
    src = tarfile.open(fileobj=io.BytesIO(base64.b64decode(b64)), mode="r:gz")
    out = io.BytesIO()
    with src, tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as dst:
        for info in src.getmembers():
            if not info.isfile():
                dst.addfile(info)
                continue
            data = src.extractfile(info).read()  # type: ignore[union-attr]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                dst.addfile(info, io.BytesIO(data))
                continue
            new = rewrite_paths(text, mapping).encode("utf-8")
            info.size = len(new)
            dst.addfile(info, io.BytesIO(new))
    return out.getvalue()
