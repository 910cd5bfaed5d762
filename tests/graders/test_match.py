"""The text graders: exact, regex, numeric and the weighted composition."""

import pytest

from envgym.kernel.grader import get_grader
from envgym.protocol import GraderSpec, Submission, Task
from envgym.protocol.errors import GraderError


def task(**private):
    return Task(id="t", suite="demo", prompt="?", private=private)


def grade(name, answer, t=None, **config):
    return get_grader(GraderSpec(name=name, config=config)).grade_sync(t or task(), Submission(answer=answer))


@pytest.mark.parametrize(
    "answer,config,reward",
    [
        ("Paris", {}, 1.0),
        ("  Paris \n", {}, 1.0),
        ("paris", {}, 0.0),
        ("paris", {"case_sensitive": False}, 1.0),
        ("Paris, France", {}, 0.0),
        ("", {}, 0.0),
    ],
)
def test_exact(answer, config, reward):
    assert grade("exact", answer, task(answer="Paris"), **config).reward == reward


def test_exact_accepts_a_list_and_reports_missing_answer_as_grader_error():
    assert grade("exact", "Lutetia", task(answer=["Paris", "Lutetia"])).reward == 1.0
    broken = grade("exact", "x", task())
    assert broken.status == "grader_error" and "expected answer" in broken.error


@pytest.mark.parametrize(
    "answer,config,reward",
    [
        ("order #12345 shipped", {"pattern": r"#\d{5}\b"}, 1.0),
        ("order #1234 shipped", {"pattern": r"#\d{5}\b"}, 0.0),
        ("YES", {"pattern": "yes", "flags": "i"}, 1.0),
        ("yes indeed", {"pattern": "yes", "full": True}, 0.0),
        (" yes ", {"pattern": "yes", "full": True}, 1.0),
    ],
)
def test_regex(answer, config, reward):
    assert grade("regex", answer, **config).reward == reward


def test_regex_bad_pattern_is_a_configuration_error():
    with pytest.raises(GraderError, match="invalid pattern"):
        grade("regex", "x", pattern="(")
    assert get_grader("regex").grade_sync(task(pattern="("), Submission(answer="x")).status == "grader_error"


@pytest.mark.parametrize(
    "answer,expected,reward",
    [
        ("42", 42, 1.0),
        ("The answer is 42.", "42", 1.0),
        ("1,000", 1000, 1.0),
        ("1{,}000", "1000", 1.0),
        ("\\frac{1}{2}", 0.5, 1.0),
        ("-\\dfrac{3}{4}", "-3/4", 1.0),
        ("\\boxed{\\frac{2}{3}}", "2/3", 1.0),
        ("so x = 3/4 and then \\boxed{7}", 7, 1.0),
        ("50%", 0.5, 1.0),
        ("50%", 50, 1.0),
        ("$1,234.50", "1234.5", 1.0),
        ("1.5 \\times 10^{3}", 1500, 1.0),
        ("2.5e-3", "0.0025", 1.0),
        ("0.3333333", "1/3", 1.0),
        ("0.33", "1/3", 0.0),
        ("41", 42, 0.0),
        ("no number here", 1, 0.0),
        ("\\boxed{}", 1, 0.0),
    ],
)
def test_numeric_forms(answer, expected, reward):
    assert grade("numeric", answer, task(answer=expected)).reward == reward


def test_numeric_tolerance_is_configurable():
    assert grade("numeric", "3.14", task(answer="3.14159"), rel_tol=1e-3).reward == 1.0
    assert grade("numeric", "3.14", task(answer="3.14159")).reward == 0.0
    assert grade("numeric", "1/3", task(answer="0.3333333333333333"), rel_tol=0, abs_tol=0).reward == 0.0
    assert grade("numeric", "1/3", task(answer="1/3"), rel_tol=0, abs_tol=0).reward == 1.0


COMPONENTS = [
    {
        "name": "format",
        "grader": "regex",
        "config": {"pattern": r"^\\boxed\{.*\}$", "full": True},
        "gate": True,
        "weight": 0,
    },
    {"name": "value", "grader": "numeric", "weight": 3},
    {"name": "short", "grader": "regex", "config": {"pattern": r"^.{0,12}$", "full": True}, "weight": 1},
]


@pytest.mark.parametrize(
    "answer,reward",
    [
        ("\\boxed{42}", 1.0),  # gate passes, both weighted parts pass
        ("\\boxed{41}", 0.25),  # value fails (weight 3 of 4)
        ("\\boxed{00000000042}", 0.75),  # too long
        ("42", 0.0),  # gate fails: no reward at all, although the value is right
    ],
)
def test_weighted_weights_and_gate(answer, reward):
    g = grade("weighted", answer, task(answer=42), components=COMPONENTS)
    assert g.status == "ok" and g.reward == pytest.approx(reward)
    assert [c.name for c in g.components] == ["format", "value", "short"]
    assert (g.details["gates_failed"] == ["format"]) == (answer == "42")


def test_weighted_broken_component_is_grader_error_not_zero():
    comps = [{"name": "value", "grader": "numeric"}, {"name": "broken", "grader": "regex", "config": {"pattern": "("}}]
    g = grade("weighted", "42", task(answer=42), components=comps)
    assert g.status == "grader_error" and "broken" in g.error


@pytest.mark.parametrize(
    "components,message",
    [
        ([], "] the weighted grader needs at least one component$"),
        (
            [{"name": "a", "grader": "exact"}, {"name": "a", "grader": "exact"}],
            r"] component names must be unique, got \['a', 'a'\]$",
        ),
        ([{"name": "a", "grader": "exact", "weight": 0}], "] the components' weights sum to 0$"),
        ([{"grader": "exact"}], r"] config key 'weighted.components.0.name': Field required"),
    ],
)
def test_weighted_rejects_bad_configuration(components, message):
    with pytest.raises(GraderError, match=message):
        get_grader(GraderSpec(name="weighted", config={"components": components}))


def test_regex_answers_longer_than_max_chars_score_zero_with_the_reason():
    assert grade("regex", "abcde", pattern="a", max_chars=5).reward == 1.0  # exactly max_chars: read
    too_long = grade("regex", "abcdef", pattern="a", max_chars=5)
    assert too_long.status == "ok" and too_long.reward == 0.0 and too_long.passed is False
    assert too_long.details == {"reason": "the answer is longer than 5 characters"}
    assert grade("regex", "a" * 100_000, pattern="a").reward == 1.0  # the default: 100000
    assert grade("regex", "a" * 100_001, pattern="a").reward == 0.0


def test_regex_reports_what_matched_up_to_200_characters():
    assert grade("regex", "order #12345", pattern=r"#\d+").details == {"matched": "#12345"}
    assert grade("regex", "a" * 300, pattern="a+").details == {"matched": "a" * 200}
    assert grade("regex", "b", pattern="a").details == {"matched": None}


def test_regex_on_a_missing_answer_matches_nothing():
    result = get_grader(GraderSpec(name="regex", config={"pattern": "X"})).grade_sync(task(), Submission())
    assert result.status == "ok" and result.reward == 0.0
    missing = get_grader("regex").grade_sync(task(), Submission(answer="x"))
    assert (
        missing.status == "grader_error"
        and missing.error == "regex: task 't' has no pattern (config.pattern or private.pattern)"
    )


@pytest.mark.parametrize("digits", [199, 200, 201, 250])
def test_numeric_details_show_long_numbers_shortened(digits):
    number = "7" * digits
    shown = number if digits <= 200 else f"{number[:90]}...{number[-90:]} ({digits} characters)"
    result = grade("numeric", number, task(answer=42))
    assert result.details["parsed"] == shown and result.details["expected"] == "42"
