"""Summary statistics of a run: mean reward with a 95% confidence interval, pass@1 and pass@k with
the unbiased estimator, counts by status, and a per-category breakdown.

Rules (docs/architecture.md §3): only ``completed`` and ``truncated`` episodes carry a reward. Error statuses
(``agent_error``, ``env_error``, ``grader_error``, ``timeout``) are counted apart and never
averaged in as zeros. An episode *passes* when its grade says ``passed``.

* mean reward: the mean over tasks of each task's mean reward over its scored samples; the 95% CI is
  ``mean ± t(0.975, tasks-1) · sd/√tasks`` over those per-task means (clipped to [0, 1] when every
  per-task mean lies in it) (tasks, not episodes, are the
  independent units when there are several samples per task).
* pass@k (Chen et al., 2021): for a task with ``n`` scored samples of which ``c`` passed,
  ``1 - C(n-c, k) / C(n, k)``, averaged over tasks with ``n ≥ k`` (tasks with fewer scored samples
  are left out and counted in ``pass_at_k_tasks_excluded``). pass@1 is the mean pass rate.

Example:
    >>> round(pass_at_k(n=5, c=1, k=1), 3), round(pass_at_k(n=5, c=1, k=5), 3)
    (0.2, 1.0)
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any, Iterable

from envgym.agents.loop import EpisodeRecord
from envgym.protocol import EpisodeStatus

# Two-sided 95% Student-t quantiles by degrees of freedom; above 30 the normal 1.96 is close enough
# (and for df > 120 exact to two decimals).
_T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


def t975(df: int) -> float:
    if df <= 0:
        return float("nan")
    # Between the table's rows, the next larger row's quantile (the wider interval).
    return next((t for bound, t in _T975.items() if bound >= df), 1.96)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples with ``c`` passes (needs ``n >= k``)."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    # 1 - C(n-c, k)/C(n, k) as a running product, stable for large n.
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_ci(values: list[float]) -> tuple[float | None, tuple[float, float] | None]:
    """Mean and 95% t-interval (None when undefined)."""
    if not values:
        return None, None
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, None
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))
    half = t975(len(values) - 1) * sd / math.sqrt(len(values))
    lo, hi = m - half, m + half
    if all(0.0 <= v <= 1.0 for v in values):  # rewards in [0, 1]: the interval cannot leave it
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return m, (lo, hi)


def is_scored(record: EpisodeRecord) -> bool:
    return record.status in (EpisodeStatus.completed, EpisodeStatus.truncated)


def category_of(record: EpisodeRecord) -> str:
    meta = record.metadata or {}
    return str(meta.get("category") or meta.get("dataset") or meta.get("type") or record.env)


def _block(records: list[EpisodeRecord], ks: list[int]) -> dict[str, Any]:
    counts = Counter(r.status.value for r in records)
    by_task: dict[tuple[str, str], list[EpisodeRecord]] = defaultdict(list)
    for r in records:
        by_task[(r.env, r.task_id)].append(r)
    task_means, task_pass = [], []
    passk: dict[int, list[float]] = {k: [] for k in ks}
    for recs in by_task.values():
        scored = [r for r in recs if is_scored(r)]
        if not scored:
            continue
        task_means.append(sum(r.reward for r in scored) / len(scored))
        c = sum(r.passed for r in scored)
        task_pass.append(c / len(scored))
        for k in ks:
            if len(scored) >= k:
                passk[k].append(pass_at_k(len(scored), c, k))
    mean, ci = mean_ci(task_means)
    errors = sum(v for s, v in counts.items() if EpisodeStatus(s).is_error)
    out: dict[str, Any] = {
        "episodes": len(records),
        "tasks": len(by_task),
        "scored_episodes": sum(1 for r in records if is_scored(r)),
        "errors": errors,
        "status_counts": dict(sorted(counts.items())),
        "mean_reward": mean,
        "mean_reward_ci95": list(ci) if ci else None,
        "pass@1": (sum(task_pass) / len(task_pass)) if task_pass else None,
    }
    for k in ks:
        if k != 1:
            vals = passk[k]
            out[f"pass@{k}"] = (sum(vals) / len(vals)) if vals else None
            out[f"pass@{k}_tasks_excluded"] = len(task_means) - len(vals)
    return out


def summarize(
    records: Iterable[EpisodeRecord], *, k: int | None = None, manifest: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The run summary (a JSON-ready dict). ``k`` defaults to the largest sample count per task."""
    records = list(records)
    per_task = Counter((r.env, r.task_id) for r in records)
    k = k or (max(per_task.values()) if per_task else 1)
    ks = sorted({1, k})
    summary = _block(records, ks)
    summary["k"] = k
    by_cat: dict[str, list[EpisodeRecord]] = defaultdict(list)
    for r in records:
        by_cat[category_of(r)].append(r)
    summary["per_category"] = {cat: _block(recs, ks) for cat, recs in sorted(by_cat.items())}
    usage: Counter[str] = Counter()
    for r in records:
        for key, value in (r.usage or {}).items():
            if isinstance(value, (int, float)):
                usage[key] += value
    summary["usage"] = dict(usage)
    durations = [r.timings.get("total_s", 0.0) for r in records]
    summary["episode_seconds_mean"] = (sum(durations) / len(durations)) if durations else None
    if manifest:
        summary["run"] = {
            key: manifest.get(key) for key in ("env", "agent", "model", "samples", "seed", "server", "sandbox")
        }
    return summary
