"""The ``/etc`` a bwrap sandbox sees: an allowlist of the host's entries plus a few synthetic files.

The provider's template (``bwrap_template.py``) copies these entries from the host's ``/etc`` into
its own root when it starts, and binds that copy read-only into every sandbox: one mount per
sandbox, and no directory of envgym's on the host. ``host_signature()`` (modification times of the
allowlisted entries) tells the provider when the host changed one, so it starts a new template.

Older versions kept the prepared copy in ``/dev/shm`` (``envgym-etc-<pid>-...``);
``sweep_stale_templates()`` removes those whose process is gone (the provider's ``recover()``).

Example:
    >>> "shadow" in ETC_ALLOWLIST, "ld.so.cache" in ETC_ALLOWLIST
    (False, True)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import partial
from pathlib import Path

from envgym.sandbox.owners import remove_dead_owners

# Host /etc entries a sandbox may see: what dynamic linking, locales, Python and TLS need; nothing
# holding credentials (no shadow, ssh, pip.conf, npmrc, gitconfig, ssl/private, machine-id).
ETC_ALLOWLIST = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "timezone",
    "protocols",
    "services",
    "mime.types",
    "magic",
    "magic.mime",
    "os-release",
    "debian_version",
    "python3",
    "python3.11",
    "ssl/certs",
    "ca-certificates",
    "terminfo",
    "inputrc",
    "bash.bashrc",
    "gai.conf",
    "host.conf",
    "networks",
    "shells",
    "perl",
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
LEGACY_PREFIX = "envgym-etc-"


def host_signature(source: Path = Path("/etc")) -> tuple[tuple[object, ...], ...]:
    """What the allowlisted host entries look like now (a change means the copy is stale)."""
    signature: list[tuple[object, ...]] = []
    for entry in ETC_ALLOWLIST + HOST_NET_ENTRIES:
        try:
            st = os.lstat(source / entry)
        except OSError:
            signature.append((entry, None))
            continue
        signature.append((entry, st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(signature)


def sweep_stale_templates(roots: tuple[Path, ...] | None = None) -> list[str]:
    """Remove ``/etc`` templates that older envgym versions left in /dev/shm (or the temp dir) when
    their process died; the name holds the owner's pid. A live owner's template is never touched."""
    removed: list[str] = []
    for root in roots or (Path("/dev/shm"), Path(tempfile.gettempdir())):
        removed += remove_dead_owners(
            root, f"{LEGACY_PREFIX}*", _legacy_owner, partial(shutil.rmtree, ignore_errors=True)
        )
    return removed


def _legacy_owner(name: str) -> tuple[int, None] | None:
    pid = name[len(LEGACY_PREFIX) :].split("-")[0]
    return (int(pid), None) if pid.isdigit() else None
