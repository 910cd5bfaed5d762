"""Testing helpers for environment authors: the conformance kit behind ``envgym check``.

Example (a plugin's own test):
    >>> from envgym.testing import check_environment
    >>> report = check_environment("debug/echo", limit=3)
    >>> assert report.ok, report.summary()
"""

from envgym.testing.conformance import (CHECKS, CheckFailure, CheckReport, check_environment, check_environment_async,
                                        check_tool)

__all__ = ["CHECKS", "CheckFailure", "CheckReport", "check_environment", "check_environment_async", "check_tool"]
