"""Summary statistics: the unbiased pass@k estimator, CIs, and errors kept out of the means."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest

from envgym.agents.loop import EpisodeRecord
from envgym.eval.stats import mean_ci, pass_at_k, summarize, t975
from envgym.protocol import EpisodeStatus, Grade


def brute_pass_at_k(n: int, c: int, k: int) -> float:
    """Fraction of k-subsets of n samples (c of them passing) that contain at least one pass."""
    samples = [1] * c + [0] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize(
    "n,c,k", [(1, 0, 1), (1, 1, 1), (5, 2, 1), (5, 2, 3), (6, 1, 5), (8, 3, 4), (10, 0, 10), (10, 10, 2)]
)
def test_pass_at_k_matches_enumeration(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(brute_pass_at_k(n, c, k))


def test_pass_at_k_needs_enough_samples():
    with pytest.raises(ValueError, match="pass@3 needs at least 3 samples, got 2"):
        pass_at_k(2, 1, 3)


@pytest.mark.parametrize(
    "df,t",
    [
        (-1, None),
        (0, None),
        (1, 12.706),
        (2, 4.303),
        (30, 2.042),
        (31, 2.021),
        (39, 2.021),
        (40, 2.021),
        (41, 2.000),
        (60, 2.000),
        (61, 1.980),
        (120, 1.980),
        (121, 1.96),
        (10**6, 1.96),
    ],
)
def test_t_quantiles_round_up_to_the_next_tabled_df(df, t):
    """Between tabled degrees of freedom the next larger table entry is used (a slightly wider
    interval, never a narrower one)."""
    assert math.isnan(t975(df)) if t is None else t975(df) == t


def test_mean_ci_is_a_t_interval():
    m, (lo, hi) = mean_ci([2.0, 4.0, 6.0])
    assert m == 4.0 and hi - m == pytest.approx(4.303 * 2.0 / math.sqrt(3))
    assert mean_ci([]) == (None, None) and mean_ci([0.5]) == (0.5, None)
    assert mean_ci([0.0, 1.0])[1] == (0.0, 1.0)  # clipped to the reward range
    assert mean_ci([0.0, 2.0])[1][0] < 0.0  # values outside [0, 1]: nothing to clip to


def rec(task, sample, status, reward=0.0, passed=False, category="a"):
    return EpisodeRecord(
        env="x/y",
        task_id=task,
        agent="t",
        sample=sample,
        status=status,
        reward=reward,
        grade=None if status.is_error else Grade(reward=reward, passed=passed),
        metadata={"category": category},
    )


def test_summary_excludes_errors_and_breaks_down_by_category():
    records = [
        rec("t1", 0, EpisodeStatus.completed, 1.0, True),
        rec("t1", 1, EpisodeStatus.agent_error),
        rec("t2", 0, EpisodeStatus.completed, 0.0),
        rec("t2", 1, EpisodeStatus.truncated, 0.5, False),
        rec("t3", 0, EpisodeStatus.grader_error, category="b"),
        rec("t3", 1, EpisodeStatus.timeout, category="b"),
    ]
    s = summarize(records, k=2)
    assert s["status_counts"] == {"agent_error": 1, "completed": 2, "grader_error": 1, "timeout": 1, "truncated": 1}
    assert s["errors"] == 3 and s["scored_episodes"] == 3 and s["episodes"] == 6 and s["tasks"] == 3
    assert s["mean_reward"] == pytest.approx((1.0 + 0.25) / 2)  # per-task means; t3 has no scored episode
    assert s["pass@1"] == pytest.approx((1.0 + 0.0) / 2)
    assert s["pass@2"] == pytest.approx(0.0) and s["pass@2_tasks_excluded"] == 1  # t1 has one scored sample
    assert set(s["per_category"]) == {"a", "b"}
    assert s["per_category"]["b"]["mean_reward"] is None and s["per_category"]["b"]["errors"] == 2


def test_pass_at_k_is_the_mean_over_tasks():
    records = [
        rec("t1", 0, EpisodeStatus.completed, 1.0, True),
        rec("t1", 1, EpisodeStatus.completed),
        rec("t2", 0, EpisodeStatus.completed),
        rec("t2", 1, EpisodeStatus.completed),
    ]
    assert summarize(records)["pass@2"] == pytest.approx((1.0 + 0.0) / 2)


def test_the_whole_summary():
    """Every field of a summary, on tasks with 0 to 3 scored samples, each category key, usage,
    timings and the run manifest."""

    def ep(task, sample, status, reward=0.0, passed=False, meta=None, usage=None, total_s=None):
        return EpisodeRecord(
            env="x/y",
            task_id=task,
            agent="t",
            sample=sample,
            status=status,
            reward=reward,
            grade=None if status.is_error else Grade(reward=reward, passed=passed),
            metadata=meta or {},
            usage=usage or {},
            timings={} if total_s is None else {"total_s": total_s},
        )

    a = {"category": "a", "dataset": "not this", "type": "not this"}
    records = [
        ep("t3", 0, EpisodeStatus.grader_error, meta={"type": "ty"}, total_s=4.0),  # no scored episode, listed first
        ep(
            "t1",
            0,
            EpisodeStatus.completed,
            1.0,
            True,
            a,
            usage={"prompt_tokens": 10, "completion_tokens": 5},
            total_s=1.0,
        ),
        ep("t1", 1, EpisodeStatus.completed, 0.0, False, a, usage={"prompt_tokens": 20}, total_s=2.0),
        ep("t1", 2, EpisodeStatus.completed, 1.0, True, a, total_s=3.0),
        ep("t2", 0, EpisodeStatus.completed, 0.5, False, {"dataset": "d", "type": "not this"}),
        ep("t2", 1, EpisodeStatus.agent_error, meta={"dataset": "d"}),
        ep("t4", 0, EpisodeStatus.truncated, 0.25, False),
        ep("t4", 1, EpisodeStatus.completed, 0.75, True),
    ]
    manifest = {
        "env": "x/y",
        "agent": "t",
        "model": "m",
        "samples": 3,
        "seed": 1,
        "server": None,
        "sandbox": "bwrap",
        "not": "kept",
    }
    s = summarize(records, manifest=manifest)
    task_means = [2 / 3, 0.5, 0.5]
    half = 4.303 * statistics.stdev(task_means) / math.sqrt(3)
    assert s["k"] == 3  # the most samples any task has
    assert {key: s[key] for key in ("episodes", "tasks", "scored_episodes", "errors", "status_counts")} == {
        "episodes": 8,
        "tasks": 4,
        "scored_episodes": 6,
        "errors": 2,
        "status_counts": {"agent_error": 1, "completed": 5, "grader_error": 1, "truncated": 1},
    }
    assert s["mean_reward"] == pytest.approx(sum(task_means) / 3)
    assert s["mean_reward_ci95"] == pytest.approx([sum(task_means) / 3 - half, sum(task_means) / 3 + half])
    assert s["pass@1"] == pytest.approx((2 / 3 + 0.0 + 0.5) / 3)  # per task: passes over scored samples
    assert s["pass@3"] == 1.0 and s["pass@3_tasks_excluded"] == 2  # only t1 has 3 scored samples
    assert [key for key in s if key.startswith("pass@")] == ["pass@1", "pass@3", "pass@3_tasks_excluded"]
    assert s["usage"] == {"prompt_tokens": 30, "completion_tokens": 5}
    assert s["episode_seconds_mean"] == pytest.approx(10.0 / 8)  # an episode without total_s counts as 0
    assert s["run"] == {key: manifest[key] for key in ("env", "agent", "model", "samples", "seed", "server", "sandbox")}
    cats = s["per_category"]
    assert list(cats) == ["a", "d", "ty", "x/y"]  # category, else dataset, else type, else the env; sorted
    assert (
        cats["a"]["pass@1"] == pytest.approx(2 / 3)
        and cats["a"]["pass@3"] == 1.0
        and cats["a"]["mean_reward_ci95"] is None
    )
    assert cats["d"]["pass@3"] is None and cats["d"]["pass@3_tasks_excluded"] == 1 and cats["d"]["errors"] == 1
    assert cats["ty"]["mean_reward"] is None and cats["ty"]["pass@1"] is None and cats["ty"]["tasks"] == 1
    assert (
        cats["x/y"]["episodes"] == 2
        and cats["x/y"]["mean_reward"] == 0.5
        and "pass@1_tasks_excluded" not in cats["x/y"]
    )
    assert "run" not in summarize(records) and summarize([])["episode_seconds_mean"] is None and summarize([])["k"] == 1
