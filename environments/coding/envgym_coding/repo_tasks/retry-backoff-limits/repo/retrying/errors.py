"""Errors raised by the retrying package."""

from __future__ import annotations

from typing import Any


class RetryError(Exception):
    """Every attempt returned a result that ``retry_if_result`` rejected; the last one is kept."""

    def __init__(self, attempts: int, last_result: Any) -> None:
        super().__init__(f"gave up after {attempts} attempt(s); last result: {last_result!r}")
        self.attempts = attempts
        self.last_result = last_result


class ConfigError(ValueError):
    """A retry setting (e.g. an environment variable) has an invalid value."""
