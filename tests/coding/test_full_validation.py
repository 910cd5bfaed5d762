"""The CI validation: the conformance kit over every task of both coding suites (oracle scores 1, nop 0,
round trips, statuses, close). One test per suite; the rest of the coding tests use small subsets."""

import pytest

from envgym.sandbox import get_provider
from envgym.testing.conformance import check_environment
from envgym_coding import CodingEnvironment


def bwrap_available():
    try:
        return get_provider("bwrap").available()
    except Exception as exc:  # noqa: BLE001
        return False, str(exc)


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ["coding/humaneval", "coding/repo"])
def test_every_task_passes_the_conformance_kit(env_id):
    ok, _ = bwrap_available()
    report = check_environment(env_id, sandbox="bwrap" if ok else "process", concurrency=4)
    assert report.ok, report.summary()
    assert report.tasks_checked == (164 if env_id == "coding/humaneval" else len(CodingEnvironment.tasks("repo")))
