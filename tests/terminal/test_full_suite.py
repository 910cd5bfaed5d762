"""The CI validation of the shipped suite: `envgym check terminal/core` — every task's solve.sh
scores 1 through the oracle, a do-nothing run scores 0, and nothing is left behind."""

from __future__ import annotations

import pytest
from terminal_helpers import SANDBOX

from envgym.testing import check_environment


@pytest.mark.slow
def test_every_shipped_task_passes_the_conformance_kit():
    # One episode at a time keeps this robust on a loaded 2-core CI machine; concurrency has its own test.
    report = check_environment("terminal/core", sandbox=SANDBOX, concurrency=1)
    assert report.ok, report.summary()
    assert report.tasks_checked >= 30
