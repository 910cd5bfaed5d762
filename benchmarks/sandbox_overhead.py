"""Sandbox overhead: opening a sandbox against a raw bwrap start, commands against direct spawns, guards.

1. **Open.** ``provider.create()`` against a raw ``bwrap`` start with the same namespaces (user, PID,
   IPC, UTS, network, cgroup), a size-capped tmpfs root, ``/usr`` read-only, ``/proc`` and ``/dev``,
   running ``/usr/bin/true`` as ``nobody`` (what envgym's bwrap runs as when it is root): spawn to
   exit. Interleaved run by run, so load from other processes hits both alike. Latency p50/p95 and
   CPU per open: all processes of this benchmark (the provider's template and every sandbox
   included) are counted in a cpuacct cgroup of their own; the raw bwraps in another. The
   template's one-time start is not counted; its share of each open is. Closing is reported apart.
2. **Commands.** ``true`` and ``python3 -c pass`` spawned directly (as the process provider does)
   and in a sandbox, and ``exec_python("pass")`` (a fork of the sandbox's interpreter).
3. **Guards** (how fast a limit acts; these were wall-clock bounds in tests, which check behaviour
   only): an exec's timeout to its return, a killed supervisor to the exec's return, the CPU limit
   to the kill, and a grading whose solution stopped the zygote to its end.

Usage:
    .venv/bin/python benchmarks/sandbox_overhead.py [--provider bwrap] [--runs 200] [--no-guards]
It asserts nothing; it prints figures and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import time
from pathlib import Path

from envgym.sandbox import SandboxSpec, get_provider
from envgym.sandbox.bwrap import _system_dir_args
from envgym.sandbox.runner import BASE_ENV, run_process

CPUACCT = Path("/sys/fs/cgroup/cpuacct")
NOBODY = 65534


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class CpuGroup:
    """A cpuacct cgroup (when the host has one and this runs as root): CPU seconds of its members."""

    def __init__(self, name: str) -> None:
        self.path: Path | None = None
        if os.geteuid() == 0 and (CPUACCT / "cpuacct.usage").exists():
            self.path = CPUACCT / f"envgym-bench-{os.getpid()}-{name}"
            self.path.mkdir(exist_ok=True)

    def join(self, pid: int) -> None:
        if self.path:
            (self.path / "cgroup.procs").write_text(str(pid))

    def seconds(self) -> float:
        return int((self.path / "cpuacct.usage").read_text()) / 1e9 if self.path else float("nan")

    def remove(self) -> None:
        if self.path:
            for _ in range(100):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.05)  # teardown: the last members are still exiting


def raw_bwrap_argv() -> list[str]:
    return [
        shutil.which("bwrap") or "/usr/bin/bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-net",
        "--unshare-cgroup-try",
        "--uid",
        "0",
        "--gid",
        "0",
        "--die-with-parent",
        "--new-session",
        "--size",
        str(512 << 20),
        "--tmpfs",
        "/",
        *_system_dir_args(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--chdir",
        "/",
        "--",
        "/usr/bin/true",
    ]


def raw_bwrap(argv: list[str], group: CpuGroup) -> None:
    def preexec() -> None:
        group.join(os.getpid())
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)

    done = subprocess.run(
        argv, preexec_fn=preexec, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/"
    )
    assert done.returncode == 0, done.stderr


async def opens(provider, runs: int) -> dict:
    ours, raw = CpuGroup("envgym"), CpuGroup("raw")
    ours.join(os.getpid())
    argv = raw_bwrap_argv()
    spec = SandboxSpec()
    warm = await provider.create(spec)  # starts the template: a one-time cost, not an open's
    await warm.close()
    for _ in range(5):
        raw_bwrap(argv, raw)
    raw_t, open_t, boxes = [], [], []
    spawn_cpu = 0.0  # this process's own work to start the raw bwraps: theirs, not envgym's
    ours0, raw0 = ours.seconds(), raw.seconds()
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        raw_bwrap(argv, raw)
        t1, c1 = time.perf_counter(), time.process_time()
        boxes.append(await provider.create(spec))
        t2 = time.perf_counter()
        spawn_cpu += c1 - c0
        raw_t.append(t1 - t0)
        open_t.append(t2 - t1)
    ours1, raw1 = ours.seconds(), raw.seconds()
    close_t = []
    for box in boxes:
        t0 = time.perf_counter()
        await box.close()
        close_t.append(time.perf_counter() - t0)
    ours2 = ours.seconds()
    await provider.aclose()
    if ours.path:
        (CPUACCT / "cgroup.procs").write_text(str(os.getpid()))
    ours.remove()
    raw.remove()
    return {
        "raw": raw_t,
        "open": open_t,
        "close": close_t,
        "raw_cpu": (raw1 - raw0 + spawn_cpu) / runs,
        "open_cpu": (ours1 - ours0 - spawn_cpu) / runs,
        "close_cpu": (ours2 - ours1) / runs,
    }


async def unsandboxed(argv: list[str]) -> None:
    res = await run_process(argv, stdin=None, timeout=60, cwd="/tmp", env=dict(BASE_ENV), output_bytes=1_000_000)
    assert res.exit_code == 0, res


async def commands(provider, runs: int) -> list[tuple[str, list[float], list[float]]]:
    box = await provider.create()
    rows = []
    cases = [
        ("true", ["/usr/bin/true"], lambda: box.exec(["/usr/bin/true"])),
        ("python3 -c pass", ["/usr/bin/python3", "-c", "pass"], lambda: box.exec(["/usr/bin/python3", "-c", "pass"])),
        ("exec_python('pass')", ["/usr/bin/python3", "-I", "-S", "-c", "pass"], lambda: box.exec_python("pass")),
    ]
    try:
        for label, argv, boxed_call in cases:
            direct, boxed = [], []
            for i in range(runs + 5):
                t0 = time.perf_counter()
                await unsandboxed(argv)
                t1 = time.perf_counter()
                res = await boxed_call()
                t2 = time.perf_counter()
                assert res.exit_code == 0, res
                if i >= 5:
                    direct.append(t1 - t0)
                    boxed.append(t2 - t1)
            rows.append((label, direct, boxed))
    finally:
        await box.close()
    return rows


async def guards(provider) -> list[tuple[str, float]]:
    box = await provider.create(SandboxSpec(cpu_seconds=1))
    try:
        timed = await box.exec("sleep 30", timeout=0.5)
        supervisor = await box.exec("kill -9 $PPID; sleep 30")
        cpu = await box.exec(["/usr/bin/python3", "-c", "while True: pass"], timeout=60)
    finally:
        await box.close()
    rows = [
        ("exec timeout (0.5 s) → its return, past the deadline", timed.duration_s - 0.5),
        ("killed supervisor → the exec's return", supervisor.duration_s),
        ("CPU limit (1 s of CPU) → the command's end", cpu.duration_s),
    ]
    try:
        rows.append(("grading whose solution stopped the zygote → its end", await _stopped_zygote_grading()))
    except ImportError:
        pass  # envgym-coding is not installed
    return rows


async def _stopped_zygote_grading() -> float:
    from envgym.kernel.context import EnvContext
    from envgym.protocol import Action
    from envgym_coding import CodingEnvironment

    ctx = EnvContext(sandbox="bwrap")
    env = CodingEnvironment("repo", context=ctx)
    stop = (
        "/usr/bin/python3 - <<'EOF'\np = 'cachelib/__init__.py'\nsource = open(p).read()\n"
        "open(p, 'w').write('import os, signal\\nos.kill(os.getppid(), signal.SIGSTOP)\\n' + source)\nEOF"
    )
    try:
        await env.reset(CodingEnvironment.get_task("repo", "lru-cache-recency"))
        await env.step(Action.call("bash", command=stop))
        started = time.perf_counter()
        await env.step(Action.call("submit"))
        return time.perf_counter() - started
    finally:
        await env.close()
        await ctx.aclose()


async def main(provider_name: str, runs: int, with_guards: bool) -> None:
    provider = get_provider(provider_name)
    ok, why = provider.available()
    if not ok:
        raise SystemExit(f"provider {provider_name!r} unavailable: {why}")
    ms = 1000.0
    o = await opens(get_provider(provider_name), runs)
    cmd_rows = await commands(provider, max(20, runs // 2))
    guard_rows = await guards(provider) if with_guards else []
    await provider.aclose()

    print(f"provider: {provider_name}   runs: {runs}   load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'open':<34}{'p50':>10}{'p95':>10}{'CPU/open':>11}")
    print(
        f"{'raw bwrap start (true)':<34}{pct(o['raw'], 0.5) * ms:>8.2f}ms{pct(o['raw'], 0.95) * ms:>8.2f}ms"
        f"{o['raw_cpu'] * ms:>9.2f}ms"
    )
    print(
        f"{'envgym sandbox open':<34}{pct(o['open'], 0.5) * ms:>8.2f}ms{pct(o['open'], 0.95) * ms:>8.2f}ms"
        f"{o['open_cpu'] * ms:>9.2f}ms"
    )
    print(
        f"{'ratio (target p50 <= 2)':<34}{pct(o['open'], 0.5) / pct(o['raw'], 0.5):>10.2f}"
        f"{pct(o['open'], 0.95) / pct(o['raw'], 0.95):>10.2f}{o['open_cpu'] / o['raw_cpu']:>11.2f}"
    )
    print(
        f"{'envgym sandbox close':<34}{pct(o['close'], 0.5) * ms:>8.2f}ms{pct(o['close'], 0.95) * ms:>8.2f}ms"
        f"{o['close_cpu'] * ms:>9.2f}ms"
    )
    print()
    print(f"{'command':<22}{'direct p50':>12}{'direct p95':>12}{'sandbox p50':>13}{'sandbox p95':>13}{'Δ p50':>10}")
    for label, direct, boxed in cmd_rows:
        print(
            f"{label:<22}{pct(direct, 0.5) * ms:>10.2f}ms{pct(direct, 0.95) * ms:>10.2f}ms{pct(boxed, 0.5) * ms:>11.2f}ms"
            f"{pct(boxed, 0.95) * ms:>11.2f}ms{(pct(boxed, 0.5) - pct(direct, 0.5)) * ms:>8.2f}ms"
        )
    if guard_rows:
        print()
        for label, seconds in guard_rows:
            print(f"{label:<58}{seconds * ms:>10.1f}ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", default="bwrap")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--no-guards", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.provider, args.runs, not args.no_guards))
