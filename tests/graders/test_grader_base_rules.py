"""The grader base (``envgym.kernel.grader``): what ``read_config`` reports, where ``score`` runs, how its
failures become grades, and that a ``grader_error`` grade never carries a reward.

The graders here run ``score`` in a bounded worker process, so they are module-level classes (a
worker imports them by name)."""

from __future__ import annotations

import math
import os

import pytest

from envgym.kernel import registry
from envgym.kernel.grader import Grader, GraderConfig, get_grader, read_config
from envgym.protocol import Grade, GraderSpec, Submission, Task
from envgym.protocol.errors import GraderError

TASK = Task(id="t", suite="s", prompt="?")
NUMERIC_KEYS = ["numeric.abs_tol", "numeric.answer", "numeric.cpu_budget_s", "numeric.max_chars", "numeric.rel_tol"]


def test_a_wrong_type_names_the_key_the_value_and_every_valid_key():
    with pytest.raises(GraderError) as caught:
        get_grader("numeric", rel_tol="loose")
    assert caught.value.message == (
        "config key 'numeric.rel_tol': Input should be a valid number, unable to parse string as a number (got 'loose')"
    )
    assert caught.value.details == {"key": "numeric.rel_tol", "valid": NUMERIC_KEYS}


def test_a_wrong_value_is_shown_up_to_200_characters():
    with pytest.raises(GraderError) as caught:
        get_grader("numeric", rel_tol="x" * 300)
    assert caught.value.message.endswith(f"(got {'x' * 200!r})")


class Strict(GraderConfig):
    strict: bool = True


class NamelessWithConfig(Grader):
    name = ""
    config_model = Strict

    async def grade(self, task, submission, *, sandbox=None, context=None):
        return Grade.binary(self.cfg.strict)


def test_a_config_error_of_a_nameless_grader_names_its_class():
    with pytest.raises(GraderError, match=r"^\[grader_error\] unknown config key 'NamelessWithConfig\.strcit'"):
        NamelessWithConfig(strcit=False)
    assert NamelessWithConfig(strict=False).cfg == read_config("x", {"strict": False}, Strict)


def test_a_grader_with_neither_grade_nor_score_says_so():
    class Empty(Grader):
        name = "empty"

    assert Empty().grade_sync(TASK, Submission()).error == (
        "empty crashed: NotImplementedError: Empty implements neither grade() nor score()"
    )


class WherePid(Grader):
    """Reports the process its ``score`` ran in; ``cheap`` (config) says whether it vouches for the input."""

    name = "where_pid"

    def score(self, task, submission):
        return Grade(reward=1.0, passed=True, details={"pid": os.getpid()})

    def score_is_cheap(self, task, submission):
        return bool(self.config.get("cheap"))


def test_score_runs_inline_only_when_the_grader_vouches_the_input_is_cheap():
    assert WherePid(cheap=True).grade_sync(TASK, Submission(answer="x")).details == {"pid": os.getpid()}
    elsewhere = WherePid(cheap=False).grade_sync(TASK, Submission(answer="x"))
    assert elsewhere.reward == 1.0 and elsewhere.details["pid"] != os.getpid()  # a bounded worker process
    assert Grader.score_is_cheap(WherePid(), TASK, Submission(answer="")) is False  # the default trusts no input


class Spins(Grader):
    name = "spins"

    def score(self, task, submission):
        while True:
            pass


def test_a_score_over_its_budget_scores_zero_does_not_pass_and_names_the_grader_and_budget():
    result = Spins(cpu_budget_s=0.3).grade_sync(TASK, Submission(answer="x"))
    assert (result.status, result.reward, result.passed) == ("ok", 0.0, False)
    assert result.details == {
        "reason": "grader spins used more than its budget of 0.3 CPU seconds and was stopped; the answer scores 0"
    }


class NamelessSpins(Spins):
    name = ""


def test_the_over_budget_reason_of_a_nameless_grader_names_its_class():
    result = NamelessSpins(cpu_budget_s=0.3).grade_sync(TASK, Submission(answer="x"))
    assert result.details["reason"].startswith("grader NamelessSpins used more than its budget of 0.3 CPU seconds")


class DiesInItsWorker(Grader):
    name = "dies_in_its_worker"

    def score(self, task, submission):
        os._exit(3)


def test_a_worker_that_dies_is_a_grader_error_naming_the_grader():
    result = DiesInItsWorker().grade_sync(TASK, Submission(answer="x"))
    assert result.status == "grader_error" and result.reward == 0.0 and not result.passed
    assert result.error.startswith("dies_in_its_worker: the worker running grader dies_in_its_worker died")


class ReportsBroken(Grader):
    name = "reports_broken"

    async def grade(self, task, submission, *, sandbox=None, context=None):
        return self.config["grade"]


@pytest.mark.parametrize("reward,passed", [(1.0, True), (0.5, False), (math.nan, True), (math.inf, False)])
def test_a_grader_error_grade_never_carries_a_reward_or_a_pass(reward, passed):
    broken = Grade(status="grader_error", error="judge down", reward=reward, passed=passed, details={"why": "x"})
    result = ReportsBroken(grade=broken).grade_sync(TASK, Submission(answer="x"))
    assert (result.status, result.reward, result.passed) == ("grader_error", 0.0, False)
    assert (result.error, result.details) == ("judge down", {"why": "x"})  # its report is kept


class TakesNoConfig(Grader):
    name = "takes_no_config_for_test"

    def __init__(self) -> None:
        super().__init__()

    async def grade(self, task, submission, *, sandbox=None, context=None):
        return Grade.binary(True)


def test_a_config_the_grader_class_cannot_take_is_a_grader_error_naming_it():
    registry.register("graders", TakesNoConfig.name, TakesNoConfig, replace=True)
    try:
        assert get_grader(TakesNoConfig.name).grade_sync(TASK, Submission()).reward == 1.0
        with pytest.raises(GraderError) as caught:
            get_grader(GraderSpec(name=TakesNoConfig.name, config={"level": 2}))
        assert caught.value.message.startswith(
            "bad configuration for grader 'takes_no_config_for_test': TakesNoConfig.__init__() got an unexpected"
        )
        assert caught.value.details == {"config": {"level": 2}}
    finally:
        registry.unregister("graders", TakesNoConfig.name)
