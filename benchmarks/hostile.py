"""Hostile-client benchmark: do pathological answers slow everyone else down?

64 normal sessions step ``debug/counter`` over WebSocket as fast as their replies come (closed
loop) while, in phases, other clients (a separate process) send pathological answers to every
grader and parser the server runs on untrusted text: catastrophic regexes, ``1e30000000``,
million-digit and non-finite numbers, megabyte-long answers, unterminated answer tags to the
reasoning family's reader and scorer, a weighted composition of them all, and runaway work that
must be stopped by its CPU budget. Phases alternate (quiet, hostile, quiet, hostile, ...) so drift
in the machine's load hits both alike; the script prints each phase's normal steps/s and p99 step
latency and the hostile/quiet ratios. It never asserts on them.

    .venv/bin/python benchmarks/hostile.py                      # 3 rounds of 10 s + 10 s
    .venv/bin/python benchmarks/hostile.py --rounds 2 --duration 5 --hostile-clients 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from envgym.protocol import Action

sys.path.insert(0, str(Path(__file__).parent))
from protocol import start_server  # noqa: E402  (the same server start-up as the protocol benchmark)

TASK = {"id": "h1", "suite": "s", "prompt": "?", "private": {"answer": "42", "pattern": "(a+)+$"}}
ALL = [{"name": "n", "grader": "numeric"}, {"name": "r", "grader": "regex"}, {"name": "e", "grader": "exact"}]
HOSTILE = [
    {"grader": "regex", "task": TASK, "submission": {"answer": "a" * 40 + "!"}},
    {
        "grader": "regex",
        "grader_config": {"pattern": r"^(\w+\s?)*$"},
        "task": TASK,
        "submission": {"answer": "word " * 100_000 + "!"},
    },
    {"grader": "numeric", "task": TASK, "submission": {"answer": "1e30000000"}},
    {"grader": "numeric", "task": TASK, "submission": {"answer": "1e999"}},
    {"grader": "numeric", "task": TASK, "submission": {"answer": "9" * 1_000_000}},
    {"grader": "numeric", "task": TASK, "submission": {"answer": "-inf"}},
    {"grader": "exact", "task": TASK, "submission": {"answer": " x" * 1_000_000}},
    {
        "grader": "weighted",
        "grader_config": {"components": ALL},
        "task": TASK,
        "submission": {"answer": "1e30000000" + "a" * 40 + "!"},
    },
    {"env": "reasoning/chain_sum", "task_id": "0000", "submission": {"answer": "<answer>" * 200_000}},
    {"env": "reasoning/basic_arithmetic", "task_id": "0000", "submission": {"answer": "<think>" + "Answer:" * 150_000}},
]


async def hostile_forever(url: str, clients: int) -> None:
    """The hostile side (run as its own process): each client cycles through HOSTILE for ever."""
    bodies = [json.dumps(b).encode() for b in HOSTILE]
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:

        async def one(offset: int) -> None:
            i = offset
            while True:
                reply = await client.post(
                    "/v1/grade", content=bodies[i % len(bodies)], headers={"content-type": "application/json"}
                )
                if reply.status_code >= 500:
                    print(f"hostile request {i % len(bodies)}: {reply.status_code} {reply.text[:200]}", file=sys.stderr)
                i += 1

        await asyncio.gather(*(one(k) for k in range(clients)))


async def normal_phase(url: str, sessions: int, duration: float) -> tuple[float, float, int]:
    """Closed loop of ``sessions`` WebSocket sessions; returns (steps/s, p99 ms, steps)."""
    ws_base = url.replace("http://", "ws://")
    step = json.dumps({"type": "step", "action": Action.call("increment").model_dump()})
    latencies: list[float] = []
    stop = time.monotonic() + duration

    async def one(k: int) -> None:
        sid = f"hostile-bench-{k:04d}-{time.monotonic_ns()}"
        async with connect(f"{ws_base}/v1/sessions/{sid}/ws", max_size=None) as ws:
            await ws.send(
                json.dumps(
                    {"type": "reset", "env": "debug/counter", "task_id": "count-to-8", "options": {"max_turns": 10**9}}
                )
            )
            await ws.recv()
            while time.monotonic() < stop:
                started = time.perf_counter()
                await ws.send(step)
                await ws.recv()
                latencies.append(time.perf_counter() - started)
            await ws.send(json.dumps({"type": "close"}))
            await ws.recv()

    began = time.monotonic()
    await asyncio.gather(*(one(k) for k in range(sessions)))
    elapsed = time.monotonic() - began
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 100 else float("nan")
    return len(latencies) / elapsed, p99, len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--hostile-clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hostile", help=argparse.SUPPRESS)  # internal: run the hostile side against this URL
    args = parser.parse_args()
    if args.hostile:
        asyncio.run(hostile_forever(args.hostile, args.hostile_clients))
        return
    server, url = (None, args.url) if args.url else start_server(args.sessions + 64)
    try:
        # Warm up: the reasoning suites, the grader workers, the connections.
        for body in HOSTILE:
            httpx.post(f"{url}/v1/grade", json=body, timeout=300)
        asyncio.run(normal_phase(url, args.sessions, 2.0))
        rows = []
        for r in range(args.rounds):
            quiet = asyncio.run(normal_phase(url, args.sessions, args.duration))
            hostile = subprocess.Popen(
                [sys.executable, __file__, "--hostile", url, "--hostile-clients", str(args.hostile_clients)]
            )
            try:
                time.sleep(1.0)  # let the hostile load build up before measuring
                loud = asyncio.run(normal_phase(url, args.sessions, args.duration))
            finally:
                hostile.kill()
                hostile.wait()
            rows.append((quiet, loud))
            print(
                f"round {r + 1}: quiet {quiet[0]:8.0f} steps/s p99 {quiet[1]:7.2f} ms | "
                f"hostile {loud[0]:8.0f} steps/s p99 {loud[1]:7.2f} ms | ratio steps/s {loud[0] / quiet[0]:.3f}, "
                f"p99 {loud[1] / quiet[1]:.3f}",
                flush=True,
            )
        q_rate = statistics.mean(q[0] for q, _ in rows)
        h_rate = statistics.mean(h[0] for _, h in rows)
        q_p99 = statistics.mean(q[1] for q, _ in rows)
        h_p99 = statistics.mean(h[1] for _, h in rows)
        print(
            f"\n{args.sessions} normal WebSocket sessions, {args.hostile_clients} hostile clients, {args.rounds} x {args.duration:g} s, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        print(
            f"mean: quiet {q_rate:.0f} steps/s, p99 {q_p99:.2f} ms; hostile {h_rate:.0f} steps/s, p99 {h_p99:.2f} ms; "
            f"steps/s ratio {h_rate / q_rate:.3f}, p99 ratio {h_p99 / q_p99:.3f}"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
