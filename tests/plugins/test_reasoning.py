"""The reasoning plugin (envgym-reasoning): discovered through its entry point, seeded suites,
the dataset's own scoring, answers read from the reply as documented, and conformance."""

from __future__ import annotations

import collections
from importlib.metadata import version

import pytest

from envgym.kernel import registry
from envgym.kernel.context import EnvContext
from envgym.kernel.families import resolve
from envgym.protocol import Submission
from envgym.testing import check_environment

reasoning = pytest.importorskip("envgym_reasoning")
from envgym_reasoning import ReasoningEnvironment, extract_answer  # noqa: E402
from envgym_reasoning.environment import (
    MAX_ANSWER_SHARE,
    PARTIAL_CREDIT,
    SUITES,
    TRIVIAL_ANSWERS,  # noqa: E402
    score,
)


def test_it_is_an_ordinary_entry_point_plugin() -> None:
    plugin = registry.info("environments", "reasoning")
    assert plugin.package == "envgym-reasoning"
    assert plugin.value == "envgym_reasoning.environment:ReasoningEnvironment"
    assert resolve("reasoning").cls is ReasoningEnvironment


def test_suites_are_versioned_with_the_reasoning_gym_version() -> None:
    rg = version("reasoning-gym")
    suites = ReasoningEnvironment.suites()
    assert {s.name for s in suites} == set(SUITES) and 4 <= len(suites) <= 6
    assert all(s.version.endswith(f"rg{rg}") and s.size == 100 for s in suites)


def test_tasks_are_seeded_and_hide_the_answer() -> None:
    import reasoning_gym

    tasks = ReasoningEnvironment.load_tasks("chain_sum")
    again = ReasoningEnvironment.load_tasks("chain_sum")
    assert [t.prompt for t in tasks] == [t.prompt for t in again]
    fresh = reasoning_gym.create_dataset("chain_sum", size=100, seed=SUITES["chain_sum"].seed)
    assert tasks[7].prompt.startswith(fresh[7]["question"]) and tasks[7].private["answer"] == fresh[7]["answer"]
    public = tasks[7].public().model_dump()
    assert set(public) == {"id", "suite", "prompt", "metadata"}
    assert "answer" not in public["metadata"] and "question" not in public["metadata"]


@pytest.mark.parametrize(
    "reply, answer",
    [
        ("42", "42"),
        ("  cba \n", "cba"),
        ("The sum is 5 + 3.\nAnswer: 8", "8"),
        ("answer: 1\nfinal answer: 2\nbecause reasons", "2"),
        ("<think>Answer: 3</think>It is <answer> 4 </answer>.", "4"),
        ("<answer>a</answer> then <answer>b</answer>", "b"),
        ("<think>never closed", ""),
    ],
)
def test_answers_are_read_as_documented(reply: str, answer: str) -> None:
    assert extract_answer(reply) == answer


def test_reward_is_the_dataset_score() -> None:
    task = ReasoningEnvironment.tasks("word_sorting")[0]
    expected = task.private["answer"]
    for reply, reward in [(f"Answer: {expected}", 1.0), ("Answer: nope", 0.0), ("", 0.0)]:
        env = ReasoningEnvironment("word_sorting").sync()
        env.reset(task, seed=0)
        result = env.step(reply)
        env.close()
        assert result.terminated and result.reward == reward
        assert result.grade is not None and result.grade.passed is (reward == 1.0)
        assert result.info["status"] == "completed"


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_no_constant_reply_earns_more_than_the_documented_share(suite: str) -> None:
    tasks = ReasoningEnvironment.tasks(suite)
    answers = collections.Counter(t.private["answer"] for t in tasks)
    assert not TRIVIAL_ANSWERS & {a.strip().lower() for a in answers}
    guesses = {"0", "1", "-1", "2", "yes", "", *(a for a, _ in answers.most_common(3))}
    for guess in guesses:
        mean = sum(score(t, f"Answer: {guess}").reward for t in tasks) / len(tasks)
        assert mean <= MAX_ANSWER_SHARE, (guess, mean)


def test_partial_credit_is_paid_only_when_asked_for() -> None:
    task = ReasoningEnvironment.tasks("spell_backward")[0]
    wrong = "Answer: " + task.private["answer"][:-1] + "#"  # all letters but one: the scorer gives partial credit
    strict = score(task, wrong)
    assert strict.reward == 0.0 and not strict.passed and 0 < strict.components[0].reward < 1
    assert score(task, wrong, partial_credit=True).reward == strict.components[0].reward
    env = ReasoningEnvironment("spell_backward", context=EnvContext(settings={PARTIAL_CREDIT: True})).sync()
    env.reset(task)
    assert env.step(wrong).reward == strict.components[0].reward
    env.close()


async def test_grade_submission_without_an_episode() -> None:
    task = ReasoningEnvironment.tasks("gcd")[3]
    good = await ReasoningEnvironment.grade_submission(task, Submission(answer=task.private["answer"]))
    bad = await ReasoningEnvironment.grade_submission(task, Submission(answer="-1"))
    assert (good.reward, bad.reward) == (1.0, 0.0)


def test_a_task_built_with_another_library_version_is_a_grader_error() -> None:
    task = ReasoningEnvironment.tasks("gcd")[0]
    stale = task.model_copy(update={"private": {**task.private, "question": "a question this version never made"}})
    env = ReasoningEnvironment("gcd").sync()
    env.reset(stale)
    result = env.step(task.private["answer"])
    env.close()
    assert result.info["status"] == "grader_error" and result.reward == 0.0


def test_the_whole_family_passes_the_conformance_kit() -> None:
    # Every task of every suite: the oracle scores 1, nop scores 0 (the `envgym check reasoning` run).
    report = check_environment("reasoning", concurrency=8)
    assert report.ok, report.summary()
    assert report.tasks_checked == 100 * len(SUITES)
