"""Turn `envgym eval` episode records (episodes.jsonl, played by the `openai` agent with
`return_token_ids=true` and `logprobs=true`) into training samples with envgym.adapters.training.

Each output line is one `TrainingSample` as JSON: token_ids, loss_mask (1 on the model's own
tokens), logprobs (aligned with token_ids), reward, prompt_length, turns, status, metadata.
Episodes with an error status are skipped (their reward means nothing). A trajectory whose
prompts do not extend the previous turn (the chat template re-rendered an earlier turn) is
counted as a mismatch and left out, or cut into consistent pieces with `--split-on-mismatch`.

    python examples/vllm/build_samples.py runs/counter-policy/episodes.jsonl --out samples.jsonl

It prints one JSON line of counts.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from envgym.adapters.training import TokenDataError, TokenMismatch, TrainingSample, samples_from_record
from envgym.agents.loop import EpisodeRecord


def build(
    records: Iterable[EpisodeRecord], *, split_on_mismatch: bool = False, require_logprobs: bool = True
) -> tuple[list[TrainingSample], dict[str, Any]]:
    """Samples from records, and counts of what was kept and why the rest was not."""
    samples: list[TrainingSample] = []
    counts: Counter[str] = Counter()
    for record in records:
        counts["episodes"] += 1
        if record.status.is_error:
            counts[f"skipped_{record.status.value}"] += 1
            continue
        try:
            built = samples_from_record(record, split_on_mismatch=split_on_mismatch, require_logprobs=require_logprobs)
        except TokenMismatch:
            counts["token_mismatch"] += 1
            continue
        except TokenDataError:
            counts["no_token_data"] += 1
            continue
        samples.extend(built)
    counts["samples"] = len(samples)
    counts["model_tokens"] = sum(s.model_token_count for s in samples)
    counts["tokens"] = sum(len(s.token_ids) for s in samples)
    summary: dict[str, Any] = dict(counts)
    summary["mean_reward"] = sum(s.reward for s in samples) / len(samples) if samples else None
    return samples, summary


def read_records(path: Path) -> list[EpisodeRecord]:
    return [EpisodeRecord.model_validate_json(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, help="episodes.jsonl of an envgym eval run (or the run directory)")
    parser.add_argument("--out", type=Path, default=Path("samples.jsonl"))
    parser.add_argument("--split-on-mismatch", action="store_true", help="cut divergent trajectories into pieces")
    parser.add_argument(
        "--no-logprobs", action="store_true", help="accept turns without logprobs (samples get logprobs=null)"
    )
    args = parser.parse_args(argv)
    path = args.records / "episodes.jsonl" if args.records.is_dir() else args.records
    samples, summary = build(
        read_records(path), split_on_mismatch=args.split_on_mismatch, require_logprobs=not args.no_logprobs
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(s.model_dump_json() + "\n" for s in samples))
    summary["out"] = str(args.out)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
