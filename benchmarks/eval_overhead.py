"""Eval-runner overhead: episodes per minute with an instant agent on debug/echo.

Side by side:
  * bare loop   — ``run_episode`` called back to back, nothing written (the floor);
  * eval runner — ``EvalRunner`` in-process: planning, JSONL record per episode (flushed), live
    counters, summary at the end — what ``envgym eval`` does minus the terminal progress bar;
  * via server  — the same runner against an ``envgym serve`` subprocess (REST, then WebSocket), if --server is given.

Target (issue 7): at least 1,000 episodes per minute for the in-process runner on this machine.

Usage:
    .venv/bin/python benchmarks/eval_overhead.py [--episodes 3000] [--concurrency 8] [--server]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.builtin.debug import DebugEnvironment
from envgym.eval.runner import EvalConfig, EvalRunner


async def bare_loop(episodes: int) -> float:
    tasks = DebugEnvironment.tasks("echo")
    agent = OracleAgent()
    started = time.perf_counter()
    for i in range(episodes):
        task = tasks[i % len(tasks)]
        await run_episode(DebugEnvironment("echo"), agent, task, DebugEnvironment, seed=i)
    return time.perf_counter() - started


async def runner(
    episodes: int, concurrency: int, server: str | None = None, websocket: bool = False
) -> tuple[float, dict]:
    samples = max(1, episodes // 10)  # debug/echo has 10 tasks
    with tempfile.TemporaryDirectory() as out:
        cfg = EvalConfig(
            env="debug/echo",
            agent="oracle",
            out=out,
            samples=samples,
            concurrency=concurrency,
            server=server,
            websocket=websocket,
        )
        started = time.perf_counter()
        result = await EvalRunner(cfg).run()
        elapsed = time.perf_counter() - started
    return elapsed, result.summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--server", action="store_true", help="also measure through an envgym serve subprocess")
    args = parser.parse_args()

    n = args.episodes
    bare = asyncio.run(bare_loop(n))
    elapsed, summary = asyncio.run(runner(n, args.concurrency))
    assert summary["episodes"] == (n // 10) * 10 and summary["mean_reward"] == 1.0
    rows = [
        ("bare run_episode loop", n, bare),
        (f"eval runner in-process (c={args.concurrency})", summary["episodes"], elapsed),
    ]
    if args.server:
        from envgym.eval.server_process import ServerProcess

        with ServerProcess(["--sandbox", "process"]) as srv:
            served, s2 = asyncio.run(runner(n, args.concurrency, srv.url))
            served_ws, s3 = asyncio.run(runner(n, args.concurrency, srv.url, websocket=True))
        rows.append((f"eval runner via server, REST (c={args.concurrency})", s2["episodes"], served))
        rows.append((f"eval runner via server, WebSocket (c={args.concurrency})", s3["episodes"], served_ws))
    print(f"{'mode':<44} {'episodes':>9} {'seconds':>9} {'episodes/min':>13}")
    for name, count, secs in rows:
        print(f"{name:<44} {count:>9} {secs:>9.2f} {count / secs * 60:>13,.0f}")
    per_ep_overhead_ms = (elapsed / summary["episodes"] - bare / n) * 1000
    print(
        f"runner overhead per episode over the bare loop: {per_ep_overhead_ms:.3f} ms (target: >= 1,000 episodes/min)"
    )


if __name__ == "__main__":
    main()
