from retrying.core import retry
from retrying.policy import Backoff

__all__ = ["Backoff", "retry"]
