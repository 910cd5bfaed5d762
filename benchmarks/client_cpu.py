"""Client CPU per REST step: envgym's episode connection (``envgym.client.http.StepConnection``)
against the same client's httpx path, interleaved round by round against one ``envgym serve`` on
``debug/counter``, and the ratio. It prints figures and never asserts on them.

    .venv/bin/python benchmarks/client_cpu.py                    # 1 and 64 sessions, 3 rounds of 4 s
    .venv/bin/python benchmarks/client_cpu.py --sessions 8 --rounds 5 --duration 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import protocol  # noqa: E402  (the same server start-up and session helpers as the protocol benchmark)

from envgym.client import AsyncClient  # noqa: E402
from envgym.protocol import Action  # noqa: E402


async def client_ms_per_step(url: str, httpx_only: bool, sessions: int, seconds: float) -> float:
    """This process's CPU time per step while ``sessions`` REST episodes step in a closed loop."""
    async with AsyncClient(url, max_connections=max(sessions, 8), timeout=60) as client:
        if httpx_only:
            client._step_target = None  # the client's own switch: no step connection, httpx for everything
        episodes = await protocol.open_episodes(client, sessions, websocket=False)
        action = Action.call("increment")
        stop, steps = False, 0

        async def worker(episode) -> None:
            nonlocal steps
            while not stop:
                await episode.step(action)
                steps += 1

        tasks = [asyncio.ensure_future(worker(e)) for e in episodes]
        await asyncio.sleep(0.5)
        first, cpu = steps, time.process_time()
        await asyncio.sleep(seconds)
        used, done = time.process_time() - cpu, steps - first
        stop = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await protocol.close_episodes(episodes)
        return 1000 * used / max(done, 1)


async def main(args: argparse.Namespace) -> None:
    proc, url = protocol.start_server(max(args.sessions) + 64)
    figures: dict[tuple[int, bool], list[float]] = {}
    try:
        for sessions in args.sessions:
            for round_no in range(args.rounds):
                for httpx_only in (False, True) if round_no % 2 == 0 else (True, False):
                    ms = await client_ms_per_step(url, httpx_only, sessions, args.duration)
                    figures.setdefault((sessions, httpx_only), []).append(ms)
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"client CPU per REST step (ms), median of {args.rounds} interleaved rounds, load {os.getloadavg()[0]:.1f}")
    print(f"{'sessions':>8}  {'connection':>10}  {'httpx':>7}  ratio")
    for sessions in args.sessions:
        mine, theirs = statistics.median(figures[(sessions, False)]), statistics.median(figures[(sessions, True)])
        print(f"{sessions:>8}  {mine:>10.3f}  {theirs:>7.3f}  {mine / theirs:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0)
    asyncio.run(main(parser.parse_args()))
