"""The rubric grader's report, rule by rule: which answer is graded, which threshold applies, what
each component and ``details`` say, and the errors a task author or operator acts on. Programmatic
criteria only (no judge is called), except where the judge's configuration is the point."""

from __future__ import annotations

import os

import pytest
from rubric_helpers import GOOD_ANSWER, LLM_CACHE, LLM_ROOT, context_for, rubric_task

from envgym.kernel.context import EnvContext
from envgym.kernel.grader import get_grader
from envgym.protocol import Submission
from envgym_graders.rubric.grader import FORMULA, answer_text

PARIS = {"id": "paris", "kind": "contains", "description": "names Paris", "value": "Paris"}
LYON = {"id": "lyon", "kind": "contains", "description": "must not name Lyon", "value": "Lyon", "weight": -1}


def grade(criteria, answer, **config):
    return get_grader("rubric", **config).grade_sync(rubric_task(criteria), Submission(answer=answer))


def test_without_an_answer_or_an_assistant_message_the_text_graded_is_empty():
    assert answer_text(Submission(trajectory=[{"role": "user", "content": "hi"}])) == ""
    assert answer_text(Submission()) == ""
    assert answer_text(Submission(answer="")) == ""


def test_the_configured_pass_threshold_wins_over_the_rubrics():
    half = [PARIS, {**PARIS, "id": "rome", "value": "Rome", "description": "names Rome"}]
    assert rubric_task(half).private["rubric"].get("pass_threshold") is None  # the rubric's default: 0.6
    result = grade(half, "Paris", pass_threshold=0.5)
    assert result.reward == 0.5 and result.passed and result.details["pass_threshold"] == 0.5
    assert not grade(half, "Paris").passed


def test_details_and_components_of_a_graded_answer():
    result = grade([PARIS, LYON], "Paris, not Lyon")
    assert (result.reward, result.passed) == (0.0, False)
    assert result.details == {
        "formula": FORMULA,
        "points_possible": 1.0,
        "pass_threshold": 0.6,
        "points_earned": 0.0,
        "degenerate": None,
        "judge": {"template": result.details["judge"]["template"]},
    }
    paris, lyon = result.components
    assert (paris.name, paris.reward, paris.weight, paris.passed) == ("paris", 1.0, 1.0, True)
    assert paris.details == {
        "kind": "contains",
        "description": "names Paris",
        "met": True,
        "reasoning": "found 'Paris'",
    }
    # a met criterion of negative weight is a fault: its component does not pass
    assert (lyon.name, lyon.reward, lyon.weight, lyon.passed) == ("lyon", 1.0, -1.0, False)


def test_unmet_criteria_have_reward_zero_and_pass_only_when_their_weight_is_negative():
    paris, lyon = grade([PARIS, LYON], "Marseille").components
    assert (paris.reward, paris.passed, paris.details["met"]) == (0.0, False, False)
    assert (lyon.reward, lyon.passed, lyon.details["met"]) == (0.0, True, False)
    small = {**PARIS, "weight": 0.5}
    assert grade([small], "Paris").components[0].passed  # any positive weight, not only those over 1


@pytest.mark.parametrize(
    "answer,reason,note",
    [
        ("...", "no_content", "not judged: degenerate answer"),
        ("   ", "empty", "not judged: degenerate answer"),
        ("Paris" + " is nice" * 20, "too_long", "not judged: the answer has 165 characters, over the limit of 100"),
    ],
)
def test_a_degenerate_answer_is_not_judged_and_each_component_says_why(answer, reason, note):
    task = rubric_task([PARIS], max_answer_chars=100)
    result = get_grader("rubric").grade_sync(task, Submission(answer=answer))
    assert (result.status, result.reward, result.passed) == ("ok", 0.0, False)
    assert result.details == {
        "formula": FORMULA,
        "points_possible": 1.0,
        "pass_threshold": 0.6,
        "degenerate": reason,
        "points_earned": 0.0,
        "judge_calls": 0,
    }
    assert result.components[0].details == {
        "kind": "contains",
        "description": "names Paris",
        "met": None,
        "reasoning": note,
    }


def test_a_lone_surrogate_in_the_answer_reads_as_the_replacement_character():
    marked = {**PARIS, "value": "Paris\ufffd"}
    assert grade([marked], "Paris\ud800 it is").components[0].details["met"] is True


def test_an_invalid_rubric_is_the_tasks_grader_error_naming_the_task():
    result = grade([{"kind": "contains", "value": "x"}], "x")
    assert result.status == "grader_error"
    assert result.error.startswith("rubric: task 't1' has an invalid rubric: 1 validation error for Rubric")


def test_an_invalid_judge_setting_is_a_grader_error_naming_it():
    context = context_for("http://127.0.0.1:9/v1", **{"rubric.judge_samples": 0})
    result = get_grader("rubric").grade_sync(rubric_task([LLM_CACHE]), Submission(answer="x y z"), context=context)
    assert result.status == "grader_error"
    assert result.error.startswith("rubric: invalid judge configuration: 1 validation error for JudgeConfig\nsamples")


def test_llm_criteria_without_a_judge_are_a_grader_error_saying_how_to_configure_one(monkeypatch):
    for name in [k for k in os.environ if k.startswith("ENVGYM_RUBRIC_JUDGE")]:
        monkeypatch.delenv(name)
    task = rubric_task([PARIS, LLM_CACHE])
    result = get_grader("rubric").grade_sync(
        task, Submission(answer="Paris caches"), context=EnvContext(sandbox="process")
    )
    assert result.status == "grader_error"
    assert result.error == (
        "rubric: task 't1' has 1 llm criteria but no judge is configured: set the settings "
        "rubric.judge_base_url and rubric.judge_model (or the environment variables "
        "ENVGYM_RUBRIC_JUDGE_BASE_URL and ENVGYM_RUBRIC_JUDGE_MODEL)"
    )
    assert result.details == {"code": "grader_error", "judge_failure": "not_configured"}


def test_a_failed_judge_keeps_the_verdicts_of_the_programmatic_criteria():
    context = context_for("http://127.0.0.1:9/v1", **{"rubric.judge_attempts": 1})  # the discard port: refused
    task = rubric_task([PARIS, LLM_CACHE])
    result = get_grader("rubric").grade_sync(task, Submission(answer="Paris caches"), context=context)
    assert result.status == "grader_error" and result.details["judge_failure"] == "unreachable"
    assert result.details["programmatic_verdicts"] == {"paris": {"met": True, "reasoning": "found 'Paris'"}}


async def test_the_judge_counts_in_details_are_those_of_this_grading(standin):
    task = rubric_task([LLM_CACHE, LLM_ROOT], prompt="How does DNS resolution work? (asked by this test only)")
    context = context_for(standin.base_url)
    counts = []
    for _ in range(3):
        result = await get_grader("rubric").safe_grade(task, Submission(answer=GOOD_ANSWER), context=context)
        counts.append((result.details["judge"]["calls"], result.details["judge"]["cache_hits"]))
    assert counts == [(2, 0), (0, 2), (0, 2)]  # then served from the cache, two hits per grading
