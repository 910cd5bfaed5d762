"""Retrying failed calls with exponential backoff: a decorator, a runner, env settings and a CLI."""

from retrying.config import policy_from_mapping
from retrying.core import RetryEvent, Retrying, RetryPolicy, retry
from retrying.errors import ConfigError, RetryError
from retrying.policy import Backoff

__all__ = ["Backoff", "ConfigError", "RetryError", "RetryEvent", "RetryPolicy", "Retrying", "policy_from_mapping",
           "retry"]
