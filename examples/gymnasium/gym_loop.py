"""Recipe: a plain Gymnasium loop over an envgym environment served by `envgym serve`.

`envgym.make(env_id, url=...)` returns an ordinary `gymnasium.Env` whose episodes run as sessions
of the server, so Gymnasium's wrappers and loops work unchanged (here `RecordEpisodeStatistics`
adds each episode's return and length to `info["episode"]`).

    envgym serve --port 8000 &
    python examples/gymnasium/gym_loop.py --url http://127.0.0.1:8000 --env debug/counter --episodes 10

It prints one JSON line: episodes, mean return, statuses seen.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import gymnasium

import envgym

sys.path.insert(0, str(Path(__file__).parent))
from debug_policy import act  # noqa: E402


def run(url: str, env_id: str, episodes: int, seed: int = 0, token: str | None = None) -> dict[str, Any]:
    env = gymnasium.wrappers.RecordEpisodeStatistics(envgym.make(env_id, url=url, token=token))
    returns, statuses = [], Counter()
    try:
        for episode in range(episodes):
            observation, info = env.reset(seed=seed + episode)
            state: dict[str, Any] = {}
            terminated = truncated = False
            while not (terminated or truncated):
                observation, reward, terminated, truncated, info = env.step(act(observation, state))
            statuses[info["status"]] += 1
            returns.append(float(info["episode"]["r"]))
    finally:
        env.close()
    return {
        "env": env_id,
        "episodes": episodes,
        "mean_return": sum(returns) / len(returns) if returns else None,
        "statuses": dict(statuses),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="envgym server")
    parser.add_argument("--token", default=None, help="bearer token (default: $ENVGYM_TOKEN)")
    parser.add_argument("--env", default="debug/counter", help="environment id (family/suite[.task])")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    summary = run(args.url, args.env, args.episodes, args.seed, args.token)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
