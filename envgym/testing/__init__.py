"""Testing helpers for environment authors: the conformance kit behind ``envgym check``.

Example (a plugin's own test):
    >>> from envgym.testing import check_environment
    >>> report = check_environment("debug/echo", limit=3)
    >>> assert report.ok, report.summary()

``check_adversary`` (docs/adversary.md) attacks every task with the ``adversary`` agent.
"""

from typing import Any

from envgym.testing.conformance import (
    CHECKS,
    CheckFailure,
    CheckReport,
    check_environment,
    check_environment_async,
    check_tool,
)

__all__ = [
    "CHECKS",
    "AdversaryReport",
    "CheckFailure",
    "CheckReport",
    "check_adversary",
    "check_adversary_async",
    "check_environment",
    "check_environment_async",
    "check_tool",
]
_ADVERSARY = ("AdversaryReport", "check_adversary", "check_adversary_async")


def __getattr__(name: str) -> Any:  # the adversary imports this package's conformance module itself
    if name in _ADVERSARY:
        from envgym.adversary import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'envgym.testing' has no attribute {name!r}")
