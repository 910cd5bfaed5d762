"""Web environment latency and throughput: reset and step p50/p95, episodes per minute, at 1, 4
and 16 concurrent shop sessions in one process (one pooled Chromium, a fresh context per episode).

Each episode: reset on the shop home page, then 4 steps that each load a new page (Orders, an
order, search results, a product) and an ``answer``. The first episode (browser launch) is a warm-up
and not counted.

Wall-clock latency on a shared machine depends on what else runs, so the benchmark also reports
CPU time: per episode for each concurrency, and per operation from a few sequential episodes in
which the background preparation of the next episode's page (a spare: context, page, shop session,
start page) is awaited and measured apart from the reset that uses it.

    .venv/bin/python benchmarks/web.py --episodes 8 --concurrency 1 4 16

Targets on the reference machine (2 shared cores): reset p50 <= 300 ms and step p50 <= 100 ms
with 4 concurrent sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import defaultdict
from typing import Awaitable, Callable

from envgym.context import EnvContext
from envgym.protocol import Action

from envgym_web.environment import WebEnvironment
from envgym_web.observe import parse_elements
from envgym_web.oracle import find, page_text
from envgym_web.runtime import WebRuntime

TARGETS = {"reset_p50_ms": 300.0, "step_p50_ms": 100.0}


def tree_cpu_seconds() -> float:
    """CPU time (user + system, including reaped children) of this process and all its descendants:
    Python, the Playwright driver and every Chromium process. Unlike wall time, it does not depend on
    what else the machine is running."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    me, total = os.getpid(), 0.0
    for pid in cpu:
        p = pid
        while p > 1 and p != me:
            p = parents.get(p, 0)
        if p == me:
            total += cpu[pid]
    return total


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


ERRORS: list[str] = []
PLAN = [("click", "link", "Orders"), ("click", "link", "Order O-1003"),
        ("type", "textbox", "Search products", "mug"), ("click", "link", "Blue Diner Mug")]
Phase = Callable[[str, Awaitable[object]], Awaitable[object]]


async def timed(times: dict[str, list[float]], name: str, work: Awaitable[object]) -> object:
    t0 = time.perf_counter()
    try:
        return await work
    finally:
        times[name].append(time.perf_counter() - t0)


async def episode(ctx: EnvContext, phase: Phase) -> None:
    """One benchmark episode; ``phase(name, awaitable)`` runs (and measures) each reset and step."""
    env = WebEnvironment("shop", context=ctx)
    task = WebEnvironment.get_task("shop", "last-order-total")
    try:
        result = await phase("reset", env.reset(task))
        obs = result.observation  # type: ignore[attr-defined]
        for step in PLAN:
            if obs.data and obs.data.get("error"):
                ERRORS.append(obs.data["error"])  # counted and reported; the episode is abandoned
                return
            el = find(parse_elements(page_text(obs)), step[1], step[2])
            action = Action.call("click", id=el.id) if step[0] == "click" else Action.call("type", id=el.id, text=step[3], submit=True)
            obs = (await phase("step", env.step(action))).observation  # type: ignore[attr-defined]
        await phase("step", env.step(Action.call("answer", text="$36.99")))
    finally:
        await env.close()


async def run(concurrency: int, episodes_per_lane: int, ctx: EnvContext) -> dict[str, float]:
    times: dict[str, list[float]] = defaultdict(list)

    async def lane() -> None:
        for _ in range(episodes_per_lane):
            await episode(ctx, lambda name, work: timed(times, name, work))

    started, cpu0 = time.perf_counter(), tree_cpu_seconds()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu0
    resets, steps = times["reset"], times["step"]
    return {"concurrency": concurrency, "episodes": concurrency * episodes_per_lane,
            "reset_p50_ms": 1000 * pct(resets, 0.5), "reset_p95_ms": 1000 * pct(resets, 0.95),
            "step_p50_ms": 1000 * pct(steps, 0.5), "step_p95_ms": 1000 * pct(steps, 0.95),
            "steps": len(steps), "episodes_per_min": 60 * concurrency * episodes_per_lane / wall,
            "cpu_ms_per_episode": 1000 * cpu / max(1, concurrency * episodes_per_lane)}


async def spares_ready(ctx: EnvContext) -> None:
    runtime = WebRuntime.get()
    pool = await runtime.run(runtime.pool(ctx.settings))
    await runtime.run(pool.spares_ready())


async def per_operation(ctx: EnvContext, episodes: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (ms) of each operation, one episode at a time, with the background spare
    preparation (started by each reset) awaited after the reset and measured on its own."""
    cpu: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    labels: list[str] = []

    async def phase(name: str, work: Awaitable[object]) -> object:
        label = labels.pop(0)
        t0, c0 = time.perf_counter(), tree_cpu_seconds()
        result = await work
        wall[label].append(time.perf_counter() - t0)
        cpu[label].append(tree_cpu_seconds() - c0)
        if name == "reset":
            t0, c0 = time.perf_counter(), tree_cpu_seconds()
            await spares_ready(ctx)
            wall["next episode's page (background)"].append(time.perf_counter() - t0)
            cpu["next episode's page (background)"].append(tree_cpu_seconds() - c0)
        return result

    for _ in range(episodes):
        await spares_ready(ctx)
        labels[:] = ["reset (spare ready)", *["step: new page"] * len(PLAN), "step: answer (grade, close context)"]
        await episode(ctx, phase)
    return {k: (1000 * pct(wall[k], 0.5), 1000 * pct(cpu[k], 0.5)) for k in wall}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=6, help="episodes per concurrent lane")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--browsers", type=int, default=1, help="web.browsers: Chromium processes")
    parser.add_argument("--spares", type=int, default=None, help="web.spare_contexts (default: the environment's)")
    parser.add_argument("--probe-episodes", type=int, default=5, help="sequential episodes for the per-operation CPU table")
    args = parser.parse_args()
    settings: dict[str, object] = {"web.browsers": args.browsers}
    if args.spares is not None:
        settings["web.spare_contexts"] = args.spares
    ctx = EnvContext(sandbox="process", settings=settings)
    await episode(ctx, lambda name, work: work)  # warm-up: launches Chromium and the local sites
    ops = await per_operation(ctx, args.probe_episodes) if args.probe_episodes else {}
    rows = [await run(c, args.episodes, ctx) for c in args.concurrency]
    await ctx.aclose()
    load = os.getloadavg()[0]
    print(f"web/shop, {args.browsers} Chromium, spares {args.spares if args.spares is not None else 'default'}, "
          f"{os.cpu_count()} CPUs, load average {load:.1f}, "
          f"{len(ERRORS)} abandoned episodes (action errors){': ' + ERRORS[0] if ERRORS else ''}")
    if ops:
        print(f"per operation, one session, median of {args.probe_episodes} episodes (CPU = Python + Playwright driver + Chromium):")
        for name, (w, c) in ops.items():
            print(f"  {name:38s} wall {w:6.0f} ms   CPU {c:6.0f} ms")
    print(f"{'sessions':>8} {'episodes':>8} {'reset p50':>10} {'reset p95':>10} {'step p50':>9} {'step p95':>9} "
          f"{'episodes/min':>12} {'CPU/episode':>12}")
    for r in rows:
        print(f"{r['concurrency']:>8} {r['episodes']:>8} {r['reset_p50_ms']:>8.0f}ms {r['reset_p95_ms']:>8.0f}ms "
              f"{r['step_p50_ms']:>7.0f}ms {r['step_p95_ms']:>7.0f}ms {r['episodes_per_min']:>12.1f} "
              f"{r['cpu_ms_per_episode']:>10.0f}ms")
    print("(an episode = reset + 5 steps; CPU/episode is the CPU time of Python, the Playwright driver and Chromium "
          f"together, so {os.cpu_count()} idle CPUs could run at most {os.cpu_count()} x 60 s / CPU-per-episode episodes per minute)")
    four = next((r for r in rows if r["concurrency"] == 4), None)
    if four:
        print(f"targets at 4 sessions: reset p50 {four['reset_p50_ms']:.0f} ms (target <= {TARGETS['reset_p50_ms']:.0f}), "
              f"step p50 {four['step_p50_ms']:.0f} ms (target <= {TARGETS['step_p50_ms']:.0f})")


if __name__ == "__main__":
    asyncio.run(main())
