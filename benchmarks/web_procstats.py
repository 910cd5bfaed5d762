"""CPU time and memory of a process tree, from /proc (standard library only: the BrowserGym worker
imports it from its own virtual environment).

CPU is user + system time, including reaped children, of this process and all its descendants:
Python, the Playwright driver and every Chromium process. Unlike wall time, it barely depends on
what else the machine runs. Memory is the proportional set size (PSS): pages shared between
processes (Chromium's renderers share most of theirs) are split among them, so adding processes
up does not count a page twice.

The kernel counts a process's user and system time in 10 ms ticks, too coarse for one click step
(~25 ms spread over five processes). ``threads_cpu_seconds`` reads the scheduler's nanosecond
run-time counter of every live thread instead (``/proc/PID/task/TID/schedstat``): exact for a span in
which no process or thread of the tree ends, as in one step of an open episode.

    >>> tree_cpu_seconds() > 0 and tree_pss_mb() > 0
    True
    >>> threads_cpu_seconds(tree_pids()) > 0
    True
"""

from __future__ import annotations

import os


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        parents[int(entry)] = int(stat[stat.rfind(")") + 2 :].split()[1])
    out = []
    for pid in parents:
        p = pid
        while p > 1 and p != root:
            p = parents.get(p, 0)
        if p == root:
            out.append(pid)
    return out


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and of the children it reaped; 0 for a process gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_pids(root: int | None = None) -> list[int]:
    """This process (or ``root``) and all its descendants."""
    return _tree(root or os.getpid())


def threads_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds of every live thread of ``pids``, in the scheduler's nanoseconds (threads that
    ended are not counted: measure spans in which none do)."""
    total_ns = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
                    total_ns += int(fh.read().split()[0])
            except (OSError, IndexError, ValueError):
                continue
    return total_ns / 1e9


def tree_cpu_seconds(root: int | None = None) -> float:
    return sum(process_cpu_seconds(pid) for pid in tree_pids(root))


def tree_pss_mb(root: int | None = None) -> float:
    total_kb = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except OSError:
            continue
    return total_kb / 1024


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")
