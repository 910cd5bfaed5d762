"""Rollouts per second for a multi-turn environment (debug/counter count-to-3: four model turns) driven
by a stand-in policy server, three ways, interleaved round by round:

* ``stream``      — server-side ``POST /v1/rollouts`` with ``stream: true`` (token-in/token-out);
* ``all-at-once`` — the same request without streaming (the previous form: one answer at the end);
* ``client``      — client-driven sessions: the ``tokens`` agent in this process, one REST session
  per rollout (``run_episode`` over ``AsyncClient.episode``).

The policy server answers instantly with a scripted solver's reply as token ids and renders
environment turns with a real chat template (Qwen 2.5's, from TRL's package) on a tokenizer
trained here, so the figures are envgym's own overhead per rollout, not a model's speed. Also
printed: seconds until the first finished rollout reaches the trainer (streaming's point).

    .venv/bin/python benchmarks/rollouts.py [--rollouts 64] [--concurrency 16] [--rounds 3]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import httpx
from rich.console import Console
from rich.table import Table

from envgym.agents.loop import run_episode
from envgym.agents.token_agent import TokenAgent
from envgym.builtin.debug import DebugEnvironment
from envgym.client import AsyncClient
from envgym.eval.rollouts import Rollout, stream_rollouts
from envgym.eval.server_process import ServerProcess
from envgym.testing.local_model import tiny_tokenizer
from envgym.testing.openai_server import OpenAIServer, completion_response

TASK = "count-to-3"


class ScriptedPolicy:
    """vLLM's /v1/completions and /tokenize, answering with the counter solver's next call (no model)."""

    def __init__(self) -> None:
        self.tokenizer = tiny_tokenizer("qwen2_5")
        eos = self.tokenizer.eos_token
        self.replies = {
            name: self.tokenizer.encode(
                f'<tool_call>{{"name": "{name}", "arguments": {{}}}}</tool_call>{eos}', add_special_tokens=False
            )
            for name in ("increment", "submit")
        }
        self.counter_ids = {n: self.tokenizer.encode(f"counter = {n}", add_special_tokens=False) for n in range(1, 4)}

    def complete(self, body):
        prompt = body["prompt"]
        done = _contains(prompt, self.counter_ids[3])
        ids = self.replies["submit" if done else "increment"]
        return completion_response(
            self.tokenizer.decode(ids, skip_special_tokens=True), ids, [-0.1] * len(ids), prompt_token_ids=prompt
        )

    def tokenize(self, body):
        out = self.tokenizer.apply_chat_template(
            body["messages"],
            tools=body.get("tools"),
            tokenize=True,
            add_generation_prompt=body.get("add_generation_prompt", True),
        )
        ids = out["input_ids"] if hasattr(out, "keys") else out
        return {"count": len(ids), "max_model_len": 4096, "tokens": list(ids)}

    def chat(self, body):
        raise RuntimeError("the benchmark's policy serves token-in/token-out only")

    def detokenize(self, body):
        return {"prompt": self.tokenizer.decode(body["tokens"])}


def _contains(haystack: list[int], needle: list[int]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n, -1, -1))


def request(policy: OpenAIServer, n: int, concurrency: int, stream: bool) -> dict:
    return {
        "env": "debug/counter",
        "task_id": TASK,
        "n": n,
        "concurrency": concurrency,
        "stream": stream,
        "model": {
            "base_url": policy.base_url,
            "name": "Qwen/Qwen2.5-scripted",
            "sampling": {"max_tokens": 64},
            "system_prompt": None,
        },
    }


async def run_stream(server, policy, n, concurrency) -> tuple[float, float, int]:
    started = time.perf_counter()
    first = None
    ok = 0
    async for item in stream_rollouts(server.url, request(policy, n, concurrency, True)):
        if isinstance(item, Rollout):
            first = first or time.perf_counter() - started
            ok += item.reward == 1.0
    return time.perf_counter() - started, first or 0.0, ok


async def run_all_at_once(server, policy, n, concurrency) -> tuple[float, float, int]:
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=600) as http:
        data = (await http.post(f"{server.url}/v1/rollouts", json=request(policy, n, concurrency, False))).json()
    elapsed = time.perf_counter() - started
    return elapsed, elapsed, sum(r["reward"] == 1.0 for r in data["rollouts"])


async def run_client(server, policy, n, concurrency) -> tuple[float, float, int]:
    task = DebugEnvironment.get_task("counter", TASK)
    agent = TokenAgent(
        model="Qwen/Qwen2.5-scripted", base_url=policy.base_url, system_prompt=None, sampling={"max_tokens": 64}
    )
    gate = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    firsts: list[float] = []
    async with AsyncClient(server.url, max_connections=concurrency) as client:

        async def one() -> bool:
            async with gate:
                record = await run_episode(client.episode("debug/counter"), agent, task, DebugEnvironment)
            firsts.append(time.perf_counter() - started)
            return record.reward == 1.0

        results = await asyncio.gather(*(one() for _ in range(n)))
    await agent.aclose()
    return time.perf_counter() - started, min(firsts), sum(results)


MODES = {"stream": run_stream, "all-at-once": run_all_at_once, "client": run_client}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    backend = ScriptedPolicy()
    results: dict[str, list[tuple[float, float, int]]] = {m: [] for m in MODES}
    with (
        ServerProcess(["--sandbox", "process", "--max-sessions", "1024"]) as server,
        OpenAIServer.serving(backend) as policy,
    ):
        asyncio.run(run_stream(server, policy, 4, 4))  # warm up both servers
        for round_ in range(args.rounds):
            order = list(MODES) if round_ % 2 == 0 else list(reversed(MODES))  # interleaved, alternating order
            for mode in order:
                results[mode].append(asyncio.run(MODES[mode](server, policy, args.rollouts, args.concurrency)))
    table = Table(
        title=f"{args.rollouts} rollouts of debug/counter {TASK} (4 model turns), concurrency {args.concurrency}, "
        f"{args.rounds} interleaved rounds; load average {os.getloadavg()[0]:.2f}"
    )
    for col in ("mode", "rollouts/s (median)", "vs stream", "first result after s (median)", "solved"):
        table.add_column(col, justify="right")
    rate = {m: statistics.median(args.rollouts / r[0] for r in rs) for m, rs in results.items()}
    for mode, rs in results.items():
        table.add_row(
            mode,
            f"{rate[mode]:.1f}",
            f"{rate[mode] / rate['stream']:.2f}x",
            f"{statistics.median(r[1] for r in rs):.2f}",
            f"{sum(r[2] for r in rs)}/{args.rollouts * args.rounds}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
