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

from envgym_terminal.taskfmt import MAX_BUNDLE_BYTES, TaskFormatError


def pack_dir(root: Path, *, exclude: tuple[str, ...] = ()) -> str:
    """A directory as base64 of a gzipped tar, paths relative to ``root``; modes are kept."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6) as tar:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if rel.split("/")[0] in exclude or "__pycache__" in rel.split("/"):
                continue
            if path.is_symlink() or path.is_file() or path.is_dir():
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
        raise TaskFormatError(f"{root}: {len(data)} bytes packed, more than the {MAX_BUNDLE_BYTES} a task may carry",
                              details={"file": str(root), "field": None})
    return base64.b64encode(data).decode("ascii")


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
