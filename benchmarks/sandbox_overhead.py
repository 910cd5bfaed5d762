"""Sandbox overhead: how much a sandboxed command costs over the same command run directly.

Prints, for ``true`` and ``/usr/bin/python3 -c pass``, p50/p95 latency unsandboxed and in the
sandbox (alternating run by run, so load from other processes hits both alike), the overhead, and
sandboxed executions per second with 1 and 16 in flight (16 in one sandbox and 16 spread over 16
sandboxes), plus the cost of creating and closing a sandbox. "Unsandboxed" is spawned the same way
the providers spawn: an asyncio subprocess with stdout/stderr pipes read to the end, a scrubbed
environment and a new session (``envgym.sandbox.runner.run_process``). It asserts nothing.

Usage:
    .venv/bin/python benchmarks/sandbox_overhead.py [--provider bwrap] [--runs 200] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import time

from envgym.sandbox import SandboxSpec, get_provider
from envgym.sandbox.bwrap import _system_dir_args
from envgym.sandbox.runner import BASE_ENV, run_process

COMMANDS = {"true": ["/usr/bin/true"], "python3 -c pass": ["/usr/bin/python3", "-c", "pass"]}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def unsandboxed(argv: list[str]) -> None:
    res = await run_process(argv, stdin=None, timeout=60, cwd="/tmp", env=dict(BASE_ENV), output_bytes=1_000_000)
    assert res.exit_code == 0, res


def _as_nobody() -> None:
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)


async def per_exec_bwrap(argv: list[str]) -> None:
    """The design not taken: a fresh bwrap (same namespaces, tmpfs root, read-only /usr) per exec."""
    bwrap = [shutil.which("bwrap") or "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session",
             "--size", str(512 << 20), "--tmpfs", "/", *_system_dir_args(), "--proc", "/proc", "--dev", "/dev",
             "--dir", "/workspace", "--chdir", "/workspace", "--"]
    res = await run_process(bwrap + argv, stdin=None, timeout=60, cwd="/", env=dict(BASE_ENV),
                            output_bytes=1_000_000, preexec_fn=_as_nobody)
    assert res.exit_code == 0, res


async def latency(box, argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    direct, boxed = [], []
    for _ in range(5):  # warm caches on both paths
        await unsandboxed(argv)
        await box.exec(argv)
    for _ in range(runs):
        t0 = time.perf_counter()
        await unsandboxed(argv)
        t1 = time.perf_counter()
        res = await box.exec(argv)
        t2 = time.perf_counter()
        assert res.exit_code == 0, res
        direct.append(t1 - t0)
        boxed.append(t2 - t1)
    return direct, boxed


async def throughput(run_one, in_flight: int, seconds: float) -> float:
    done = 0
    stop = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await run_one(i)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(in_flight)))
    return done / (time.perf_counter() - started)


async def main(provider_name: str, runs: int, seconds: float) -> None:
    provider = get_provider(provider_name)
    ok, why = provider.available()
    if not ok:
        raise SystemExit(f"provider {provider_name!r} unavailable: {why}")
    spec = SandboxSpec()
    ms = 1000.0

    creates = []
    for _ in range(20):
        t0 = time.perf_counter()
        box = await provider.create(spec)
        t1 = time.perf_counter()
        await box.close()
        creates.append((t1 - t0, time.perf_counter() - t1))

    box = await provider.create(spec)
    rows = []
    for label, argv in COMMANDS.items():
        direct, boxed = await latency(box, argv, runs if label == "true" else max(20, runs // 2))
        rows.append((label, pct(direct, .5), pct(direct, .95), pct(boxed, .5), pct(boxed, .95),
                     statistics.median(b - d for b, d in zip(boxed, direct))))

    true = COMMANDS["true"]
    per_exec = []
    for _ in range(max(20, runs // 2)):
        t0 = time.perf_counter()
        await per_exec_bwrap(true)
        per_exec.append(time.perf_counter() - t0)
    tp_direct_1 = await throughput(lambda i: unsandboxed(true), 1, seconds)
    tp_direct_16 = await throughput(lambda i: unsandboxed(true), 16, seconds)
    tp_1 = await throughput(lambda i: box.exec(true), 1, seconds)
    tp_16_one = await throughput(lambda i: box.exec(true), 16, seconds)
    boxes = await asyncio.gather(*(provider.create(spec) for _ in range(16)))
    tp_16_many = await throughput(lambda i: boxes[i].exec(true), 16, seconds)
    await asyncio.gather(*(b.close() for b in boxes))
    await box.close()
    await provider.aclose()

    print(f"provider: {provider_name}   runs: {runs} (python: {max(20, runs // 2)})   throughput window: {seconds}s")
    print()
    print(f"{'command':<18}{'direct p50':>12}{'direct p95':>12}{'sandbox p50':>13}{'sandbox p95':>13}"
          f"{'overhead p50':>14}{'overhead p95':>14}{'paired Δ p50':>14}")
    for label, d50, d95, b50, b95, paired in rows:
        print(f"{label:<18}{d50 * ms:>10.2f}ms{d95 * ms:>10.2f}ms{b50 * ms:>11.2f}ms{b95 * ms:>11.2f}ms"
              f"{(b50 - d50) * ms:>12.2f}ms{(b95 - d95) * ms:>12.2f}ms{paired * ms:>12.2f}ms")
    print(f"{'true, one bwrap/exec':<18}{'':>12}{'':>12}{pct(per_exec, .5) * ms:>11.2f}ms{pct(per_exec, .95) * ms:>11.2f}ms"
          f"{(pct(per_exec, .5) - rows[0][1]) * ms:>12.2f}ms   (design not taken, for comparison)")
    print()
    print(f"{'executions/s of true':<40}{'direct':>10}{'sandboxed':>12}")
    print(f"{'1 in flight':<40}{tp_direct_1:>10.0f}{tp_1:>12.0f}")
    print(f"{'16 in flight, one sandbox':<40}{tp_direct_16:>10.0f}{tp_16_one:>12.0f}")
    print(f"{'16 in flight, 16 sandboxes':<40}{tp_direct_16:>10.0f}{tp_16_many:>12.0f}")
    print()
    create_t = [c for c, _ in creates]
    close_t = [c for _, c in creates]
    print(f"sandbox create p50 {pct(create_t, .5) * ms:.1f}ms p95 {pct(create_t, .95) * ms:.1f}ms;"
          f" close p50 {pct(close_t, .5) * ms:.1f}ms p95 {pct(close_t, .95) * ms:.1f}ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", default="bwrap")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    asyncio.run(main(args.provider, args.runs, args.seconds))
