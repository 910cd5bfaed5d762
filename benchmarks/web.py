"""Web environment latency and throughput: reset and step p50/p95, episodes per minute, at 1, 4
and 16 concurrent shop sessions in one process (one pooled Chromium, a fresh context per episode).

Each episode: reset on the shop home page, then 4 steps that each load a new page (Orders, an
order, search results, a product) and an ``answer``. The first episode (browser launch) is a warm-up
and not counted.

    .venv/bin/python benchmarks/web.py --episodes 8 --concurrency 1 4 16

Targets on the reference machine (2 shared cores): reset p50 <= 300 ms and step p50 <= 100 ms
with 4 concurrent sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from envgym.context import EnvContext
from envgym.protocol import Action

from envgym_web.environment import WebEnvironment
from envgym_web.observe import parse_elements
from envgym_web.oracle import find, page_text

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


async def episode(ctx: EnvContext, resets: list[float], steps: list[float]) -> None:
    env = WebEnvironment("shop", context=ctx)
    task = WebEnvironment.get_task("shop", "last-order-total")
    try:
        t0 = time.perf_counter()
        result = await env.reset(task)
        resets.append(time.perf_counter() - t0)
        obs = result.observation
        plan = [("click", "link", "Orders"), ("click", "link", "Order O-1003"),
                ("type", "textbox", "Search products", "mug"), ("click", "link", "Blue Diner Mug")]
        for step in plan:
            if obs.data and obs.data.get("error"):
                ERRORS.append(obs.data["error"])  # counted and reported; the episode is abandoned
                return
            el = find(parse_elements(page_text(obs)), step[1], step[2])
            action = Action.call("click", id=el.id) if step[0] == "click" else Action.call("type", id=el.id, text=step[3], submit=True)
            t0 = time.perf_counter()
            res = await env.step(action)
            steps.append(time.perf_counter() - t0)
            obs = res.observation
        t0 = time.perf_counter()
        await env.step(Action.call("answer", text="$36.99"))
        steps.append(time.perf_counter() - t0)
    finally:
        await env.close()


async def run(concurrency: int, episodes_per_lane: int, ctx: EnvContext) -> dict[str, float]:
    resets: list[float] = []
    steps: list[float] = []

    async def lane() -> None:
        for _ in range(episodes_per_lane):
            await episode(ctx, resets, steps)

    started, cpu0 = time.perf_counter(), tree_cpu_seconds()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu0
    return {"concurrency": concurrency, "episodes": concurrency * episodes_per_lane,
            "reset_p50_ms": 1000 * pct(resets, 0.5), "reset_p95_ms": 1000 * pct(resets, 0.95),
            "step_p50_ms": 1000 * pct(steps, 0.5), "step_p95_ms": 1000 * pct(steps, 0.95),
            "steps": len(steps), "episodes_per_min": 60 * concurrency * episodes_per_lane / wall,
            "cpu_ms_per_episode": 1000 * cpu / max(1, concurrency * episodes_per_lane)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=6, help="episodes per concurrent lane")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--browsers", type=int, default=1, help="web.browsers: Chromium processes")
    args = parser.parse_args()
    ctx = EnvContext(sandbox="process", settings={"web.browsers": args.browsers})
    await episode(ctx, [], [])  # warm-up: launches Chromium and the local sites
    rows = [await run(c, args.episodes, ctx) for c in args.concurrency]
    await ctx.aclose()
    load = os.getloadavg()[0]
    print(f"web/shop, {args.browsers} Chromium, {os.cpu_count()} CPUs, load average {load:.1f}, "
          f"{len(ERRORS)} abandoned episodes (action errors){': ' + ERRORS[0] if ERRORS else ''}")
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
