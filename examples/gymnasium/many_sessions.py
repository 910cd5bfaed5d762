"""Recipe: many remote episodes at once through `envgym.AsyncClient`.

One client (one pooled HTTP connection set) drives `--sessions` episodes, `--concurrency` of them
in flight at a time. Each episode is a handle (`client.episode(env_id)`) with `reset`/`step`/
`close`; a server at its session limit answers `capacity_exhausted` with a Retry-After, which this
recipe honours instead of failing. Every episode is closed, whatever happens.

    envgym serve --port 8000 --max-sessions 256 &
    python examples/gymnasium/many_sessions.py --url http://127.0.0.1:8000 --env debug/counter --sessions 200 --concurrency 64

It prints one JSON line: episodes, mean reward, statuses, wall time and steps per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from envgym import AsyncClient
from envgym.adapters.gym import parse_action, render_observation
from envgym.protocol.errors import CapacityExhausted

sys.path.insert(0, str(Path(__file__).parent))
from debug_policy import act  # noqa: E402


async def play(
    client: AsyncClient, env_id: str, task_id: str, seed: int, max_waits: int = 120
) -> tuple[str, float, int]:
    """One episode: (status, reward, steps)."""
    episode = client.episode(env_id)
    for _ in range(max_waits):
        try:
            reset = await episode.reset(task_id, seed)
            break
        except CapacityExhausted as exc:  # the server is full: wait as long as it asks, then try again
            await asyncio.sleep(exc.retry_after or 0.5)
    else:
        return "capacity_exhausted", 0.0, 0
    try:
        state: dict[str, Any] = {}
        observation, steps = reset.observation, 0
        while True:
            result = await episode.step(parse_action(act(render_observation(observation), state)))
            steps += 1
            if result.done:
                return result.final_status.value, float(result.reward), steps
            observation = result.observation
    finally:
        await episode.close()


async def run(
    url: str, env_id: str, sessions: int, concurrency: int, seed: int = 0, token: str | None = None
) -> dict[str, Any]:
    async with AsyncClient(url, token=token, max_connections=concurrency) as client:
        task_ids = [t.id for t in (await client.tasks(env_id, limit=1000)).tasks]
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> tuple[str, float, int]:
            async with gate:
                return await play(client, env_id, task_ids[i % len(task_ids)], seed + i)

        started = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(sessions)))
        wall = time.perf_counter() - started
    statuses = Counter(status for status, _, _ in results)
    scored = [reward for status, reward, _ in results if status in ("completed", "truncated")]
    steps = sum(s for _, _, s in results)
    return {
        "env": env_id,
        "episodes": sessions,
        "concurrency": concurrency,
        "statuses": dict(statuses),
        "mean_reward": sum(scored) / len(scored) if scored else None,
        "steps": steps,
        "wall_s": round(wall, 3),
        "steps_per_s": round(steps / wall, 1) if wall else None,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="envgym server")
    parser.add_argument("--token", default=None, help="bearer token (default: $ENVGYM_TOKEN)")
    parser.add_argument("--env", default="debug/counter", help="environment id (family/suite)")
    parser.add_argument("--sessions", type=int, default=100, help="episodes to play")
    parser.add_argument("--concurrency", type=int, default=32, help="episodes in flight at once")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    summary = asyncio.run(run(args.url, args.env, args.sessions, args.concurrency, args.seed, args.token))
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
