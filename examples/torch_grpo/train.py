"""GRPO from scratch in plain torch (CPU), with every reward coming from an envgym server over HTTP.

The policy is tiny (hashed character n-grams of the prompt — the observation text — and a linear
head) and samples a one-token answer. Each training step samples a group of answers per task, opens one
envgym session per answer (``AsyncClient.create_session`` + ``step``), turns the rewards into
group-relative advantages ``(r - mean) / (std + eps)`` and takes one policy-gradient step.

    # serve the environments yourself ...
    envgym serve --port 8765 &
    python examples/torch_grpo/train.py --server http://127.0.0.1:8765
    # ... or let the script start (and stop) a server on a free port:
    python examples/torch_grpo/train.py --steps 100 --plot examples/torch_grpo/learning_curve.png

Needs ``torch`` (``pip install torch==2.13.0``, the CPU build) and the example's plugin
``pip install -e examples/torch_grpo/envgym-arith`` (scripts/setup.sh installs both).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from envgym.client import AsyncClient
from envgym.eval.server_process import ServerProcess

ANSWER_TOKENS = list("0123456789abcde")  # digits plus distractors the policy must learn to avoid


class Policy(nn.Module):
    """Hashed character n-grams of the prompt (positional unigrams, bigrams, the whole prompt) summed
    in an ``EmbeddingBag``, then a linear head over the answer tokens.

    Why not a GRU over raw characters: every prompt here shares most of its characters, so a
    sequence encoder starts with nearly identical features for all tasks and policy gradient then
    collapses onto one answer for every task. Hashed n-grams give each task distinct features
    from the first step, and the zero-initialised head starts from the uniform policy.
    """

    buckets = 4096

    def __init__(self, dim: int = 64) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(self.buckets, dim, mode="sum")
        self.head = nn.Linear(dim, len(ANSWER_TOKENS))
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def features(self, prompt: str) -> list[int]:
        grams = (
            [f"{i}:{c}" for i, c in enumerate(prompt)] + [prompt[i : i + 2] for i in range(len(prompt) - 1)] + [prompt]
        )
        return [zlib.crc32(g.encode()) % self.buckets for g in grams]

    def forward(self, prompts: list[str]) -> torch.Tensor:
        feats = [self.features(p) for p in prompts]
        flat = torch.tensor([f for fs in feats for f in fs])
        offsets = torch.tensor([0] + [len(fs) for fs in feats[:-1]]).cumsum(0)
        return self.head(torch.tanh(self.bag(flat, offsets)))


@dataclass
class History:
    steps: list[dict] = field(default_factory=list)


async def rollouts(
    client: AsyncClient, env: str, task_ids: list[str], answers: list[str], concurrency: int
) -> list[float]:
    """One envgym episode per (task, answer): reset, one step, close. Returns the rewards."""
    gate = asyncio.Semaphore(concurrency)

    async def one(task_id: str, answer: str) -> float:
        async with gate:
            created = await client.create_session(env, task_id=task_id)
            try:
                result = await client.step(created.session_id, answer)
            finally:
                await client.close_session(created.session_id)
            if result.final_status.value not in ("completed", "truncated"):
                raise RuntimeError(f"episode {task_id} ended {result.final_status.value}: {result.error}")
            return result.reward

    return list(await asyncio.gather(*(one(t, a) for t, a in zip(task_ids, answers))))


async def evaluate(
    client: AsyncClient, policy: Policy, env: str, tasks: list[tuple[str, str]], samples: int, concurrency: int
) -> float:
    """Mean reward of sampled answers over every task (the policy as it would act in training)."""
    with torch.no_grad():
        probs = torch.softmax(policy([p for _, p in tasks]), dim=-1)
        picks = torch.multinomial(probs, samples, replacement=True)
    ids = [t for t, _ in tasks for _ in range(samples)]
    answers = [ANSWER_TOKENS[i] for row in picks.tolist() for i in row]
    rewards = await rollouts(client, env, ids, answers, concurrency)
    return sum(rewards) / len(rewards)


async def train(args: argparse.Namespace) -> History:
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    policy = Policy()
    optimiser = torch.optim.Adam(policy.parameters(), lr=args.lr)
    history = History()
    async with AsyncClient(args.server, timeout=60) as client:
        listing = await client.tasks(args.env, limit=1000)
        tasks = [(t.id, t.prompt) for t in listing.tasks]
        baseline = await evaluate(client, policy, args.env, tasks, args.group, args.concurrency)
        print(
            f"untrained policy: mean reward {baseline:.3f} over {len(tasks)} tasks x {args.group} samples", flush=True
        )
        for step in range(1, args.steps + 1):
            batch = rng.sample(tasks, min(args.tasks_per_step, len(tasks)))
            logits = policy([p for _, p in batch])
            dist = torch.distributions.Categorical(logits=logits)
            actions = dist.sample((args.group,)).T  # [tasks, group]
            answers = [ANSWER_TOKENS[i] for row in actions.tolist() for i in row]
            ids = [t for t, _ in batch for _ in range(args.group)]
            rewards = torch.tensor(await rollouts(client, args.env, ids, answers, args.concurrency)).view(
                len(batch), args.group
            )
            # Group-relative advantages: each answer is judged against its siblings for the same task.
            advantages = (rewards - rewards.mean(dim=1, keepdim=True)) / (rewards.std(dim=1, keepdim=True) + 1e-4)
            loss = -(advantages * dist.log_prob(actions.T).T).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            mean_reward = rewards.mean().item()
            history.steps.append({"step": step, "mean_reward": mean_reward, "loss": loss.item()})
            if step % args.log_every == 0 or step == args.steps:
                print(f"step {step:4d}  mean reward {mean_reward:.3f}  loss {loss.item():+.4f}", flush=True)
        final = await evaluate(client, policy, args.env, tasks, args.group, args.concurrency)
        print(f"trained policy: mean reward {final:.3f} (untrained {baseline:.3f})", flush=True)
    history.steps.append({"baseline": baseline, "final": final})
    return history


def plot(history: History, path: Path, baseline: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [s for s in history.steps if "step" in s]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([s["step"] for s in points], [s["mean_reward"] for s in points], label="mean reward per step (sampled)")
    ax.axhline(baseline, color="grey", linestyle="--", label=f"untrained policy ({baseline:.2f})")
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("mean reward")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("torch GRPO on envgym arith/sum9 over HTTP")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", help="envgym server URL; default: start one on a free port")
    parser.add_argument("--env", default="arith/sum9")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--tasks-per-step", type=int, default=16)
    parser.add_argument("--group", type=int, default=8, help="answers sampled per task (the GRPO group)")
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--plot", type=Path, help="write the learning curve (PNG) here")
    parser.add_argument("--metrics", type=Path, help="write per-step metrics (JSON) here")
    args = parser.parse_args(argv)
    server = None
    if args.server is None:
        server = ServerProcess().start()
        args.server = server.url
        print(f"started envgym serve at {args.server}", flush=True)
    try:
        started = time.monotonic()
        history = asyncio.run(train(args))
        summary = history.steps[-1]
        print(f"done in {time.monotonic() - started:.1f} s", flush=True)
        if args.metrics:
            args.metrics.write_text(json.dumps(history.steps, indent=1))
        if args.plot:
            plot(history, args.plot, summary["baseline"])
            print(f"learning curve written to {args.plot}", flush=True)
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
