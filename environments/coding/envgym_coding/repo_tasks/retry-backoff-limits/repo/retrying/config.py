"""Retry settings from the environment (``RETRY_ATTEMPTS=5``...), so operators can tune them without a deploy."""

from __future__ import annotations

import os
from typing import Callable, Mapping, TypeVar

from retrying.core import RetryPolicy
from retrying.errors import ConfigError
from retrying.policy import JITTER_MODES, Backoff

T = TypeVar("T")

DEFAULT_PREFIX = "RETRY_"


def _read(settings: Mapping[str, str], name: str, convert: Callable[[str], T], default: T, expected: str) -> T:
    raw = settings.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return convert(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected {expected}") from None


def _jitter(raw: str) -> str:
    if raw.lower() not in JITTER_MODES:
        raise ValueError(raw)
    return raw.lower()


def policy_from_mapping(settings: Mapping[str, str] | None = None, prefix: str = DEFAULT_PREFIX,
                        retry_on: tuple[type[BaseException], ...] = (Exception,)) -> RetryPolicy:
    """A ``RetryPolicy`` from ``<prefix>ATTEMPTS``, ``BASE_DELAY``, ``FACTOR``, ``MAX_DELAY``, ``JITTER`` and
    ``DEADLINE`` (``os.environ`` by default); unset settings keep the library defaults."""
    settings = os.environ if settings is None else settings
    defaults, default_backoff = RetryPolicy(), Backoff()
    number, jitter_modes = "a number", "one of " + ", ".join(JITTER_MODES)
    try:
        backoff = Backoff(
            base_delay=_read(settings, prefix + "BASE_DELAY", float, default_backoff.base_delay, number),
            factor=_read(settings, prefix + "FACTOR", float, default_backoff.factor, number),
            max_delay=_read(settings, prefix + "MAX_DELAY", float, default_backoff.max_delay, number),
            jitter=_read(settings, prefix + "JITTER", _jitter, default_backoff.jitter, jitter_modes),
        )
        attempts = _read(settings, prefix + "ATTEMPTS", int, defaults.attempts, "a whole number")
        deadline = _read(settings, prefix + "DEADLINE", float, defaults.deadline, number)
        return RetryPolicy(attempts, retry_on, backoff, None, deadline)
    except ConfigError:
        raise
    except ValueError as exc:
        # Each value parsed, but together they break a rule (e.g. MAX_DELAY below BASE_DELAY).
        raise ConfigError(f"invalid {prefix}* settings: {exc}") from None
