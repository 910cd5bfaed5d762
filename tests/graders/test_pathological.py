"""Answers that used to freeze or break the text graders and parsers now score 0 with a reason.

Each of these hung the event loop (catastrophic backtracking, a 30-million-digit power, a quadratic
regex) or crashed grading (OverflowError → grader_error) before graders ran with proven bounds
(docs/architecture.md §7). A hang fails through the per-test timeout; no test asserts a duration."""

from __future__ import annotations

import pytest

from envgym.errors import GraderError, InvalidRequest
from envgym.grader import Grader, get_grader
from envgym.protocol import Grade, GraderSpec, Submission, Task

pytestmark = pytest.mark.timeout(120)


def task(**private):
    return Task(id="t", suite="demo", prompt="?", private=private)


def grade(name, answer, t=None, **config):
    return get_grader(GraderSpec(name=name, config=config)).grade_sync(t or task(), Submission(answer=answer))


@pytest.mark.parametrize(
    "answer,reason",
    [
        ("1e30000000", "too large"),
        ("1.5 \\times 10^{30000000}", "too large"),
        ("9" * 1_000_000, "too large"),
        ("\\frac{1}{1e99999}", "too large"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("NaN", "not a finite number"),
        ("\\boxed{\\infty}", "not a finite number"),
        ("1e999", "differs"),
        ("-1e999", "differs"),
        ("1e-999", "differs"),
    ],
)
def test_numeric_huge_or_non_finite_answers_score_zero_with_a_reason(answer, reason):
    result = grade("numeric", answer, task(answer="42"))
    assert result.status == "ok" and result.reward == 0.0, result
    assert reason in result.details["reason"]


def test_numeric_huge_exact_values_still_compare():
    big = str(2**2000)  # 603 digits, beyond a float: compared exactly, no OverflowError
    assert grade("numeric", f"\\boxed{{{big}}}", task(answer=big)).reward == 1.0
    assert grade("numeric", "1e999", task(answer="1e999")).reward == 1.0
    assert grade("numeric", "1e999", task(answer="1e999"), rel_tol=0.1).reward == 1.0


def test_numeric_non_finite_expected_answer_is_the_tasks_error():
    assert grade("numeric", "1", task(answer=float("inf"))).status == "grader_error"
    assert grade("numeric", "1", task(answer="1e99999")).status == "grader_error"


def test_numeric_reads_the_end_of_a_long_answer():
    reasoning = "step 7 gives 3 and so on. " * 10_000  # 260,000 characters, the final answer at its end
    assert grade("numeric", reasoning + "\\boxed{42}", task(answer=42)).reward == 1.0


@pytest.mark.parametrize(
    "pattern,answer",
    [
        (r"(a+)+$", "a" * 40 + "!"),
        (r"(a|aa)+$", "a" * 5000 + "!"),
        (r"(x+x+)+y", "x" * 50_000),
        (r"^(\w+\s?)*$", "word " * 20_000 + "!"),
    ],
)
def test_regex_catastrophic_patterns_run_in_linear_time(pattern, answer):
    result = grade("regex", answer, pattern=pattern)
    assert result.status == "ok" and result.reward == 0.0


def test_regex_features_re2_cannot_run_are_refused_with_the_accepted_syntax():
    for pattern in (r"(a)\1", r"(?=a)a", r"(?<!x)a", r"a++", r"a\Z"):
        with pytest.raises(GraderError, match="Accepted: RE2 syntax"):
            get_grader(GraderSpec(name="regex", config={"pattern": pattern}))
    # From the task (not the config), the same pattern is the task's error: grader_error with the reason.
    broken = get_grader("regex").grade_sync(task(pattern=r"(a)\1"), Submission(answer="aa"))
    assert broken.status == "grader_error" and "Accepted: RE2 syntax" in broken.error
    with pytest.raises(GraderError, match="unknown regex flag"):
        get_grader(GraderSpec(name="regex", config={"pattern": "a", "flags": "x"}))


def test_regex_long_answers_run_in_a_worker_and_still_match():
    result = grade("regex", "b" * 300_000 + "needle", pattern=r"needle$", max_chars=1_000_000)
    assert result.reward == 1.0


def test_exact_on_a_huge_answer():
    assert grade("exact", "x" * 2_000_000, task(answer="x")).reward == 0.0


def test_code_extraction_of_an_unterminated_fence_line_is_linear():
    from envgym_graders.code_extract import extract_code

    answer = "```" + "a" * 2_000_000  # one fence line without a newline: quadratic before
    assert extract_code(answer) == answer
    assert extract_code("x\n```python run\nA\n```\n```js\nB\n```\n") == "A\n"


def test_reasoning_answer_tags_are_read_in_linear_time():
    from envgym_reasoning.answers import extract_answer

    assert extract_answer("<answer>" * 200_000) == ("<answer>" * 200_000).strip()
    assert extract_answer("<answer>a</answer> x <answer> b </answer>") == "b"
    assert extract_answer("<answer>a<answer>b</answer>") == "a<answer>b"
    assert extract_answer("<answer>q</answer></answer><answer>c") == "q"


class Spin(Grader):
    name = "spin_local"
    requires = frozenset({"answer"})

    def score(self, task, submission) -> Grade:
        while True:
            pass


def test_a_score_that_never_ends_is_stopped_and_scored_zero():
    result = Spin(cpu_budget_s=0.5).grade_sync(task(), Submission(answer="x"))
    assert result.status == "ok" and result.reward == 0.0 and "budget of 0.5 CPU seconds" in result.details["reason"]


def test_a_submission_without_the_field_the_grader_reads_is_refused():
    trajectory_only = Submission(trajectory=[{"role": "assistant", "content": "42"}])
    for name in ("exact", "regex", "numeric"):
        grader = get_grader(GraderSpec(name=name, config={"pattern": "4"} if name == "regex" else {}))
        with pytest.raises(InvalidRequest, match="submission.answer"):
            grader.check_submission(trajectory_only)
        grader.check_submission(Submission(answer="42"))
    weighted = get_grader(GraderSpec(name="weighted", config={"components": [{"name": "v", "grader": "numeric"}]}))
    with pytest.raises(InvalidRequest, match="submission.answer"):
        weighted.check_submission(trajectory_only)
