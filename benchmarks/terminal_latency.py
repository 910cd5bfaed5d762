"""Latency of the terminal environment: median reset and per-command (bash tool) latency.

Side by side for each sandbox provider: the raw ``Sandbox.exec("true")`` of the provider (the floor),
a ``bash`` tool step (the provider's exec plus envgym-terminal's wrapper: directory tracking, output
capping), and ``reset`` (sandbox creation + copying the task's files + its setup script). Then the
same with N episodes at once, in-process and through the HTTP server (in-process ASGI transport,
so it measures the server's code path, not a network).

Run:
    .venv/bin/python benchmarks/terminal_latency.py                     # bwrap and process, 1 and 16 at once
    .venv/bin/python benchmarks/terminal_latency.py --providers bwrap --concurrency 16 --commands 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym.sandbox.base import SandboxSpec
from envgym_terminal import TerminalEnvironment

TASKS = ("count-errors", "git-merge-conflict")  # plain files; a setup script that builds a git repository


def med(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms" if values else "       n/a"


async def raw_exec(provider: str, n: int) -> list[float]:
    ctx = EnvContext(sandbox=provider)
    box = await ctx.create_sandbox(SandboxSpec())
    times = []
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            await box.exec("true")
            times.append(time.perf_counter() - t0)
    finally:
        await box.close()
        await ctx.aclose()
    return times


ERRORS: list[str] = []


async def episode(ctx: EnvContext, task_id: str, commands: int) -> tuple[float, list[float]]:
    task = TerminalEnvironment.get_task("core", task_id)
    env = TerminalEnvironment("core", context=ctx)
    try:
        t0 = time.perf_counter()
        await env.reset(task)
        reset = time.perf_counter() - t0
        steps = []
        for i in range(commands):
            t0 = time.perf_counter()
            result = await env.step(Action.call("bash", command="ls > /dev/null; cd ." if i % 2 else "pwd"))
            if result.done:  # the sandbox failed: count it, do not time it
                ERRORS.append(f"{ctx.sandbox}: {result.info.get('error', {}).get('message')}")
                break
            steps.append(time.perf_counter() - t0)
        return reset, steps
    finally:
        await env.close()


async def in_process(provider: str, concurrency: int, commands: int, rounds: int) -> tuple[list[float], list[float]]:
    ctx = EnvContext(sandbox=provider)
    resets, steps = [], []
    try:
        for r in range(rounds):
            results = await asyncio.gather(
                *(episode(ctx, TASKS[(r + i) % len(TASKS)], commands) for i in range(concurrency))
            )
            for reset, step in results:
                resets.append(reset)
                steps.extend(step)
    finally:
        await ctx.aclose()
    return resets, steps


async def through_server(provider: str, concurrency: int, commands: int) -> tuple[list[float], list[float]]:
    import httpx

    from envgym_server import ServerConfig, create_app

    app = create_app(ServerConfig(sandbox=provider, max_sessions=max(64, concurrency)))
    resets: list[float] = []
    steps: list[float] = []
    step_body = lambda cmd: {
        "action": {
            "role": "assistant",
            "tool_calls": [  # noqa: E731
                {"id": "c", "type": "function", "function": {"name": "bash", "arguments": json.dumps({"command": cmd})}}
            ],
        }
    }

    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench", timeout=300) as http:

            async def one(i: int) -> None:
                t0 = time.perf_counter()
                created = await http.post(
                    "/v1/sessions", json={"env": "terminal/core", "task_id": TASKS[i % len(TASKS)]}
                )
                created.raise_for_status()
                resets.append(time.perf_counter() - t0)
                sid = created.json()["session_id"]
                for _ in range(commands):
                    t0 = time.perf_counter()
                    reply = await http.post(f"/v1/sessions/{sid}/step", json=step_body("pwd"))
                    reply.raise_for_status()
                    if reply.json()["terminated"] or reply.json()["truncated"]:
                        ERRORS.append(f"{provider} via HTTP: {reply.json()['info'].get('error', {}).get('message')}")
                        break
                    steps.append(time.perf_counter() - t0)
                await http.delete(f"/v1/sessions/{sid}")

            await asyncio.gather(*(one(i) for i in range(concurrency)))
    return resets, steps


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", default="bwrap,process")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--commands", type=int, default=10, help="bash calls per episode")
    parser.add_argument("--rounds", type=int, default=3, help="sequential rounds of the one-at-a-time measurement")
    args = parser.parse_args()
    print(f"{'provider':9} {'mode':22} {'episodes':>8} {'median reset':>14} {'median command':>16}")
    for provider in args.providers.split(","):
        floor = await raw_exec(provider, 30)
        print(f"{provider:9} {'raw Sandbox.exec(true)':22} {'-':>8} {'':>14} {med(floor):>16}")
        resets, steps = await in_process(provider, 1, args.commands, args.rounds * 2)
        print(f"{provider:9} {'in-process, 1 at once':22} {len(resets):>8} {med(resets):>14} {med(steps):>16}")
        resets, steps = await in_process(provider, args.concurrency, args.commands, 1)
        print(
            f"{provider:9} {f'in-process, {args.concurrency} at once':22} {len(resets):>8} {med(resets):>14} {med(steps):>16}"
        )
        try:
            resets, steps = await through_server(provider, args.concurrency, args.commands)
            print(
                f"{provider:9} {f'HTTP API, {args.concurrency} at once':22} {len(resets):>8} {med(resets):>14} {med(steps):>16}"
            )
        except ImportError:
            print(f"{provider:9} HTTP API: envgym-server is not installed")
        except Exception as exc:  # noqa: BLE001 — a failed request is reported, the other rows still print
            ERRORS.append(f"{provider} via HTTP: {type(exc).__name__}: {exc}")
    for error in ERRORS:
        print("episode failed:", error)


if __name__ == "__main__":
    asyncio.run(main())
