"""``Grader.safe_grade``: whatever a grader does, the result is a finite reward or a grader_error."""

import math

import pytest

from envgym.kernel.grader import Grader
from envgym.protocol import Grade, Submission, Task
from envgym.protocol.errors import GraderError

TASK = Task(id="t", suite="s", prompt="?")


class Returns(Grader):
    name = "returns"

    async def grade(self, task, submission, *, sandbox=None, context=None):
        return self.config["grade"]


class Raises(Grader):
    name = "raises"

    async def grade(self, task, submission, *, sandbox=None, context=None):
        raise self.config["exc"]


@pytest.mark.parametrize("reward", [math.nan, math.inf, -math.inf])
def test_non_finite_rewards_are_grader_errors(reward):
    result = Returns(grade=Grade(reward=reward, passed=True)).grade_sync(TASK, Submission(answer="x"))
    assert result.status == "grader_error" and result.reward == 0.0 and not result.passed
    assert "non-finite" in result.error


@pytest.mark.parametrize("reward", [0.0, 0.5, 1.0])
def test_finite_rewards_pass_through(reward):
    result = Returns(grade=Grade(reward=reward)).grade_sync(TASK, Submission(answer="x"))
    assert result.status == "ok" and result.reward == reward


def test_exceptions_are_grader_errors_never_zero():
    typed = Raises(exc=GraderError("judge down", details={"url": "u"})).grade_sync(TASK, Submission())
    assert typed.status == "grader_error" and "judge down" in typed.error and typed.details["url"] == "u"
    crash = Raises(exc=KeyError("k")).grade_sync(TASK, Submission())
    assert crash.status == "grader_error" and "KeyError" in crash.error and "traceback" in crash.details


def test_a_grader_with_neither_grade_nor_score_is_an_error():
    class Empty(Grader):
        name = "empty"

    assert Empty().grade_sync(TASK, Submission()).status == "grader_error"


@pytest.mark.parametrize("reward", [5.0, -3.0, 1.0000001])
def test_rewards_outside_zero_one_are_grader_errors(reward):
    result = Returns(grade=Grade(reward=reward, passed=True)).grade_sync(TASK, Submission(answer="x"))
    assert result.status == "grader_error" and result.reward == 0.0 and not result.passed
    assert "outside [0, 1]" in result.error


def test_everything_reaches_the_grader_unchanged():
    seen = {}

    class Records(Grader):
        name = "records"

        async def grade(self, task, submission, *, sandbox=None, context=None):
            seen.update(task=task, submission=submission, sandbox=sandbox, context=context)
            return Grade(reward=1.0, passed=True)

    sandbox, context, submission = object(), object(), Submission(answer="x")
    assert Records().grade_sync(TASK, submission, sandbox=sandbox, context=context).reward == 1.0
    assert seen == {"task": TASK, "submission": submission, "sandbox": sandbox, "context": context}


def test_error_grades_name_the_grader_and_keep_the_cause():
    typed = Raises(exc=GraderError("judge down", details={"url": "u"})).grade_sync(TASK, Submission())
    assert typed.error == "raises: judge down" and typed.details == {"code": "grader_error", "url": "u"}
    crash = Raises(exc=KeyError("k")).grade_sync(TASK, Submission())
    assert crash.error == "raises crashed: KeyError: 'k'" and crash.details["traceback"].startswith("Traceback")
    assert "KeyError" in crash.details["traceback"]
    assert (
        Returns(grade=Grade(reward=math.nan)).grade_sync(TASK, Submission()).error
        == "returns produced a non-finite reward nan"
    )


def test_a_grader_without_a_name_is_named_by_its_class():
    class Nameless(Raises):
        name = ""

    assert Nameless(exc=GraderError("judge down")).grade_sync(TASK, Submission()).error == "Nameless: judge down"
    assert Nameless(exc=KeyError("k")).grade_sync(TASK, Submission()).error.startswith("Nameless crashed: KeyError")

    class NamelessReturns(Returns):
        name = ""

    assert (
        NamelessReturns(grade=Grade(reward=math.inf))
        .grade_sync(TASK, Submission())
        .error.startswith("NamelessReturns produced")
    )
