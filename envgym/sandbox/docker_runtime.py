"""A Python for envgym's command server that works in any Linux image, python3 or not.

The docker provider drives a container through a small Python program (container_agent.py). A
task's own image (Harbor tasks: ``ubuntu:24.04``, ``node:20``, an Alpine image...) may have no
``python3``, or a too old one. This module packs the interpreter envgym itself runs on, its
standard library, the C libraries it links and the dynamic loader into an image
(``envgym-runtime:<hash>``, built once per host and Python), copies it into a named volume, and the
provider mounts that volume read-only at ``RUNTIME_MOUNT`` in image-mode containers. The server is
started through the bundled loader (``ld.so --library-path ...``), so nothing of the image's own
libraries is used, and nothing of the bundle reaches the commands it runs (no variable points at it).

Example:
    >>> server_argv("print(1)")[:3] == [f"{RUNTIME_MOUNT}/lib/ld.so", "--library-path", f"{RUNTIME_MOUNT}/lib"]
    True
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import threading
from pathlib import Path
from typing import Any

from envgym.protocol.errors import SandboxError

RUNTIME_MOUNT = "/.envgym-python"
IMAGE = "envgym-runtime"
LABEL = "envgym.runtime"
# Parts of the standard library the command server never imports (about half of its size).
SKIP = {
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "lib2to3",
    "pydoc_data",
    "site-packages",
    "dist-packages",
    "__phello__",
    "config-3.11-x86_64-linux-gnu",
}
_lock = threading.Lock()
_volumes: dict[str, str] = {}


def server_argv(source: str, *args: str) -> list[str]:
    """``python3 -c source args`` through the bundled loader and interpreter."""
    return [
        f"{RUNTIME_MOUNT}/lib/ld.so",
        "--library-path",
        f"{RUNTIME_MOUNT}/lib",
        f"{RUNTIME_MOUNT}/bin/python3",
        "-s",
        "-c",
        source,
        *args,
    ]


def _ldd(path: Path) -> dict[str, Path]:
    """soname → host path of the shared libraries ``path`` needs (the loader as ``ld.so``)."""
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout
    libs: dict[str, Path] = {}
    for line in out.splitlines():
        if m := re.match(r"\s*(\S+) => (/\S+)", line):
            libs[m.group(1)] = Path(m.group(2))
        elif m := re.match(r"\s*(/\S*ld-linux\S*)", line):
            libs["ld.so"] = Path(m.group(1))
    return libs


def bundle_members() -> dict[str, Path]:
    """In-bundle path → host file: the interpreter, its libraries, the loader, the standard library."""
    exe = Path(os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    dynload = Path(sysconfig.get_config_var("DESTSHARED") or stdlib / "lib-dynload")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    members: dict[str, Path] = {"bin/python3": exe}
    libs = _ldd(exe)
    for root, prefix in ((stdlib, f"lib/{version}"), (dynload, f"lib/{version}/lib-dynload")):
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if SKIP & set(rel.parts) or not path.is_file() or (root == stdlib and dynload in path.parents):
                continue
            members[f"{prefix}/{rel.as_posix()}"] = path
            if path.suffix == ".so":
                libs.update(_ldd(path))
    for name, path in libs.items():
        members[f"lib/{name}"] = Path(os.path.realpath(path))
    return members


def _context(members: dict[str, Path]) -> bytes:
    """A build context (tar) for a FROM-scratch image holding the bundle."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        dockerfile = f"FROM scratch\nCOPY bundle {RUNTIME_MOUNT}\nLABEL {LABEL}=1\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        for name, path in sorted(members.items()):
            info = tar.gettarinfo(str(path), arcname=f"bundle/{name}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = (
                0o755 if name in ("bin/python3", "lib/ld.so") or name.endswith(".so") or ".so." in name else 0o644
            )
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
    return buf.getvalue()


def ensure_volume(client: Any) -> str:
    """The name of a volume holding the bundle (built and filled on first use on this engine; the
    answer is kept for the process, whose interpreter does not change)."""
    engine = str(getattr(client.api, "base_url", ""))
    with _lock:
        if engine in _volumes:
            return _volumes[engine]
        members = bundle_members()
        probe = hashlib.sha256(
            repr(sorted((n, p.stat().st_size, int(p.stat().st_mtime)) for n, p in members.items())).encode()
        )
        key = probe.hexdigest()[:16]
        tag, volume = f"{IMAGE}:{key}", f"envgym-runtime-{key}"
        try:
            existing = {v.name for v in client.volumes.list(filters={"label": LABEL})}
            if volume in existing:
                _volumes[engine] = volume
                return volume
            try:
                client.images.get(tag)
            except Exception:  # noqa: BLE001 — not built yet
                context = _context(members)
                for chunk in client.api.build(
                    fileobj=io.BytesIO(context), custom_context=True, tag=tag, rm=True, decode=True, labels={LABEL: "1"}
                ):
                    if "error" in chunk:
                        raise SandboxError(str(chunk["error"]).strip())
                client.images.get(tag)
            client.volumes.create(volume, labels={LABEL: "1"})
            # A container mounting an empty volume copies the image's files at that path into it.
            client.containers.run(
                tag,
                server_argv("pass"),
                volumes={volume: {"bind": RUNTIME_MOUNT, "mode": "rw"}},
                remove=True,
                network_mode="none",
                labels={LABEL: "1"},
            )
        except Exception as exc:  # noqa: BLE001
            raise SandboxError(f"could not prepare envgym's Python runtime volume for containers: {exc}") from exc
        _volumes[engine] = volume
        return volume
