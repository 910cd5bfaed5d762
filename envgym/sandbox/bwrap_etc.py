"""The ``/etc`` a bwrap sandbox sees: a host directory prepared once and bound read-only in one mount.

A sandbox may see only an allowlist of host ``/etc`` entries (what dynamic linking, locales, Python
and TLS need; nothing holding credentials) plus a few synthetic files (``passwd``, ``hosts``...).
Binding each entry separately costs bwrap a mount per entry, about 6 ms of CPU per sandbox; copying
them into one directory and binding that costs one. The copy is refreshed whenever one of the host
entries changes (their modification times are compared at each ``path()``), and a sandbox keeps
the template it was started with even after a refresh removes it (the bind mount holds it).

Templates are directories of their own (``mkdtemp``) in ``/dev/shm``, world-readable because bwrap
may run as ``nobody``, writable by their owner only. One template per network mode serves the whole process; it is removed at exit, and
templates of processes that died without exiting are swept on the next start.

Example:
    >>> sorted(os.listdir(etc_template_path(isolated_network=True)))[:3]  # doctest: +SKIP
    ['alternatives', 'bash.bashrc', 'ca-certificates']
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

# Host /etc entries a sandbox may see: what dynamic linking, locales, Python and TLS need; nothing
# holding credentials (no shadow, ssh, pip.conf, npmrc, gitconfig, ssl/private, machine-id).
ETC_ALLOWLIST = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "timezone",
    "protocols", "services", "mime.types", "magic", "magic.mime", "os-release", "debian_version",
    "python3", "python3.11", "ssl/certs", "ca-certificates", "terminfo", "inputrc", "bash.bashrc",
    "gai.conf", "host.conf", "networks", "shells", "perl",
)
SYNTHETIC_ETC = {
    "passwd": "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "group": "root:x:0:\nnogroup:x:65534:\n",
    "hostname": "sandbox\n",
    "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n",
}
ISOLATED_NET_ETC = {
    "hosts": "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost ip6-loopback\n",
    "resolv.conf": "",
}
HOST_NET_ENTRIES = ("resolv.conf", "hosts")  # with network="host" the sandbox resolves like the host
PREFIX = "envgym-etc-"


def _templates_root() -> Path:
    # A tmpfs: a template holds ~700 symlinks, which a journaling disk creates a hundred times slower.
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


def _sweep(root: Path) -> None:
    """Remove our templates left by processes that are gone (the name holds the owner's pid)."""
    for entry in root.glob(f"{PREFIX}*"):
        pid = entry.name[len(PREFIX):].split("-")[0]
        try:
            ours = entry.is_dir() and not entry.is_symlink() and entry.stat().st_uid == os.geteuid()
        except OSError:
            continue
        if ours and pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)


class EtcTemplate:
    """One prepared ``/etc`` directory (per network mode), rebuilt when the host's entries change."""

    _swept = False

    def __init__(self, isolated_network: bool, source: Path = Path("/etc")) -> None:
        self.isolated_network = isolated_network
        self.source = source
        self._lock = threading.Lock()
        self._current: Path | None = None
        self._signature: tuple | None = None
        self._builds = 0

    def _entries(self) -> tuple[str, ...]:
        return ETC_ALLOWLIST if self.isolated_network else ETC_ALLOWLIST + HOST_NET_ENTRIES

    def _host_signature(self) -> tuple:
        signature = []
        for entry in self._entries():
            try:
                st = os.lstat(self.source / entry)
            except OSError:
                signature.append((entry, None))
                continue
            signature.append((entry, st.st_mtime_ns, st.st_size, st.st_ino))
        return tuple(signature)

    def path(self) -> str:
        """The template directory to bind at ``/etc`` (built or refreshed first if needed)."""
        signature = self._host_signature()
        with self._lock:
            if self._current is None or signature != self._signature or not self._current.is_dir():
                old, self._current = self._current, self._build()
                self._signature = signature
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)  # running sandboxes keep their bind mount
            return str(self._current)

    def _build(self) -> Path:
        root = _templates_root()
        if not EtcTemplate._swept:
            EtcTemplate._swept = True
            _sweep(root)
        self._builds += 1
        mode = "isolated" if self.isolated_network else "hostnet"
        # mkdtemp: a fresh, unpredictable name, created by us alone (the directory is shared with others).
        target = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-{mode}-{self._builds}-", dir=root))
        for entry in self._entries():
            src, dst = self.source / entry, target / entry
            if not os.path.lexists(src):
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir() and not src.is_symlink():
                shutil.copytree(src, dst, symlinks=True)
            else:
                shutil.copy2(src, dst, follow_symlinks=False)
        synthetic = dict(SYNTHETIC_ETC, **(ISOLATED_NET_ETC if self.isolated_network else {}))
        for name, text in synthetic.items():
            (target / name).write_text(text)
        for name in synthetic:
            os.chmod(target / name, 0o644)
        os.chmod(target, 0o755)  # bwrap may run as nobody; copied entries keep the host's modes
        return target

    def remove(self) -> None:
        with self._lock:
            if self._current is not None:
                shutil.rmtree(self._current, ignore_errors=True)
                self._current = None
                self._signature = None


_TEMPLATES: dict[bool, EtcTemplate] = {}
_TEMPLATES_LOCK = threading.Lock()


def etc_template_path(isolated_network: bool) -> str:
    """This process's template for the network mode (``network="none"`` or ``"host"``)."""
    with _TEMPLATES_LOCK:
        template = _TEMPLATES.get(isolated_network)
        if template is None:
            template = _TEMPLATES[isolated_network] = EtcTemplate(isolated_network)
            if len(_TEMPLATES) == 1:
                atexit.register(_remove_all)
    return template.path()


def _remove_all() -> None:
    for template in list(_TEMPLATES.values()):
        template.remove()
