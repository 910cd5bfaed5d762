"""The ``weighted`` grader's pass rule: ``passed`` when every gate passed and the reward reaches
``pass_threshold`` (``>=``: a reward exactly at the threshold passes), 1 by default."""

import pytest

from envgym.grader import get_grader
from envgym.protocol import GraderSpec, Submission, Task

TASK = Task(id="w", suite="demo", prompt="?")


def weighted(**config):
    # 3/5 of the weight on "alpha", 2/5 on "omega": an answer with only "alpha" scores exactly 0.6.
    return get_grader(
        GraderSpec(
            name="weighted",
            config={
                "components": [
                    {"name": "a", "grader": "regex", "config": {"pattern": "alpha"}, "weight": 3},
                    {"name": "b", "grader": "regex", "config": {"pattern": "omega"}, "weight": 2},
                ],
                **config,
            },
        )
    )


@pytest.mark.parametrize("threshold,passed", [(0.6, True), (0.59, True), (0.61, False)])
def test_a_reward_at_the_threshold_passes(threshold, passed):
    grade = weighted(pass_threshold=threshold).grade_sync(TASK, Submission(answer="alpha only"))
    assert grade.reward == pytest.approx(0.6) and grade.passed is passed


def test_without_a_threshold_only_full_marks_pass():
    assert not weighted().grade_sync(TASK, Submission(answer="alpha only")).passed
    full = weighted().grade_sync(TASK, Submission(answer="alpha and omega"))
    assert full.reward == 1.0 and full.passed
