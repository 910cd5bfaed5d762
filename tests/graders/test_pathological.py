"""Answers that used to freeze or break the text graders and parsers now score 0 with a reason.

Each of these hung the event loop (catastrophic backtracking, a 30-million-digit power, a quadratic
regex) or crashed grading (OverflowError → grader_error) before graders ran with proven bounds
(docs/architecture.md §7). A hang fails through the per-test timeout; no test asserts a duration."""

from __future__ import annotations

import pytest

from envgym.kernel.grader import Grader, get_grader
from envgym.protocol import Grade, GraderSpec, Submission, Task
from envgym.protocol.errors import GraderError, InvalidRequest

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
    assert result.status == "ok" and result.reward == 0.0 and result.passed is False, result
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


class NeedsFiles(Grader):
    name = "needs_files"
    requires = frozenset({"files", "answer"})


class NeedsAField(Grader):
    name = ""
    requires = frozenset({"no_such_field"})  # not a Submission field: always missing, never a crash


def test_a_refused_submission_names_what_is_missing_and_what_it_has():
    with pytest.raises(InvalidRequest) as refused:
        NeedsFiles().check_submission(Submission(trajectory=[{"role": "assistant", "content": "42"}]))
    assert refused.value.message == (
        "the needs_files grader reads submission.answer, which this submission lacks (it has: trajectory)"
    )
    assert refused.value.details == {"missing": ["submission.answer", "submission.files"]}
    with pytest.raises(InvalidRequest) as refused:
        NeedsAField().check_submission(Submission())
    assert refused.value.message == (
        "the NeedsAField grader reads submission.no_such_field, which this submission lacks (it has: nothing)"
    )
    assert refused.value.details == {"missing": ["submission.no_such_field"]}
    with pytest.raises(InvalidRequest, match=r"\(it has: files, trajectory\)$"):
        get_grader("exact").check_submission(Submission(files={"a.py": ""}, trajectory=[]))
    NeedsFiles().check_submission(Submission(answer="", files={}))  # empty is present, not missing


def test_numeric_exponents_with_leading_zeros_are_read_as_their_value():
    assert grade("numeric", "1e0000000003", task(answer=1000)).reward == 1.0
    assert grade("numeric", "1.5 \\times 10^{0003}", task(answer=1500)).reward == 1.0


@pytest.mark.parametrize(
    "answer,expected",
    [
        ("1e-00001", "0.1"),  # a sign, then zeros
        ("2e0", 2),  # an exponent of zero
        ("1e4300", "1e4300"),  # the largest exponent read
        ("1e1000", "1e1000"),
    ],
)
def test_numeric_exponents_within_the_bound_are_read(answer, expected):
    assert grade("numeric", answer, task(answer=expected)).reward == 1.0


@pytest.mark.parametrize(
    "answer,shown",
    [
        ("1e4301", "4301"),
        ("1e" + "9" * 20, "9" * 20),
        ("1e" + "9" * 21, "9" * 20 + "..."),
    ],
)
def test_numeric_exponents_beyond_the_bound_score_zero_and_are_named(answer, shown):
    result = grade("numeric", answer, task(answer="42"))
    assert result.status == "ok" and result.reward == 0.0 and not result.passed
    assert result.details["reason"] == f"the answer's number is too large to compare: exponent {shown} is beyond ±4300"


@pytest.mark.parametrize(
    "answer,expected,rel_tol,abs_tol,passed",
    [
        ("1.5", 1, 0, 0.5, True),  # |a - b| == abs_tol: within (<=), with no relative tolerance
        ("1.75", 1, 0, 0.5, False),
        ("2", 1, 0, 1, True),
        ("1.25", 1, 0.25, 0, True),  # relative tolerance alone: 0.25 * 1.25 >= 0.25
        ("2", 3, 1, 0, True),
        ("1.5", 1, 0, 0, False),  # both tolerances 0: exact only
    ],
)
def test_numeric_tolerances_apply_alone_and_at_their_bound(answer, expected, rel_tol, abs_tol, passed):
    result = grade("numeric", answer, task(answer=expected), rel_tol=rel_tol, abs_tol=abs_tol)
    assert result.status == "ok" and result.passed is passed and result.reward == (1.0 if passed else 0.0)


def test_numeric_numbers_with_more_digits_than_python_prints_are_compared_not_crashed():
    # 1e4300 is within the bounds but has 4301 digits, more than str(int) converts by default
    result = grade("numeric", "-1e4300", task(answer="-1e4300"))
    assert result.status == "ok" and result.reward == 1.0
    assert result.details["parsed"] == result.details["expected"] == "-about 1e4300 (too many digits to show)"
    assert grade("numeric", "9" * 4300 + "e10", task(answer="1")).reward == 0.0


@pytest.mark.parametrize(
    "answer,expected",
    [
        ("\\boxed{3}, not 4", 3),  # a box at the very start
        ("\\boxed{\\frac{1}{2}}, not 4", "1/2"),  # nested braces
        ("x^{2} = 9 gives \\boxed{3}, not 4", 3),  # braces before the box
        ("\\boxed{5} at first, then \\boxed{3}, not 4", 3),  # the last box counts
    ],
)
def test_numeric_reads_the_last_box_even_when_other_numbers_follow(answer, expected):
    assert grade("numeric", answer, task(answer=expected)).reward == 1.0


@pytest.mark.parametrize("number", ["9" * 4300, "-" + "9" * 4300, "+" + "9" * 4300, "9" * 4299 + ".9"])
def test_numeric_numbers_of_max_digits_are_read(number):
    assert grade("numeric", number, task(answer=number)).reward == 1.0


def test_numeric_numbers_over_max_digits_score_zero_and_are_named():
    result = grade("numeric", "9" * 4301, task(answer="42"))
    assert result.status == "ok" and result.reward == 0.0
    assert result.details["reason"] == (
        "the answer's number is too large to compare: a number with 4301 digits (more than 4300)"
    )


@pytest.mark.parametrize(
    "answer,expected",
    [
        (".5", "0.5"),
        ("The answer is .5", "0.5"),
        ("so...42", 42),  # an ellipsis before the number is not its decimal point
        ("\\boxed{.5}", "0.5"),
        ("\\boxed{\\frac{1}{2}.}", "0.5"),  # a full stop after the number
        ("\\boxed{1\\,000}", 1000),  # LaTeX thin space
        ("\\boxed{1\\!000}", 1000),  # LaTeX negative space
        ("\\boxed{$5}", 5),
        ("\\boxed{50\\%}", "0.5"),
        ("\\boxed{\\left(3\\right)}", 3),
        ("\\boxed{(35)}", 35),
        ("\\boxed{1 000 000}", 1_000_000),  # spaces between groups of three digits
        ("\\boxed{\\frac{3}{1}}", 3),
        ("\\boxed{3/1}", 3),
    ],
)
def test_numeric_cleans_latex_and_punctuation_around_the_number(answer, expected):
    assert grade("numeric", answer, task(answer=expected)).reward == 1.0


@pytest.mark.parametrize(
    "answer,wrong",
    [
        ("\\boxed{4X}", 4),
        ("\\boxed{13)}", 3),  # an unbalanced parenthesis is not stripped
        ("\\boxed{12 34}", 1234),  # spaces join only groups of three digits
        ("\\boxed{\\frac{1}{x}}", 1),
        ("\\boxed{\\frac{1}{0}}", 1),
    ],
)
def test_numeric_malformed_boxed_numbers_are_no_number(answer, wrong):
    result = grade("numeric", answer, task(answer=wrong))
    assert result.status == "ok" and result.reward == 0.0
    assert result.details["reason"] == "no number found in the answer"


@pytest.mark.parametrize(
    "length,reason",
    [
        (8664, "a number with 8664 digits (more than 4300)"),
        (8665, "a number of 8665 characters (more than 4300 digits)"),  # longer than any number in bounds
    ],
)
def test_numeric_overlong_numbers_are_named_by_what_is_over(length, reason):
    result = grade("numeric", "9" * length, task(answer="42"))
    assert result.details["reason"] == f"the answer's number is too large to compare: {reason}"


def test_numeric_expected_answer_from_the_config_wins_and_a_missing_one_is_the_tasks_error():
    configured = get_grader(GraderSpec(name="numeric", config={"answer": 5}))
    assert configured.grade_sync(task(answer=3), Submission(answer="5")).reward == 1.0
    missing = grade("numeric", "5", task())
    assert missing.status == "grader_error"
    assert missing.error == "numeric: task 't' has no expected answer (config.answer or private.answer)"
