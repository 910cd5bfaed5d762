"""The ``weighted`` grader's pass rule: ``passed`` when every gate passed and the reward reaches
``pass_threshold`` (``>=``: a reward exactly at the threshold passes), 1 by default."""

import pytest

from envgym.kernel import registry
from envgym.kernel.grader import Grader, get_grader
from envgym.protocol import Grade, GraderSpec, Submission, Task

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


def test_each_component_is_reported_with_its_grade():
    grade = weighted().grade_sync(TASK, Submission(answer="alpha only"))
    a, b = grade.components
    assert (a.name, a.reward, a.weight, a.passed) == ("a", 1.0, 3.0, True)
    assert (b.name, b.reward, b.weight, b.passed) == ("b", 0.0, 2.0, False)
    assert a.details == {
        "grader": "regex",
        "gate": False,
        "status": "ok",
        "error": None,
        "details": {"matched": "alpha"},
    }


def test_every_broken_component_is_named_and_the_rest_still_graded():
    grade = get_grader(
        GraderSpec(
            name="weighted",
            config={
                "components": [
                    {"name": "bad1", "grader": "regex", "config": {"pattern": "("}},
                    {"name": "good", "grader": "regex", "config": {"pattern": "alpha"}},
                    {"name": "bad2", "grader": "regex", "config": {"pattern": "(?<!x)a"}},
                ]
            },
        )
    ).grade_sync(TASK, Submission(answer="alpha"))
    assert grade.status == "grader_error" and grade.error == "component(s) bad1, bad2 could not be graded"
    assert [(c.name, c.details["status"]) for c in grade.components] == [
        ("bad1", "grader_error"),
        ("good", "ok"),
        ("bad2", "grader_error"),
    ]
    assert "invalid pattern" in grade.components[0].details["error"]


class Records(Grader):
    name = "records_for_weighted_test"
    seen: dict = {}

    async def grade(self, task, submission, *, sandbox=None, context=None):
        Records.seen.update(sandbox=sandbox, context=context)
        return Grade(reward=1.0, passed=True)


def test_components_get_the_sandbox_and_the_context():
    registry.register("graders", Records.name, Records, replace=True)
    try:
        grader = get_grader(GraderSpec(name="weighted", config={"components": [{"name": "r", "grader": Records.name}]}))
        sandbox, context = object(), object()
        assert grader.grade_sync(TASK, Submission(answer="x"), sandbox=sandbox, context=context).reward == 1.0
        assert Records.seen == {"sandbox": sandbox, "context": context}
    finally:
        registry.unregister("graders", Records.name)
