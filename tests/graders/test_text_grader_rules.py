"""Rules of the text graders stated one by one: which expected answer counts, what ``details``
report, which inputs run inline (only those whose cost is bounded by the documented products), and
how numeric reads expected values, percentages and numbers too long to print."""

from __future__ import annotations

from fractions import Fraction

import pytest

from envgym.kernel.grader import get_grader
from envgym.protocol import GraderSpec, Submission, Task
from envgym_graders.match import EXACT_INLINE_CHARS, INLINE_COST
from envgym_graders.numeric import parse_number


def task(**private):
    return Task(id="t", suite="demo", prompt="?", private=private)


def grade(name, submitted, t=None, **config):
    return get_grader(GraderSpec(name=name, config=config)).grade_sync(t or task(), Submission(answer=submitted))


# ------------------------------------------------------------------ exact


def test_exact_a_configured_answer_wins_over_the_tasks():
    assert grade("exact", "Rome", task(answer="Paris"), answer="Rome").reward == 1.0
    assert grade("exact", "Paris", task(answer="Paris"), answer="Rome").reward == 0.0


def test_exact_reports_how_many_answers_it_accepts():
    assert grade("exact", "b", task(answer=["a", "b", 3])).details == {"accepted": 3}
    assert grade("exact", "x", task(answer="a")).details == {"accepted": 1}


@pytest.mark.parametrize("accepted", ["None", "XXXX", "xxxx", "null"])
def test_exact_a_submission_without_an_answer_matches_nothing(accepted):
    result = get_grader("exact", case_sensitive=False).grade_sync(task(answer=accepted), Submission())
    assert result.status == "ok" and result.reward == 0.0


def test_exact_runs_inline_up_to_its_character_bound():
    exact = get_grader("exact")
    assert exact.score_is_cheap(task(), Submission(answer="a" * EXACT_INLINE_CHARS))
    assert not exact.score_is_cheap(task(), Submission(answer="a" * (EXACT_INLINE_CHARS + 1)))


# ------------------------------------------------------------------ regex: the inline bound


@pytest.mark.parametrize("from_config", [True, False])
@pytest.mark.parametrize("pattern_chars", [1, 10, 100])
def test_regex_runs_inline_while_answer_length_times_pattern_length_is_within_the_bound(from_config, pattern_chars):
    pattern = "a" * pattern_chars
    grader = get_grader("regex", pattern=pattern) if from_config else get_grader("regex")
    t = task() if from_config else task(pattern=pattern)
    longest = INLINE_COST // pattern_chars
    assert grader.score_is_cheap(t, Submission(answer="b" * longest))
    assert not grader.score_is_cheap(t, Submission(answer="b" * (longest + 1)))


def test_regex_inline_bound_without_any_pattern_counts_the_answer_alone():
    grader = get_grader("regex")
    assert grader.score_is_cheap(task(), Submission(answer="b" * INLINE_COST))
    assert not grader.score_is_cheap(task(), Submission(answer="b" * (INLINE_COST + 1)))
    assert grader.score_is_cheap(task(), Submission())


# ------------------------------------------------------------------ numeric: details and reasons


def test_numeric_details_of_a_pass_and_of_a_miss():
    assert grade("numeric", "50%", task(answer=0.5)).details == {
        "parsed": "50%",
        "expected": "1/2",
        "rel_tol": 1e-06,
        "abs_tol": 1e-09,
    }
    assert grade("numeric", "41", task(answer=42), rel_tol=0.01, abs_tol=0.5).details == {
        "parsed": "41",
        "expected": "42",
        "rel_tol": 0.01,
        "abs_tol": 0.5,
        "reason": "the number differs from the expected one by more than the tolerance",
    }


def test_numeric_only_a_percentage_is_also_read_divided_by_100():
    assert grade("numeric", "4200%", task(answer=42)).reward == 1.0
    assert grade("numeric", "4200", task(answer=42)).reward == 0.0


@pytest.mark.parametrize(
    "answer,reason",
    [
        ("inf", "the answer is not a finite number"),
        ("\\boxed{-\\infty}", "the answer is not a finite number"),
        ("no digits", "no number found in the answer"),
        # only the final (boxed) answer decides why there is no number, not the text around it
        ("the limit is \\infty, so \\boxed{?}", "no number found in the answer"),
    ],
)
def test_numeric_reasons_for_no_number(answer, reason):
    result = grade("numeric", answer, task(answer=42))
    assert (result.status, result.reward, result.passed) == ("ok", 0.0, False)
    assert result.details == {"reason": reason}


@pytest.mark.parametrize(
    "answer,shown",
    [
        ("1e4300", "about 1e4300 (too many digits to show)"),
        ("-1e4300", "-about 1e4300 (too many digits to show)"),
        ("1e-4300", "about 1e-4300 (too many digits to show)"),  # the denominator is what is too long
        ("1e4300/7", "about 1e4299 (too many digits to show)"),
    ],
)
def test_numeric_numbers_too_long_to_print_are_shown_by_sign_and_magnitude(answer, shown):
    assert grade("numeric", answer, task(answer=42)).details["parsed"] == shown


# ------------------------------------------------------------------ numeric: the expected value


def test_numeric_a_float_expected_answer_is_the_decimal_it_prints_as():
    exact = {"rel_tol": 0, "abs_tol": 0}
    assert grade("numeric", "0.1", task(answer=0.1), **exact).reward == 1.0
    assert grade("numeric", "0.1", task(), answer=0.1, **exact).reward == 1.0
    assert grade("numeric", str(Fraction(0.1)), task(answer=0.1), **exact).reward == 0.0  # the double's value
    assert grade("numeric", "1e300", task(answer=1e300), **exact).reward == 1.0
    assert grade("numeric", "7", task(answer=7), **exact).reward == 1.0


@pytest.mark.parametrize(
    "expected,shown",
    [
        (True, "'True'"),  # a boolean is no number (it would otherwise count as 1)
        (float("inf"), "'inf'"),
        (float("nan"), "'nan'"),
        ("x" * 150, repr("x" * 100)),
    ],
)
def test_numeric_an_expected_answer_that_is_no_finite_number_is_the_tasks_error(expected, shown):
    result = grade("numeric", "1", task(answer=expected))
    assert result.status == "grader_error"
    assert result.error == (
        f"numeric: the expected answer {shown} of task 't' is not a finite number within the grader's bounds"
    )


def test_parse_number_gives_the_value_without_its_percent_sign():
    assert parse_number("so \\boxed{-3/4}") == Fraction(-3, 4)
    assert parse_number("50%") == Fraction(50)
    assert parse_number("1,000 apples") == Fraction(1000)
    assert parse_number("no number") is None
    assert parse_number("\\boxed{}") is None
