"""``envgym compare A B``: two runs side by side, task by task.

Tasks are paired by (env, task id). Each task's score in a run is its mean reward over scored
(completed/truncated) samples; tasks without a scored sample in either run are left out of the
paired statistics and counted as ``unpaired``. B *wins* a task when its score is higher than A's.

Significance, two ways (both over tasks, the independent units):

* **sign test** — exact two-sided binomial test of wins vs losses (ties dropped): is B better on
  more tasks than chance would give? Robust, makes no assumption about reward scales.
* **paired bootstrap** — resample tasks with replacement (10,000 times — fewer, down to 1,000, on
  suites above 500 tasks — with a fixed seed, so the numbers are reproducible) to get a 95% interval for the mean difference B − A and a two-sided p-value
  (twice the share of resamples on the other side of zero).

Example:
    >>> sign_test_p(wins=9, losses=1)
    0.021484375
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from envgym.agents.loop import EpisodeRecord
from envgym.eval.records import load_run
from envgym.eval.stats import is_scored, summarize


def sign_test_p(wins: int, losses: int) -> float:
    """Exact two-sided sign test p-value (ties already removed)."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail: float = sum(math.comb(n, i) for i in range(0, min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_bootstrap(diffs: list[float], *, resamples: int = 10_000, seed: int = 0) -> dict[str, Any]:
    """95% percentile interval and two-sided p-value of the mean of ``diffs``."""
    if not diffs:
        return {"mean_diff": None, "ci95": None, "p_value": None, "resamples": 0}
    rng = random.Random(seed)
    n = len(diffs)
    mean = sum(diffs) / n
    # Keep the pure-Python work bounded on big suites (a few seconds at most); 1,000 resamples still
    # pin a 95% interval to about ±0.01 of its coverage.
    resamples = max(1_000, min(resamples, 5_000_000 // n))
    means = sorted(sum(rng.choices(diffs, k=n)) / n for _ in range(resamples))
    lo, hi = means[int(0.025 * resamples)], means[min(resamples - 1, int(0.975 * resamples))]
    if mean == 0 or all(d == 0 for d in diffs):
        p = 1.0
    else:
        other_side = sum(1 for m in means if (m <= 0 if mean > 0 else m >= 0))
        p = min(1.0, 2 * other_side / resamples)
    return {"mean_diff": mean, "ci95": [lo, hi], "p_value": p, "resamples": resamples}


def task_scores(records: list[EpisodeRecord]) -> dict[tuple[str, str], float]:
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in records:
        if is_scored(r):
            groups[(r.env, r.task_id)].append(r.reward)
    return {key: sum(v) / len(v) for key, v in groups.items()}


def compare_records(a: list[EpisodeRecord], b: list[EpisodeRecord], *, resamples: int = 10_000) -> dict[str, Any]:
    sa, sb = task_scores(a), task_scores(b)
    paired = sorted(set(sa) & set(sb))
    all_tasks = {(r.env, r.task_id) for r in a} | {(r.env, r.task_id) for r in b}
    per_task: list[dict[str, Any]] = []
    for key in paired:
        diff = sb[key] - sa[key]
        outcome = "win" if diff > 0 else "loss" if diff < 0 else "tie"
        per_task.append(
            {"env": key[0], "task_id": key[1], "a": sa[key], "b": sb[key], "diff": diff, "outcome": outcome}
        )
    diffs = [t["diff"] for t in per_task]
    outcomes = Counter(t["outcome"] for t in per_task)
    wins, losses = outcomes["win"], outcomes["loss"]
    return {
        "a": summarize(a),
        "b": summarize(b),
        "paired_tasks": len(paired),
        "unpaired_tasks": len(all_tasks) - len(paired),
        "wins": wins,
        "losses": losses,
        "ties": outcomes["tie"],
        "sign_test_p": sign_test_p(wins, losses),
        "bootstrap": paired_bootstrap(diffs, resamples=resamples),
        "per_task": per_task,
    }


def compare_runs(dir_a: str | Path, dir_b: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Compare two run directories (``b`` relative to ``a``)."""
    manifest_a, a = load_run(dir_a)
    manifest_b, b = load_run(dir_b)
    result = compare_records(a, b, **kwargs)
    for key, run_dir, manifest in (("run_a", dir_a, manifest_a), ("run_b", dir_b, manifest_b)):
        env = manifest.get("env_id") or manifest.get("env")
        result[key] = {"dir": str(run_dir), "env": env, "agent": manifest.get("agent"), "model": manifest.get("model")}
    return result


__all__ = ["compare_runs", "compare_records", "sign_test_p", "paired_bootstrap", "task_scores"]
