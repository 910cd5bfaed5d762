"""Which process left a thing on the host, and whether it still runs (for sweeping what dead ones left).

A pid alone is reused; a pid with its start time (clock ticks since boot) names one process for good.

Example:
    >>> process_alive(os.getpid()), owner_tag().startswith(f"{os.getpid()}.")
    (True, True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable


def start_time(pid: int) -> str | None:
    """When ``pid`` started, in clock ticks since boot (field 22 of /proc/<pid>/stat); None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return stat[stat.rfind(b")") + 2 :].split()[19].decode()


def process_alive(pid: int, started: str | None = None) -> bool:
    """Whether ``pid`` is running (and, if given, is the process that started at ``started``)."""
    now = start_time(pid)
    return now is not None and (started is None or now == started)


def owner_tag() -> str:
    """``<pid>.<start time>`` of this process, for the names of what it creates on the host."""
    return f"{os.getpid()}.{start_time(os.getpid())}"


def remove_dead_owners(
    root: Path, pattern: str, owner: Callable[[str], tuple[int, str | None] | None], remove: Callable[[str], object]
) -> list[str]:
    """``remove`` the directories in ``root`` matching ``pattern`` that this user made and whose owner
    (``owner(name)``: pid and start time, None for a name without one) no longer runs; returns those
    gone now. Symlinks, other users' entries and those of live processes are never touched."""
    removed: list[str] = []
    try:
        entries = list(root.glob(pattern))
    except OSError:
        return removed
    for entry in entries:
        found = owner(entry.name)
        try:
            ours = entry.is_dir() and not entry.is_symlink() and entry.stat().st_uid == os.geteuid()
        except OSError:
            continue
        if ours and found is not None and not process_alive(*found):
            remove(str(entry))
            if not os.path.lexists(entry):
                removed.append(str(entry))
    return removed
