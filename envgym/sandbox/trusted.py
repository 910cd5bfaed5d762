"""The verifier's place inside a sandbox: directories the sandbox's own processes cannot list or write.

A check (``tests/test.sh``) runs inside the agent's sandbox, as the agent's user, and often runs the
agent's programs. Its files (hidden tests, the reward location, helpers) therefore live under a
*trusted root* that belongs to a user the sandbox does not have: its processes may enter a directory
there by a name they know (mode 0711) but cannot list it, create anything in it, or change its mode.
Each grading gets a fresh directory with an unguessable name; inside it the verifier chooses further
unguessable names, so a program the check runs on the agent's behalf cannot find the reward location.

This module is the host side used by the bwrap provider: the trusted root is a host directory owned
by the host's root, bind-mounted at ``TRUSTED_MOUNT`` in the sandbox. (The Docker provider does the
same inside its container with a root-owned tmpfs; see container_agent.py.) Every bwrap sandbox is a
fork of its provider's template (bwrap_template.py), so the mount is made there: each template gets
a ``TrustedBase`` (``HOST_BASE/<owner pid>.<start time>-<random>``), bound at ``TEMPLATE_MOUNT`` in the
template; for each sandbox the host makes ``<base>/<random>`` (a ``HostTrustedArea``) before asking for
the fork, and the forked child binds that one directory at ``TRUSTED_MOUNT`` in its new root before it
pivots into it, so the template's mount (and every other sandbox's area) is gone from the sandbox's
mount namespace with the old root. The guarantee needs the host user to differ from the sandbox's:
when envgym runs as root, bwrap runs as ``nobody`` and the files here belong to root. A non-root
envgym runs bwrap as itself, and then ``protected`` is False. What a killed process leaves here is
removed by ``remove_orphans`` (the provider's ``recover()``) once its owner is dead, never before.

Archives given to ``install`` use one convention for ownership: members whose ``uname`` is
``SANDBOX_OWNER`` belong to the sandbox's user (writable by the check), every other member to the
trusted owner (read-only to the sandbox).

Example:
    >>> len(fresh_name()), TRUSTED_MOUNT, owner_of("4242.99-ab") == (4242, "99")
    (32, '/.envgym', True)
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import secrets
import shutil
import stat
import sys
import tarfile
from pathlib import Path
from typing import Callable

from envgym.protocol.errors import SandboxError
from envgym.sandbox.owners import owner_tag, remove_dead_owners

TRUSTED_MOUNT = "/.envgym"  # in-sandbox path of the trusted root, on every provider that has one
TEMPLATE_MOUNT = "/.envgym-all"  # bwrap: where a template sees its TrustedBase (never inside a sandbox)
SANDBOX_OWNER = "sandbox"  # tar uname of members the sandbox's user must own
# tmpfs: its pages are charged to the sandbox's memory cgroup. One per host user, so that users of
# a shared machine never depend on (or trust) each other's directory.
HOST_BASE = Path(f"/dev/shm/envgym-trusted-{os.geteuid()}")


class TrustedFileError(SandboxError):
    """A file in the trusted area that is not a plain regular file (symlink, FIFO, directory...)."""


def fresh_name() -> str:
    return secrets.token_hex(16)


def _base_dir() -> Path:
    """The host directory holding every sandbox's trusted root: root-owned 0711, never a symlink."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(HOST_BASE, 0o711)
    info = os.lstat(HOST_BASE)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise SandboxError(
            f"{HOST_BASE} is not a directory owned by this user and writable by nobody else; "
            "remove it (another user may have planted it)"
        )
    os.chmod(HOST_BASE, 0o711)
    return HOST_BASE


def extract(tar_gz: bytes, dest: str, sandbox_uid: int | None) -> None:
    """Unpack a verifier-built archive into ``dest`` (a fresh directory nothing else can write yet).
    Members named absolutely or with ``..`` are refused; symlinks are made last, so no member is
    written through one; members owned by ``SANDBOX_OWNER`` are handed to ``sandbox_uid``."""
    with tarfile.open(fileobj=io.BytesIO(tar_gz), mode="r:gz") as tar:
        members = tar.getmembers()
        for member in members:
            parts = member.name.split("/")
            if member.name.startswith("/") or ".." in parts:
                raise SandboxError(f"refusing archive member {member.name!r}")
        links = [m for m in members if m.issym()]
        for member in members:
            if member.isdir() or member.isfile():
                tar.extract(member, dest, set_attrs=False)
                target = os.path.join(dest, member.name)
                os.chmod(target, member.mode & 0o7777)
                if sandbox_uid is not None and member.uname == SANDBOX_OWNER:
                    os.chown(target, sandbox_uid, sandbox_uid)
        for member in links:
            os.symlink(member.linkname, os.path.join(dest, member.name))


def open_beneath(root: str, parts: list[str], flags: int) -> int:
    """Open ``root/parts...`` without following a symlink anywhere below ``root`` (a process of the
    sandbox may have replaced any sandbox-owned entry with one). Returns a descriptor."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for part in parts[:-1]:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return os.open(parts[-1], flags | os.O_NOFOLLOW, dir_fd=fd)
    finally:
        os.close(fd)


def read_regular(root: str, parts: list[str], max_bytes: int) -> bytes | None:
    """The first ``max_bytes`` of a regular file below ``root`` (None if it does not exist). Never
    follows a symlink, never blocks on a FIFO; anything but a regular file raises TrustedFileError."""
    try:
        fd = open_beneath(root, parts, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise TrustedFileError(f"{'/'.join(parts)} is a symbolic link or below one, not a regular file") from None
        raise TrustedFileError(f"{'/'.join(parts)} cannot be read: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise TrustedFileError(f"{'/'.join(parts)} is not a regular file")
        chunks, left = [], max_bytes
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class TrustedBase:
    """The host directory holding the trusted roots of one template's sandboxes (bwrap), named after
    this process (``<pid>.<start time>``) so that ``remove_orphans`` knows when it outlived its owner."""

    def __init__(self, sandbox_uid: int | None) -> None:
        self.sandbox_uid = sandbox_uid
        self.host = str(_base_dir() / f"{owner_tag()}-{fresh_name()}")
        os.mkdir(self.host, 0o711)
        os.chmod(self.host, 0o711)

    def area(self) -> "HostTrustedArea":
        """A new, empty trusted root for one sandbox."""
        try:
            return HostTrustedArea(self.host, self.sandbox_uid)
        except OSError as exc:
            raise SandboxError(f"cannot make the sandbox's trusted area: {exc}") from exc

    def destroy(self) -> None:
        remove_tree(self.host)


class HostTrustedArea:
    """One sandbox's trusted root on the host: ``host`` here is ``source`` in the template (bound
    at start) and ``mount`` inside the sandbox."""

    def __init__(self, base: str, sandbox_uid: int | None) -> None:
        self.sandbox_uid = sandbox_uid
        # Only a different owner keeps the sandbox out; as the same user it could chmod its way in.
        self.protected = sandbox_uid is not None and sandbox_uid != os.geteuid()
        self.mount = TRUSTED_MOUNT
        name = fresh_name()
        self.host = os.path.join(base, name)
        self.source = f"{TEMPLATE_MOUNT}/{name}"
        os.mkdir(self.host, 0o711)
        os.chmod(self.host, 0o711)  # whatever the umask

    def _rel(self, path: str) -> list[str]:
        prefix = self.mount.rstrip("/") + "/"
        if not path.startswith(prefix):
            raise SandboxError(f"{path!r} is not under the trusted root {self.mount}")
        parts = [p for p in path[len(prefix) :].split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise SandboxError(f"bad trusted path {path!r}")
        return parts

    def install(self, name: str, tar_gz: bytes, exec_only: dict[str, str]) -> str:
        """A fresh 0711 directory holding the archive, plus an execute-only (0111, trusted-owned)
        copy of each ``exec_only`` source (an in-sandbox path of the host's read-only system
        directories): a process started from such a copy cannot read its own executable, so the
        kernel makes it non-dumpable and processes of the sandbox cannot read its memory, file
        descriptors or environment through /proc."""
        if not re.fullmatch(r"[A-Za-z0-9_.-]{16,128}", name) or name.startswith("."):
            raise SandboxError(f"bad trusted directory name {name!r}")
        dest = os.path.join(self.host, name)
        os.mkdir(dest, 0o711)  # FileExistsError for a name in use
        try:
            extract(tar_gz, dest, self.sandbox_uid)
            for rel, source in exec_only.items():
                if not os.path.exists(source):
                    continue
                target = os.path.join(dest, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(os.path.realpath(source), target)
                os.chmod(target, 0o111)
            os.chmod(dest, 0o711)
        except BaseException:
            remove_tree(dest)
            raise
        return f"{self.mount}/{name}"

    def read(self, path: str, max_bytes: int) -> bytes | None:
        return read_regular(self.host, self._rel(path), max_bytes)

    def remove(self, path: str) -> None:
        parts = self._rel(path)
        if len(parts) != 1:
            raise SandboxError("only a whole installed directory can be removed")
        remove_tree(os.path.join(self.host, parts[0]))

    def destroy_if_empty(self) -> bool:
        """Remove the area if nothing is left in it (a sandbox nobody graded in): True when it is gone.
        Costs one rmdir, so a closing sandbox needs no thread for it."""
        try:
            os.rmdir(self.host)
        except FileNotFoundError:
            pass
        except OSError:
            return False
        return True

    def destroy(self) -> None:
        """Remove the whole area, whatever is in it."""
        remove_tree(self.host)


def remove_tree(path: str) -> None:
    """Delete ``path`` and everything below it. A process of an unprotected sandbox (one running as
    this very user) can make directories unwritable or unsearchable (``chmod 000``); as their owner
    we open them up again (once each), so nothing stays behind because of that."""

    def reopen(_func: object, failed: str, _exc: object) -> None:
        opened = False
        for target in {os.path.dirname(failed), failed}:
            with contextlib.suppress(OSError):
                mode = os.lstat(target).st_mode
                if stat.S_ISDIR(mode) and mode & 0o700 != 0o700:
                    os.chmod(target, 0o700)
                    opened = True
        if not opened:
            return  # nothing we can change: leave it (and the caller will see it still exists)
        if os.path.isdir(failed) and not os.path.islink(failed):
            _rmtree(failed, reopen)
        else:
            with contextlib.suppress(OSError):
                os.unlink(failed)

    if os.path.lexists(path):
        _rmtree(path, reopen)


def _rmtree(path: str, handler: Callable[[object, str, object], None]) -> None:
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=handler)
    else:
        shutil.rmtree(path, onerror=handler)


def owner_of(name: str) -> tuple[int, str | None] | None:
    """The owner of a directory under ``HOST_BASE``: ``(pid, start time)`` for ``<pid>.<start>-<random>``,
    ``(pid, None)`` for names of older versions (``<pid>-<random>``), None for anything else."""
    owner = name.split("-", 1)[0]
    pid, _, started = owner.partition(".")
    if not pid.isdigit() or (started and not started.isdigit()):
        return None
    return int(pid), started or None


def remove_orphans(base: Path | None = None) -> list[str]:
    """Trusted roots whose envgym process is gone (it crashed or was killed), removed by the next
    ``recover()``. One of a live process is never touched: several envgym processes share a host."""
    return remove_dead_owners(base or HOST_BASE, "*", owner_of, remove_tree)
