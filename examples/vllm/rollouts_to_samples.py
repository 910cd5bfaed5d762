"""Ask an envgym server for whole rollouts played by a vLLM-served policy (`POST /v1/rollouts`),
then turn them into training samples with envgym.adapters.training — the loop a trainer runs each step.

The envgym server calls the model itself (`model.base_url` must be reachable from the server) and
asks it for token ids and logprobs; the answer carries them per model turn, so no text is ever
re-tokenised on this side.

    python examples/vllm/rollouts_to_samples.py --envgym-url http://127.0.0.1:8000 \\
        --model-url http://127.0.0.1:8001/v1 --model policy --env debug/counter --task count-to-2 -n 8 \\
        --out samples.jsonl

It prints one JSON line: statuses, mean reward, samples built, tokens.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import httpx

from envgym.adapters.training import TokenMismatch, samples_from_rollout
from envgym.protocol.errors import error_from_body


def request_rollouts(
    envgym_url: str, body: dict[str, Any], token: str | None = None, timeout: float = 3600.0
) -> dict[str, Any]:
    """``POST /v1/rollouts``; raises the server's typed error (``envgym.protocol.errors``) on failure."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(f"{envgym_url.rstrip('/')}/v1/rollouts", json=body, headers=headers, timeout=timeout)
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = {
                "error": {"code": "internal_error", "message": f"HTTP {response.status_code}: {response.text[:500]}"}
            }
        raise error_from_body(body, response.status_code)
    return response.json()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envgym-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--token", default=os.environ.get("ENVGYM_TOKEN"), help="envgym bearer token (default: $ENVGYM_TOKEN)"
    )
    parser.add_argument(
        "--model-url", default="http://127.0.0.1:8001/v1", help="the vLLM server, as the envgym server reaches it"
    )
    parser.add_argument("--model", default="policy", help="served model name")
    parser.add_argument("--env", default="debug/counter")
    parser.add_argument("--task", default="count-to-2")
    parser.add_argument("-n", type=int, default=8, help="rollouts (a GRPO group)")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mode",
        choices=["tokens", "chat"],
        default="tokens",
        help="tokens: token-in/token-out (vLLM's /v1/completions + /tokenize; always stitches); "
        "chat: messages in through /v1/chat/completions",
    )
    parser.add_argument("--split-on-mismatch", action="store_true", help="cut divergent trajectories into pieces")
    parser.add_argument("--out", type=Path, default=Path("samples.jsonl"))
    args = parser.parse_args(argv)

    body = {
        "env": args.env,
        "task_id": args.task,
        "n": args.n,
        "seed": args.seed,
        "model": {
            "base_url": args.model_url,
            "name": args.model,
            "mode": args.mode,
            "return_token_ids": True,
            "logprobs": True,
            "sampling": {"temperature": args.temperature, "max_tokens": args.max_tokens},
        },
    }
    answer = request_rollouts(args.envgym_url, body, args.token)
    samples, mismatched = [], 0
    for rollout in answer["rollouts"]:
        if rollout["status"] not in ("completed", "truncated"):
            continue  # an error status is not a zero reward: leave it out (or retry it)
        try:
            samples.extend(
                samples_from_rollout(
                    rollout,
                    split_on_mismatch=args.split_on_mismatch,
                    metadata={"env": answer["env"], "task_id": answer["task_id"]},
                )
            )
        except TokenMismatch:
            mismatched += 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(s.model_dump_json() + "\n" for s in samples))
    summary = {
        "env": answer["env"],
        "task_id": answer["task_id"],
        "status_counts": answer["status_counts"],
        "mean_reward": answer["mean_reward"],
        "samples": len(samples),
        "token_mismatch": mismatched,
        "model_tokens": sum(s.model_token_count for s in samples),
        "tokens": sum(len(s.token_ids) for s in samples),
        "out": str(args.out),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
