"""The processes behind the web runtime, read from ``/proc``: the Playwright driver and the browsers.

The Playwright driver (a Node.js process) is the runtime's child; when it dies, every browser it
launched goes with it and the Python client only learns of it at the next call. Knowing its pid
lets the runtime notice the death at once and start a new driver (``runtime.py``). Browsers carry
an inert marker switch (``--envgym-browser=...``), so one left behind by a killed process (its
driver gone) can be found and ended at start-up.

Example:
    >>> alive(os.getpid())
    True
"""

from __future__ import annotations

import os
import signal

DRIVER_MARK = b"run-driver"  # the driver's command line: node .../cli.js run-driver
BROWSER_MARK = b"--envgym-browser="


def _cmdline(pid: int) -> list[bytes]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().split(b"\0")
    except OSError:
        return []


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2 :].split()
    return fields[0].decode(), int(fields[1])


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting to be reaped has died)."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _pids() -> list[int]:
    return [int(e) for e in os.listdir("/proc") if e.isdigit()]


def driver_pids() -> set[int]:
    """This process's Playwright driver children."""
    me = os.getpid()
    out = set()
    for pid in _pids():
        stat = _stat(pid)
        if stat is not None and stat[1] == me and any(DRIVER_MARK in arg for arg in _cmdline(pid)):
            out.add(pid)
    return out


def _browsers() -> dict[int, tuple[bytes, int]]:
    """Running browser processes of ours (a marker switch, no ``--type=``): pid -> (marker, parent pid).

    A launcher script that does not ``exec`` (Debian's ``chromium-headless-shell``) carries the
    switches too, so a browser can be listed with its launcher as its parent."""
    uid = os.getuid()
    out = {}
    for pid in _pids():
        args = _cmdline(pid)
        mark = next((arg for arg in args if arg.startswith(BROWSER_MARK)), None)
        if mark is None or any(arg.startswith(b"--type=") for arg in args):
            continue
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
        except OSError:
            continue
        stat = _stat(pid)
        if stat is not None and stat[0] not in ("Z", "X"):
            out[pid] = (mark, stat[1])
    return out


def browser_pid(marker: str) -> int | None:
    """The browser process (not a renderer, a helper or its launcher) launched with this marker switch, if it runs."""
    needle = BROWSER_MARK + marker.encode()
    found = {pid: parent for pid, (mark, parent) in _browsers().items() if mark == needle}
    inner = set(found) - set(found.values())  # not the launcher of another
    return min(inner) if inner else None


def orphaned_browsers() -> list[int]:
    """Browser processes of ours (and their launchers) whose Playwright driver is gone: what a killed
    envgym process can leave behind. A browser launched by a live driver is never listed."""
    browsers = _browsers()
    out = []
    for pid in browsers:
        top = pid
        while browsers[top][1] in browsers:  # up through a launcher script
            top = browsers[top][1]
        if not any(DRIVER_MARK in arg for arg in _cmdline(browsers[top][1])):
            out.append(pid)
    return out


def end_orphaned_browsers() -> list[int]:
    """SIGKILL every orphaned browser (its renderers exit with it); returns their pids."""
    ended = []
    for pid in orphaned_browsers():
        try:
            os.kill(pid, signal.SIGKILL)
            ended.append(pid)
        except OSError:
            pass
    return ended
