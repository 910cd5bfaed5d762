"""Memory (PSS) of open MiniWoB sessions, split by process, with and without extra Chromium switches.

Holds ``--sessions`` web/miniwob sessions open (click-checkboxes, one spare context, as
``web.py --browsergym``'s memory mode does) and, after each one opens, reads the proportional set
size of this process and every descendant from ``/proc/PID/smaps_rollup``, by kind (this Python
process, the Playwright driver, the Chromium browser process, renderers, GPU, utilities). Prints
the memory one extra open session adds, in total and per kind, and the count of processes.

``--variant NAME=SWITCHES`` (repeatable) runs each variant in its own worker process, round after
round in alternation, with ``web.chromium_args`` set to the space-separated switches (empty for
envgym's defaults); the median over ``--rounds`` is printed. ``--cpu-clicks N`` also clicks a
checkbox N times in every held session and reports the CPU per click (by kind), so that a switch
that saves memory can be checked for what it costs.

    .venv/bin/python benchmarks/web_memory.py --sessions 5 --rounds 3 \\
        --variant default= --variant lite="--js-flags=--lite-mode"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import statistics
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_click import _children, _kind, cpu_by_kind  # noqa: E402


def pss_by_kind() -> tuple[Counter[str], Counter[str]]:
    """PSS (MB) of this process and its descendants by kind, and the number of processes by kind."""
    kids, mb, count, todo = _children(), Counter[str](), Counter[str](), [os.getpid()]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                pss = next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
        kind = _kind(pid)
        mb[kind] += pss / 1024
        count[kind] += 1
    return mb, count


async def worker(cfg: dict) -> dict:
    from envgym.kernel.context import EnvContext
    from envgym.protocol import Action
    from envgym_web.environment import WebEnvironment
    from envgym_web.observe import parse_elements
    from envgym_web.runtime import WebRuntime

    settings: dict[str, object] = {"web.spare_contexts": 1, "web.chromium_args": cfg["args"]}
    ctx = EnvContext(sandbox="process", settings=settings)
    runtime = WebRuntime.get()
    task = WebEnvironment.get_task("miniwob", cfg["task"])

    async def settle() -> None:
        pool = await runtime.run(runtime.pool(ctx.settings))
        await runtime.run(pool.spares_ready())

    warm = WebEnvironment("miniwob", context=ctx)
    await warm.reset(task, seed=0)
    await warm.close()
    await settle()
    held: list[tuple[Counter[str], Counter[str]]] = []
    envs = []
    clicks: Counter[str] = Counter()
    n_clicks = 0
    for k in range(1, cfg["sessions"] + 1):
        env = WebEnvironment("miniwob", context=ctx, options={"max_turns": 100_000})
        reset = await env.reset(task, seed=k)
        envs.append((env, reset))
        await settle()
        await asyncio.sleep(0.5)
        held.append(pss_by_kind())
    for env, reset in envs:
        box = next(e for e in parse_elements(reset.observation.data["page"]) if e.role == "checkbox")
        for _ in range(cfg["cpu_clicks"]):
            before = cpu_by_kind()
            await env.step(Action.call("click", id=box.id))
            after = cpu_by_kind()
            clicks.update({key: 1000 * (after[key] - before[key]) for key in after})
            n_clicks += 1
    for env, _ in envs:
        await env.close()
    await ctx.aclose()
    first, last = held[0], held[-1]
    extra = cfg["sessions"] - 1
    per = {kind: (last[0][kind] - first[0][kind]) / extra for kind in set(first[0]) | set(last[0])}
    return {
        "per_session_mb": sum(per.values()),
        "per_session_by_kind": per,
        "total_mb": [sum(mb.values()) for mb, _ in held],
        "processes": dict(last[1]),
        "click_cpu_ms": {k: v / n_clicks for k, v in clicks.items()} if n_clicks else {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--task", default="click-checkboxes")
    parser.add_argument("--cpu-clicks", type=int, default=0, help="clicks per held session, for CPU per click")
    parser.add_argument("--variant", action="append", default=[], help="NAME=SWITCHES (space-separated)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(json.loads(args.worker)))))
        return
    variants = [v.split("=", 1) for v in args.variant] or [["default", ""]]
    results: dict[str, list[dict]] = {name: [] for name, _ in variants}
    for rnd in range(args.rounds):
        order = variants if rnd % 2 == 0 else variants[::-1]
        for name, switches in order:
            cfg = {
                "args": shlex.split(switches),
                "sessions": args.sessions,
                "task": args.task,
                "cpu_clicks": args.cpu_clicks,
            }
            out = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(cfg)], capture_output=True, text=True
            )
            if out.returncode:
                raise RuntimeError(f"worker {name} failed: {out.stderr[-3000:]}")
            results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {rnd + 1}/{args.rounds}: {name} {results[name][-1]['per_session_mb']:.1f} MB", flush=True)
    print(f"\n{args.sessions} sessions held, {args.rounds} rounds; load average {os.getloadavg()[0]:.1f}")
    for name, switches in variants:
        runs = results[name]
        kinds = sorted({k for r in runs for k in r["per_session_by_kind"]})
        by_kind = {k: statistics.median(r["per_session_by_kind"].get(k, 0.0) for r in runs) for k in kinds}
        line = ", ".join(f"{k} {v:.1f}" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]) if abs(v) >= 0.1)
        print(
            f"{name:12s} per extra session {statistics.median(r['per_session_mb'] for r in runs):6.1f} MB "
            f"(runs: {', '.join(format(r['per_session_mb'], '.1f') for r in runs)}); {line}"
        )
        print(
            f"{'':12s} total with {args.sessions} sessions {statistics.median(r['total_mb'][-1] for r in runs):.0f} MB; processes {runs[-1]['processes']}"
        )
        if runs[0]["click_cpu_ms"]:
            cpu = {k: statistics.median(r["click_cpu_ms"].get(k, 0.0) for r in runs) for k in runs[0]["click_cpu_ms"]}
            print(
                f"{'':12s} CPU per click {sum(cpu.values()):.1f} ms: "
                + ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 0.05)
            )
        if switches:
            print(f"{'':12s} switches: {switches}")


if __name__ == "__main__":
    main()
