"""Summary statistics: the unbiased pass@k estimator, CIs, and errors kept out of the means."""

from __future__ import annotations

import itertools
import math

import pytest

from envgym.eval.stats import mean_ci, pass_at_k, summarize
from envgym.loop import EpisodeRecord
from envgym.protocol import EpisodeStatus, Grade


def brute_pass_at_k(n: int, c: int, k: int) -> float:
    """Fraction of k-subsets of n samples (c of them passing) that contain at least one pass."""
    samples = [1] * c + [0] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n,c,k", [(1, 0, 1), (1, 1, 1), (5, 2, 1), (5, 2, 3), (6, 1, 5), (8, 3, 4), (10, 0, 10), (10, 10, 2)])
def test_pass_at_k_matches_enumeration(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(brute_pass_at_k(n, c, k))


def test_pass_at_k_needs_enough_samples():
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_mean_ci_is_a_t_interval():
    m, (lo, hi) = mean_ci([2.0, 4.0, 6.0])
    assert m == 4.0 and hi - m == pytest.approx(4.303 * 2.0 / math.sqrt(3))
    assert mean_ci([]) == (None, None) and mean_ci([0.5]) == (0.5, None)
    assert mean_ci([0.0, 1.0])[1] == (0.0, 1.0)  # clipped to the reward range


def rec(task, sample, status, reward=0.0, passed=False, category="a"):
    return EpisodeRecord(env="x/y", task_id=task, agent="t", sample=sample, status=status, reward=reward,
                         grade=None if status.is_error else Grade(reward=reward, passed=passed), metadata={"category": category})


def test_summary_excludes_errors_and_breaks_down_by_category():
    records = [
        rec("t1", 0, EpisodeStatus.completed, 1.0, True), rec("t1", 1, EpisodeStatus.agent_error),
        rec("t2", 0, EpisodeStatus.completed, 0.0), rec("t2", 1, EpisodeStatus.truncated, 0.5, False),
        rec("t3", 0, EpisodeStatus.grader_error, category="b"), rec("t3", 1, EpisodeStatus.timeout, category="b"),
    ]
    s = summarize(records, k=2)
    assert s["status_counts"] == {"agent_error": 1, "completed": 2, "grader_error": 1, "timeout": 1, "truncated": 1}
    assert s["errors"] == 3 and s["scored_episodes"] == 3 and s["episodes"] == 6 and s["tasks"] == 3
    assert s["mean_reward"] == pytest.approx((1.0 + 0.25) / 2)  # per-task means; t3 has no scored episode
    assert s["pass@1"] == pytest.approx((1.0 + 0.0) / 2)
    assert s["pass@2"] == pytest.approx(0.0) and s["pass@2_tasks_excluded"] == 1  # t1 has one scored sample
    assert set(s["per_category"]) == {"a", "b"}
    assert s["per_category"]["b"]["mean_reward"] is None and s["per_category"]["b"]["errors"] == 2
