"""``UnitTestsGrader._verdict``, the last word on a unit-test grading, without a sandbox: only a result
line MAC-ed with this run's key is believed, a believed line that reports no tests never pays, and
every grade carries the per-test components and the integrity report.

Other layers (the fresh sandbox, the harness on stdin) stop today's attacks before they reach this
check; these tests pin the check itself so a refactor cannot drop it unnoticed."""

import hashlib

import pytest

from envgym.protocol import Grade, GradeComponent
from envgym.sandbox.base import ExecResult
from envgym_graders.unit_tests.grader import MARKER, UnitTestsGrader
from envgym_graders.unit_tests.snapshot import Snapshot

KEY = bytes(range(32))
PASSED = [{"name": "test_a", "outcome": "passed"}, {"name": "test_b", "outcome": "passed"}]
# What the solution left behind, reported beside every verdict (never rewarded).
SNAP = Snapshot(skipped=[("link", "symlink to /etc/passwd")], dropped=["conftest.py"])
INTEGRITY = {
    "tamper_signals": ["link: symlink to /etc/passwd", "conftest.py"],
    "dropped_files": ["conftest.py"],
    "skipped_files": [["link", "symlink to /etc/passwd"]],
}


def result_line(record: dict, key: bytes = KEY, mac: str | None = None) -> str:
    body = ascii(record)  # what the harness writes
    mac = mac if mac is not None else hashlib.blake2b(body.encode(), key=key, digest_size=32).hexdigest()
    return f"{MARKER} {body} {mac}"


def verdict(stdout: str, mode: str = "binary", **result) -> Grade:
    grader = UnitTestsGrader(kind="project", mode=mode)
    return grader._verdict(ExecResult(**{"exit_code": 0, "stdout": stdout, "stderr": "", **result}), KEY, SNAP)


def record(tests: list[dict]) -> dict:
    return {"tests": tests, "harness_error": None, "duration_s": 0.25}


def scored(reward: float, passed: bool, tests: list[dict], mode: str) -> Grade:
    components = [
        GradeComponent(
            name=t["name"], reward=float(t["outcome"] == "passed"), weight=1.0, passed=t["outcome"] == "passed"
        )
        for t in tests
    ]
    return Grade(
        reward=reward,
        passed=passed,
        components=components,
        details={
            "mode": mode,
            "passed": sum(t["outcome"] == "passed" for t in tests),
            "total": len(tests),
            "tests": tests,
            "harness_duration_s": 0.25,
            **INTEGRITY,
        },
    )


@pytest.mark.parametrize("mode", ["binary", "fraction"])
def test_an_authentic_line_with_every_test_passed_pays_one(mode):
    grade = verdict("noise\n" + result_line(record(PASSED)) + "\n", mode)
    assert grade == scored(1.0, True, PASSED, mode)


def test_one_failed_test_scores_zero_in_binary_and_its_share_in_fraction():
    tests = [*PASSED, {"name": "test_c", "outcome": "failed", "message": "assert 1 == 2"}]
    assert verdict(result_line(record(tests))) == scored(0.0, False, tests, "binary")
    assert verdict(result_line(record(tests)), "fraction") == scored(2 / 3, False, tests, "fraction")


def forged_zero() -> Grade:
    return Grade(
        reward=0.0, passed=False, details={"tampered": True, "reason": "the result line was forged", **INTEGRITY}
    )


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(dict(key=bytes(32)), id="mac-with-another-key"),
        pytest.param(dict(mac="0" * 64), id="zero-mac"),
        pytest.param(dict(mac=""), id="no-mac"),
        pytest.param(dict(mac="00"), id="short-mac"),
    ],
)
@pytest.mark.parametrize("mode", ["binary", "fraction"])
def test_a_forged_result_line_never_pays(forged, mode):
    assert verdict(result_line(record(PASSED), **forged) + "\n", mode) == forged_zero()


def test_the_last_result_line_is_the_one_judged():
    """The solution's output comes before the harness's own line: a forged line printed earlier
    changes nothing, and a forged line after the real one (impossible for the harness, which prints
    last) is refused rather than believed."""
    real, fake = result_line(record(PASSED)), result_line(record(PASSED), mac="0" * 64)
    assert verdict(f"{fake}\n{real}\n").reward == 1.0
    assert verdict(f"{real}\n{fake}\n") == forged_zero()


@pytest.mark.parametrize("mode", ["binary", "fraction"])
def test_an_authentic_line_with_no_tests_is_a_grader_error_never_a_reward(mode):
    assert verdict(result_line(record([])) + "\n", mode) == Grade.grader_error("no hidden tests were collected")


def test_a_harness_error_is_a_grader_error_with_its_traceback():
    grade = verdict(result_line({"tests": PASSED, "harness_error": "Traceback: boom", "duration_s": 0.0}))
    assert grade == Grade.grader_error("the hidden tests could not be run (harness error)", traceback="Traceback: boom")


def test_a_harness_killed_before_reporting_is_a_flagged_zero():
    expected = Grade(
        reward=0.0,
        passed=False,
        details={
            "tampered": True,
            "reason": "the test harness was killed or timed out before reporting",
            "exit_code": -9,
            **INTEGRITY,
        },
    )
    assert verdict("partial output\n", exit_code=-9, killed_by_signal=9) == expected
    assert verdict("partial output\n", exit_code=124, timed_out=True) == expected.model_copy(
        update={"details": {**expected.details, "exit_code": 124}}
    )


def test_a_harness_that_broke_by_itself_is_a_grader_error_with_the_end_of_its_stderr():
    stderr = "a" * 1000 + "b" * 3000  # only the last 3000 characters are kept
    grade = verdict("partial output\n", exit_code=1, stderr=stderr)
    assert grade == Grade.grader_error(
        "the unit-test harness broke before reporting any result", exit_code=1, stderr="b" * 3000
    )
