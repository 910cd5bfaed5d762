"""Multi-step tasks (Harbor's ``[[steps]]``): one episode, one verifier run per step, one grade.

The episode announces each step in an observation; at ``submit`` (or when the step's time runs out)
the step is verified, its reward recorded, and the next step starts in the same environment (the
state carries over). After the last step, or when a step misses its ``min_reward`` (Harbor then
stops the trial), the episode ends with one grade whose components are the steps' rewards.

The trial reward follows Harbor's ``multi_step_reward_strategy``: ``mean`` (default) averages each
reward key over the steps that were verified (a key a step lacks counts 0), ``final`` takes the
last verified step's. Steps a ``min_reward`` stop skipped are left out, as in Harbor. Steps the
episode never reached because a limit ended it (envgym's turn limit) count 0: stopping early must
not pay. A step whose verifier broke (``grader_error``) makes the episode's grade a grader error.

Example:
    >>> a = StepOutcome("one", Grade(reward=1.0, components=[GradeComponent(name="reward", reward=1.0)]))
    >>> b = StepOutcome("two", Grade(reward=0.0, components=[GradeComponent(name="reward", reward=0.0)]))
    >>> aggregate([a, b], "mean", total=2).reward
    0.5
    >>> min_reward_failure({"reward": 0.5}, 1.0)
    'reward=0.5 is below min_reward 1'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envgym.protocol import Grade, GradeComponent


@dataclass
class StepOutcome:
    name: str
    grade: Grade
    extra: dict[str, Any] = field(default_factory=dict)  # artifacts, collect hooks, timing


def rewards_of(grade: Grade) -> dict[str, float]:
    """A step's named rewards (Harbor's rewards dict), ``reward`` always among them."""
    named = {c.name: float(c.reward) for c in grade.components}
    named.setdefault("reward", float(grade.reward))
    return named


def min_reward_failure(rewards: dict[str, float], min_reward: float | dict[str, float] | None) -> str | None:
    """Why a step's rewards miss its ``min_reward`` (a number gates ``reward``; a table gates each
    key, a missing key failing), or None."""
    if min_reward is None:
        return None
    thresholds = {"reward": float(min_reward)} if isinstance(min_reward, (int, float)) else dict(min_reward)
    for key, threshold in thresholds.items():
        actual = rewards.get(key)
        if actual is None or actual < threshold:
            return f"{key}={'missing' if actual is None else f'{actual:g}'} is below min_reward {threshold:g}"
    return None


def aggregate(
    outcomes: list[StepOutcome],
    strategy: str,
    *,
    total: int,
    unreached_count_zero: bool = False,
    stopped: str | None = None,
) -> Grade:
    """The episode's grade from its verified steps. ``unreached_count_zero``: the steps after the
    last outcome were not reached because a limit ended the episode (they count 0)."""
    steps_detail = [
        {
            "step": o.name,
            "reward": o.grade.reward,
            "rewards": rewards_of(o.grade) if o.grade.status == "ok" else None,
            "status": o.grade.status,
            "error": o.grade.error,
            "details": o.grade.details,
            **o.extra,
        }
        for o in outcomes
    ]
    details: dict[str, Any] = {"steps": steps_detail, "strategy": strategy, "steps_total": total}
    if stopped:
        details["stopped"] = stopped
    broken = next((o for o in outcomes if o.grade.status == "grader_error"), None)
    if broken is not None:
        return Grade.grader_error(f"step {broken.name!r}: {broken.grade.error}", **details)
    dicts = [rewards_of(o.grade) for o in outcomes]
    if unreached_count_zero:
        dicts += [{"reward": 0.0}] * (total - len(outcomes))
        details["unreached_steps_scored_zero"] = total - len(outcomes)
    if not dicts:
        return Grade.grader_error("no step was verified", **details)
    if strategy == "final":
        combined = dicts[-1]
    else:
        keys = sorted({k for d in dicts for k in d})
        combined = {k: sum(d.get(k, 0.0) for d in dicts) / len(dicts) for k in keys}
    reward = combined["reward"]
    components = [
        GradeComponent(
            name=f"step:{o.name}", reward=o.grade.reward, passed=o.grade.passed, weight=0.0, details=rewards_of(o.grade)
        )
        for o in outcomes
    ]
    components += [GradeComponent(name=k, reward=v, passed=v >= 1.0) for k, v in combined.items() if k != "reward"]
    return Grade(reward=reward, passed=reward >= 1.0, components=components, details=details)
